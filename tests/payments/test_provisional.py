"""Provisional budget management (§ 82 GO NRW) at release and export: while the year's budget is
not in force, instalments of a final decision without budget reservation go out; those under
reservation wait — or get a monthly twelfth of the previous year's amount, as the year is set."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from grants import clock
from grants.demo.seed import load_once
from grants.errors import Conflict
from grants.money import Money
from grants.services import payments
from grants.tables import (
    Application,
    BudgetCommitment,
    BudgetLine,
    Decision,
    FiscalYear,
    GrantAward,
    PaymentOrder,
)
from grants.vocabulary import ProvisionalRule
from grants.workflow import ApplicationStatus, PaymentOrderStatus
from tests.payments.conftest import Granted, approve, persona
from tests.payments.test_payment_pages import as_persona
from tests.support.login import csrf_post

pytestmark = pytest.mark.anyio
P = PaymentOrderStatus


async def statement(batch_id: int) -> bytes:
    return f"Stapel {batch_id}".encode()


async def provisional(granted: Granted, *, notified: date, reservation: bool,
                      rule: ProvisionalRule = ProvisionalRule.WAIT) -> int:  # fmt: skip
    """The grant's decision notified on ``notified``, its year not in force; the first
    instalment ordered and certified. Returns the order's id."""
    order_id = await payments.prepare_instalment(await persona("reviewer"), granted.grant_id, 1)
    grant = await GrantAward.objects().get(GrantAward.id == granted.grant_id)
    await Decision.update({
        Decision.notified_at: datetime(notified.year, notified.month, notified.day, 10, tzinfo=UTC),
        Decision.budget_reservation: reservation,
    }).where(Decision.id == grant.current_decision)  # fmt: skip
    await FiscalYear.update(
        {FiscalYear.budget_in_force: False, FiscalYear.provisional_rule: rule}
    ).where(FiscalYear.year == granted.year)
    return order_id


async def status(order_id: int) -> PaymentOrderStatus:
    return P((await PaymentOrder.objects().get(PaymentOrder.id == order_id)).status)


async def test_an_instalment_of_a_final_decision_without_reservation_is_released_and_exported(
    granted,
):
    order_id = await provisional(granted, notified=date(2026, 9, 1), reservation=False)
    finance = await persona("finance")
    await payments.release(finance, order_id, 1)
    assert await status(order_id) == P.RELEASED
    await payments.export_released(finance, "vorlaeufig", statement)
    assert await status(order_id) == P.EXPORTED


async def test_an_instalment_of_a_decision_not_yet_final_waits_with_the_reason(
    granted, monkeypatch
):
    order_id = await provisional(granted, notified=date(2026, 11, 20), reservation=False)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    # the month for an action ends on Sunday 20.12., so on Monday 21.12.
    with pytest.raises(Conflict, match=r"erst am 22\.12\.2026 bestandskräftig"):
        await payments.release(await persona("finance"), order_id, 1)
    assert await status(order_id) == P.CERTIFIED


async def test_under_reservation_the_release_is_refused_in_german_while_the_year_waits(granted):
    order_id = await provisional(granted, notified=date(2026, 9, 1), reservation=True)
    with pytest.raises(Conflict, match="unter Haushaltsvorbehalt") as refused:
        await payments.release(await persona("finance"), order_id, 1)
    assert f"bis die Haushaltssatzung {granted.year} in Kraft ist" in str(refused.value)
    assert "§ 82 GO NRW" in str(refused.value)
    assert await status(order_id) == P.CERTIFIED
    await FiscalYear.update({FiscalYear.budget_in_force: True}).where(
        FiscalYear.year == granted.year
    )
    await payments.release(await persona("finance"), order_id, 1)
    assert await status(order_id) == P.RELEASED


async def test_under_reservation_a_monthly_twelfth_of_the_previous_year(granted, monkeypatch):
    order_id = await provisional(granted, notified=date(2026, 9, 1), reservation=True,
                                 rule=ProvisionalRule.TWELFTH)  # fmt: skip
    order = await PaymentOrder.objects().get(PaymentOrder.id == order_id)
    committed = await BudgetCommitment.objects().get(BudgetCommitment.grant == granted.grant_id)
    line = await committed.get_related(BudgetCommitment.budget_line)
    previous = await FiscalYear.objects().get(FiscalYear.year == granted.year - 1)
    earlier = await BudgetLine.objects().get(
        (BudgetLine.fiscal_year == previous.id) & (BudgetLine.product == line.product)
        & (BudgetLine.plan_line == line.plan_line) & (BudgetLine.account == line.account)
        & (BudgetLine.cost_centre == line.cost_centre)
    )  # fmt: skip
    # the association had 12 × the instalment (less one cent) in the year before
    await BudgetCommitment.delete().where(
        (BudgetCommitment.budget_line == earlier.id)
        & BudgetCommitment.grant.is_in(
            GrantAward.select(GrantAward.id).where(
                GrantAward.application.organisation == granted.organisation_id  # type: ignore[union-attr]
            )
        )
    )
    carrier = await GrantAward.select(GrantAward.id).where(
        GrantAward.application.organisation == granted.organisation_id  # type: ignore[union-attr]
    ).first()  # fmt: skip
    assert carrier
    await BudgetCommitment.insert(BudgetCommitment(
        budget_line=earlier.id, grant=carrier["id"], amount_cents=12 * order.amount_cents - 1, reason="Vorjahr",
    ))  # fmt: skip
    finance = await persona("finance")
    monkeypatch.setattr(clock, "today", lambda: date(granted.year, 1, 20))
    with pytest.raises(Conflict, match=r"1/12 des Vorjahresbetrags"):  # one cent short
        await payments.release(finance, order_id, 1)
    monkeypatch.setattr(clock, "today", lambda: date(granted.year, 2, 1))
    await payments.release(finance, order_id, 1)
    assert await status(order_id) == P.RELEASED
    assert Money(order.amount_cents) > Money(0)
    # the second instalment would exceed 2/12: it waits
    second = await payments.prepare_instalment(await persona("reviewer"), granted.grant_id, 2)
    with pytest.raises(Conflict, match="passen nicht mehr hinein"):
        await payments.release(finance, second, 1)


async def test_the_desk_says_which_orders_go_out_now_which_wait_and_why(app, granted):
    """Two grants of a year not in force: one final without reservation, one under it."""
    out = await provisional(granted, notified=date(2026, 9, 1), reservation=False)
    other = await approve(offset=0)  # the next ready application of the demo
    waits = await provisional(other, notified=date(2026, 9, 1), reservation=True)
    await FiscalYear.update({FiscalYear.budget_in_force: False}).where(
        FiscalYear.year == other.year
    )

    desk = await payments.desk(await persona("finance"), P.CERTIFIED)
    assert desk.verdicts[out].allowed
    assert "bestandskräftig und ohne Haushaltsvorbehalt" in desk.verdicts[out].reason
    assert desk.verdicts[waits].waits
    assert "unter Haushaltsvorbehalt" in desk.verdicts[waits].reason

    finance = await as_persona(app, "finance")
    page = (await finance.get("/finanzen/anordnungen?status=certified")).text
    assert "Vorläufige Haushaltsführung (§ 82 GO NRW)" in page
    assert "Kann jetzt ausgezahlt werden." in page
    assert "Wartet auf den Haushalt." in page
    assert f'action="/finanzen/anordnungen/{out}/freigeben"' in page
    assert f'action="/finanzen/anordnungen/{waits}/freigeben"' not in page  # no refusal to meet
    # on the grant's page: at each instalment to certify and at the certified order
    reviewer = await as_persona(app, "reviewer")
    grant_page = (await reviewer.get(f"/zuwendungen/{other.grant_id}/zahlungen")).text
    assert grant_page.count("Wartet auf den Haushalt.") == 4  # 1 order + 3 instalments
    assert "nein – vorläufige Haushaltsführung (§ 82 GO NRW)" in grant_page


async def test_the_decision_form_proposes_the_reservation_while_the_year_is_not_in_force(
    app, database
):
    await load_once()
    ready = await Application.select(Application.id, Application.call.fiscal_year.year).where(  # type: ignore[union-attr]
        Application.status == ApplicationStatus.READY
    ).first()  # fmt: skip
    year = ready["call.fiscal_year.year"]
    await FiscalYear.update({FiscalYear.budget_in_force: False}).where(FiscalYear.year == year)
    approver = await as_persona(app, "approver")
    url = f"/pruefung/antraege/{ready['id']}/entscheidung"
    page = (await approver.get(url)).text
    box = re.search(r'<input type="checkbox" id="feld-budget_reservation"[^>]*>', page).group(0)
    assert "checked" in box
    assert f"Die Haushaltssatzung {year} ist noch nicht in Kraft" in page
    assert "§ 82 GO NRW" in page
    assert "warten ihre Raten, bis der Haushalt in Kraft ist" in page
    # sent back with an error and the box unticked: it stays as it was sent
    answer = await csrf_post(
        approver, url, {"recommendation": "approve", "period_start": "kein Datum"}
    )
    assert answer.status_code == 400
    box = re.search(
        r'<input type="checkbox" id="feld-budget_reservation"[^>]*>', answer.text
    ).group(0)
    assert "checked" not in box
    await FiscalYear.update({FiscalYear.budget_in_force: True}).where(FiscalYear.year == year)
    page = (await approver.get(url)).text
    box = re.search(r'<input type="checkbox" id="feld-budget_reservation"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "noch nicht in Kraft" not in page
