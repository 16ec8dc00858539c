"""Deadlines of DOMAIN.md §5 (pure)."""

from __future__ import annotations

from datetime import date, timedelta


def end_of_month(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def usage_report_due(period_end: date) -> date:
    """At the latest the end of the 6th month after the approval period (31.12.2026 → 30.06.2027)."""
    month = period_end.month + 6
    return end_of_month(period_end.year + (month - 1) // 12, (month - 1) % 12 + 1)
