"""In the demo, in Chromium: a member of the association writes the usage report of a grant
being paid — Sachbericht with running totals, figures, the receipt list through the generated
Excel template — and a signatory submits it; every page checked with axe-core."""

import io

import anyio
import pytest
from openpyxl import load_workbook

from reports.excel.receipt_list import FIRST_ROW
from tests.browser.conftest import accessible_at_1280_and_320, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def main_text(page) -> str:
    return await page.locator("main").inner_text()


async def test_a_member_writes_the_report_and_a_signatory_submits_it(page):
    await log_in(page, "member")
    await page.goto("/antraege")
    await page.get_by_role("link", name="2026").first.click()
    await page.get_by_role("link", name="Verwendungsnachweis", exact=True).click()
    await page.wait_for_load_state()
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Verwendungsnachweis beginnen").click()
    await page.wait_for_load_state()
    home = page.url

    await page.get_by_role("link", name="Sachbericht").click()
    for label in ("Ziele und Ergebnisse", "Abweichungen vom Plan", "Herausforderungen", "Ausblick"):
        await page.get_by_label(label).fill("Wie geplant.")
    await page.get_by_label("weiblich").fill("40")
    await page.get_by_label("männlich").fill("2")
    assert (
        await page.locator('output[data-total="contacts_by_gender"]').inner_text() == "42"
    )  # while typing
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_load_state()
    assert "Sachbericht gespeichert." in await main_text(page)

    await page.goto(home)
    await page.get_by_role("link", name="Zahlenmäßiger Nachweis").click()
    rows = page.locator("tbody tr")
    amounts = []
    for n in range(await rows.count()):
        plan = (await rows.nth(n).locator("td").first.inner_text()).replace("\xa0€", "").strip()
        await rows.nth(n).locator("input").fill(plan)
        amounts.append(plan)
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Speichern").click()
    await page.wait_for_load_state()
    assert "Zahlenmäßiger Nachweis gespeichert." in await main_text(page)

    await page.goto(home)
    await page.get_by_role("link", name="Belegliste").click()
    await accessible_at_1280_and_320(page)
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Vorlage herunterladen (Excel)").click()
    download = await downloading.value
    workbook = load_workbook(io.BytesIO(await anyio.Path(await download.path()).read_bytes()))
    positions = [
        r[0] for r in workbook["Positionen"].iter_rows(min_row=2, values_only=True) if r[0]
    ]
    sheet = workbook["Belege"]
    for n, (label, amount) in enumerate(zip(positions, amounts, strict=True)):
        kind = "Einnahme" if "(Einnahme)" in label else "Ausgabe"
        for column, value in enumerate(
            (n + 1, kind, "15.03.2026", "Druckerei", "Beleg", amount, label, None), 1
        ):
            sheet.cell(FIRST_ROW + n, column, value)
    filled = io.BytesIO()
    workbook.save(filled)
    await page.locator("#feld-file").set_input_files(
        {"name": "belege.xlsx", "mimeType": "application/octet-stream", "buffer": filled.getvalue()}
    )
    await page.get_by_role("button", name="Belegliste übernehmen").click()
    await page.wait_for_load_state()
    assert f"{len(amounts)} Belege aus „belege.xlsx“ übernommen" in await main_text(page)

    await page.goto(home)
    await page.get_by_role("link", name="Bestätigung").click()
    for box in await page.get_by_role("checkbox").all():
        await box.check()
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Speichern und zurück zur Übersicht").click()
    await page.wait_for_load_state()
    assert "4 von 4 Abschnitten erledigt" in await main_text(page)

    await page.get_by_role("link", name="Angaben prüfen und einreichen").click()
    await accessible_at_1280_and_320(page)
    assert "Keine Punkte, die das Einreichen verhindern." in await main_text(page)
    assert "Einreichen darf nur eine vertretungsberechtigte Person" in await main_text(page)

    await log_in(page, "signatory")
    await page.goto(f"{home}/pruefen")
    await page.get_by_role("button", name="Verwendungsnachweis verbindlich einreichen").click()
    await page.wait_for_load_state()
    assert "Der Verwendungsnachweis ist eingereicht (Fassung 1)." in await main_text(page)
    await accessible_at_1280_and_320(page)
