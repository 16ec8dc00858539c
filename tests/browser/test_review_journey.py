"""In the demo, in Chromium: a reviewer reviews a submitted application — every expense line in
one form, the grant computed as the letter will state it — an approver approves it with the
decision form used without JavaScript (the financing type chosen first, a letter preview marked
ENTWURF, then the decision), and the association sees the status and the letter; every page
checked with axe-core, the workspace and the decision pages also at 320 px."""

import re

import pytest
from docx import Document as WordDocument

from grants.money import Money
from tests.browser.conftest import accessible_at_1280_and_320, assert_accessible, log_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def test_review_decide_and_see_the_letter(page, browser, live_server):
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
    decision_url = page.url
    await accessible_at_1280_and_320(page)

    amount = await decide_without_javascript(browser, live_server, decision_url)
    await page.goto(decision_url)  # what the approver sees after deciding, checked with axe
    summary = f"Entschieden: Bewilligung {amount}\u00a0€ als Festbetragsfinanzierung"
    assert await page.get_by_role("heading", name=summary).count() == 1
    await accessible_at_1280_and_320(page)

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


async def decide_without_javascript(browser, live_server: str, url: str) -> str:
    """As the approver with JavaScript off: choose Festbetrag, preview the draft letter, decide.

    Returns the fixed amount granted (the amount requested, as the form proposed it as the cap)."""
    context = await browser.new_context(
        base_url=live_server, locale="de-DE", java_script_enabled=False
    )
    page = await context.new_page()
    await log_in(page, "approver")
    await page.goto(url)
    assert await page.get_by_label("Höchstbetrag H").count() == 1  # Fehlbedarf, as recommended
    amount = await page.get_by_label("Höchstbetrag H").input_value()
    await page.get_by_label("Festbetragsfinanzierung").check()
    await page.get_by_role("button", name="Art übernehmen").click()
    await page.wait_for_load_state()
    assert await page.get_by_label("Höchstbetrag H").count() == 0
    assert (
        await page.get_by_role("group", name="Parameter der Festbetragsfinanzierung").count() == 1
    )
    await page.get_by_label("Festbetrag F").fill(amount)
    async with page.expect_download() as preview:
        await page.get_by_role("button", name="Bescheid-Vorschau (Entwurf)").click()
    draft = WordDocument(await (await preview.value).path())
    assert "ENTWURF" in [p.text for p in draft.sections[0].header.paragraphs]
    assert f"Festbetragsfinanzierung in Höhe von {amount}\u00a0€" in "\n".join(
        p.text for p in draft.paragraphs
    )
    await page.get_by_role("button", name="Entscheiden und Bescheid erstellen").click()
    await page.wait_for_load_state()
    assert "Die Entscheidung ist gespeichert" in await page.get_by_role("status").first.inner_text()
    heading = f"Entschieden: Bewilligung {amount}\u00a0€ als Festbetragsfinanzierung"
    assert await page.get_by_role("heading", name=heading).count() == 1
    async with page.expect_download() as letter:
        await page.get_by_role("link", name="Bescheid herunterladen").click()
    final = WordDocument(await (await letter.value).path())
    assert "ENTWURF" not in "\n".join(p.text for p in final.paragraphs)
    await context.close()
    return amount


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
    await accessible_at_1280_and_320(page)
