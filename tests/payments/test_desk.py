"""The payments desk: due instalments come through ``grant_award.next_instalment_due``, which
every change of a schedule, a grant or its instalment orders keeps in the same transaction;
open orders come with counts and sums, paid and cancelled ones as paged history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from grants import clock
from grants.demo.seed import load_once
from grants.money import Money
from grants.services import payments
from grants.tables import GrantAward, PaymentOrder
from tests.payments.conftest import approve, persona

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
JAN, APR, JUL = date(2027, 1, 15), date(2027, 4, 15), date(2027, 7, 15)
SCHEDULE = [(JAN, Money(100)), (APR, Money(100)), (JUL, Money(100))]


def test_the_next_instalment_is_the_earliest_without_an_order():
    assert payments.next_instalment_due(SCHEDULE, set(), True) == JAN
    assert payments.next_instalment_due(SCHEDULE, {JAN}, True) == APR
    assert payments.next_instalment_due(SCHEDULE, {APR}, True) == JAN
    assert payments.next_instalment_due(SCHEDULE, {JAN, APR, JUL}, True) is None
    assert payments.next_instalment_due(SCHEDULE, set(), False) is None  # not paying out
    assert payments.next_instalment_due([], set(), True) is None


async def stored(grant_id: int) -> date | None:
    row = (
        await GrantAward.select(GrantAward.next_instalment_due)
        .where(GrantAward.id == grant_id)
        .first()
    )
    return row["next_instalment_due"]


async def recomputed(grant_id: int) -> date | None:
    """From the payment plan as the grant's page shows it, independently of the stored value."""
    plan = await payments.grant_payments(await persona("reviewer"), grant_id)
    open_ = [i.due for i in plan.instalments if i.order is None]
    instalments = plan.payment_mode.value == "instalments"
    return min(open_) if open_ and plan.payable and instalments else None


async def test_deciding_ordering_and_cancelling_keep_the_next_instalment(database):
    granted = await approve(instalments=3)
    reviewer, finance = await persona("reviewer"), await persona("finance")
    plan = await payments.grant_payments(reviewer, granted.grant_id)
    assert (
        await stored(granted.grant_id) == plan.schedule[0][0] == await recomputed(granted.grant_id)
    )

    first = await payments.prepare_instalment(reviewer, granted.grant_id, 1)
    assert await stored(granted.grant_id) == plan.schedule[1][0]
    order = await PaymentOrder.objects().get(PaymentOrder.id == first)
    await payments.cancel(finance, first, order.version, "falscher Betrag")
    assert await stored(granted.grant_id) == plan.schedule[0][0]

    for number in (1, 2, 3):
        await payments.prepare_instalment(reviewer, granted.grant_id, number)
    assert await stored(granted.grant_id) is None
    assert await recomputed(granted.grant_id) is None


async def test_every_demo_grant_holds_its_true_next_instalment(database):
    await load_once()
    for grant in await GrantAward.select(GrantAward.id):
        assert await stored(grant["id"]) == await recomputed(grant["id"]), grant["id"]


async def test_the_desk_lists_the_earliest_due_instalments_up_to_its_limit(database, queries):
    await load_once()
    reviewer, today = await persona("reviewer"), clock.today()
    every = await payments.due_instalments(reviewer, today, limit=10_000)
    assert len(every) >= 3
    with queries() as ran:
        first_two = await payments.due_instalments(reviewer, today, limit=2)
    assert [(d.grant_id, d.number) for d in first_two] == [
        (d.grant_id, d.number) for d in every[:2]
    ]
    # the due grants by an index range, then their instalment orders; then whether they may go out
    # (§ 82 GO NRW): the years' budgets, and for a year not in force at most four more queries
    assert 3 <= ran.value <= 2 + 5
    until = today + timedelta(days=payments.DUE_AHEAD_DAYS)
    for grant in await GrantAward.select(GrantAward.id):
        plan = await payments.grant_payments(reviewer, grant["id"])
        if not plan.payable or plan.payment_mode.value != "instalments":
            continue
        for number, instalment in enumerate(plan.instalments, start=1):
            listed = (grant["id"], number) in {(d.grant_id, d.number) for d in every}
            assert listed == (instalment.order is None and instalment.due <= until)


async def test_open_orders_come_with_counts_history_without(database, queries):
    await load_once()
    finance = await persona("finance")
    with queries() as ran:
        certified = await payments.desk(finance, payments.P.CERTIFIED)
    # counts of the open states, the page, the sum; then whether the page's orders may go out
    # (§ 82 GO NRW): the years' budgets, and for a year not in force at most four more queries
    assert 4 <= ran.value <= 3 + 5
    open_counts = {
        s: await PaymentOrder.count().where(PaymentOrder.status == s) for s in payments.PENDING
    }
    assert certified.counts == {s: n for s, n in open_counts.items() if n}
    assert certified.total == Money.total(r.order.amount for r in certified.rows)
    with queries() as ran:
        paid = await payments.desk(finance, payments.P.PAID)
    assert ran.value == 2  # no count or sum of the history
    assert (paid.total, paid.pages) == (None, None)
    assert paid.has_next == (
        await PaymentOrder.count().where(PaymentOrder.status == payments.P.PAID) > 50
    )
    dues = [r.order.due_date for r in paid.rows]
    assert dues == sorted(dues, reverse=True)
