"""GET /api/v1/grants/{id}/settlement: the settlement's figures for the association and the KI,
404 for another association's grant and for a grant not yet settled."""

from __future__ import annotations

import pytest

from grants.demo.seed import load_once
from grants.tables import GrantAward, Settlement
from grants.workflow import GrantStatus
from tests.support.login import sign_in
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def demo(database) -> None:
    await load_once()


async def test_the_association_reads_its_settlement_as_stored(client, demo):
    member = await principal("member")
    own = await Settlement.select(Settlement.grant, Settlement.final_cents, Settlement.refund_cents,
                                  Settlement.interest_cents).where(
        Settlement.grant.application.organisation.is_in(list(member.organisation_ids))).first()  # type: ignore[union-attr]  # fmt: skip
    await sign_in(client, "member")
    answer = await client.get(f"/api/v1/grants/{own['grant']}/settlement")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["final"] == f"{own['final_cents'] / 100:.2f}"
    assert body["refund"] == f"{own['refund_cents'] / 100:.2f}"
    assert body["interest"] == f"{own['interest_cents'] / 100:.2f}"
    other = await Settlement.select(Settlement.grant).where(
        Settlement.grant.application.organisation.not_in(list(member.organisation_ids))).first()  # type: ignore[union-attr]  # fmt: skip
    refused = await client.get(f"/api/v1/grants/{other['grant']}/settlement")
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_a_grant_not_yet_settled_has_none(client, demo):
    grant = (
        await GrantAward.select(GrantAward.id)
        .where(GrantAward.status == GrantStatus.REPORT_SUBMITTED)
        .first()
    )
    await sign_in(client, "reviewer")
    assert (await client.get(f"/api/v1/grants/{grant['id']}/settlement")).status_code == 404
    settled = (
        await GrantAward.select(GrantAward.id)
        .where(GrantAward.status == GrantStatus.HEARING)
        .first()
    )
    body = (await client.get(f"/api/v1/grants/{settled['id']}/settlement")).json()
    assert body["grant_status"] == "hearing"
    assert body["hearing_deadline"]
