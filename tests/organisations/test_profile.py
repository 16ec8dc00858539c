"""The organisation profile: members edit it, signatories confirm it, outsiders learn nothing."""

from __future__ import annotations

import re
from datetime import date, datetime

import httpx
import pytest

from grants import audit, clock
from grants.services import organisations
from grants.services.users import load_principal
from grants.tables import AuditEvent, Organisation
from tests.organisations.conftest import World
from tests.organisations.pages import form_values
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
CONFLICT = "Die Angaben wurden inzwischen von jemand anderem geändert."


async def stored(organisation_id: int) -> dict:
    row = await Organisation.select().where(Organisation.id == organisation_id).first()
    assert row is not None
    return row


async def events(action: str) -> list[dict]:
    return (
        await AuditEvent.select(AuditEvent.action, AuditEvent.data, AuditEvent.actor)
        .where(AuditEvent.action == action)
        .output(load_json=True)
    )


async def edit_form(client: httpx.AsyncClient, organisation_id: int) -> dict[str, str]:
    page = await client.get(f"/organisationen/{organisation_id}/profil")
    assert page.status_code == 200, page.text
    return form_values(page.text)


def field_error(html: str, field: str) -> str:
    """The message shown at the field (empty when there is none)."""
    found = re.search(rf'<p class="field__error" id="fehler-{field}">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


async def test_a_member_edits_the_profile_and_the_confirmation_is_cleared(client, world: World):
    await Organisation.update({Organisation.confirmed_at: clock.now(),
                               Organisation.confirmed_by: world.signatory}).where(
        Organisation.id == world.a)  # fmt: skip
    await sign_in(client, "member")
    before = await stored(world.a)
    values = await edit_form(client, world.a)
    assert values["legal_name"] == "Türkisch-Deutscher Kulturverein Ehrenfeld e. V."
    saved = await csrf_post(client, f"/organisationen/{world.a}/profil",
                            {**values, "phone": "0221 5551234", "city": "Köln-Ehrenfeld"})  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/organisationen/{world.a}"

    after = await stored(world.a)
    assert (after["phone"], after["city"]) == ("0221 5551234", "Köln-Ehrenfeld")
    assert after["version"] == before["version"] + 1
    assert after["confirmed_at"] is None
    assert after["confirmed_by"] is None
    assert after["updated_at"] is not None
    assert after["iban"] == before["iban"]
    [event] = await events("organisation.updated")
    assert event["data"] == {"fields": ["city", "phone"]}
    assert event["actor"] == world.member
    assert await audit.verify_chain() is None

    overview = await client.get(saved.headers["location"])
    assert "Die Angaben wurden gespeichert." in overview.text
    assert "Noch nicht bestätigt." in overview.text
    assert "Angaben bestätigen" not in overview.text  # a member does not confirm


async def test_saving_unchanged_input_writes_nothing(client, world: World):
    await sign_in(client, "member")
    values = await edit_form(client, world.a)
    saved = await csrf_post(client, f"/organisationen/{world.a}/profil", values)
    assert saved.status_code == 303
    assert (await stored(world.a))["version"] == int(values["version"])
    assert await events("organisation.updated") == []


async def test_a_signatory_confirms_the_profile(client, world: World):
    await sign_in(client, "signatory")
    overview = await client.get(f"/organisationen/{world.a}")
    assert "Noch nicht bestätigt." in overview.text
    version = form_values(overview.text)["version"]
    done = await csrf_post(client, f"/organisationen/{world.a}/bestaetigen", {"version": version})
    assert done.status_code == 303

    row = await stored(world.a)
    assert row["confirmed_by"] == world.signatory
    assert row["version"] == int(version) + 1
    [event] = await events("organisation.confirmed")
    assert event["actor"] == world.signatory
    page = await client.get(f"/organisationen/{world.a}")
    assert f"Bestätigt von Mehmet Kaya am {clock.today():%d.%m.%Y}" in re.sub(
        r"<[^>]+>", "", page.text
    )
    assert "Angaben bestätigen" not in page.text
    again = await csrf_post(client, f"/organisationen/{world.a}/bestaetigen", {"version": version})
    assert again.status_code == 409  # an old page confirms nothing


@pytest.mark.parametrize("persona", ["member", "admin"])
async def test_only_signatories_of_the_organisation_confirm(client, world: World, persona):
    await sign_in(client, persona)
    version = str((await stored(world.a))["version"])
    refused = await csrf_post(
        client, f"/organisationen/{world.a}/bestaetigen", {"version": version}
    )
    assert refused.status_code == 403
    assert (await stored(world.a))["confirmed_at"] is None
    assert await events("organisation.confirmed") == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"iban": "DE89 3704 0044 0532 0130 01"}, "iban",
         "Die Prüfziffer der IBAN stimmt nicht. Bitte prüfen Sie die IBAN auf Tippfehler."),
        ({"iban": "DE89 3704 0044"}, "iban", "Die IBAN hat 12 statt 22 Zeichen."),
        ({"iban": "XX89 3704 0044 0532 0130 00"}, "iban", "mit einem gültigen Ländercode beginnen"),
        ({"postcode": "5067"}, "postcode", "Bitte eine fünfstellige Postleitzahl angeben, z. B. 50667."),
        ({"tax_exemption_date": "01.05.2026", "tax_exemption_valid_until": "30.04.2026"},
         "tax_exemption_valid_until", "„Gültig bis“ muss nach dem Datum des Bescheids liegen."),
        ({"legal_name": "V" * 301}, "legal_name", "Bitte höchstens 300 Zeichen eingeben (jetzt 301)."),
        ({"email": "info(at)verein.de"}, "email", "Bitte eine gültige E-Mail-Adresse angeben"),
        ({"iban": "GB33 BUKB 2020 1555 5555 55", "bic": ""}, "bic", "Bitte die BIC angeben"),
        ({"bic": "COLS1E33"}, "bic", "Das ist keine gültige BIC."),
        ({"iban": "DE89 3704 0044 0532 0130 00", "bic": "COLSDE33XXX"}, "bic",
         "Die BIC passt nicht zur IBAN; zu dieser IBAN gehört COBADEFFXXX."),
        ({"street": ""}, "street", "Bitte ausfüllen."),
    ],
    ids=["iban-checksum", "iban-short", "iban-country", "postcode", "valid-until", "legal-name",
         "email", "foreign-iban-without-bic", "bic", "bic-of-another-bank", "street"],
)  # fmt: skip
async def test_bad_input_is_shown_at_the_field_kept_and_nothing_is_written(
    client, world: World, changes, field, message
):
    await sign_in(client, "member")
    before = await stored(world.a)
    values = await edit_form(client, world.a)
    answer = await csrf_post(client, f"/organisationen/{world.a}/profil", {**values, **changes})
    assert answer.status_code == 400
    assert "<title>Fehler: " in answer.text
    assert "Bitte korrigieren Sie Ihre Angaben" in answer.text
    assert f'href="#feld-{field}"' in answer.text
    assert message in field_error(answer.text, field)
    assert form_values(answer.text) == {**values, **changes}
    assert await stored(world.a) == before
    assert await events("organisation.updated") == []


async def test_the_hint_states_the_limit_of_the_legal_name(client, world: World):
    await sign_in(client, "member")
    page = await client.get(f"/organisationen/{world.a}/profil")
    assert "Höchstens 300 Zeichen." in page.text


async def test_the_iban_is_stored_compact_and_shown_in_groups_of_four(client, world: World):
    await sign_in(client, "member")
    values = await edit_form(client, world.a)
    saved = await csrf_post(client, f"/organisationen/{world.a}/profil",
                            {**values, "iban": " de89 3704 0044 0532 0130 00 ", "bic": ""})  # fmt: skip
    assert saved.status_code == 303
    row = await stored(world.a)
    assert row["iban"] == "DE89370400440532013000"
    assert row["bic"] == "COBADEFFXXX"  # derived from the German IBAN
    [event] = await events("organisation.updated")
    assert event["data"] == {"fields": ["iban", "bic"]}  # names only, no account details
    overview = await client.get(f"/organisationen/{world.a}")
    assert "DE89 3704 0044 0532 0130 00" in overview.text
    assert form_values((await client.get(f"/organisationen/{world.a}/profil")).text)["iban"] == (
        "DE89 3704 0044 0532 0130 00"
    )


async def test_a_foreign_iban_is_taken_with_its_bic(client, world: World):
    await sign_in(client, "member")
    values = await edit_form(client, world.a)
    saved = await csrf_post(client, f"/organisationen/{world.a}/profil",
                            {**values, "iban": "GB33BUKB20201555555555", "bic": "bukbgb22"})  # fmt: skip
    assert saved.status_code == 303
    row = await stored(world.a)
    assert (row["iban"], row["bic"]) == ("GB33BUKB20201555555555", "BUKBGB22")


async def test_a_stale_version_gets_409_with_the_input_kept(client, world: World):
    await sign_in(client, "member")
    values = await edit_form(client, world.a)
    await Organisation.update(
        {Organisation.phone: "0221 999", Organisation.version: Organisation.version + 1}
    ).where(Organisation.id == world.a)  # someone else saved meanwhile
    mine = {**values, "legal_name": "TDKV Ehrenfeld e. V."}
    answer = await csrf_post(client, f"/organisationen/{world.a}/profil", mine)
    assert answer.status_code == 409
    assert CONFLICT in answer.text
    kept = form_values(answer.text)
    assert kept["legal_name"] == "TDKV Ehrenfeld e. V."
    assert kept["version"] == str(int(values["version"]) + 1)  # saving again is possible
    row = await stored(world.a)
    assert (row["legal_name"], row["phone"]) == (values["legal_name"], "0221 999")

    again = await csrf_post(client, f"/organisationen/{world.a}/profil", kept)
    assert again.status_code == 303
    assert (await stored(world.a))["legal_name"] == "TDKV Ehrenfeld e. V."


async def test_an_admin_edits_and_a_reviewer_only_looks(client, world: World):
    await sign_in(client, "admin")
    values = await edit_form(client, world.a)
    saved = await csrf_post(
        client, f"/organisationen/{world.a}/profil", {**values, "phone": "0221 1"}
    )
    assert saved.status_code == 303

    client.cookies.clear()
    await sign_in(client, "reviewer")
    overview = await client.get(f"/organisationen/{world.a}")
    assert overview.status_code == 200
    assert "Angaben ändern" not in overview.text
    assert (await client.get(f"/organisationen/{world.a}/profil")).status_code == 403


async def test_the_overview_summarises_the_profile(client, world: World):
    await Organisation.update({
        Organisation.tax_exemption_date: date(2024, 1, 15), Organisation.tax_exemption_valid_until: date(2027, 1, 14),
    }).where(Organisation.id == world.a)  # fmt: skip
    await sign_in(client, "member")
    page = await client.get(f"/organisationen/{world.a}")
    assert page.status_code == 200
    assert '<dl class="summary">' in page.text
    assert "vom 15.01.2024, gültig bis 14.01.2027" in page.text
    assert "Amtsgericht Köln" in page.text
    assert "IKZ Ehrenfeld" in page.text  # its centre
    assert f'href="/organisationen/{world.a}/mitglieder"' in page.text
    assert f'href="/organisationen/{world.a}/profil"' in page.text
    navigation = await client.get("/")
    assert f'href="/organisationen/{world.a}"' in navigation.text


@pytest.mark.parametrize(
    ("valid_until", "warned"),
    [(None, "Es ist kein Freistellungsbescheid eingetragen."),
     (date(2020, 1, 31), "Der Freistellungsbescheid ist abgelaufen (gültig bis 31.01.2020)."),
     ("soon", "Der Freistellungsbescheid ist nur noch bis"),
     (date(2099, 12, 31), None)],
    ids=["missing", "expired", "expires-soon", "valid"],
)  # fmt: skip
async def test_the_overview_warns_about_the_tax_exemption_notice(client, world: World, valid_until,
                                                                 warned):  # fmt: skip
    if valid_until == "soon":
        valid_until = date.fromordinal(clock.today().toordinal() + 30)
    issued = None if valid_until is None else date(2019, 1, 1)
    await Organisation.update({Organisation.tax_exemption_date: issued,
                               Organisation.tax_exemption_valid_until: valid_until}).where(
        Organisation.id == world.a)  # fmt: skip
    await sign_in(client, "member")
    page = await client.get(f"/organisationen/{world.a}")
    if warned:
        assert 'class="notice notice--warning"' in page.text
        assert warned in page.text
    else:
        assert "notice--warning" not in page.text


async def test_someone_of_another_association_gets_404_everywhere(client, outsider: World):
    w = outsider
    await sign_in(client, "guest")
    assert (await client.get(f"/organisationen/{w.b}")).status_code == 200  # their own
    version = str((await stored(w.a))["version"])
    before = await AuditEvent.count()
    for path in (f"/organisationen/{w.a}", f"/organisationen/{w.a}/profil",
                 f"/organisationen/{w.a}/zentren/neu", f"/organisationen/{w.a}/zentren/{w.centre_a}",
                 f"/organisationen/{w.a}/mitglieder"):  # fmt: skip
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "Türkisch" not in answer.text
    for path, data in (
        (f"/organisationen/{w.a}/profil", {"version": version, "legal_name": "Übernommen"}),
        (f"/organisationen/{w.a}/profil", {}),
        (f"/organisationen/{w.a}/bestaetigen", {"version": version}),
        (f"/organisationen/{w.a}/zentren/neu", {"name": "Fremd", "street": "Weg 1",
                                                "postcode": "50667", "district": "kalk"}),
        (f"/organisationen/{w.a}/zentren/{w.centre_a}", {"version": "1", "name": "Fremd"}),
        (f"/organisationen/{w.a}/mitglieder/{w.member}/entfernen", {}),
    ):  # fmt: skip
        answer = await csrf_post(client, path, data)
        assert answer.status_code == 404, path
    assert await AuditEvent.count() == before
    assert (await stored(w.a))["version"] == int(version)


async def test_the_service_saves_what_changed_and_reads_it_back(world: World):
    principal = await load_principal(world.member)
    assert principal is not None
    profile = await organisations.profile(principal, world.a)
    entered = organisations.ProfileInput(**{
        **{name: getattr(profile, name) for name in organisations.PROFILE_FIELDS}, "phone": "0221 42",
    })  # fmt: skip
    changed = await organisations.update_profile(principal, world.a, profile.version, entered)
    assert changed == ["phone"]
    saved = await organisations.profile(principal, world.a)
    assert isinstance(saved.updated_at, datetime)
    assert saved.updated_at.tzinfo is not None
    assert saved.version == profile.version + 1
