"""In the demo, in Chromium: a reviewer reviews a submitted application, an approver approves
it, and the association sees the status and the letter — every page checked with axe-core."""

import pytest

from tests.browser.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def test_review_decide_and_see_the_letter(page):
    await log_in(page, "reviewer")
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Anträge prüfen")
        .click()
    )
    await assert_accessible(page)
    await page.get_by_role("link", name="Eingereicht (").click()
    await assert_accessible(page)
    row = page.locator("tbody tr").filter(has_text="Türkisch-Deutscher Kulturverein").first
    title = await row.locator("th a").inner_text()
    await row.locator("th a").click()
    await assert_accessible(page)
    await page.get_by_role("button", name="Prüfung beginnen").click()
    assert "Prüfung begonnen." in await page.get_by_role("status").first.inner_text()
    await assert_accessible(page)
    form = page.locator("form").filter(has=page.get_by_role("button", name="Empfehlung speichern"))
    await form.get_by_label("Bewilligung", exact=True).check()
    await page.get_by_role("button", name="Empfehlung speichern").click()
    assert "Empfehlung gespeichert." in await page.get_by_role("status").first.inner_text()
    await page.get_by_role("button", name="Prüfung abschließen (entscheidungsreif)").click()
    assert "entscheidungsreif" in await page.get_by_role("status").first.inner_text()

    await log_in(page, "approver")
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Anträge prüfen")
        .click()
    )
    await page.get_by_role("link", name="Entscheidungsreif (").click()
    await page.get_by_role("link", name=title).first.click()
    await page.get_by_role("link", name="Jetzt entscheiden").click()
    await assert_accessible(page)
    await page.get_by_role("button", name="Entscheiden und Bescheid erstellen").click()
    assert "Entschieden: Bewilligung." in await page.get_by_role("status").first.inner_text()

    await log_in(page, "member")
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Meine Anträge")
        .click()
    )
    await page.get_by_role("link", name=title).first.click()
    assert await page.locator(".tag").first.inner_text() == "Bewilligt"
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Zuwendungsbescheid").first.click()
    assert (await download.value).suggested_filename.startswith("Zuwendungsbescheid-")
    await assert_accessible(page)
