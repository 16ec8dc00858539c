"""The usage reports' due dates and the days their reminders go out (pure)."""

from datetime import date

from grants.deadlines import (
    Reminder,
    ReportDue,
    interim_due,
    interim_reports,
    interim_years,
    reminder_days,
    reminder_due,
    reminder_key,
    reminder_window,
    reports_due,
    usage_report_due,
)
from grants.vocabulary import UsageReportKind

FINAL, INTERIM = UsageReportKind.FINAL, UsageReportKind.INTERIM


def test_the_final_report_is_due_at_the_end_of_the_sixth_month_after_the_period():
    assert usage_report_due(date(2026, 12, 31)) == date(2027, 6, 30)
    assert usage_report_due(date(2026, 9, 30)) == date(2027, 3, 31)
    assert usage_report_due(date(2026, 8, 31)) == date(2027, 2, 28)
    assert usage_report_due(date(2027, 8, 15)) == date(2028, 2, 29)  # a leap year
    assert usage_report_due(date(2026, 6, 30)) == date(2026, 12, 31)


def test_a_period_within_one_fiscal_year_has_no_interim_report():
    assert interim_reports(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert reports_due(date(2026, 1, 1), date(2026, 12, 31), None, interim=True) == [
        ReportDue(FINAL, date(2026, 1, 1), date(2026, 12, 31), date(2027, 6, 30))
    ]


def test_an_interim_report_for_each_fiscal_year_ending_inside_the_period_due_30_april():
    assert interim_reports(date(2026, 3, 1), date(2028, 6, 30)) == [
        ReportDue(INTERIM, date(2026, 3, 1), date(2026, 12, 31), date(2027, 4, 30)),
        ReportDue(INTERIM, date(2027, 1, 1), date(2027, 12, 31), date(2028, 4, 30)),
    ]
    # a period ending on 31.12. leaves its last year to the final report
    assert [r.period_end for r in interim_reports(date(2026, 1, 1), date(2027, 12, 31))] == [
        date(2026, 12, 31)
    ]


def test_the_decisions_date_wins_and_interim_reports_only_when_the_programme_asks():
    own = date(2028, 3, 31)
    assert reports_due(date(2026, 3, 1), date(2027, 6, 30), own, interim=False) == [
        ReportDue(FINAL, date(2026, 3, 1), date(2027, 6, 30), own)
    ]
    both = reports_due(date(2026, 3, 1), date(2027, 6, 30), None, interim=True)
    assert [(r.kind, r.due) for r in both] == [
        (INTERIM, date(2027, 4, 30)),
        (FINAL, date(2027, 12, 31)),
    ]


def test_reminders_four_weeks_before_and_the_day_after():
    due = date(2027, 6, 30)
    assert reminder_days(due) == (date(2027, 6, 2), date(2027, 7, 1))
    assert reminder_due(due, date(2027, 6, 1)) is None
    assert reminder_due(due, date(2027, 6, 2)) is Reminder.BEFORE
    assert reminder_due(due, date(2027, 7, 1)) is Reminder.OVERDUE


def test_late_runs_catch_up_but_never_send_a_before_reminder_after_the_due_date():
    due = date(2027, 6, 30)
    assert reminder_due(due, date(2027, 6, 20)) is Reminder.BEFORE  # missed the 2nd: still ahead
    assert reminder_due(due, due) is Reminder.BEFORE
    assert reminder_due(due, date(2027, 7, 5)) is Reminder.OVERDUE  # not "4 weeks before"
    assert reminder_due(due, date(2027, 7, 14)) is Reminder.OVERDUE
    assert reminder_due(due, date(2027, 7, 15)) is None  # too far in the past: nothing stale


def test_the_window_holds_every_due_date_a_run_may_remind_of():
    today = date(2027, 4, 10)
    first, last = reminder_window(today)
    assert (first, last) == (date(2027, 3, 27), date(2027, 5, 8))
    for offset in range(-60, 60):
        due = date.fromordinal(today.toordinal() + offset)
        assert (reminder_due(due, today) is not None) == (first <= due <= last)


def test_the_interim_years_a_run_looks_at():
    assert interim_due(2026) == date(2027, 4, 30)
    assert interim_years(date(2027, 4, 2)) == [2026]
    assert interim_years(date(2027, 5, 14)) == [2026]
    assert interim_years(date(2027, 5, 15)) == []
    assert interim_years(date(2027, 1, 10)) == []


def test_the_stored_reminder_kinds_fit_their_column():
    keys = {reminder_key(k, r) for k in UsageReportKind for r in Reminder}
    assert keys == {"before", "overdue", "interim_before", "interim_overdue"}
    assert max(map(len, keys)) <= 20
