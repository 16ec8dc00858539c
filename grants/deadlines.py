"""Deadlines of DOMAIN.md §5 (pure): the usage report's due dates and the days to remind of them.

- The final usage report (Verwendungsnachweis) is due as the decision says; by default at the end
  of the 6th month after the approval period (ANBest-P NRW Nr. 7.1, DOMAIN.md §5).
- Interim reports (Zwischennachweise), when the programme asks for them: one for each fiscal year
  that ends inside the approval period, due on 30.04. of the following year — "within four
  months after the end of the budget year" (notes/domain-de.md, Bund practice, NABF Nr. 4.4).
- Reminders: one 4 weeks (28 days) before the due date, one on the day after it. A run that comes
  late catches up: the "before" reminder goes out on any day up to the due date itself (never
  after it), the overdue one on any day up to :data:`CATCH_UP` days after the due date (a run
  after a longer pause does not send stale reminders; the KI sees the overdue list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from grants.vocabulary import UsageReportKind

BEFORE = timedelta(days=28)  # the first reminder, 4 weeks before the due date
CATCH_UP = timedelta(days=14)  # the overdue reminder is sent at most this long after the due date
INTERIM_DUE = (4, 30)  # month and day of the year after the fiscal year: 30.04.


def end_of_month(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def usage_report_due(period_end: date) -> date:
    """At the latest the end of the 6th month after the approval period (31.12.2026 → 30.06.2027)."""
    month = period_end.month + 6
    return end_of_month(period_end.year + (month - 1) // 12, (month - 1) % 12 + 1)


@dataclass(frozen=True, slots=True)
class ReportDue:
    """A report the association owes: its kind, the period it covers and its due date."""

    kind: UsageReportKind
    period_start: date
    period_end: date
    due: date


def interim_due(fiscal_year: int) -> date:
    """The due date of the interim report for ``fiscal_year``: 30.04. of the following year."""
    return date(fiscal_year + 1, *INTERIM_DUE)


def interim_reports(period_start: date, period_end: date) -> list[ReportDue]:
    """One interim report per fiscal year that ends inside the approval period (its last fiscal
    year is covered by the final report): 01.03.2026–30.06.2028 → 2026 and 2027."""
    return [
        ReportDue(UsageReportKind.INTERIM, max(period_start, date(year, 1, 1)), date(year, 12, 31),
                  interim_due(year))
        for year in range(period_start.year, period_end.year)
    ]  # fmt: skip


def reports_due(
    period_start: date, period_end: date, final_due: date | None, *, interim: bool
) -> list[ReportDue]:
    """Every report of a grant in the order they fall due: the interim ones when the programme
    asks for them, then the final one (``final_due``: the decision's date, else the default)."""
    final = ReportDue(UsageReportKind.FINAL, period_start, period_end,
                      final_due or usage_report_due(period_end))  # fmt: skip
    return [*(interim_reports(period_start, period_end) if interim else []), final]


class Reminder(StrEnum):
    """Which reminder (stored in ``report_reminder.kind`` with the report's kind)."""

    BEFORE = "before"
    OVERDUE = "overdue"


def reminder_days(due: date) -> tuple[date, date]:
    """The days the two reminders are meant for: 28 days before and the day after ``due``."""
    return due - BEFORE, due + timedelta(days=1)


def reminder_due(due: date, today: date) -> Reminder | None:
    """The reminder a run on ``today`` sends for a report due on ``due`` (catching up late runs),
    or None."""
    before, after = reminder_days(due)
    if before <= today <= due:
        return Reminder.BEFORE
    if after <= today <= due + CATCH_UP:
        return Reminder.OVERDUE
    return None


def reminder_window(today: date) -> tuple[date, date]:
    """The due dates a run on ``today`` may remind of, both ends included."""
    return today - CATCH_UP, today + BEFORE


def interim_years(today: date) -> list[int]:
    """The fiscal years whose interim reports' due dates lie in :func:`reminder_window`."""
    first, last = reminder_window(today)
    return [year for year in range(first.year - 1, last.year) if first <= interim_due(year) <= last]


def reminder_key(kind: UsageReportKind, reminder: Reminder) -> str:
    """The reminder's ``report_reminder.kind``: "before"/"overdue" for the final report,
    "interim_before"/"interim_overdue" for an interim one."""
    return reminder.value if kind == UsageReportKind.FINAL else f"{kind.value}_{reminder.value}"
