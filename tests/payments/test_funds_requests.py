"""Requests for funds (Mittelabruf): the two-month rule by financing type, the open amount, and the
KI ordering or rejecting them."""

from __future__ import annotations

import dataclasses

import pytest

from grants.errors import Forbidden, Invalid
from grants.money import Money
from grants.services import funds_requests, payments
from grants.services.funds_requests import FundsRequestInput
from grants.services.users import Affiliation, Principal
from grants.tables import FundsRequest, Notification, PaymentOrder
from grants.vocabulary import FinancingType, PaymentKind, PaymentMode, Role
from grants.workflow import FundsRequestStatus, PaymentOrderStatus
from tests.payments.conftest import Granted, approve, persona

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


def euro(amount: int) -> Money:
    return Money(amount * 100)


NOTHING = Money(0)


def asking(
    amount: Money, due: Money, own: Money = NOTHING, third: Money = NOTHING
) -> FundsRequestInput:
    return FundsRequestInput(amount=amount, purpose="Honorare Deutschkurs Mai und Juni", due_within_two_months=due,
                             own_funds_used=own, third_party_used=third)  # fmt: skip


async def member_of(granted: Granted) -> Principal:
    member = await persona("member")
    return dataclasses.replace(
        member, affiliations=(Affiliation(granted.organisation_id, "Träger", Role.MEMBER),)
    )


async def test_under_share_financing_a_request_is_paid_pro_rata(database):
    granted = await approve(
        PaymentMode.ON_REQUEST, financing_type=FinancingType.SHARE, share="0.64"
    )
    member = await member_of(granted)
    with pytest.raises(Invalid) as refused:
        await funds_requests.submit(member, granted.grant_id, asking(Money(512_001), euro(8_000)))
    assert refused.value.errors == {"amount": "Abrufbar sind höchstens 5.120,00\u00a0€: 64 % der in den nächsten "
                                              "zwei Monaten fälligen Zahlungen von 8.000,00\u00a0€ (Nr. 1.4 ANBest-P)."}  # fmt: skip
    request_id = await funds_requests.submit(
        member, granted.grant_id, asking(euro(5_120), euro(8_000))
    )
    [request] = await funds_requests.requests_of(granted.grant_id)
    assert (request.id, request.status, request.amount) == (
        request_id,
        FundsRequestStatus.SUBMITTED,
        euro(5_120),
    )


async def test_under_shortfall_financing_own_funds_come_first(database):
    granted = await approve(PaymentMode.ON_REQUEST)
    member = await member_of(granted)
    plan = await payments.grant_payments(member, granted.grant_id)
    other = plan.parameters.other_funding
    assert other > Money(0)
    with pytest.raises(Invalid) as refused:
        await funds_requests.submit(
            member, granted.grant_id, asking(euro(1_000), euro(2_000), own=other - Money(1))
        )
    assert (
        "erst abgerufen, wenn die Eigen- und Drittmittel" in refused.value.errors["own_funds_used"]
    )
    with pytest.raises(Invalid, match=r"höchstens 2\.000,00"):
        await funds_requests.submit(
            member, granted.grant_id, asking(euro(2_001), euro(2_000), own=other)
        )
    await funds_requests.submit(
        member, granted.grant_id, asking(euro(2_000), euro(2_000), own=other)
    )


async def test_nobody_asks_for_more_than_is_open_and_bad_input_is_named(database):
    granted = await approve(PaymentMode.ON_REQUEST)
    member = await member_of(granted)
    plan = await payments.grant_payments(member, granted.grant_id)
    too_much = plan.open + Money(1)
    with pytest.raises(Invalid) as refused:
        await funds_requests.submit(
            member,
            granted.grant_id,
            asking(too_much, too_much * 2, own=plan.parameters.other_funding),
        )
    assert refused.value.errors == {
        "amount": f"Auf die Zuwendung sind nur noch {plan.open.format()} offen."
    }
    with pytest.raises(Invalid) as refused:
        await funds_requests.submit(
            member, granted.grant_id, FundsRequestInput(None, " ", Money(-1), None, None)
        )
    assert set(refused.value.errors) == {"amount", "purpose", "due_within_two_months", "own_funds_used",
                                         "third_party_used"}  # fmt: skip
    with pytest.raises(Forbidden):  # KI staff do not ask for funds on a centre's behalf
        await funds_requests.submit(
            await persona("reviewer"), granted.grant_id, asking(euro(1), euro(1))
        )
    assert not await FundsRequest.exists().where(FundsRequest.grant == granted.grant_id)


async def test_the_ki_orders_a_request_once_or_rejects_it_with_a_reason(database):
    granted = await approve(
        PaymentMode.ON_REQUEST, financing_type=FinancingType.SHARE, share="0.64"
    )
    member, reviewer = await member_of(granted), await persona("reviewer")
    first = await funds_requests.submit(member, granted.grant_id, asking(euro(1_000), euro(5_000)))
    second = await funds_requests.submit(member, granted.grant_id, asking(euro(500), euro(5_000)))

    order_id = await funds_requests.order(reviewer, first, 1)
    assert await funds_requests.order(reviewer, first, 1) == order_id  # a double click
    order = await PaymentOrder.objects().get(PaymentOrder.id == order_id)
    assert (order.kind, order.status, order.amount_cents, order.funds_request) == (
        PaymentKind.REQUEST,
        PaymentOrderStatus.CERTIFIED,
        100_000,
        first,
    )
    assert order.certified_by == reviewer.id

    with pytest.raises(Invalid, match="begründen"):
        await funds_requests.reject(reviewer, second, 1, "")
    await funds_requests.reject(
        reviewer, second, 1, "Die Rechnungen liegen außerhalb des Zeitraums."
    )
    views = {r.id: r for r in await funds_requests.requests_of(granted.grant_id)}
    assert views[first].status is FundsRequestStatus.ORDERED
    assert views[first].order_id == order_id
    assert views[second].status is FundsRequestStatus.REJECTED
    assert views[second].rejection_reason == "Die Rechnungen liegen außerhalb des Zeitraums."
    subjects = [
        n["subject"]
        for n in await Notification.select(Notification.subject).order_by(Notification.id)
    ]
    assert any(s.startswith("Mittelabruf angeordnet") for s in subjects)
    assert any(s.startswith("Mittelabruf abgelehnt") for s in subjects)
    with pytest.raises(Forbidden):
        await funds_requests.order(member, second, 2)
