"""Programmes and calls: admins create and change them (audited, optimistic locking), bad input
comes back at the field with what was typed, KI staff read, and everyone sees the open calls."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from grants import audit
from grants.demo.seed import load_once
from grants.services import programmes
from grants.tables import AuditEvent, BudgetLine, Call, FiscalYear, Programme
from grants.vocabulary import PaymentMode
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
IKZ = "Förderung der Interkulturellen Zentren"


@pytest.fixture
async def world(database):
    """The demo data: programme IKZ, fiscal year 2027 with its IKZ line (800.000,00 €), and
    the IKZ line of 2026."""
    await load_once()
    ikz = await Programme.objects().get(Programme.name == IKZ)
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    line = await BudgetLine.objects().get(
        (BudgetLine.fiscal_year.year == 2027) & (BudgetLine.cost_centre == "1304IKZ")
    )
    old_line = await BudgetLine.objects().get(
        (BudgetLine.fiscal_year.year == 2026) & (BudgetLine.cost_centre == "1304IKZ")
    )
    return {"ikz": ikz.id, "year": year.id, "line": line.id, "old_line": old_line.id}


def programme_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "name": "Demokratie leben in Köln", "short_name": "DEMO",
        "description": "Projekte für Teilhabe.", "guideline": "Gefördert werden Honorare.\nAuch Miete.",
        "financing_type": "share", "cost_categories": ["fees", "rent"],
        "min_grant": "1.000", "max_grant": "25.000,50", "indicator_set": "demokratie",
        "active": "true", "payment_mode": "instalments", "instalments": "3",
        "standard_conditions": ["anbest_p", "vergabe"],
    }  # fmt: skip
    return {**form, **changes}


def call_form(world: dict[str, int], **changes: str) -> dict[str, str]:
    form = {
        "title": "Interkulturelle Zentren 2027 – Nachrunde", "description": "Zweite Runde.",
        "fiscal_year": str(world["year"]), "budget_line": str(world["line"]),
        "opens_at_date": "2027-03-01", "opens_at_time": "08:00",
        "closes_at_date": "31.03.2027", "closes_at_time": "23:59", "budget": "50.000,00",
    }  # fmt: skip
    return {**form, **changes}


def field_error(html: str, field: str) -> str:
    """The message shown at a field ('' when there is none)."""
    found = re.search(rf'id="fehler-{field}">.*?</span> (.*?)</p>', html)
    return unescape(found.group(1)) if found else ""


async def written() -> tuple[int, int, int]:
    return await Programme.count(), await Call.count(), await AuditEvent.count()


async def test_admin_creates_a_programme_with_an_audit_event(client, world):
    await sign_in(client, "admin")
    created = await csrf_post(client, "/admin/programme/neu", programme_form())
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/programme"
    page = await client.get("/admin/programme")
    assert "Programm „Demokratie leben in Köln“ angelegt." in page.text
    assert "Anteilfinanzierung" in page.text

    row = await Programme.objects().get(Programme.name == "Demokratie leben in Köln")
    assert (row.short_name, row.default_financing_type) == ("DEMO", "share")
    assert (row.min_grant_cents, row.max_grant_cents) == (100_000, 2_500_050)
    assert row.guideline == "Gefördert werden Honorare.\nAuch Miete."
    assert row.indicator_set == "demokratie"
    assert (row.active, row.interim_reports, row.version) == (True, False, 1)
    categories = (
        await Programme.select(Programme.cost_categories)
        .where(Programme.id == row.id)
        .output(load_json=True)
        .first()
    )
    assert categories["cost_categories"] == ["fees", "rent"]
    stored = await programmes.get_programme(row.id)
    assert (stored.data.payment_mode, stored.data.instalments, stored.data.standard_conditions) == (
        PaymentMode.INSTALMENTS, 3, ("anbest_p", "vergabe"))  # the decision form proposes them  # fmt: skip
    event = await AuditEvent.objects().get(AuditEvent.action == "programme.created")
    assert (event.entity, event.entity_id) == ("programme", row.id)
    assert await audit.verify_chain() is None


async def test_admin_changes_a_programme_and_the_audit_keeps_what_changed(client, world):
    await sign_in(client, "admin")
    form = await client.get(f"/admin/programme/{world['ikz']}")
    assert form.status_code == 200
    assert 'value="5.000,00"' in form.text  # the minimum as a German amount
    changed = await csrf_post(client, f"/admin/programme/{world['ikz']}", programme_form(
        name=IKZ, max_grant="", interim_reports="true", version="1",
    ))  # fmt: skip
    assert changed.status_code == 303
    row = await Programme.objects().get(Programme.id == world["ikz"])
    assert (row.max_grant_cents, row.interim_reports, row.version) == (None, True, 2)
    event = await (
        AuditEvent.select(AuditEvent.data)
        .where(AuditEvent.action == "programme.updated")
        .output(load_json=True)
        .first()
    )
    data = event["data"]
    assert data["version"] == 2
    assert data["changes"]["max_grant_cents"] == {"from": 4_000_000, "to": None}
    assert "name" not in data["changes"]


async def test_admin_creates_a_call_entered_in_berlin_time(client, world):
    await sign_in(client, "admin")
    assert (await client.get(f"/admin/programme/{world['ikz']}/aufrufe/neu")).status_code == 200
    created = await csrf_post(
        client, f"/admin/programme/{world['ikz']}/aufrufe/neu", call_form(world)
    )
    assert created.status_code == 303
    assert created.headers["location"] == f"/admin/programme/{world['ikz']}/aufrufe"
    page = await client.get(created.headers["location"])
    assert "Förderaufruf „Interkulturelle Zentren 2027 – Nachrunde“ angelegt." in page.text
    assert "01.03.2027, 08:00 Uhr" in page.text
    assert "50.000,00\xa0€" in page.text

    call = await Call.objects().get(Call.title == "Interkulturelle Zentren 2027 – Nachrunde")
    assert call.opens_at == datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # CET, UTC+1
    assert call.closes_at == datetime(2027, 3, 31, 21, 59, tzinfo=UTC)  # CEST, UTC+2
    assert (call.programme, call.fiscal_year, call.budget_line) == (
        world["ikz"],
        world["year"],
        world["line"],
    )
    assert call.budget_cents == 5_000_000
    event = await AuditEvent.objects().get(AuditEvent.action == "call.created")
    assert (event.entity, event.entity_id) == ("call", call.id)

    edit = await client.get(f"/admin/aufrufe/{call.id}")
    assert 'value="2027-03-01"' in edit.text
    assert 'value="23:59"' in edit.text
    changed = await csrf_post(client, f"/admin/aufrufe/{call.id}",
                              call_form(world, budget="60.000", version="1"))  # fmt: skip
    assert changed.status_code == 303
    assert (await Call.objects().get(Call.id == call.id)).budget_cents == 6_000_000
    assert await AuditEvent.exists().where(AuditEvent.action == "call.updated")


PROGRAMME_PROBLEMS = [
    ({"name": ""}, "name", "Bitte ausfüllen."),
    ({"name": IKZ}, "name", f"Ein Programm „{IKZ}“ gibt es schon. Bitte einen anderen Namen wählen."),
    ({"min_grant": "30.000", "max_grant": "20.000"}, "min_grant",
     "Der Mindestbetrag darf nicht über dem Höchstbetrag liegen."),
    ({"cost_categories": []}, "cost_categories",
     "Bitte mindestens eine zuwendungsfähige Ausgabenart wählen."),
    ({"min_grant": "12,345"}, "min_grant", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
    ({"min_grant": "-5"}, "min_grant", "Bitte keinen negativen Betrag eingeben."),
    ({"max_grant": "1e3"}, "max_grant", "„1e3“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
    ({"financing_type": ""}, "financing_type", "Bitte eine Finanzierungsart wählen."),
    ({"indicator_set": "IKZ neu"}, "indicator_set",
     "Bitte eine Kennung aus Kleinbuchstaben, Ziffern und _ angeben, z. B. ikz."),
    ({"instalments": "13"}, "instalments", "Bitte eine Zahl von 1 bis 12 eingeben."),
    ({"standard_conditions": ["anbest_p", "erfunden"]}, "standard_conditions",
     "Bitte nur angebotene Nebenbestimmungen wählen."),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), PROGRAMME_PROBLEMS)
async def test_bad_programme_input_is_shown_at_the_field_and_kept(
    client, world, changes, field, message
):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(client, "/admin/programme/neu", programme_form(**changes))
    assert answer.status_code == 400
    assert "<title>Fehler: " in answer.text
    assert f'href="#feld-{field}"' in answer.text
    assert field_error(answer.text, field) == message
    for typed in changes.values():
        if isinstance(typed, str) and typed:
            assert f'value="{typed}"' in answer.text
    assert ">Projekte für Teilhabe.</textarea>" in answer.text
    assert await written() == before


async def test_all_problems_are_reported_at_once_in_field_order(client, world):
    await sign_in(client, "admin")
    answer = await csrf_post(client, "/admin/programme/neu",
                             programme_form(name="", cost_categories=[], max_grant="1e3"))  # fmt: skip
    summary = re.findall(r'<li><a href="#feld-(\w+)">', answer.text)
    assert summary == ["name", "cost_categories", "max_grant"]


async def test_an_amount_with_one_decimal_is_read_as_euros_and_cents(client, world):
    """``1.234,5`` is unambiguous German notation (grants.money accepts ``1234,5``)."""
    await sign_in(client, "admin")
    answer = await csrf_post(client, "/admin/programme/neu", programme_form(min_grant="1.234,5"))
    assert answer.status_code == 303
    row = await Programme.objects().get(Programme.name == "Demokratie leben in Köln")
    assert row.min_grant_cents == 123_450
    assert 'value="1.234,50"' in (await client.get(f"/admin/programme/{row.id}")).text


CALL_PROBLEMS = [
    ({"title": ""}, "title", "Bitte ausfüllen."),
    ({"closes_at_date": "2027-02-28"}, "closes_at", "Die Antragsfrist muss nach dem Beginn liegen."),
    ({"closes_at_time": "25:00"}, "closes_at",
     "Bitte ein gültiges Datum und eine Uhrzeit angeben, z. B. 31.01.2027 und 23:59."),
    ({"budget": "800.000,01"}, "budget",
     "Die Mittel dürfen den Ansatz der Haushaltsstelle (800.000,00\xa0€) nicht übersteigen."),
    ({"budget": "1.234,567"}, "budget", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
    ({"budget": "-5"}, "budget", "Bitte keinen negativen Betrag eingeben."),
    ({"budget": "1e3"}, "budget", "„1e3“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
    ({"budget": ""}, "budget", "Bitte die verfügbaren Mittel eingeben."),
    ({"fiscal_year": ""}, "fiscal_year", "Bitte ein Haushaltsjahr wählen."),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), CALL_PROBLEMS)
async def test_bad_call_input_is_shown_at_the_field_and_kept(
    client, world, changes, field, message
):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(
        client, f"/admin/programme/{world['ikz']}/aufrufe/neu", call_form(world, **changes)
    )
    assert answer.status_code == 400
    assert f'href="#feld-{field}"' in answer.text
    assert field_error(answer.text, field) == message
    for typed in changes.values():
        if typed:
            assert f'value="{typed}"' in answer.text
    assert 'value="2027-03-01"' in answer.text
    assert await written() == before


async def test_a_budget_line_of_another_fiscal_year_is_refused(client, world):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(client, f"/admin/programme/{world['ikz']}/aufrufe/neu",
                             call_form(world, budget_line=str(world["old_line"])))  # fmt: skip
    assert answer.status_code == 400
    assert field_error(answer.text, "budget_line") == (
        "Diese Haushaltsstelle gehört zum Haushaltsjahr 2026. Bitte eine Haushaltsstelle des "
        "gewählten Haushaltsjahres wählen."
    )
    assert f'<option value="{world["old_line"]}" selected>' in answer.text
    assert await written() == before


async def test_a_stale_programme_edit_is_refused_with_the_input_kept(client, world):
    await sign_in(client, "admin")
    await Programme.update(
        {Programme.description: "Von jemand anderem.", Programme.version: 2}
    ).where(Programme.id == world["ikz"])
    before = await written()
    stale = await csrf_post(client, f"/admin/programme/{world['ikz']}",
                            programme_form(name=IKZ, short_name="IKZNEU", version="1"))  # fmt: skip
    assert stale.status_code == 409
    assert "Inzwischen geändert" in stale.text
    assert 'value="IKZNEU"' in stale.text
    assert '<input type="hidden" name="version" value="2">' in stale.text
    row = await Programme.objects().get(Programme.id == world["ikz"])
    assert (row.short_name, row.description, row.version) == ("IKZ", "Von jemand anderem.", 2)
    assert await written() == before

    again = await csrf_post(client, f"/admin/programme/{world['ikz']}",
                            programme_form(name=IKZ, short_name="IKZNEU", version="2"))  # fmt: skip
    assert again.status_code == 303  # saving again knowingly overwrites
    assert (await Programme.objects().get(Programme.id == world["ikz"])).short_name == "IKZNEU"


async def test_a_stale_call_edit_is_refused_with_the_input_kept(client, world):
    await sign_in(client, "admin")
    call = await Call.objects().get(Call.title == "Interkulturelle Zentren 2027")
    await Call.update({Call.version: Call.version + 1}).where(Call.id == call.id)
    stale = await csrf_post(client, f"/admin/aufrufe/{call.id}",
                            call_form(world, title="Neuer Titel", version=str(call.version)))  # fmt: skip
    assert stale.status_code == 409
    assert "Inzwischen geändert" in stale.text
    assert 'value="Neuer Titel"' in stale.text
    assert (await Call.objects().get(Call.id == call.id)).title == "Interkulturelle Zentren 2027"


async def test_a_reviewer_reads_but_changes_nothing(client, world):
    await sign_in(client, "reviewer")
    listing = await client.get("/admin/programme")
    assert listing.status_code == 200
    assert IKZ in listing.text
    assert "Neues Programm anlegen" not in listing.text
    calls = await client.get(f"/admin/programme/{world['ikz']}/aufrufe")
    assert calls.status_code == 200
    assert "Interkulturelle Zentren 2026" in calls.text
    call = await Call.objects().get(Call.title == "Interkulturelle Zentren 2026")
    before = await written()
    ikz = world["ikz"]
    changing = ["/admin/programme/neu", f"/admin/programme/{ikz}",
                f"/admin/programme/{ikz}/aufrufe/neu", f"/admin/aufrufe/{call.id}"]  # fmt: skip
    for path in changing:
        assert (await client.get(path)).status_code == 403, path
        assert (await csrf_post(client, path, programme_form())).status_code == 403, path
    assert await written() == before


@pytest.mark.parametrize(
    "path", ["/admin/programme", "/admin/programme/neu", "/admin/programme/1/aufrufe"]
)
async def test_anonymous_users_are_sent_to_the_login(client, world, path):
    answer = await client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/auth/login?next=")


async def add_call(programme_id: int, world: dict[str, int], title: str, opens: timedelta,
                   closes: timedelta) -> None:  # fmt: skip
    now = datetime.now(UTC)
    call = Call(programme=programme_id, fiscal_year=world["year"], budget_line=world["line"],
                title=title, opens_at=now + opens, closes_at=now + closes, budget_cents=100_000)  # fmt: skip
    await Call.insert(call)


async def test_the_public_pages_list_only_open_calls_with_the_guideline(client, world):
    await add_call(world["ikz"], world, "Aufruf offen", timedelta(days=-3), timedelta(days=30))
    await add_call(world["ikz"], world, "Aufruf vorbei", timedelta(days=-90), timedelta(days=-1))
    await add_call(world["ikz"], world, "Aufruf künftig", timedelta(days=5), timedelta(days=60))

    listing = await client.get("/foerderaufrufe")
    assert listing.status_code == 200
    assert "Aufruf offen" in listing.text
    assert "Aufruf vorbei" not in listing.text
    assert "Aufruf künftig" not in listing.text
    assert "Die drei Pflichtangebote Soziale Beratung" in listing.text  # the guideline
    assert "1.000,00\xa0€" in listing.text
    assert listing.text.count("<h1") == 1
    assert 'href="/foerderaufrufe"' in (await client.get("/")).text

    programme = await client.get(f"/foerderprogramme/{world['ikz']}")
    assert programme.status_code == 200
    assert "<h1>Förderung der Interkulturellen Zentren</h1>" in programme.text
    assert "Interkulturellen Zentren bei ihren Angeboten" in programme.text  # the description
    assert "Aufruf offen" in programme.text
    assert "Aufruf künftig" not in programme.text
    assert (await client.get("/foerderprogramme/999999")).status_code == 404


async def test_list_pages_run_a_constant_number_of_queries(client, world, queries):
    await sign_in(client, "admin")
    paths = ["/admin/programme", f"/admin/programme/{world['ikz']}/aufrufe", "/foerderaufrufe"]

    async def counted() -> list[int]:
        found = []
        for path in paths:
            with queries() as q:
                assert (await client.get(path)).status_code == 200
            found.append(q.value)
        return found

    few = await counted()
    for n in range(4):
        extra = await Programme.insert(
            Programme(name=f"Programm {n}", short_name=f"P{n}", indicator_set="x")
        ).returning(Programme.id)
        for programme_id in (extra[0]["id"], world["ikz"]):
            await add_call(
                programme_id, world, f"Aufruf {n}", timedelta(days=-1), timedelta(days=9)
            )
    many = await counted()
    assert few == many
    page = await client.get("/admin/programme")
    assert "Programm 3" in page.text
