"""In the demo, in Chromium: a reviewer takes up a submitted usage report from the queue,
refuses one line without a reason (the error summary links to the field), then with one, and
draws the sample; the association uploads a sampled receipt — every page checked with axe-core
at 1280 and 320 px on the way."""

import pytest

from tests.browser.conftest import accessible_at_1280_and_320, assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_review_a_usage_report(page):
    await log_in(page, "reviewer")
    await page.goto("/pruefung/nachweise?status=eingereicht")
    row = page.locator("tbody tr").filter(has_text="Türkisch-Deutscher Kulturverein").first
    await row.locator("th a").click()
    grant_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    await page.get_by_role("heading", name="Sachbericht").wait_for()
    await accessible_at_1280_and_320(page)
    await page.get_by_role("button", name="Prüfung beginnen").click()
    assert "begonnen" in await page.get_by_role("status").first.inner_text()
    await accessible_at_1280_and_320(page)
    lines = page.locator("form.assessments fieldset")
    first = lines.first
    await first.get_by_label("nicht anerkannt").check()
    await first.get_by_label("Begründung (bei Kürzung oder Ablehnung)").fill("")
    await page.get_by_role("button", name="Bewertung aller Zeilen speichern").click()
    summary = page.get_by_role("alert")
    assert "Bitte begründen Sie die Kürzung" in await summary.inner_text()
    await assert_accessible(page)
    await summary.get_by_role("link").first.click()
    await first.get_by_label("Begründung (bei Kürzung oder Ablehnung)").fill(
        "Nicht Teil des Projekts."
    )
    await page.get_by_role("button", name="Bewertung aller Zeilen speichern").click()
    assert "gespeichert" in await page.get_by_role("status").first.inner_text()
    await page.get_by_label("Anzahl der Belege (außer denen ab der Schwelle)").fill("2")
    await page.get_by_role("button", name="Stichprobe ziehen").click()
    assert "Stichprobe gezogen" in await page.get_by_role("status").first.inner_text()
    await page.get_by_role("table", name="Belege der Stichprobe").wait_for()
    await accessible_at_1280_and_320(page)

    await log_in(page, "member")
    await page.goto(f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe")
    await accessible_at_1280_and_320(page)
    upload = page.locator("form").filter(has=page.locator("input[type=file]")).first
    await upload.locator("input[type=file]").set_input_files(
        {"name": "beleg.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    await upload.locator("button[type=submit]").click()
    assert "hochgeladen" in await page.get_by_role("status").first.inner_text()
    await page.get_by_role("link", name="beleg.pdf").wait_for()
    await accessible_at_1280_and_320(page)
