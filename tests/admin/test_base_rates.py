"""The Basiszinssatz table: admins add the rate for 1 January or 1 July (audited); bad input
comes back at the field with what was typed and nothing written; only admins come in."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from grants import audit
from grants.clock import today
from grants.demo.data import BASE_RATES
from grants.demo.seed import load_once
from grants.services.base_rates import all_rates
from grants.tables import AuditEvent, BaseRate
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
URL = "/admin/basiszinssatz"


@pytest.fixture
async def demo(database):
    await load_once()


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="fehler-{field}">.*?</span> (.*?)</p>', html, re.DOTALL)
    return unescape(found.group(1)) if found else ""


async def written() -> tuple[int, int]:
    return await BaseRate.count(), await AuditEvent.count()


async def test_the_rates_are_listed_newest_first_and_given_to_the_interest_rules(client, demo):
    assert await all_rates() == sorted(BASE_RATES)
    await sign_in(client, "admin")
    page = await client.get(URL)
    assert page.status_code == 200
    assert f'href="{URL}"' in page.text  # in the navigation
    days = re.findall(
        r'<th scope="row">(\d\d\.\d\d\.\d{4})</th>\s*<td class="num">([^<]+)</td>', page.text
    )
    assert days[:3] == [
        ("01.07.2026", "1,27 %"),
        ("01.01.2026", "1,27 %"),
        ("01.07.2025", "1,27 %"),
    ]
    assert ("01.01.2024", "3,62 %") in days


async def test_admin_adds_the_next_rate_with_an_audit_event(client, demo):
    await sign_in(client, "admin")
    answer = await csrf_post(client, URL, {"valid_from": "01.01.2027", "rate_basis_points": "-0,88",
                                           "note": "Bundesbank, Pressenotiz vom 30.12.2026"})  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == URL
    page = await client.get(URL)
    assert "Basiszinssatz ab 01.01.2027 eingetragen: −0,88 %." in page.text
    assert '<th scope="row">01.01.2027</th>' in page.text

    assert (await all_rates())[-1] == (date(2027, 1, 1), -88)
    row = await BaseRate.objects().get(BaseRate.valid_from == date(2027, 1, 1))
    assert row is not None
    assert (row.rate_basis_points, row.note) == (-88, "Bundesbank, Pressenotiz vom 30.12.2026")
    event = await (
        AuditEvent.select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.data)
        .where(AuditEvent.action == "base_rate.created")
        .output(load_json=True)
        .first()
    )
    assert event is not None
    assert (event["entity"], event["entity_id"]) == ("base_rate", row.id)
    assert event["data"] == {"valid_from": "2027-01-01", "rate_basis_points": -88,
                             "note": "Bundesbank, Pressenotiz vom 30.12.2026"}  # fmt: skip
    assert await audit.verify_chain() is None


FAR = f"01.07.{today().year + 3}"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"valid_from": "", "rate_basis_points": "1,27"}, "valid_from",
         "Bitte angeben, ab welchem Tag der Basiszinssatz gilt."),
        ({"valid_from": "15.01.2027", "rate_basis_points": "1,27"}, "valid_from",
         "Der Basiszinssatz ändert sich nur zum 1. Januar und zum 1. Juli (§ 247 Abs. 1 BGB). "
         "Bitte den 01.01.2027 oder den 01.07.2027 angeben."),
        ({"valid_from": "31.02.2027", "rate_basis_points": "1,27"}, "valid_from",
         "Bitte ein gültiges Datum angeben, z. B. 31.12.2026."),
        ({"valid_from": "01.07.2026", "rate_basis_points": "1,5"}, "valid_from",
         "Für den 01.07.2026 ist bereits ein Basiszinssatz eingetragen (1,27 %)."),
        ({"valid_from": "01.07.2001", "rate_basis_points": "1,5"}, "valid_from",
         "Den Basiszinssatz nach § 247 BGB gibt es erst seit dem 01.01.2002."),
        ({"valid_from": FAR, "rate_basis_points": "1,5"}, "valid_from",
         "Bitte einen Satz höchstens ein Jahr im Voraus eintragen."),
        ({"valid_from": "01.01.2027", "rate_basis_points": ""}, "rate_basis_points",
         "Bitte den Basiszinssatz in Prozent angeben, z. B. 1,27."),
        ({"valid_from": "01.01.2027", "rate_basis_points": "eins"}, "rate_basis_points",
         "„eins“ ist keine Zahl. Bitte so eingeben: 0,75"),
        ({"valid_from": "01.01.2027", "rate_basis_points": "1,275"}, "rate_basis_points",
         "Bitte höchstens 2 Nachkommastellen angeben."),
        ({"valid_from": "01.01.2027", "rate_basis_points": "25"}, "rate_basis_points",
         "Bitte einen Satz zwischen −10,00 % und 20,00 % angeben."),
        ({"valid_from": "01.01.2027", "rate_basis_points": "1,27", "note": "x" * 201}, "note",
         "Bitte höchstens 200 Zeichen eingeben (jetzt 201)."),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_at_the_field_and_kept(client, demo, form, field, message):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(client, URL, form)
    assert answer.status_code == 400
    assert field_error(answer.text, field) == message
    assert f'href="#feld-{field}"' in answer.text  # the error summary links to the field
    assert "<title>Fehler: " in answer.text
    assert f'value="{form[field]}"' in unescape(answer.text)  # what was typed comes back
    assert await written() == before


async def test_every_problem_is_reported_at_once(client, demo):
    await sign_in(client, "admin")
    answer = await csrf_post(client, URL, {"valid_from": "02.01.2027", "rate_basis_points": "x"})
    assert field_error(answer.text, "valid_from").startswith("Der Basiszinssatz ändert sich nur")
    assert (
        field_error(answer.text, "rate_basis_points")
        == "„x“ ist keine Zahl. Bitte so eingeben: 0,75"
    )
    assert answer.text.index('href="#feld-valid_from"') < answer.text.index(
        'href="#feld-rate_basis_points"'
    )


@pytest.mark.parametrize("persona", ["reviewer", "auditor", "finance", "member"])
async def test_only_admins_see_and_change_the_rates(client, demo, persona):
    await sign_in(client, persona)
    before = await written()
    assert (await client.get(URL)).status_code == 403
    refused = await csrf_post(client, URL, {"valid_from": "01.01.2027", "rate_basis_points": "1"})
    assert refused.status_code == 403
    assert await written() == before
    assert f'href="{URL}"' not in (await client.get("/")).text
