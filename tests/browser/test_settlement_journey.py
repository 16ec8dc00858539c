"""In the demo, in Chromium: Dr. Andrea Hoffmann settles the report Julia Becker recognised — a
refund — hears the association, sets the refund, and finance sees the receivable; every page
checked with axe-core at 1280 and 320 px."""

import pytest

from tests.browser.conftest import accessible_at_1280_and_320, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
READY = "IKZ-2025-0003"  # the demo's report in review, every line recognised by "reviewer"


async def test_settle_hear_decide_and_see_the_receivable(page):
    await log_in(page, "approver")
    await page.goto("/pruefung/nachweise?status=&bearbeitung=")
    row = page.locator("tbody tr", has_text=READY)
    workspace = await row.get_by_role("link").first.get_attribute("href")
    await page.goto(f"{workspace}/abrechnung")
    await page.get_by_role("heading", name="Berechnung aus den anerkannten Beträgen").wait_for()
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Abrechnen und Prüfvermerk erstellen").click()
    await page.wait_for_load_state()
    main = await page.locator("main").inner_text()
    assert "Abgerechnet: der Prüfvermerk liegt bei den Dokumenten." in main
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Anhörungsschreiben erstellen und senden").click()
    await page.wait_for_load_state()
    await page.get_by_label(
        "Die Stellungnahme des Vereins liegt vor und ist berücksichtigt."
    ).check()
    await page.get_by_role("button", name="Rückforderungsbescheid erlassen").click()
    await page.wait_for_load_state()
    assert "Rückforderungsbescheid" in await page.locator("main").inner_text()
    await accessible_at_1280_and_320(page)

    await log_in(page, "finance")
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Forderungen")
        .click()
    )
    await page.wait_for_load_state()
    assert READY in await page.locator("main").inner_text()
    await accessible_at_1280_and_320(page)
