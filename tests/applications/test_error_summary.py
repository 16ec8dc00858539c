"""The error summary of every applicant form names the field of each error and links to it."""

import html
import re

import pytest

from grants.settings import get_settings
from portal.templating import environment
from tests.support import applying
from tests.support.applying import start, step, upload
from tests.support.login import csrf_post, sign_in

pytestmark = pytest.mark.anyio
ITEM = re.compile(r'<li><a href="#(feld-[\w-]+)">([^<]*)</a></li>')


def summary(page: str) -> list[tuple[str, str]]:
    """The summary's links: (the field's id, the text), each id found on the page."""
    items = [(target, html.unescape(text)) for target, text in ITEM.findall(page)]
    for target, _ in items:
        assert f'id="{target}"' in page, target
    return items


@pytest.fixture
async def draft(client, database):
    world = await applying.open_call()
    await sign_in(client, "signatory")
    await client.get("/")
    return await start(client, world), world


async def test_starting_without_a_call_names_the_call(client, database):
    await applying.open_call()
    await sign_in(client, "member")
    await client.get("/")
    answer = await csrf_post(client, "/antraege/neu", {})
    assert answer.status_code == 400
    assert summary(answer.text) == [("feld-call", "Förderaufruf: Bitte einen Förderaufruf wählen.")]


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("antragsteller", {}, [("feld-centre", "Zentrum: Bitte ein Zentrum wählen.")]),
        ("projekt", {"title": "", "summary": "x", "goals": "y", "planned_offers": ["open_meeting"],
                     "district": "ehrenfeld", "period_start": "31.02.2026", "period_end": ""},
         [("feld-title", "Titel: Bitte ausfüllen."),
          ("feld-period_start", "Beginn des Projekts: Bitte ein gültiges Datum angeben, z. B. 31.12.2026."),
          ("feld-period_end", "Ende des Projekts: Bitte ein Datum angeben.")]),
        ("finanzplan", {"requested": "", "financing_type": "shortfall"},
         [("feld-requested", "Beantragte Zuwendung: Bitte einen Betrag eingeben.")]),
        ("finanzplan/posten", {"kind_path": "ausgabe", "category": "material", "description": "",
                               "amount": "1e3"},
         [("feld-description", "Beschreibung: Bitte ausfüllen."),
          ("feld-amount", "Betrag: „1e3“ ist kein Betrag. Bitte so eingeben: 1.234,56")]),
        ("erklaerungen", {"truthful": "true"},
         [("feld-input_tax_deduction", "Vorsteuerabzug: Bitte angeben, ob Sie zum Vorsteuerabzug berechtigt sind.")]),
        ("erklaerungen", {"input_tax_deduction": "ja"},
         [("feld-truthful", "Vollständig und richtig: Bitte bestätigen."),
          ("feld-privacy_notice", "Datenschutzhinweise: Bitte bestätigen."),
          ("feld-no_early_start", "Noch nicht begonnen: Bitte bestätigen, dass das Projekt noch nicht begonnen hat.")]),
        ("zurueckziehen", {"reason": " "}, [("feld-reason", "Grund: Bitte ausfüllen.")]),
    ],
)  # fmt: skip
async def test_each_error_names_its_field_and_links_to_it(client, draft, path, data, expected):
    app_id, _ = draft
    answer = await step(client, app_id, path, data)
    assert answer.status_code == 400, answer.text
    assert summary(answer.text) == expected


async def test_an_upload_without_a_file_names_the_file_field(client, draft):
    app_id, _ = draft
    answer = await upload(client, app_id, "", "", b"")
    assert answer.status_code == 400
    assert summary(answer.text) == [
        ("feld-kind", "Art der Anlage: Bitte eine Möglichkeit wählen."),
        ("feld-file", "Datei: Bitte eine Datei auswählen."),
    ]


async def test_an_empty_message_names_the_message_field(client, draft):
    app_id, _ = draft
    answer = await csrf_post(client, f"/antraege/{app_id}/nachrichten", {"body": ""})
    assert answer.status_code == 400
    [(target, text)] = summary(answer.text)
    assert target == "feld-body"
    assert text.startswith("Nachricht: ")


def test_the_macro_names_known_fields_takes_other_names_and_leaves_a_conflict_unlinked():
    template = environment(get_settings()).from_string(
        '{% import "macros/forms.html.jinja2" as forms %}{{ forms.error_summary(errors, names) }}'
    )
    page = template.render(
        errors={"title": "Bitte ausfüllen.", "x_unknown": "Falsch.", "version": "Geändert."},
        names={"title": "Titel des Projekts"},
    )
    assert ITEM.findall(page) == [
        ("feld-title", "Titel des Projekts: Bitte ausfüllen."),
        ("feld-x_unknown", "Falsch."),
    ]
    assert "<li>Geändert.</li>" in page
    assert template.render(errors={}, names={}).strip() == ""
