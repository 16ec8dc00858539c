"""Provisional budget management (§ 82 GO NRW) as a pure rule."""

from dataclasses import replace
from datetime import date

import pytest

from grants.budget_rules import (
    ProvisionalCase,
    final_from,
    months_elapsed,
    notification_date,
    provisional_verdict,
)
from grants.money import Money
from grants.vocabulary import ProvisionalRule

NOTIFIED = date(2026, 10, 14)  # a Wednesday; the month for an action ends on Saturday 14.11.


def case(**changes) -> ProvisionalCase:
    values = {"year": 2027, "budget_in_force": False, "rule": ProvisionalRule.WAIT,
              "reservation": False, "notified_on": NOTIFIED} | changes  # fmt: skip
    return ProvisionalCase(**values)


def test_the_month_for_an_action_ends_on_the_same_day_number_or_the_next_working_day():
    assert final_from(date(2026, 9, 15)) == date(2026, 10, 16)  # ends Thursday 15.10.
    assert final_from(NOTIFIED) == date(2026, 11, 17)  # Saturday 14.11. → Monday 16.11.
    assert final_from(date(2028, 1, 31)) == date(2028, 3, 1)  # no 31.02.: ends Tuesday 29.02.
    assert final_from(date(2027, 1, 31)) == date(2027, 3, 2)  # ends Sunday 28.02. → Monday 1.3.
    assert final_from(date(2026, 12, 3)) == date(2027, 1, 5)  # across the year: Sunday 3.1. → 4.1.


def test_notification_is_the_recorded_date_or_the_third_day_after_the_decision():
    assert notification_date(date(2026, 10, 2), date(2026, 9, 30)) == date(2026, 10, 2)
    assert notification_date(None, date(2026, 9, 30)) == date(2026, 10, 3)


def test_months_elapsed_of_the_fiscal_year():
    assert months_elapsed(2027, date(2026, 12, 20)) == 0
    assert months_elapsed(2027, date(2027, 1, 1)) == 1
    assert months_elapsed(2027, date(2027, 3, 31)) == 3
    assert months_elapsed(2026, date(2027, 1, 2)) == 12


def test_a_budget_in_force_lets_everything_go_out_without_a_hint():
    verdict = provisional_verdict(
        case(budget_in_force=True, reservation=True), Money(10**8), date(2027, 1, 2)
    )
    assert verdict.allowed
    assert not verdict.provisional
    assert verdict.reason == ""


def test_a_final_decision_without_reservation_is_a_legal_obligation():
    verdict = provisional_verdict(case(), Money(800_000), date(2026, 11, 17))
    assert verdict.allowed
    assert verdict.provisional
    assert "§ 82 GO NRW" in verdict.reason
    assert "seit 17.11.2026 bestandskräftig" in verdict.reason


def test_a_decision_not_yet_final_waits_for_the_end_of_the_month_for_an_action():
    verdict = provisional_verdict(case(), Money(800_000), date(2026, 11, 16))
    assert verdict.waits
    assert "erst am 17.11.2026 bestandskräftig" in verdict.reason
    assert "14.10.2026" in verdict.reason


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2027, 6, 1)])
def test_under_reservation_the_payment_waits_for_the_budget(today):
    verdict = provisional_verdict(case(reservation=True), Money(1), today)
    assert verdict.waits
    assert "unter Haushaltsvorbehalt" in verdict.reason
    assert "Haushaltssatzung 2027 in Kraft" in verdict.reason


def test_under_reservation_a_monthly_twelfth_of_the_previous_year_when_the_year_allows_it():
    twelfths = case(reservation=True, rule=ProvisionalRule.TWELFTH, previous_year=Money(3_600_000))
    # February: 2/12 of 36,000 € = 6,000 €
    assert provisional_verdict(twelfths, Money(600_000), date(2027, 2, 3)).allowed
    refused = provisional_verdict(twelfths, Money(600_001), date(2027, 2, 3))
    assert refused.waits
    assert refused.limit == Money(600_000)
    assert "2/12 des Vorjahresbetrags (36.000,00\xa0€)" in refused.reason
    already = replace(twelfths, released=Money(300_000))
    assert provisional_verdict(already, Money(300_000), date(2027, 2, 28)).allowed
    assert provisional_verdict(already, Money(300_001), date(2027, 2, 28)).waits
    # before the year begins nothing; without a previous year nothing
    assert provisional_verdict(twelfths, Money(1), date(2026, 12, 31)).waits
    assert provisional_verdict(case(reservation=True, rule=ProvisionalRule.TWELFTH), Money(1),
                               date(2027, 5, 1)).waits  # fmt: skip


def test_twelfths_are_rounded_down_to_the_cent():
    odd = case(reservation=True, rule=ProvisionalRule.TWELFTH, previous_year=Money(100))
    assert provisional_verdict(odd, Money(8), date(2027, 1, 5)).allowed  # 100/12 = 8.33 → 8 cents
    assert provisional_verdict(odd, Money(9), date(2027, 1, 5)).waits
