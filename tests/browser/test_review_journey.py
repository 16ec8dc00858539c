"""In the demo, in Chromium: a reviewer reviews a submitted application — every expense line in
one form, the grant computed as the letter will state it — an approver approves it, and the
association sees the status and the letter; every page checked with axe-core, the workspace
also at 320 px."""

import re

import pytest

from grants.money import Money
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
    await assess_in_one_form(page)
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


async def assess_in_one_form(page) -> None:
    """Cut the first expense line by 100 € in the one form: first without amount and reason
    (refused at the fields), then complete; the computation follows. Axe at 1280 and 320 px."""
    line = page.locator("fieldset.assessment").first
    legend = await line.locator("legend").inner_text()
    amount = Money.parse(re.search(r": ([\d.,]+)\s*€", legend).group(1))
    await line.get_by_label("teilweise zuwendungsfähig").check()
    save = page.get_by_role("button", name="Bewertung aller Ausgaben speichern")
    await save.click()
    assert "Das hat nicht geklappt" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    line = page.locator("fieldset.assessment").first
    assert await line.get_by_label("teilweise zuwendungsfähig").is_checked()  # kept what was chosen
    await line.get_by_label("anerkannter Betrag bei Teilanerkennung").fill(
        (amount - Money(10_000)).format_plain()
    )
    await line.get_by_label("Begründung").fill("Ein Teil der Kosten ist nicht belegt.")
    await save.click()
    assert (
        "Bewertung der Ausgaben gespeichert." in await page.get_by_role("status").first.inner_text()
    )
    computation = page.get_by_role("region", name="Berechnung der Zuwendung")
    assert "Im Bescheid steht:" in await computation.inner_text()
    for width in (1280, 320):
        await page.set_viewport_size({"width": width, "height": 900})
        await assert_accessible(page)
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
    await page.set_viewport_size({"width": 1280, "height": 900})
