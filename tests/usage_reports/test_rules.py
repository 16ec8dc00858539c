"""The association's report rules that need no database: explanations, due or not, totals."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from grants import indicators
from grants.financing import Parameters
from grants.money import Money
from grants.services.usage_reports import GrantReport, deviation_percent, needs_note, owes_report
from grants.vocabulary import FinancingType
from grants.workflow import GrantStatus


@pytest.mark.parametrize(
    ("plan", "actual", "percent", "note"),
    [
        (10_000, 12_000, Decimal("20.0"), False),  # 20 % exactly: no explanation yet
        (10_000, 12_001, Decimal("20.0"), True),  # more than 20 % (rounded for display only)
        (10_000, 7_999, Decimal("-20.0"), True),  # less counts the same
        (10_000, 10_000, Decimal("0.0"), False),
        (0, 500, None, True),  # a line without plan that has an actual
        (0, 0, None, False),
    ],
)
def test_a_deviation_over_20_percent_needs_an_explanation(plan, actual, percent, note):
    assert deviation_percent(Money(plan), Money(actual)) == percent
    assert needs_note(Money(plan), Money(actual)) is note


def test_nothing_entered_needs_no_explanation():
    assert not needs_note(Money(10_000), None)


GRANT = GrantReport(
    grant_id=1, grant_version=1, grant_status=GrantStatus.PAYING, application_id=1, organisation_id=1,
    organisation="Verein", file_number="IKZ-2026-0001", title="Treff", programme="IKZ", simplified_allowed=False,
    decision_id=1, decided_at=datetime(2025, 12, 1), parameters=Parameters(FinancingType.SHORTFALL, Money(100), Money(0)),
    approved=Money(100), period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), due_date=None,
    report=None, lines=(),
)  # fmt: skip


@pytest.mark.parametrize(
    ("status", "today", "owes"),
    [
        (GrantStatus.PAYING, date(2025, 12, 31), False),  # before the period
        (GrantStatus.PAYING, date(2026, 1, 1), True),
        (GrantStatus.APPROVED, date(2026, 6, 1), True),
        (GrantStatus.REPORT_DUE, date(2025, 1, 1), True),
        (GrantStatus.REPORT_CHANGES_REQUESTED, date(2027, 1, 1), True),
        (GrantStatus.REPORT_SUBMITTED, date(2027, 1, 1), False),
        (GrantStatus.CLOSED, date(2027, 1, 1), False),
    ],
)
def test_a_grant_owes_its_report_once_its_period_began(status, today, owes):
    assert owes_report(replace(GRANT, grant_status=status), today) is owes


def test_the_totals_sum_the_dimensions_of_the_summed_indicators():
    values = {
        ("contacts_by_gender", "female"): 40,
        ("contacts_by_gender", "male"): 2,
        ("volunteers", "count"): 5,
    }
    totals = indicators.totals(values)
    assert totals["contacts_by_gender"] == 42
    assert totals["contacts_by_age"] == 0
    assert "volunteers" not in totals  # count and hours do not add up


def test_every_count_has_one_field_and_the_demo_s_names_are_kept():
    fields = [indicators.field(i.key, d.key) for i, d in indicators.cells()]
    assert len(fields) == len(set(fields))
    keys = {(i.key, d.key) for i, d in indicators.cells()}
    assert {("sessions", "social_counselling"), ("contacts_by_gender", "unstated"), ("contacts_by_age", "65+"),
            ("counselling_by_topic", "residence"), ("volunteers", "hours")} <= keys  # fmt: skip
