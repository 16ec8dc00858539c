"""The page before submission shows the plan line by line and the declarations, not only totals."""

import html
import re

import pytest

from tests.support import applying
from tests.support.applying import complete, start, step
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio


def text_of(page: str, start: str, end: str) -> str:
    """The visible text between two markers, tags dropped and spaces collapsed."""
    part = page.split(start, 1)[1].split(end, 1)[0]
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part))).strip()


@pytest.fixture
async def completed(client, database):
    world = await applying.open_call()
    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await start(client, world)
    await complete(client, app_id, world)
    return app_id


async def test_the_check_page_lists_each_plan_line(client, completed):
    page = (await client.get(f"/antraege/{completed}/pruefen")).text
    plan = text_of(page, "<h2>Kosten- und Finanzierungsplan</h2>", "<h2>Anlagen</h2>")
    expenses = plan.split("Ausgaben Posten Betrag", 1)[1].split("Einnahmen", 1)[0]
    assert (
        "Sozialberatung Personalausgaben · Sozialarbeiter:in · 0,5 VZÄ · TVöD SuE S 12 30.000,00\xa0€"
        in expenses
    )
    assert "Honorare Deutschkurs Honorare 120 × 40,00\xa0€ 4.800,00\xa0€" in expenses
    assert "Summe 34.800,00\xa0€" in expenses
    revenues = plan.split("Einnahmen und andere Finanzierung Posten Betrag", 1)[1]
    assert revenues.strip().startswith(
        "Mitgliedsbeiträge Eigenmittel 4.800,00\xa0€ Summe 4.800,00\xa0€"
    )
    assert "Beantragte Zuwendung 30.000,00\xa0€" in plan


async def test_quantities_show_as_typed_on_the_check_page(client, completed):
    line = {"kind_path": "ausgabe", "category": "material", "description": "Kopien", "quantity": "1,5",
            "unit_price": "0,07"}  # fmt: skip
    assert (await step(client, completed, "finanzplan/posten", line)).status_code == 303
    page = (await client.get(f"/antraege/{completed}/pruefen")).text
    assert "Kopien" in page
    assert "1,5 × 0,07\xa0€" in text_of(
        page, "<h2>Kosten- und Finanzierungsplan</h2>", "<h2>Anlagen</h2>"
    )


async def test_the_check_page_shows_the_declarations_given(client, completed):
    page = (await client.get(f"/antraege/{completed}/pruefen")).text
    declarations = text_of(page, "<h2>Erklärungen</h2>", "</dl>")
    for given in (
        "Noch nicht begonnen Bestätigt: Mit dem Projekt wurde noch nicht begonnen",
        "Vorsteuerabzug Nein – die Ausgaben enthalten die Umsatzsteuer.",
        "Vollständig und richtig Bestätigt: Die Angaben im Antrag sind vollständig und richtig.",
        "Datenschutzhinweise Bestätigt: gelesen.",
    ):
        assert given in declarations
    changed = {
        "no_early_start": "true",
        "input_tax_deduction": "ja",
        "truthful": "true",
        "privacy_notice": "true",
    }
    assert (await step(client, completed, "erklaerungen", changed)).status_code == 303
    page = (await client.get(f"/antraege/{completed}/pruefen")).text
    assert "Vorsteuerabzug Ja – die Ausgaben sind ohne Umsatzsteuer angegeben." in text_of(
        page, "<h2>Erklärungen</h2>", "</dl>"
    )
