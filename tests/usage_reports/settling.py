"""The worked example of DOMAIN.md §4 as a grant with its recognised report (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from grants.financing import Parameters
from grants.money import Money
from grants.services.usage_reports import GrantReport, Report, ReportLine
from grants.vocabulary import FinancingType, PlanLineKind, UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus

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
