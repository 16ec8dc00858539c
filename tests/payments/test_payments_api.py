"""Grants and payment orders in the JSON API: figures as decimal strings, roles and scoping."""

from __future__ import annotations

import httpx
import pytest

from grants.services import payments
from portal.api.schemas import euro
from tests.payments.conftest import approve, persona
from tests.support.login import sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def as_persona(app, name: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await sign_in(client, name)
    return client


async def test_a_grant_with_its_plan_and_orders(app, database):
    granted = await approve()
    order_id = await payments.prepare_instalment(await persona("reviewer"), granted.grant_id, 1)
    finance = await as_persona(app, "finance")
    answer = await finance.get(f"/api/v1/grants/{granted.grant_id}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["approved"] == euro(granted.approved)
    assert body["status"] == "approved"
    assert [i["order_id"] for i in body["instalments"]] == [order_id, None, None, None]
    [order] = body["orders"]
    assert (order["id"], order["status"], order["kind"]) == (order_id, "certified", "instalment")
    assert order["certified_by"] is not None
    plan = await payments.grant_payments(await persona("finance"), granted.grant_id)
    assert (body["pending"], body["open"]) == (
        euro(plan.pending),
        euro(granted.approved - plan.pending),
    )

    listed = await finance.get("/api/v1/payment-orders", params={"status": "certified"})
    assert listed.status_code == 200
    assert listed.json()["status"] == "certified"
    assert listed.json()["counts"]["certified"] >= 1
    assert (
        await finance.get("/api/v1/payment-orders", params={"status": "bezahlt"})
    ).status_code == 422
    await finance.aclose()


async def test_others_get_problems_not_data(app, database):
    granted = await approve()
    member = await as_persona(app, "member")  # another association's member
    answer = await member.get(f"/api/v1/grants/{granted.grant_id}")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await member.get("/api/v1/payment-orders")).status_code == 403
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    )
    assert (await anonymous.get("/api/v1/payment-orders")).status_code == 401
    await member.aclose()
    await anonymous.aclose()
