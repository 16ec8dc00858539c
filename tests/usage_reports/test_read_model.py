"""The grant with its usage report, loaded once and scoped: what the association and the KI see."""

import pytest

from grants.demo.seed import load_once
from grants.errors import NotFound
from grants.money import Money
from grants.services import usage_reports
from grants.tables import ActualLine, GrantAward, PaymentOrder, PlanLine, Receipt, UsageReport
from grants.vocabulary import PlanLineKind
from grants.workflow import GrantStatus, PaymentOrderStatus, UsageReportStatus
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def demo(database) -> None:
    await load_once()


async def _grant_in(status: GrantStatus) -> int:
    row = await GrantAward.select(GrantAward.id).where(GrantAward.status == status).order_by(
        GrantAward.id).first()  # fmt: skip
    assert row is not None, status
    return int(row["id"])


async def test_a_submitted_report_comes_with_its_plan_and_actuals(demo):
    grant_id = await _grant_in(GrantStatus.REPORT_SUBMITTED)
    found = await usage_reports.get(await principal("reviewer"), grant_id)
    assert found.report is not None
    assert found.report.status is UsageReportStatus.SUBMITTED
    stored = await ActualLine.select().where(ActualLine.usage_report == found.report.id)
    assert len(found.lines) == len(stored) > 0
    by_line = {row["plan_line"]: Money(row["amount_cents"]) for row in stored}
    assert {line.plan_line_id: line.actual for line in found.lines} == by_line
    assert {line.kind for line in found.lines} == {PlanLineKind.EXPENSE, PlanLineKind.REVENUE}
    assert found.expenses
    assert found.revenues
    assert found.approved.cents > 0


async def test_receipts_come_in_number_order_and_pages(demo):
    grant_id = await _grant_in(GrantStatus.REPORT_SUBMITTED)
    found = await usage_reports.get(await principal("reviewer"), grant_id)
    assert found.report is not None
    every = await usage_reports.receipts(found.report)
    assert [r.number for r in every] == sorted(r.number for r in every)
    assert len(every) == await Receipt.count().where(Receipt.usage_report == found.report.id)
    first = await usage_reports.receipt_page(found.report, 1)
    assert first.rows == every[: usage_reports.RECEIPTS_PER_PAGE]


async def test_an_association_sees_only_its_own_grants(demo):
    member = await principal("member")
    own = await GrantAward.select(GrantAward.id).where(
        GrantAward.application.organisation.is_in(list(member.organisation_ids))
    ).first()  # fmt: skip
    other = await GrantAward.select(GrantAward.id).where(
        GrantAward.application.organisation.not_in(list(member.organisation_ids))
    ).first()  # fmt: skip
    assert (await usage_reports.get(member, own["id"])).organisation_id in member.organisation_ids
    with pytest.raises(NotFound):
        await usage_reports.get(member, other["id"])
    with pytest.raises(NotFound):
        await usage_reports.get(await principal("guest"), own["id"])


async def test_a_grant_still_paying_has_no_report_yet(demo):
    grant_id = await _grant_in(GrantStatus.PAYING)
    found = await usage_reports.get(await principal("reviewer"), grant_id)
    assert found.report is None
    assert all(line.actual is None and line.recognised is None for line in found.lines)
    assert not await UsageReport.exists().where(UsageReport.grant == grant_id)


async def test_the_checks_of_a_demo_report_use_its_receipts_and_payouts(demo):
    grant_id = await _grant_in(GrantStatus.REPORT_SUBMITTED)
    found = await usage_reports.get(await principal("reviewer"), grant_id)
    report = await usage_reports.checks(found)
    assert found.report is not None
    every = await usage_reports.receipts(found.report)
    assert sum(t.cents for t in report.receipt_totals.values()) == sum(
        r.amount.cents for r in every
    )
    paid = await PaymentOrder.select(PaymentOrder.amount_cents).where(
        (PaymentOrder.grant == grant_id) & (PaymentOrder.status == PaymentOrderStatus.PAID)
    )  # fmt: skip
    assert report.paid == Money(sum(p["amount_cents"] for p in paid))
    assert report.final_grant <= found.approved


async def test_recognised_figures_replace_the_reported_ones_where_assessed(demo):
    grant_id = await _grant_in(GrantStatus.REPORT_SUBMITTED)
    found = await usage_reports.get(await principal("reviewer"), grant_id)
    first = found.expenses[0]
    await ActualLine.update({ActualLine.recognised_cents: 0}).where(
        ActualLine.id == first.actual_line_id
    )
    reported = await usage_reports.checks(found)
    again = await usage_reports.get(await principal("reviewer"), grant_id)
    recognised = await usage_reports.checks(again, recognised=True)
    assert recognised.deviation.actual == reported.deviation.actual - first.actual


async def test_own_funds_are_not_proved_by_receipts(demo):
    grant_id = await _grant_in(GrantStatus.REPORT_SUBMITTED)
    found = await usage_reports.get(await principal("reviewer"), grant_id)
    own = await PlanLine.select(PlanLine.id).where(
        (PlanLine.application == found.application_id) & PlanLine.category.is_in(list(usage_reports.UNRECEIPTED))
    )  # fmt: skip
    assert own, "the demo's plans carry own funds"
    unreceipted = {line.plan_line_id for line in found.lines if not line.receipted}
    assert unreceipted == {row["id"] for row in own}
