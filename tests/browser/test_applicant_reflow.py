"""Every page an association's people use, at 320 px: no sideways scrolling (WCAG 1.4.10 —
wide data tables scroll within themselves) and no axe-core violation, empty, filled and with
errors, from the start page to the confirmation of the submission and a Nachforderung."""

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import assert_accessible, log_in
from tests.support.applying import PDF

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > 320.5)
  .map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
            + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').slice(0, 8)"""


async def fits(page, what: str) -> None:
    """The page does not scroll sideways at 320 px and passes axe-core."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, (what, page.url, width, await page.evaluate(WIDEST))
    await assert_accessible(page)


async def visit(page, path: str) -> None:
    response = await page.goto(path)
    assert response.status == 200, path
    await fits(page, path)


async def click(page, name: str) -> None:
    await page.get_by_role("button", name=name, exact=True).click()
    await page.wait_for_load_state()


async def save(page) -> None:
    await click(page, "Speichern und zurück zur Übersicht")


async def test_every_applicant_page_reflows_at_320_px(page, tmp_path):
    await page.set_viewport_size({"width": 320, "height": 640})
    await log_in(page, "member")
    for path in ("/", "/antraege", "/antraege/neu"):
        await visit(page, path)

    await page.get_by_role("radio").first.check()
    label = await page.get_by_role("radio").first.evaluate("e => e.labels[0].textContent")
    year = int(re.search(r"\d{4}", label).group())
    await click(page, "Antrag anlegen")
    application = re.search(r"/antraege/(\d+)$", page.url).group(1)
    base = f"/antraege/{application}"
    await fits(page, "task list")

    empty = ["antragsteller", "projekt", "finanzplan", "finanzplan/neu/ausgabe", "finanzplan/neu/einnahme",
             "anlagen", "erklaerungen", "pruefen"]  # fmt: skip
    for section in empty:
        await visit(page, f"{base}/{section}")
    for section, button in (("projekt", "Speichern und zurück zur Übersicht"),
                            ("finanzplan/neu/ausgabe", "Speichern"), ("anlagen", "Hochladen"),
                            ("erklaerungen", "Speichern und zurück zur Übersicht")):  # fmt: skip
        await page.goto(f"{base}/{section}")
        await click(page, button)
        assert await page.get_by_role("alert").count() == 1, section
        await fits(page, f"{section} with errors")

    await page.goto(f"{base}/antragsteller")
    await page.get_by_role("radio").first.check()
    await save(page)
    await page.goto(f"{base}/projekt")
    await page.get_by_label("Titel des Projekts").fill("Treffpunkt Vielfalt am Neptunplatz")
    await page.get_by_label("Kurzbeschreibung").fill(
        "Soziale Beratung, offener Treff, Deutschkurse."
    )
    await page.get_by_label("Ziele").fill("Teilhabe und Deutschkenntnisse.")
    for offer in ("Soziale Beratung", "Offener Treff", "Deutsch-Sprachförderung"):
        await page.get_by_label(offer, exact=True).check()
    await page.get_by_label("Beginn des Projekts").fill(date(year, 1, 1).strftime("%d.%m.%Y"))
    await page.get_by_label("Ende des Projekts").fill(date(year, 12, 31).strftime("%d.%m.%Y"))
    await save(page)
    await visit(page, f"{base}/projekt")

    await page.goto(f"{base}/finanzplan/neu/ausgabe")
    await page.get_by_label("Art").select_option("personnel")
    await page.get_by_label("Beschreibung").fill(
        "Sozialberatung und Verweisberatung für Neuzugewanderte"
    )
    await page.get_by_label("Betrag", exact=True).fill("30.000")
    await page.get_by_label("Funktion").fill("Sozialarbeiter:in (Beratung)")
    await page.get_by_label("Stellenanteil (VZÄ)").fill("0,5")
    await page.get_by_label("Entgeltgruppe").fill("TVöD SuE S 12")
    await click(page, "Speichern")
    await page.goto(f"{base}/finanzplan/neu/einnahme")
    await page.get_by_label("Art").select_option("own_funds")
    await page.get_by_label("Beschreibung").fill("Mitgliedsbeiträge")
    await page.get_by_label("Betrag", exact=True).fill("4.800")
    await click(page, "Speichern")
    await fits(page, "plan with lines and a gap")
    await click(page, "Fehlbetrag als beantragte Förderung übernehmen")
    await fits(page, "plan, balanced")
    line = await page.get_by_role("link", name=re.compile("^ändern")).first.get_attribute("href")
    await visit(page, line)

    pdf = tmp_path / "satzung.pdf"
    pdf.write_bytes(PDF)
    await page.goto(f"{base}/anlagen")
    for kind in ("statutes", "tax_exemption", "register_extract"):
        await page.get_by_label("Art der Anlage").select_option(kind)
        await page.get_by_label("Datei", exact=True).set_input_files(str(pdf))
        await click(page, "Hochladen")
    await fits(page, "attachments")
    await page.goto(f"{base}/erklaerungen")
    for text in ("Mit dem Projekt wurde noch nicht begonnen", "Nein – die Ausgaben enthalten",
                 "Die Angaben im Antrag sind vollständig", "Ich habe die Datenschutzhinweise gelesen"):  # fmt: skip
        await page.get_by_label(text).check()
    await save(page)
    await fits(page, "task list, all done")
    for section in ("antragsteller", "erklaerungen", "pruefen"):
        await visit(page, f"{base}/{section}")

    await page.goto(base)
    await click(page, "Nachricht senden")
    await fits(page, "message with errors")

    await page.goto("/")
    await (
        page.get_by_role("navigation", name="Hauptnavigation")
        .get_by_role("link", name="Türkisch")
        .click()
    )
    await page.wait_for_load_state()
    await fits(page, "organisation")
    links = await page.locator("main a[href^='/organisationen/']:not([download])").evaluate_all(
        "links => links.map(a => a.getAttribute('href').split('#')[0])"
    )
    organisation_pages = [link for link in dict.fromkeys(links) if not link.endswith(".xlsx")]
    assert len(organisation_pages) >= 3, organisation_pages
    for path in organisation_pages:
        await visit(page, path)

    await log_in(page, "signatory")
    await page.set_viewport_size({"width": 320, "height": 640})
    await visit(page, f"{base}/zurueckziehen")
    await visit(page, f"{base}/pruefen")
    await click(page, "Antrag verbindlich einreichen")
    assert "Der Antrag ist eingereicht" in await page.get_by_role("status").first.inner_text()
    await fits(page, "confirmation")
    await hand_back_and_visit(page, application)

    await page.goto("/antraege")
    decided = await page.locator("main a[href^='/antraege/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href')).filter(h => /^\\/antraege\\/\\d+$/.test(h))"
    )
    for path in decided[:6]:
        await visit(page, path)


async def hand_back_and_visit(page, application: str) -> None:
    """A reviewer asks for changes; the pages of the signatory name that deadline, not the call's."""
    deadline = (date.today() + timedelta(days=14)).strftime("%d.%m.%Y")
    await log_in(page, "reviewer")
    await page.goto(f"/pruefung/antraege/{application}")
    await click(page, "Prüfung beginnen")
    await page.get_by_label("Was der Verein nachreichen oder ändern soll").fill(
        "Bitte die Honorare begründen."
    )
    await page.get_by_label("Frist", exact=True).fill(deadline)
    await click(page, "An den Verein zurückgeben")

    await log_in(page, "signatory")
    await page.set_viewport_size({"width": 320, "height": 640})
    base = f"/antraege/{application}"
    for path in (base, f"{base}/pruefen"):
        await visit(page, path)
        main = " ".join((await page.locator("main").inner_text()).split())
        assert f"Frist der Nachforderung {deadline}" in main, path
        assert "Antragsfrist" not in main, path
    for section in ("antragsteller", "projekt", "finanzplan", "anlagen", "erklaerungen"):
        await visit(page, f"{base}/{section}")
