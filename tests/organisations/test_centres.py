"""Centres: members add and edit them; the category and recognition are the KI admins' to set."""

from __future__ import annotations

from datetime import date

import pytest

from grants.errors import Forbidden
from grants.services import organisations
from grants.services.users import load_principal
from grants.tables import AuditEvent, Centre
from tests.organisations.conftest import World
from tests.organisations.pages import form_values
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
NEW = {"name": "IKZ Ehrenfeld – Treffpunkt Venloer Straße", "street": "Venloer Straße 421",
       "postcode": "50825", "district": "ehrenfeld", "description": "Beratung und Sprachcafé."}  # fmt: skip


async def centre_row(centre_id: int) -> dict:
    row = await Centre.select().where(Centre.id == centre_id).first()
    assert row is not None
    return row


async def centre_form(client, world: World) -> dict[str, str]:
    page = await client.get(f"/organisationen/{world.a}/zentren/{world.centre_a}")
    assert page.status_code == 200
    return form_values(page.text)


async def test_a_member_adds_a_centre(client, world: World):
    await sign_in(client, "member")
    form = await client.get(f"/organisationen/{world.a}/zentren/neu")
    assert form.status_code == 200
    assert 'name="category"' not in form.text  # the KI sets it
    done = await csrf_post(client, f"/organisationen/{world.a}/zentren/neu",
                           {**NEW, "category": "Kategorie A"})  # fmt: skip
    assert done.status_code == 303
    row = await Centre.select().where(Centre.name == NEW["name"]).first()
    assert row is not None
    assert row["organisation"] == world.a
    assert (row["postcode"], row["district"], row["category"]) == ("50825", "ehrenfeld", "")
    event = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.action == "centre.created") & (AuditEvent.entity_id == row["id"])
    ).output(load_json=True).first()  # fmt: skip
    assert event is not None
    overview = await client.get(done.headers["location"])
    assert f"Das Zentrum „{NEW['name']}“ wurde angelegt." in overview.text
    assert NEW["name"] in overview.text


async def test_a_member_edits_a_centre_but_not_its_recognition(client, world: World):
    before = await centre_row(world.centre_a)
    await sign_in(client, "member")
    page = await client.get(f"/organisationen/{world.a}/zentren/{world.centre_a}")
    assert page.status_code == 200
    assert "Kategorie und Anerkennung legt das Kommunale Integrationszentrum fest." in page.text
    values = form_values(page.text)
    assert values["name"] == before["name"]
    done = await csrf_post(client, f"/organisationen/{world.a}/zentren/{world.centre_a}",
                           {**values, "description": "Neu: Hausaufgabenhilfe.",
                            "category": "Kategorie Z", "recognised_until": "2099-12-31"})  # fmt: skip
    assert done.status_code == 303
    after = await centre_row(world.centre_a)
    assert after["description"] == "Neu: Hausaufgabenhilfe."
    assert after["category"] == before["category"]
    assert after["recognised_until"] == before["recognised_until"]
    assert after["version"] == before["version"] + 1
    [event] = await AuditEvent.select(AuditEvent.data).where(
        AuditEvent.action == "centre.updated").output(load_json=True)  # fmt: skip
    assert event["data"] == {"fields": ["description"]}


async def test_an_admin_sets_category_and_recognition(client, world: World):
    await sign_in(client, "admin")
    values = await centre_form(client, world)
    bad = await csrf_post(client, f"/organisationen/{world.a}/zentren/{world.centre_a}",
                          {**values, "recognised_since": "2024-01-01", "recognised_until": "2023-12-31"})  # fmt: skip
    assert bad.status_code == 400
    assert "„Anerkannt bis“ muss nach „Anerkannt seit“ liegen." in bad.text
    done = await csrf_post(client, f"/organisationen/{world.a}/zentren/{world.centre_a}",
                           {**values, "category": "Kategorie B", "recognised_since": "2024-01-01",
                            "recognised_until": "2030-12-31"})  # fmt: skip
    assert done.status_code == 303
    row = await centre_row(world.centre_a)
    assert row["category"] == "Kategorie B"
    assert row["recognised_since"] == date(2024, 1, 1)
    assert row["recognised_until"] == date(2030, 12, 31)


async def test_only_admins_may_set_the_recognition_in_the_service(world: World):
    member = await load_principal(world.member)
    assert member is not None
    entered = organisations.CentreInput(
        NEW["name"], NEW["street"], NEW["postcode"], organisations.District.EHRENFELD, "",
        organisations.Recognition("Kategorie A", date(2024, 1, 1), None),
    )  # fmt: skip
    with pytest.raises(Forbidden):
        await organisations.add_centre(member, world.a, entered)


async def test_bad_centre_input_is_kept_and_nothing_written(client, world: World):
    await sign_in(client, "member")
    count = await Centre.count()
    answer = await csrf_post(client, f"/organisationen/{world.a}/zentren/neu",
                             {**NEW, "name": "", "postcode": "5082", "district": "hamburg"})  # fmt: skip
    assert answer.status_code == 400
    for field in ("name", "postcode", "district"):
        assert f'href="#feld-{field}"' in answer.text
    assert form_values(answer.text)["postcode"] == "5082"
    assert form_values(answer.text)["description"] == NEW["description"]
    assert await Centre.count() == count


async def test_a_stale_centre_version_gets_409(client, world: World):
    await sign_in(client, "member")
    values = await centre_form(client, world)
    await Centre.update({Centre.version: Centre.version + 1}).where(Centre.id == world.centre_a)
    answer = await csrf_post(client, f"/organisationen/{world.a}/zentren/{world.centre_a}",
                             {**values, "name": "Umbenannt"})  # fmt: skip
    assert answer.status_code == 409
    assert "Die Angaben wurden inzwischen von jemand anderem geändert." in answer.text
    assert form_values(answer.text)["name"] == "Umbenannt"
    assert (await centre_row(world.centre_a))["name"] == values["name"]


async def test_a_centre_of_another_organisation_is_not_found(client, world: World):
    await sign_in(client, "member")
    page = await client.get(f"/organisationen/{world.a}/zentren/{world.centre_b}")
    assert page.status_code == 404
    answer = await csrf_post(client, f"/organisationen/{world.a}/zentren/{world.centre_b}",
                             {**NEW, "version": "1"})  # fmt: skip
    assert answer.status_code == 404
    assert (await centre_row(world.centre_b))["name"] != NEW["name"]
