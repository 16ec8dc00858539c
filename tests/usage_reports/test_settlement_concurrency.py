"""Five settlers at once (real commits): one settlement, the budget released once."""

from __future__ import annotations

import asyncio

import pytest

from grants.demo.seed import load_once
from grants.errors import Conflict
from grants.money import Money
from grants.services import settlements, usage_reports
from grants.services.settlements import SettleInput
from grants.tables import Settlement
from tests.support.principals import principal
from tests.usage_reports.settling import committed, in_review, render

pytestmark = pytest.mark.anyio


async def test_five_settlers_at_once_make_one_settlement(committed_db):
    grant_id = await in_review()
    settlers = [
        await principal(p) for p in ("reviewer2", "reviewer3", "approver", "approver2", "reviewer2")
    ]

    async def settle(who):
        grant = await usage_reports.get(who, grant_id)
        return await settlements.settle(
            who, grant, grant.grant_version, SettleInput(None, None, ""), render
        )

    outcomes = await asyncio.gather(*(settle(who) for who in settlers), return_exceptions=True)
    done = [o for o in outcomes if isinstance(o, int)]
    assert len(done) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, int)), outcomes
    assert await Settlement.count().where(Settlement.grant == grant_id) == 1
    assert await committed(grant_id) == Money(2_750_000)


@pytest.fixture
async def committed_db(committed):
    await load_once()
