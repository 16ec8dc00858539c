"""The worked example of DOMAIN.md §4 as a grant with its recognised report, in memory or as a\ndemo grant in review shaped like it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from grants.financing import Parameters
from grants.money import Money
from grants.services import settlements
from grants.services.decisions import RenderedLetter
from grants.services.usage_reports import GrantReport, Report, ReportLine
from grants.tables import (
    ActualLine,
    BudgetCommitment,
    Decision,
    GrantAward,
    PaymentOrder,
    UsageReport,
)
from grants.vocabulary import DocumentKind, FinancingType, PlanLineKind, UsageReportKind
from grants.workflow import GrantStatus, PaymentOrderStatus, UsageReportStatus
from tests.support.principals import principal

E, R = PlanLineKind.EXPENSE, PlanLineKind.REVENUE
PLAN_EXPENSES = (("personnel", 30_000, 29_000), ("fees", 8_000, 9_200), ("rent", 7_000, 7_000),
                 ("material", 3_000, 1_300), ("publicity", 2_000, 500))  # fmt: skip
PLAN_REVENUES = (("own", 5_000, 5_000), ("land", 10_000, 10_000), ("fees_in", 2_000, 2_800),
                 ("donations", 1_000, 1_700))  # fmt: skip
BASE_RATES = ((date(2025, 7, 1), 127), (date(2026, 1, 1), 127), (date(2026, 7, 1), 127))


def euros(amount: int) -> Money:
    return Money(amount * 100)


def line(n: int, key: str, kind: PlanLineKind, plan: int, actual: int,
         recognised: int | None = -1) -> ReportLine:  # fmt: skip
    """A line; ``recognised`` -1 means as actual, None not assessed."""
    taken = actual if recognised == -1 else recognised
    return ReportLine(n, key, kind, key, euros(plan), False, n, euros(actual), "",
                      euros(taken) if taken is not None else None, "")  # fmt: skip


def example_lines(
    expenses: tuple = PLAN_EXPENSES, revenues: tuple = PLAN_REVENUES
) -> tuple[ReportLine, ...]:
    return tuple(line(n, k, E, p, a) for n, (k, p, a) in enumerate(expenses, 1)) + tuple(
        line(10 + n, k, R, p, a) for n, (k, p, a) in enumerate(revenues, 1))  # fmt: skip


def grant(parameters: Parameters, approved: int, lines: tuple[ReportLine, ...] | None = None,
          reviewer_id: int | None = 1) -> GrantReport:  # fmt: skip
    report = Report(
        id=1, version=1, kind=UsageReportKind.FINAL, status=UsageReportStatus.IN_REVIEW,
        period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), due_date=date(2026, 6, 30),
        narrative="", answers={}, simplified=False, confirmed=True, sample={}, reviewer_id=reviewer_id,
        submitted_by_id=None, submitted_at=None,
    )  # fmt: skip
    return GrantReport(
        grant_id=1, grant_version=1, grant_status=GrantStatus.REPORT_IN_REVIEW, application_id=1,
        organisation_id=1, organisation="Verein", file_number="IKZ-2025-001", title="Zentrum",
        programme="IKZ", simplified_allowed=False, decision_id=1, decided_at=datetime(2025, 1, 5, tzinfo=UTC),
        parameters=parameters, approved=euros(approved), period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31), due_date=date(2026, 6, 30), report=report,
        lines=example_lines() if lines is None else lines,
    )  # fmt: skip


def shortfall() -> Parameters:
    return Parameters(FinancingType.SHORTFALL, euros(50_000), euros(18_000), cap=euros(32_000))


def share() -> Parameters:
    return Parameters(FinancingType.SHARE, euros(50_000), euros(18_000), share=Decimal("0.64"),
                      cap=euros(32_000))  # fmt: skip


def fixed() -> Parameters:
    return Parameters(FinancingType.FIXED, euros(50_000), euros(18_000), fixed=euros(32_000))


def per_unit() -> Parameters:
    return Parameters(
        FinancingType.PER_UNIT, euros(4_800), euros(0), unit_rate=euros(400), units_planned=12
    )


def full() -> Parameters:
    return Parameters(FinancingType.FULL, euros(10_000), euros(0))


# -- in the database -------------------------------------------------------------------------

RENDERED: list[tuple[DocumentKind, settlements.SettlementFacts]] = []


async def render(kind: DocumentKind, facts: settlements.SettlementFacts) -> RenderedLetter:
    RENDERED.append((kind, facts))
    return RenderedLetter(f"{kind.label} {facts.file_number}", f"{kind.value}.docx", "application/x-test",
                          f"{kind.value}:{facts.refund.cents}:{facts.interest.cents}".encode())  # fmt: skip


async def in_review(paid: int = 3_200_000, paid_on: date = date(2025, 12, 20)) -> int:
    """A demo grant in review, shaped as DOMAIN.md §4's Fehlbedarf example (A′ 47,000, D′ 19,500,
    Z 32,000) with ``paid`` cents paid out on ``paid_on``, every line recognised by the persona
    "reviewer". Paid late in the year, the money is used within two months: no late-use interest."""
    grant = await GrantAward.select(GrantAward.id, GrantAward.current_decision).where(
        GrantAward.status == GrantStatus.REPORT_IN_REVIEW).order_by(GrantAward.id).first()  # fmt: skip
    grant_id = grant["id"]
    await Decision.update({Decision.financing_type: "shortfall", Decision.eligible_cents: 5_000_000,
                           Decision.other_funding_cents: 1_800_000, Decision.cap_cents: 3_200_000,
                           Decision.approved_cents: 3_200_000}).where(Decision.id == grant["current_decision"])  # fmt: skip
    report = await UsageReport.select(UsageReport.id).where(UsageReport.grant == grant_id).first()
    reviewer = await principal("reviewer")
    await UsageReport.update({UsageReport.reviewer: reviewer.id, UsageReport.status: UsageReportStatus.IN_REVIEW}).where(
        UsageReport.id == report["id"])  # fmt: skip
    lines = await ActualLine.select(ActualLine.id, ActualLine.plan_line.kind).where(  # type: ignore[union-attr]
        ActualLine.usage_report == report["id"]).order_by(ActualLine.id)  # fmt: skip
    firsts = {PlanLineKind.EXPENSE: 4_700_000, PlanLineKind.REVENUE: 1_950_000}
    for row in lines:
        kind = PlanLineKind(row["plan_line.kind"])
        amount = firsts.pop(kind, 0)
        await ActualLine.update({ActualLine.recognised_cents: amount, ActualLine.amount_cents: amount}).where(
            ActualLine.id == row["id"])  # fmt: skip
    orders = await PaymentOrder.select(PaymentOrder.id, PaymentOrder.budget_line).where(
        PaymentOrder.grant == grant_id).order_by(PaymentOrder.id)  # fmt: skip
    await PaymentOrder.update({PaymentOrder.status: PaymentOrderStatus.CANCELLED}).where(
        PaymentOrder.grant == grant_id)  # fmt: skip
    await PaymentOrder.update({PaymentOrder.status: PaymentOrderStatus.PAID, PaymentOrder.amount_cents: paid,
                              PaymentOrder.paid_on: paid_on}).where(
        PaymentOrder.id == orders[0]["id"])  # fmt: skip
    commitments = await BudgetCommitment.select(BudgetCommitment.id).where(
        BudgetCommitment.grant == grant_id
    )
    await BudgetCommitment.update({BudgetCommitment.amount_cents: 0}).where(
        BudgetCommitment.grant == grant_id
    )
    await BudgetCommitment.update({BudgetCommitment.amount_cents: 3_200_000}).where(
        BudgetCommitment.id == commitments[0]["id"])  # fmt: skip
    return grant_id


async def committed(grant_id: int) -> Money:
    rows = await BudgetCommitment.select(BudgetCommitment.amount_cents).where(
        BudgetCommitment.grant == grant_id
    )
    return Money(sum(r["amount_cents"] for r in rows))
