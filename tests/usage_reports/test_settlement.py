"""Settling a grant through the service (both engines): DOMAIN.md §4's figures to the cent, four
eyes, the budget released in the same transaction, the hearing → refund decision → repayment →
closed path, the subsequent payment's order, permissions and stale versions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from grants import clock, financing
from grants.demo.seed import load_once
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.services import (
    base_rates,
    budget,
    confirmations,
    decisions,
    payments,
    settlements,
    usage_reports,
)
from grants.services.settlements import SettleInput
from grants.tables import (
    ActualLine,
    AuditEvent,
    Decision,
    Document,
    GrantAward,
    IndicatorValue,
    PaymentOrder,
    Settlement,
    UsageReport,
)  # fmt: skip
from grants.vocabulary import DocumentKind, PaymentKind
from grants.workflow import GrantStatus, PaymentOrderStatus, UsageReportStatus
from tests.support.principals import principal
from tests.usage_reports.settling import RENDERED, committed, in_review, render

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
G = GrantStatus
SETTLED_ON = datetime(2026, 6, 30, 10, tzinfo=UTC)


@pytest.fixture
async def demo(database, monkeypatch):
    """The demo, with the clock frozen on 30.06.2026; call the result to move it to a day."""
    await load_once()
    monkeypatch.setattr(clock, "now", lambda: SETTLED_ON)

    def at(day: date) -> None:
        monkeypatch.setattr(clock, "now", lambda: datetime.combine(day, SETTLED_ON.timetz()))

    return at


async def settle(persona: str, grant_id: int, **kwargs) -> int:
    who = await principal(persona)
    grant = await usage_reports.get(who, grant_id)
    data = SettleInput(
        kwargs.pop("interest_from", date(2026, 3, 1)), kwargs.pop("units_actual", None), ""
    )
    return await settlements.settle(who, grant, grant.grant_version, data, render)


async def test_the_shortfall_example_refunds_4500_with_interest_and_releases_the_budget(demo):
    grant_id = await in_review()
    finance = await principal("finance")
    before = (await budget.overview(finance, 2025)).totals.committed
    checked = await usage_reports.checks(
        await usage_reports.get(await principal("reviewer2"), grant_id), recognised=True
    )
    settlement_id = await settle("reviewer2", grant_id)
    row = await Settlement.select().where(Settlement.id == settlement_id).first()
    assert row["late_use_interest_cents"] == checked.late_use_interest.cents
    assert (row["recognised_expenses_cents"], row["recognised_other_funding_cents"]) == (
        4_700_000,
        1_950_000,
    )
    assert (row["final_cents"], row["paid_cents"], row["refund_cents"]) == (
        2_750_000,
        3_200_000,
        450_000,
    )
    assert row["interest_cents"] == 6370  # 4,500 € over 121 days at 1.27 % + 3 points
    reviewer, settler = await principal("reviewer"), await principal("reviewer2")
    assert (row["recognised_by"], row["settled_by"], row["signed_off_by"]) == (
        reviewer.id,
        settler.id,
        settler.id,
    )
    assert await committed(grant_id) == Money(2_750_000)
    assert (await budget.overview(finance, 2025)).totals.committed == before - Money(450_000)
    grant = await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first()
    assert grant["status"] == G.SETTLED
    report = (
        await UsageReport.select(UsageReport.status).where(UsageReport.grant == grant_id).first()
    )
    assert report["status"] == UsageReportStatus.ACCEPTED
    kinds = [d["kind"] for d in await Document.select(Document.kind).where(
        Document.kind.is_in([k.value for k in settlements.LETTER_KINDS])
        & (Document.application == (await usage_reports.get(settler, grant_id)).application_id))]  # fmt: skip
    assert kinds == [DocumentKind.AUDIT_MEMO]  # a refund: no Prüfungsmitteilung
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "grant.settled") & (AuditEvent.entity_id == grant_id)
    )


async def test_the_reviewer_who_recognised_the_figures_cannot_settle(demo):
    grant_id = await in_review()
    with pytest.raises(Forbidden, match="Vier-Augen"):
        await settle("reviewer", grant_id)
    assert await committed(grant_id) == Money(3_200_000)


async def test_an_approver_may_settle_but_finance_and_the_association_may_not(demo):
    grant_id = await in_review()
    grant = await usage_reports.get(await principal("reviewer"), grant_id)
    for persona in ("finance", "signatory", "auditor"):
        with pytest.raises(Forbidden):
            await settlements.settle(await principal(persona), grant, grant.grant_version,
                                     SettleInput(None, None, ""), render)  # fmt: skip
    await settle("approver", grant_id)


async def test_every_line_must_be_assessed(demo):
    grant_id = await in_review()
    line = await ActualLine.select(ActualLine.id).where(
        ActualLine.usage_report.grant == grant_id).first()  # type: ignore[union-attr]  # fmt: skip
    await ActualLine.update({ActualLine.recognised_cents: None}).where(ActualLine.id == line["id"])
    with pytest.raises(Invalid) as refused:
        await settle("reviewer2", grant_id)
    assert "Noch nicht jede Position ist geprüft" in refused.value.errors["lines"]
    assert not await Settlement.exists().where(Settlement.grant == grant_id)


async def test_a_stale_version_is_refused_and_nothing_is_written(demo):
    grant_id = await in_review()
    who = await principal("reviewer2")
    grant = await usage_reports.get(who, grant_id)
    await GrantAward.update({GrantAward.version: GrantAward.version + 1}).where(
        GrantAward.id == grant_id
    )
    with pytest.raises(Conflict):
        await settlements.settle(
            who, grant, grant.grant_version, SettleInput(None, None, ""), render
        )
    assert not await Settlement.exists().where(Settlement.grant == grant_id)
    assert await committed(grant_id) == Money(3_200_000)


async def test_a_subsequent_payment_becomes_a_draft_order_through_four_eyes(demo):
    grant_id = await in_review(paid=2_400_000)
    settlement_id = await settle("approver", grant_id)
    row = await Settlement.select().where(Settlement.id == settlement_id).first()
    assert (row["final_cents"], row["subsequent_cents"], row["refund_cents"]) == (
        2_750_000,
        350_000,
        0,
    )
    order = await PaymentOrder.select().where(PaymentOrder.id == row["subsequent_order"]).first()
    assert (order["kind"], order["status"], order["amount_cents"]) == (
        PaymentKind.SUBSEQUENT,
        "draft",
        350_000,
    )
    assert await committed(grant_id) == Money(2_750_000)
    reviewer, finance = await principal("reviewer"), await principal("finance")
    await payments.certify(reviewer, order["id"], order["version"])
    await payments.release(finance, order["id"], order["version"] + 1)
    released = (
        await PaymentOrder.select(PaymentOrder.status).where(PaymentOrder.id == order["id"]).first()
    )
    assert released["status"] == PaymentOrderStatus.RELEASED
    grant = await usage_reports.get(reviewer, grant_id)
    with pytest.raises(Conflict, match="Nachzahlung"):
        await settlements.close(reviewer, grant, grant.grant_version)
    documents = await Document.select(Document.kind).where(
        Document.application == grant.application_id
    )
    assert DocumentKind.AUDIT_NOTICE in {d["kind"] for d in documents}


async def test_hearing_refund_decision_repayment_and_closing(demo):
    grant_id = await in_review()
    await settle("reviewer2", grant_id)
    reviewer2, approver, finance = (
        await principal("reviewer2"),
        await principal("approver"),
        await principal("finance"),
    )
    grant = await usage_reports.get(reviewer2, grant_id)
    with pytest.raises(Conflict, match="anzuhören"):
        await settlements.close(reviewer2, grant, grant.grant_version)
    with pytest.raises(Invalid):
        await settlements.open_hearing(
            reviewer2, grant, grant.grant_version, date(2026, 7, 3), render
        )
    await settlements.open_hearing(reviewer2, grant, grant.grant_version, None, render)
    grant = await usage_reports.get(approver, grant_id)
    assert grant.grant_status is G.HEARING
    hearing = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert hearing["hearing_deadline"] == date(2026, 7, 28)
    with pytest.raises(Invalid):  # the deadline runs, and no statement is in
        await settlements.set_refund(approver, grant, grant.grant_version, False, render)
    with pytest.raises(Forbidden):
        await settlements.set_refund(reviewer2, grant, grant.grant_version, True, render)
    demo(date(2026, 7, 29))
    await settlements.set_refund(approver, grant, grant.grant_version, False, render)
    decided = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert decided["refund_due_date"] == date(2026, 8, 29)
    # 4,500 € from 01.03. to 29.08.2026: 181 days at 4.27 %
    assert decided["interest_cents"] == 9529
    kind, facts = RENDERED[-1]
    assert (kind, facts.refund, facts.refund_due) == (
        DocumentKind.REFUND_LETTER,
        Money(450_000),
        date(2026, 8, 29),
    )
    page = await settlements.receivables(finance)
    mine = [r for r in page.rows if r.grant_id == grant_id]
    assert mine
    # the receivable bears interest until it is repaid: as of today, 29.07.2026 (150 days)
    claim = Money(450_000 + 7897 + decided["late_use_interest_cents"])
    assert mine[0].claim == claim
    version = (await usage_reports.get(finance, grant_id)).grant_version
    with pytest.raises(Invalid, match="Teilzahlungen"):
        await settlements.record_repayment(
            finance, grant_id, version, Money(450_000), date(2026, 7, 29), "5400.1"
        )
    with pytest.raises(Forbidden):
        await settlements.record_repayment(
            approver, grant_id, version, claim, date(2026, 7, 29), "5400.1"
        )
    await settlements.record_repayment(
        finance, grant_id, version, claim, date(2026, 7, 29), "5400.1"
    )
    repaid = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert (repaid["interest_cents"], repaid["repaid_cents"]) == (7897, claim.cents)
    assert not [r for r in (await settlements.receivables(finance)).rows if r.grant_id == grant_id]
    grant = await usage_reports.get(approver, grant_id)
    assert grant.grant_status is G.REFUNDED
    await settlements.close(approver, grant, grant.grant_version)
    closed = await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first()
    assert closed["status"] == G.CLOSED
    kinds = [k for k, _ in RENDERED[-3:]]
    assert kinds[-2:] == [DocumentKind.HEARING_LETTER, DocumentKind.REFUND_LETTER]


async def test_nothing_to_refund_gets_the_audit_notice_and_closes(demo):
    grant_id = await in_review(paid=2_750_000)
    await settle("reviewer3", grant_id)
    who = await principal("reviewer3")
    grant = await usage_reports.get(who, grant_id)
    kinds = {
        d["kind"]
        for d in await Document.select(Document.kind).where(
            Document.application == grant.application_id
        )
    }
    assert {DocumentKind.AUDIT_MEMO, DocumentKind.AUDIT_NOTICE} <= kinds
    with pytest.raises(Conflict):
        await settlements.open_hearing(who, grant, grant.grant_version, None, render)
    await settlements.close(who, grant, grant.grant_version)


async def test_the_interest_start_may_not_lie_ahead(demo):
    grant_id = await in_review()
    with pytest.raises(Invalid) as refused:
        await settle("reviewer2", grant_id, interest_from=date(2026, 7, 1) + timedelta(days=1))
    assert "interest_from" in refused.value.errors


async def refund_set(grant_id: int, move_to) -> None:
    """Settle, hear and set the refund of a grant in review (the hearing deadline passed)."""
    await settle("reviewer2", grant_id)
    reviewer2, approver = await principal("reviewer2"), await principal("approver")
    grant = await usage_reports.get(reviewer2, grant_id)
    await settlements.open_hearing(reviewer2, grant, grant.grant_version, None, render)
    move_to(date(2026, 7, 29))
    grant = await usage_reports.get(approver, grant_id)
    await settlements.set_refund(approver, grant, grant.grant_version, False, render)


async def test_the_payment_confirmation_import_marks_the_receivable_received(demo):
    grant_id = await in_review()
    await refund_set(grant_id, demo)
    finance = await principal("finance")
    grant = await usage_reports.get(finance, grant_id)
    row = await Settlement.select().where(Settlement.grant == grant_id).first()
    # paid on 28.07.2026, before the due date: interest from 01.03. for 149 days
    claim = Money(row["refund_cents"] + 7844 + row["late_use_interest_cents"])

    def file(amount: Money) -> bytes:
        return ("Verwendungszweck;Betrag;Datum;Kassenzeichen\n"
                f"Rückforderung {grant.file_number};{amount.format_plain()};28.07.2026;5400.9.1\n").encode()  # fmt: skip

    with pytest.raises(confirmations.ImportRejected) as refused:
        await confirmations.apply(finance, "kasse.csv", file(Money(100_00)))
    assert "Teilzahlungen" in refused.value.errors[0]
    assert claim.format() in refused.value.errors[0]
    result = await confirmations.apply(finance, "kasse.csv", file(claim))
    assert (result.payments, result.total) == (1, claim)
    repaid = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert (repaid["repaid_cents"], repaid["cash_reference"]) == (claim.cents, "5400.9.1")
    assert repaid["interest_cents"] == 7844
    status = await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first()
    assert status["status"] == G.REFUNDED
    with pytest.raises(confirmations.ImportRejected) as again:
        await confirmations.apply(finance, "kasse.csv", file(claim))
    assert "keine Rückforderung offen" in again.value.errors[0]


async def test_late_use_interest_alone_is_a_claim_that_goes_to_a_hearing(demo):
    grant_id = await in_review(paid=2_750_000, paid_on=date(2025, 1, 15))
    await settle("reviewer2", grant_id)
    row = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert row["refund_cents"] == 0
    assert row["late_use_interest_cents"] > 0
    who = await principal("reviewer2")
    grant = await usage_reports.get(who, grant_id)
    kinds = {
        d["kind"]
        for d in await Document.select(Document.kind).where(
            Document.application == grant.application_id
        )
    }
    assert DocumentKind.AUDIT_NOTICE not in kinds
    with pytest.raises(Conflict):
        await settlements.close(who, grant, grant.grant_version)
    await settlements.open_hearing(who, grant, grant.grant_version, None, render)


async def test_the_audit_memo_stays_with_the_ki(demo):
    grant_id = await in_review()
    await settle("reviewer2", grant_id)
    member = await principal("member")
    (organisation,) = member.organisation_ids
    memo = await Document.select(Document.id).where(Document.kind == DocumentKind.AUDIT_MEMO).order_by(
        Document.id, ascending=False).first()  # fmt: skip
    await Document.update({Document.organisation: organisation}).where(Document.id == memo["id"])
    with pytest.raises(NotFound):
        await decisions.document(member, memo["id"])
    assert memo["id"] not in [d.id for d in await decisions.documents(member, organisation)]
    row, _ = await decisions.document(await principal("approver"), memo["id"])
    assert row["kind"] == DocumentKind.AUDIT_MEMO


async def test_a_pauschale_settles_the_units_the_association_reported(demo):
    grant_id = await in_review(paid=480_000)
    decision = (
        await GrantAward.select(GrantAward.current_decision)
        .where(GrantAward.id == grant_id)
        .first()
    )
    await Decision.update({Decision.financing_type: "per_unit", Decision.unit_rate_cents: 40_000,
                           Decision.units_planned: 12, Decision.approved_cents: 480_000, Decision.cap_cents: None}).where(
        Decision.id == decision["current_decision"])  # fmt: skip
    report = await UsageReport.select(UsageReport.id).where(UsageReport.grant == grant_id).first()
    await IndicatorValue.insert(
        IndicatorValue(usage_report=report["id"], indicator="units", dimension="actual", value=9)
    )
    settlement_id = await settle("reviewer2", grant_id)
    row = await Settlement.select().where(Settlement.id == settlement_id).first()
    assert (row["final_cents"], row["refund_cents"]) == (
        360_000,
        120_000,
    )  # 400 € × 9; 1,200 € back
    assert await committed(grant_id) == Money(360_000)


async def test_figures_changed_since_the_page_was_read_are_refused(demo):
    grant_id = await in_review()
    who = await principal("reviewer2")
    grant = await usage_reports.get(who, grant_id)
    assert grant.report is not None
    stale = SettleInput(None, None, "", report_version=grant.report.version - 1)
    with pytest.raises(Conflict, match="inzwischen geändert"):
        await settlements.settle(who, grant, grant.grant_version, stale, render)
    assert not await Settlement.exists().where(Settlement.grant == grant_id)


async def decided_claim(grant_id: int, move_to) -> tuple[dict, Money]:
    """A refund decided on 29.07.2026 (due 29.08.2026): its row and the letter's claim."""
    await refund_set(grant_id, move_to)
    row = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert (row["refund_due_date"], row["interest_cents"]) == (date(2026, 8, 29), 9529)
    return row, Money(row["refund_cents"] + row["interest_cents"] + row["late_use_interest_cents"])


async def test_repaid_on_the_due_date_the_claim_is_the_refund_letters_figure(demo):
    grant_id = await in_review()
    _, letter_claim = await decided_claim(grant_id, demo)
    assert RENDERED[-1][1].interest == Money(9529)  # the letter states the amount if paid on time
    demo(date(2026, 8, 29))
    finance = await principal("finance")
    (mine,) = [r for r in (await settlements.receivables(finance)).rows if r.grant_id == grant_id]
    assert mine.claim == letter_claim
    version = (await usage_reports.get(finance, grant_id)).grant_version
    await settlements.record_repayment(
        finance, grant_id, version, letter_claim, date(2026, 8, 29), "5400.2"
    )
    repaid = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert (repaid["interest_cents"], repaid["repaid_cents"]) == (9529, letter_claim.cents)


async def test_repaid_ten_days_late_the_claim_bears_interest_until_that_day(demo):
    grant_id = await in_review()
    row, letter_claim = await decided_claim(grant_id, demo)
    demo(date(2026, 9, 10))
    finance = await principal("finance")
    rates = await base_rates.all_rates()
    late = date(2026, 9, 8)
    interest = financing.interest(Money(450_000), date(2026, 3, 1), late, rates, 300)
    assert interest == Money(10_055)  # 191 days at 4.27 %, 5.26 € more than the letter's 95.29 €
    claim = Money(450_000 + interest.cents + row["late_use_interest_cents"])
    (mine,) = [r for r in (await settlements.receivables(finance)).rows if r.grant_id == grant_id]
    today = financing.interest(Money(450_000), date(2026, 3, 1), date(2026, 9, 10), rates, 300)
    assert mine.claim == Money(450_000 + today.cents + row["late_use_interest_cents"])
    version = (await usage_reports.get(finance, grant_id)).grant_version
    with pytest.raises(Invalid) as refused:
        await settlements.record_repayment(finance, grant_id, version, letter_claim, late, "5400.3")
    assert claim.format() in refused.value.errors["amount"]
    assert "08.09.2026" in refused.value.errors["amount"]
    await settlements.record_repayment(finance, grant_id, version, claim, late, "5400.3")
    repaid = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert (repaid["interest_cents"], repaid["repaid_cents"]) == (interest.cents, claim.cents)
    event = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.action == "grant.refunded") & (AuditEvent.entity_id == grant_id)
    ).output(load_json=True).first()  # fmt: skip
    assert event["data"]["interest_cents"] == interest.cents


async def test_the_import_row_ten_days_late_pays_the_interest_until_its_date(demo):
    grant_id = await in_review()
    row, letter_claim = await decided_claim(grant_id, demo)
    demo(date(2026, 9, 10))
    finance = await principal("finance")
    grant = await usage_reports.get(finance, grant_id)
    interest = financing.interest(
        Money(450_000), date(2026, 3, 1), date(2026, 9, 8), await base_rates.all_rates(), 300
    )
    claim = Money(450_000 + interest.cents + row["late_use_interest_cents"])

    def file(amount: Money) -> bytes:
        return ("Verwendungszweck;Betrag;Datum;Kassenzeichen\n"
                f"Rückforderung {grant.file_number};{amount.format_plain()};08.09.2026;5400.9.2\n").encode()  # fmt: skip

    with pytest.raises(
        confirmations.ImportRejected
    ) as refused:  # the letter's figure is too little now
        await confirmations.apply(finance, "kasse.csv", file(letter_claim))
    assert claim.format() in refused.value.errors[0]
    await confirmations.apply(finance, "kasse.csv", file(claim))
    repaid = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert (repaid["interest_cents"], repaid["repaid_cents"]) == (interest.cents, claim.cents)


async def statement(batch_id: int) -> bytes:
    return f"Stapel {batch_id}".encode()


async def test_a_cancelled_subsequent_payment_is_ordered_anew_paid_and_the_grant_closed(demo):
    grant_id = await in_review(paid=2_400_000)
    settlement_id = await settle("approver", grant_id)
    reviewer, finance = await principal("reviewer2"), await principal("finance")
    row = await Settlement.select().where(Settlement.id == settlement_id).first()
    first = await PaymentOrder.select(
        PaymentOrder.id, PaymentOrder.version, PaymentOrder.budget_line
    ).where(PaymentOrder.id == row["subsequent_order"]).first()  # fmt: skip
    grant = await usage_reports.get(reviewer, grant_id)
    with pytest.raises(Conflict, match="stornierte"):  # the order is still on its way
        await settlements.reorder_subsequent(reviewer, grant, row["version"])
    await payments.cancel(reviewer, first["id"], first["version"], "Falsche Haushaltsstelle")
    with pytest.raises(Conflict, match="Nachzahlung"):
        await settlements.close(reviewer, grant, grant.grant_version)
    with pytest.raises(Forbidden):
        await settlements.reorder_subsequent(finance, grant, row["version"])
    with pytest.raises(Conflict, match="geändert"):
        await settlements.reorder_subsequent(reviewer, grant, row["version"] - 1)
    order_id = await settlements.reorder_subsequent(reviewer, grant, row["version"])
    assert order_id != first["id"]
    with pytest.raises(Conflict):  # the same form twice: the settlement moved on
        await settlements.reorder_subsequent(reviewer, grant, row["version"])
    again = await Settlement.select().where(Settlement.id == settlement_id).first()
    assert (again["subsequent_order"], again["version"]) == (order_id, row["version"] + 1)
    order = await PaymentOrder.select().where(PaymentOrder.id == order_id).first()
    assert (order["kind"], order["status"], order["amount_cents"], order["budget_line"]) == (
        PaymentKind.SUBSEQUENT,
        PaymentOrderStatus.DRAFT,
        350_000,
        first["budget_line"],
    )
    event = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.action == "grant.subsequent_reordered") & (AuditEvent.entity_id == grant_id)
    ).output(load_json=True).first()  # fmt: skip
    assert event["data"]["cancelled_order"] == first["id"]
    assert event["data"]["order"] == order_id
    await payments.certify(await principal("reviewer"), order_id, order["version"])
    await payments.release(finance, order_id, order["version"] + 1)
    chosen = payments.Selection(frozenset({order_id}), 1, Money(350_000))
    await payments.export_released(finance, f"nachzahlung-{order_id}", statement, chosen=chosen)
    await payments.mark_paid(finance, order_id, date(2026, 6, 30), "5400.8")
    grant = await usage_reports.get(reviewer, grant_id)
    await settlements.close(reviewer, grant, grant.grant_version)
    closed = await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first()
    assert closed["status"] == G.CLOSED
