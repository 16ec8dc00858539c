"""A member of the demo association fills in an application and the signatory submits it —
in Chromium, by keyboard alone (focus, typing, Space, Enter), every page checked with axe-core."""

import re
from datetime import date

import pytest

from tests.browser.conftest import assert_accessible
from tests.support.applying import PDF

pytestmark = [pytest.mark.anyio, pytest.mark.browser]


async def keys(locator, text: str) -> None:
    await locator.focus()
    await locator.press("Control+a")
    await locator.press_sequentially(text)


async def press(locator, key: str = "Enter") -> None:
    await locator.focus()
    await locator.press(key)
    await locator.page.wait_for_load_state()


async def log_in(page, persona: str) -> None:
    await page.goto("/")
    await press(page.get_by_role("link", name="Anmelden"))
    await press(page.locator(f"#persona-{persona}"), "Space")
    await press(page.get_by_role("button", name="Anmelden"))


async def open_task(page, name: str) -> None:
    await press(page.get_by_role("link", name=name, exact=True))
    await assert_accessible(page)


async def save(page) -> None:
    await press(page.get_by_role("button", name="Speichern und zurück zur Übersicht"))


async def test_apply_and_submit_by_keyboard(page, tmp_path):
    await log_in(page, "member")
    await press(
        page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
            "link", name="Meine Anträge"
        )
    )
    await assert_accessible(page)
    await press(page.get_by_role("link", name="Neuen Antrag stellen"))
    await assert_accessible(page)
    call = page.get_by_role("radio").first
    year = int(re.search(r"\d{4}", await call.evaluate("e => e.labels[0].textContent")).group())
    await press(call, "Space")
    await press(page.get_by_role("button", name="Antrag anlegen"))
    assert await page.locator("h1").inner_text() == "Neuer Antrag"
    await assert_accessible(page)

    await open_task(page, "Antragsteller und Zentrum")
    await press(page.get_by_role("radio").first, "Space")
    await save(page)

    await open_task(page, "Projekt")
    await keys(page.get_by_label("Titel des Projekts"), "Beratung und Begegnung")
    await keys(
        page.get_by_label("Kurzbeschreibung"), "Soziale Beratung, offener Treff, Deutschkurse."
    )
    await keys(page.get_by_label("Ziele"), "Teilhabe und Deutschkenntnisse.")
    for offer in ("Soziale Beratung", "Offener Treff", "Deutsch-Sprachförderung"):
        await press(page.get_by_label(offer, exact=True), "Space")
    await keys(page.get_by_label("Beginn des Projekts"), date(year, 1, 1).strftime("%d.%m.%Y"))
    await keys(page.get_by_label("Ende des Projekts"), date(year, 12, 31).strftime("%d.%m.%Y"))
    await save(page)
    assert await page.locator("h1").inner_text() == "Beratung und Begegnung", await page.locator(
        "main"
    ).inner_text()
    assert "Gespeichert." in await page.get_by_role("status").first.inner_text()

    await open_task(page, "Kosten- und Finanzierungsplan")
    await press(page.get_by_role("link", name="Ausgabe hinzufügen"))
    await assert_accessible(page)
    await page.get_by_label("Art").focus()
    await page.keyboard.type("Sach")  # selects "Sachausgaben" in the list
    await keys(page.get_by_label("Beschreibung"), "Lehrmaterial")
    await keys(page.get_by_label("Betrag", exact=True), "1.234,5x")
    await press(page.get_by_role("button", name="Speichern"))
    assert "„1.234,5x“ ist kein Betrag" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    await keys(page.get_by_label("Betrag", exact=True), "10.000")
    await press(page.get_by_role("button", name="Speichern"))
    await keys(page.get_by_role("textbox", name="Beantragte Zuwendung"), "10.000,00")
    await press(page.get_by_role("button", name="Speichern"))
    assert (
        "Ja: Ausgaben = Einnahmen + beantragte Zuwendung."
        in await page.locator(".balance").inner_text()
    )
    await assert_accessible(page)
    await press(page.get_by_role("link", name="Zurück zur Übersicht"))

    await open_task(page, "Anlagen")
    pdf = tmp_path / "satzung.pdf"
    pdf.write_bytes(PDF)
    for kind in ("Satzung", "Freistellungsbescheid", "Registerauszug"):
        await page.get_by_label("Art der Anlage").focus()
        await page.keyboard.type(kind[:5])
        async with page.expect_file_chooser() as chooser:
            await page.get_by_label("Datei", exact=True).focus()
            await page.keyboard.press("Space")
        await (await chooser.value).set_files(str(pdf))
        await press(page.get_by_role("button", name="Hochladen"))
    await assert_accessible(page)
    await press(page.get_by_role("link", name="Zurück zur Übersicht"))

    await open_task(page, "Erklärungen")
    for label in ("Mit dem Projekt wurde noch nicht begonnen", "Nein – die Ausgaben enthalten",
                  "Die Angaben im Antrag sind vollständig", "Ich habe die Datenschutzhinweise gelesen"):  # fmt: skip
        await press(page.get_by_label(label), "Space")
    await save(page)
    assert await page.get_by_text("Erledigt", exact=True).count() == 5

    # The member may not submit: she lays the draft before the signatory, who finds it at the start.
    await open_task(page, "Angaben prüfen und einreichen")
    await press(page.get_by_role("button", name="Zur Unterschrift vorlegen"))
    assert (
        "Der Antrag liegt jetzt zur Unterschrift vor bei: Mehmet Kaya."
        in await page.get_by_role("status").first.inner_text()
    )
    assert "Zur Unterschrift vorgelegt von Ayşe Demir" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await press(page.get_by_role("button", name="Abmelden"))
    await log_in(page, "signatory")
    to_sign = page.get_by_role("region", name="Zur Unterschrift")
    assert "— vorgelegt von Ayşe Demir am" in await to_sign.inner_text()
    await assert_accessible(page)
    await press(to_sign.get_by_role("link", name="Beratung und Begegnung"))
    await assert_accessible(page)
    await press(page.get_by_role("button", name="Antrag verbindlich einreichen"))
    assert (
        "Der Antrag ist eingereicht (Fassung 1)."
        in await page.get_by_role("status").first.inner_text()
    )
    assert await page.locator(".tag").first.inner_text() == "Eingereicht"
    await assert_accessible(page)
