"""Payment orders through the service: four eyes, the grant's limits, the budget in force,
export batches and recording payments exactly once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from grants import clock
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.services import payments
from grants.services.users import Affiliation
from grants.tables import AuditEvent, ExportBatch, FiscalYear, GrantAward, PaymentOrder
from grants.vocabulary import Role
from grants.workflow import GrantStatus, PaymentOrderStatus
from tests.payments.conftest import persona

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
P = PaymentOrderStatus


async def statement(batch_id: int) -> bytes:
    return f"Stapel {batch_id}".encode()


async def test_a_reviewer_prepares_finance_releases_exports_and_records_the_payment(granted):
    reviewer, finance = await persona("reviewer"), await persona("finance")
    plan = await payments.grant_payments(reviewer, granted.grant_id)
    assert [i.order for i in plan.instalments] == [None] * 4
    assert Money.total(amount for _, amount in plan.schedule) == granted.approved

    order_id = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    order = await PaymentOrder.objects().get(PaymentOrder.id == order_id)
    first_due, first_amount = plan.schedule[0]
    assert (order.status, order.amount_cents, order.due_date) == (
        P.CERTIFIED,
        first_amount.cents,
        first_due,
    )
    assert order.certified_by == reviewer.id
    assert order.purpose.startswith(plan.file_number)
    assert len(order.purpose) <= 140

    await payments.release(finance, order_id, order.version)
    year = clock.now().year
    before = [
        b["number"]
        for b in await ExportBatch.select(ExportBatch.number)
        if b["number"].startswith(f"AO-{year}-")
    ]
    batch_id = await payments.export_released(finance, "knopf-1", statement)
    batch = await ExportBatch.objects().get(ExportBatch.id == batch_id)
    assert batch.number == f"AO-{year}-{max((int(n[-4:]) for n in before), default=0) + 1:04d}"
    order = await PaymentOrder.objects().get(PaymentOrder.id == order_id)
    assert (order.status, order.batch) == (P.EXPORTED, batch_id)
    numbers = sorted(o["order_number"] for o in await PaymentOrder.select(PaymentOrder.order_number)
                     .where(PaymentOrder.batch == batch_id))  # fmt: skip
    assert order.order_number in numbers  # with the demo's other released orders, numbered 001…
    assert numbers == [f"{batch.number}-{n:03d}" for n in range(1, len(numbers) + 1)]
    assert not await PaymentOrder.exists().where(PaymentOrder.status == P.RELEASED)
    assert await payments.batch_file(finance, batch_id) == (
        batch.number,
        f"Stapel {batch_id}".encode(),
    )
    assert (
        await payments.export_released(finance, "knopf-1", statement) == batch_id
    )  # a double click

    assert await payments.mark_paid(finance, order_id, clock.today(), "5400.1234.5678") is True
    assert (
        await payments.mark_paid(finance, order_id, clock.today(), "5400.1234.5678") is False
    )  # again
    with pytest.raises(Conflict, match="bereits am"):
        await payments.mark_paid(finance, order_id, clock.today(), "5400.9999.0000")
    plan = await payments.grant_payments(finance, granted.grant_id)
    assert (plan.paid, plan.pending, plan.open) == (
        first_amount,
        Money(0),
        granted.approved - first_amount,
    )
    assert plan.status is GrantStatus.PAYING
    assert plan.instalments[0].order.status is P.PAID
    events = [e["action"] for e in await AuditEvent.select(AuditEvent.action).where(
        AuditEvent.entity_id == order_id).order_by(AuditEvent.id) if e["action"].startswith("payment_order")]  # fmt: skip
    assert events == ["payment_order.certified", "payment_order.released", "payment_order.exported",
                      "payment_order.paid"]  # fmt: skip


async def test_preparing_an_instalment_twice_makes_one_order(granted):
    reviewer = await persona("reviewer")
    first = await payments.prepare_instalment(reviewer, granted.grant_id, 2)
    assert await payments.prepare_instalment(reviewer, granted.grant_id, 2) == first
    assert await PaymentOrder.count().where(PaymentOrder.grant == granted.grant_id) == 1


async def test_whoever_certified_may_not_release(granted):
    finance = await persona("finance")
    order_id = await payments.prepare_instalment(finance, granted.grant_id, 1)
    version = (await PaymentOrder.objects().get(PaymentOrder.id == order_id)).version
    with pytest.raises(Forbidden, match="Vier-Augen-Prinzip"):
        await payments.release(finance, order_id, version)
    with pytest.raises(Forbidden):  # a reviewer has no say in releasing
        await payments.release(await persona("reviewer2"), order_id, version)
    assert (await PaymentOrder.objects().get(PaymentOrder.id == order_id)).status == P.CERTIFIED


async def test_nothing_is_released_while_the_budget_is_not_in_force(granted):
    reviewer, finance = await persona("reviewer"), await persona("finance")
    order_id = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    await FiscalYear.update({FiscalYear.budget_in_force: False}).where(
        FiscalYear.year == granted.year
    )
    # decided just now, the decision is not final yet: even without reservation nothing goes out
    with pytest.raises(Conflict, match=f"Haushaltssatzung {granted.year} noch nicht in Kraft"):
        await payments.release(finance, order_id, 1)
    await FiscalYear.update({FiscalYear.budget_in_force: True}).where(
        FiscalYear.year == granted.year
    )
    await payments.release(finance, order_id, 1)
    await FiscalYear.update({FiscalYear.budget_in_force: False}).where(
        FiscalYear.year == granted.year
    )
    with pytest.raises(Conflict, match="nicht in Kraft"):
        await payments.export_released(finance, "stapel", statement)
    assert (await PaymentOrder.objects().get(PaymentOrder.id == order_id)).status == P.RELEASED


async def test_nothing_is_ordered_or_released_for_a_suspended_grant(granted):
    reviewer, finance = await persona("reviewer"), await persona("finance")
    order_id = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    await GrantAward.update({GrantAward.payments_suspended: True}).where(
        GrantAward.id == granted.grant_id
    )
    with pytest.raises(Conflict, match="ausgesetzt"):
        await payments.prepare_instalment(reviewer, granted.grant_id, 2)
    with pytest.raises(Conflict, match="ausgesetzt"):
        await payments.release(finance, order_id, 1)


async def test_no_order_beyond_the_grant_or_the_year_binding(granted):
    reviewer = await persona("reviewer")
    plan = await payments.grant_payments(reviewer, granted.grant_id)
    for number in range(1, 5):
        await payments.prepare_instalment(reviewer, granted.grant_id, number)
    plan = await payments.grant_payments(reviewer, granted.grant_id)
    assert plan.open == Money(0)
    with pytest.raises(Invalid) as refused:
        payments.check_order(plan, granted.year, Money(1))
    assert (
        "übersteigt, was auf die Zuwendung noch offen ist: 0,00" in refused.value.errors["amount"]
    )
    with pytest.raises(Invalid, match="2031 sind für diese Zuwendung keine Mittel gebunden"):
        payments.check_order(
            plan, 2031, Money(0) if False else Money(1), excluding=plan.orders[0].id
        )


async def test_a_cancelled_instalment_can_be_ordered_again(granted):
    reviewer = await persona("reviewer")
    first = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    with pytest.raises(Invalid, match="Grund"):
        await payments.cancel(reviewer, first, 1, "  ")
    await payments.cancel(reviewer, first, 1, "Falscher Betrag")
    second = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    assert second != first
    plan = await payments.grant_payments(reviewer, granted.grant_id)
    assert plan.instalments[0].order.id == second
    assert plan.pending == plan.schedule[0][1]


async def test_a_stale_version_is_a_conflict_and_changes_nothing(granted):
    reviewer, finance = await persona("reviewer"), await persona("finance")
    order_id = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    with pytest.raises(Conflict, match="inzwischen geändert"):
        await payments.release(finance, order_id, 7)
    assert (await PaymentOrder.objects().get(PaymentOrder.id == order_id)).status == P.CERTIFIED


async def test_the_association_sees_its_payments_others_do_not(granted):
    member = await persona("member")
    assert granted.organisation_id not in member.organisation_ids
    with pytest.raises(NotFound):
        await payments.grant_payments(member, granted.grant_id)
    own = dataclasses.replace(member, affiliations=(
        Affiliation(granted.organisation_id, "Träger des Antrags", Role.MEMBER),))  # fmt: skip
    assert (await payments.grant_payments(own, granted.grant_id)).grant_id == granted.grant_id


async def test_due_instalments_list_what_is_still_to_order(database):
    from grants.demo.seed import load_once

    await load_once()
    reviewer = await persona("reviewer")
    today = clock.today()
    due = await payments.due_instalments(reviewer, today)
    assert due, "the demo's approved IKZ grants have a last instalment still to order"
    assert all(d.due <= today + timedelta(days=payments.DUE_AHEAD_DAYS) for d in due)
    first = due[0]
    plan = await payments.grant_payments(reviewer, first.grant_id)
    assert plan.instalments[first.number - 1].order is None
    assert plan.instalments[first.number - 1].amount == first.amount
    await payments.prepare_instalment(reviewer, first.grant_id, first.number)
    after = await payments.due_instalments(reviewer, today)
    assert (first.grant_id, first.number) not in {(d.grant_id, d.number) for d in after}
    with pytest.raises(Forbidden):
        await payments.due_instalments(await persona("member"), today)
