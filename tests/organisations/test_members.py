"""Removing members: signatories and admins do it, never to themselves or the last signatory."""

from __future__ import annotations

import httpx
import pytest

from grants.tables import AuditEvent, Membership
from tests.organisations.conftest import World
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def member_of(world: World, user_id: int) -> bool:
    return await Membership.exists().where(
        (Membership.organisation == world.a) & (Membership.user == user_id)
    )


async def remove(client: httpx.AsyncClient, world: World, user_id: int) -> httpx.Response:
    return await csrf_post(client, f"/organisationen/{world.a}/mitglieder/{user_id}/entfernen")


async def test_a_signatory_removes_a_member_who_loses_access_at_once(app, client, world: World):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as removed:  # fmt: skip
        await sign_in(removed, "member")
        assert (await removed.get(f"/organisationen/{world.a}/mitglieder")).status_code == 200

        await sign_in(client, "signatory")
        page = await client.get(f"/organisationen/{world.a}/mitglieder")
        assert f"/mitglieder/{world.member}/entfernen" in page.text
        assert f"/mitglieder/{world.signatory}/entfernen" not in page.text  # not oneself
        done = await remove(client, world, world.member)
        assert done.status_code == 303
        page = await client.get(done.headers["location"])
        assert "Ayşe Demir gehört nicht mehr zur Organisation." in page.text
        assert not await member_of(world, world.member)
        [event] = await AuditEvent.select(AuditEvent.data, AuditEvent.actor).where(
            AuditEvent.action == "membership.removed").output(load_json=True)  # fmt: skip
        assert event == {"data": {"user": world.member, "role": "member"}, "actor": world.signatory}

        for path in (f"/organisationen/{world.a}/mitglieder", f"/organisationen/{world.a}"):
            assert (await removed.get(path)).status_code == 403, path  # no role left at all


async def test_a_signatory_cannot_remove_themselves(client, world: World):
    await sign_in(client, "signatory")
    answer = await remove(client, world, world.signatory)
    assert answer.status_code == 400
    assert "Sie können sich nicht selbst entfernen." in answer.text
    assert f'href="#feld-member-{world.signatory}"' in answer.text
    assert await member_of(world, world.signatory)


async def test_the_last_signatory_stays_and_a_second_one_may_go(client, world: World):
    await sign_in(client, "admin")
    page = await client.get(f"/organisationen/{world.a}/mitglieder")
    assert f"/mitglieder/{world.signatory}/entfernen" not in page.text
    refused = await remove(client, world, world.signatory)
    assert refused.status_code == 400
    assert "Mehmet Kaya ist die letzte vertretungsberechtigte Person" in refused.text
    assert await member_of(world, world.signatory)

    await Membership.insert(Membership(user=world.guest, organisation=world.a, role="signatory"))
    page = await client.get(f"/organisationen/{world.a}/mitglieder")
    assert f"/mitglieder/{world.signatory}/entfernen" in page.text
    done = await remove(client, world, world.signatory)
    assert done.status_code == 303
    assert not await member_of(world, world.signatory)


async def test_a_member_may_not_remove_anyone(client, world: World):
    await sign_in(client, "member")
    page = await client.get(f"/organisationen/{world.a}/mitglieder")
    assert "entfernen" not in page.text
    refused = await remove(client, world, world.signatory)
    assert refused.status_code == 403
    assert await member_of(world, world.signatory)


async def test_removing_someone_who_is_no_member_is_not_found(client, world: World):
    await sign_in(client, "signatory")
    answer = await remove(client, world, world.guest)
    assert answer.status_code == 404
