"""The demo association A of the personas "member" and "signatory", another one B, and someone
who acts for B only."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from grants.demo.seed import load_once
from grants.tables import Centre, Membership, Organisation, User


@dataclass(frozen=True)
class World:
    a: int  # Türkisch-Deutscher Kulturverein Ehrenfeld e. V.
    b: int
    centre_a: int
    centre_b: int
    member: int  # user ids
    signatory: int
    guest: int


@pytest.fixture
async def world(database) -> World:
    await load_once()
    users = {u["subject"]: u["id"] for u in await User.select(User.id, User.subject)}
    a = (await Membership.objects().get(Membership.user == users["demo-member"])).organisation
    b = (await Organisation.select(Organisation.id).where(Organisation.id != a).first())["id"]
    centre = {
        org: (await Centre.select(Centre.id).where(Centre.organisation == org).first())["id"]
        for org in (a, b)
    }
    return World(a, b, centre[a], centre[b], users["demo-member"], users["demo-signatory"],
                 users["demo-guest"])  # fmt: skip


@pytest.fixture
async def outsider(world: World) -> World:
    """The guest persona becomes a signatory of B (and of nothing else)."""
    await Membership.insert(Membership(user=world.guest, organisation=world.b, role="signatory"))
    return world
