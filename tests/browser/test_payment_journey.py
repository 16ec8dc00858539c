"""In the demo, in Chromium: a reviewer orders a due instalment, finance releases it, sends the
released orders to the cash office, books the cash office's confirmation and sees the budget
overview change by exactly what was paid — every page checked with axe-core."""

import io
from decimal import Decimal

import anyio
import pytest
from openpyxl import load_workbook

from grants.money import Money
from tests.browser.conftest import accessible_at_1280_and_320, assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
YEAR = 2026  # the demo's year with its budget in force and grants being paid


async def open_payments(page) -> None:
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Zahlungen")
        .click()
    )
    await page.wait_for_load_state()


async def paid_in_budget(page) -> Money:
    await page.goto(f"/haushalt?jahr={YEAR}")
    return Money.parse(await page.locator("tfoot td").nth(3).inner_text())


async def test_order_release_export_confirm_and_see_the_budget_change(page):
    await log_in(page, "reviewer")
    await open_payments(page)
    await assert_accessible(page)
    # a grant of another association: the amendment and usage-report journeys change the
    # personas' own grant on the same served demo
    due = (
        page.locator("#faellig")
        .locator("xpath=..")
        .locator("tbody tr")
        .filter(has_not_text="Türkisch-Deutscher Kulturverein Ehrenfeld")
        .first
    )
    file_number = await due.locator("td a").first.inner_text()
    await due.get_by_role("button", name="Anordnen und sachlich richtig zeichnen").click()
    await page.wait_for_load_state()
    assert (
        "angeordnet und als sachlich richtig gezeichnet" in await page.locator("main").inner_text()
    )

    await log_in(page, "finance")
    paid_before = await paid_in_budget(page)
    await open_payments(page)
    await page.get_by_role("link", name="sachlich richtig (").click()
    row = page.locator("tbody tr", has_text=file_number).filter(
        has=page.get_by_role("button", name="Freigeben")
    )
    await row.first.get_by_role("button", name="Freigeben").click()
    await page.wait_for_load_state()
    assert "Anordnung freigegeben." in await page.locator("main").inner_text()

    await page.get_by_role("link", name="freigegeben (").click()
    await accessible_at_1280_and_320(page)
    assert await page.get_by_role("checkbox", checked=False).count() == 0  # all pre-selected
    await page.get_by_role("button", name="Auswahl prüfen").click()
    await page.wait_for_load_state()
    assert "Anordnungen über zusammen" in await page.locator("main").inner_text()
    await accessible_at_1280_and_320(page)
    async with page.expect_download() as sending:
        await page.get_by_role("button", name="Jetzt übermitteln").click()
    download = await sending.value
    assert download.suggested_filename.startswith("Auszahlungsanordnungen-AO-")
    sheet = load_workbook(io.BytesIO(await anyio.Path(await download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r and "Anordnungs-Nr." in r)
    number, amount, year = (
        header.index(h) for h in ("Anordnungs-Nr.", "diese Zahlung", "Haushaltsjahr")
    )
    orders = [r for r in rows[rows.index(header) + 1 :] if r[number]]
    assert orders
    assert any(file_number in str(r) for r in orders)
    confirmation = "\n".join(["Anordnungs-Nr.;Betrag;Datum;Kassenzeichen"] + [
        f"{r[number]};{Money.from_decimal(Decimal(str(r[amount]))).format_plain()};24.11.2026;5400.{n:04d}"
        for n, r in enumerate(orders)])  # fmt: skip
    expected = Money.total(
        Money.from_decimal(Decimal(str(r[amount]))) for r in orders if r[year] == YEAR
    )

    await open_payments(page)
    assert "AO-" in await page.locator("#stapel").locator("xpath=..").locator("tbody").inner_text()
    await page.get_by_role("link", name="Zahlungsbestätigungen der Kasse einlesen").click()
    await assert_accessible(page)
    await page.get_by_label("Datei der Kasse").set_input_files(
        {"name": "kasse.csv", "mimeType": "text/csv", "buffer": confirmation.encode()}
    )
    await page.get_by_role("button", name="Prüfen und verbuchen").click()
    await page.wait_for_load_state()
    assert f"{len(orders)} Zahlungen über" in await page.locator("main").inner_text()

    assert await paid_in_budget(page) == paid_before + expected
    await assert_accessible(page)
