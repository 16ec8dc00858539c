"""The audit chain stays one chain when writes run at once (real commits, real transactions):
an event is only written inside the transaction of its change, whose lock orders the chain."""

import asyncio

import httpx
import pytest

from grants import audit
from grants.demo.personas import PERSONAS
from grants.demo.seed import load_once
from grants.tables import AuditEvent
from tests.support.login import csrf_post, sign_in

pytestmark = pytest.mark.anyio


async def test_an_event_outside_a_transaction_is_refused(app):
    with pytest.raises(RuntimeError, match="outside a transaction"):
        await audit.record(audit.Actor(None), "test.event", "user", 1)
    assert await AuditEvent.count() == 0


async def test_logins_and_logouts_at_once_keep_one_chain(app, committed):
    await load_once()
    personas = [p.key for p in PERSONAS if p.roles] * 2
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        for _ in personas
    ]
    try:
        await asyncio.gather(
            *(sign_in(c, key) for c, key in zip(clients[::2], personas[::2], strict=True))
        )
        answers = await asyncio.gather(
            *(csrf_post(c, "/auth/logout") for c in clients[::2]),
            *(sign_in(c, key) for c, key in zip(clients[1::2], personas[1::2], strict=True)),
        )
    finally:
        for client in clients:
            await client.aclose()

    assert all(answer.status_code == 303 for answer in answers)
    logouts = await AuditEvent.count().where(AuditEvent.action == "user.logout")
    assert logouts == len(clients[::2])
    assert await AuditEvent.count().where(AuditEvent.action == "user.login") == len(clients)
    assert await audit.verify_chain() is None
