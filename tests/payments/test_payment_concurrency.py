"""Ten identical requests at once record one payment (real commits, real transactions).

A double click, a retried request or the same confirmation file imported twice must never pay
twice: on PostgreSQL the requests run in parallel on the pool, on SQLite one after the other.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from grants import clock
from grants.money import Money
from grants.services import confirmations, payments
from grants.tables import AuditEvent, ExportBatch, PaymentOrder
from grants.workflow import PaymentOrderStatus
from tests.payments.conftest import approve, persona
from tests.support.login import csrf_post, sign_in

pytestmark = pytest.mark.anyio
P = PaymentOrderStatus
TEN = 10


async def statement(batch_id: int) -> bytes:
    return b"xlsx"


async def outcomes(calls) -> list[object]:
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_ten_identical_requests_make_one_order_one_batch_one_payment(committed, app):
    granted = await approve()
    reviewer, finance = await persona("reviewer"), await persona("finance")

    orders = await outcomes(
        payments.prepare_instalment(reviewer, granted.grant_id, 1) for _ in range(TEN)
    )
    assert len(set(orders)) == 1, orders
    assert await PaymentOrder.count().where(PaymentOrder.grant == granted.grant_id) == 1
    order_id = orders[0]

    await payments.release(finance, order_id, 1)
    batches = await outcomes(
        payments.export_released(finance, "ein-klick", statement) for _ in range(TEN)
    )
    assert len(set(batches)) == 1, batches
    assert await ExportBatch.count().where(ExportBatch.idempotency_key == "ein-klick") == 1

    staff = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await sign_in(staff, "finance")
    await staff.get("/")
    form = {
        "version": "3",
        "paid_on": f"{clock.today():%d.%m.%Y}",
        "cash_reference": "5400.1111.2222",
    }
    path = f"/zuwendungen/{granted.grant_id}/anordnungen/{order_id}/ausgezahlt"
    answers = await outcomes(csrf_post(staff, path, form) for _ in range(TEN))
    await staff.aclose()
    assert all(isinstance(a, httpx.Response) and a.status_code in (303, 409) for a in answers), (
        answers
    )
    assert any(a.status_code == 303 for a in answers)
    assert await AuditEvent.count().where(
        (AuditEvent.action == "payment_order.paid") & (AuditEvent.entity_id == order_id)
    ) == 1  # fmt: skip
    paid = await PaymentOrder.objects().get(PaymentOrder.id == order_id)
    assert (paid.status, paid.cash_reference) == (P.PAID, "5400.1111.2222")
    plan = await payments.grant_payments(finance, granted.grant_id)
    assert plan.paid == Money(paid.amount_cents)


async def test_the_same_file_imported_ten_times_at_once_pays_each_order_once(committed):
    granted = await approve()
    reviewer, finance = await persona("reviewer"), await persona("finance")
    ids = [await payments.prepare_instalment(reviewer, granted.grant_id, n) for n in (1, 2)]
    for order_id in ids:
        await payments.release(finance, order_id, 1)
    await payments.export_released(finance, "stapel", statement)
    rows = await PaymentOrder.select(PaymentOrder.order_number, PaymentOrder.amount_cents).where(
        PaymentOrder.id.is_in(ids))  # fmt: skip
    content = "\n".join(["Anordnungs-Nr.;Betrag;Datum;Kassenzeichen"] + [
        f"{r['order_number']};{Money(r['amount_cents']).format_plain()};{clock.today():%d.%m.%Y};5400.{n}"
        for n, r in enumerate(rows)]).encode()  # fmt: skip

    results = await outcomes(confirmations.apply(finance, "kasse.csv", content) for _ in range(TEN))
    applied = [r for r in results if isinstance(r, confirmations.ImportResult)]
    rejected = [r for r in results if isinstance(r, confirmations.ImportRejected)]
    assert (len(applied), len(rejected)) == (1, TEN - 1), results
    assert all(re.search("bereits am .* als ausgezahlt verbucht", r.errors[0]) for r in rejected)
    assert await AuditEvent.count().where(AuditEvent.action == "payment_order.paid") == 2
    assert (
        await PaymentOrder.count().where(
            PaymentOrder.id.is_in(ids) & (PaymentOrder.status == P.PAID)
        )
        == 2
    )
