"""The settlement's figures from recognised lines: DOMAIN.md §4's worked examples to the cent."""

from datetime import date

import pytest

from grants.money import Money
from grants.services.settlements import default_interest_from, figures
from tests.usage_reports.settling import (
    BASE_RATES,
    E,
    R,
    euros,
    example_lines,
    fixed,
    full,
    grant,
    line,
    per_unit,
    share,
    shortfall,
)  # fmt: skip

PAID = euros(32_000)


def settle(g, paid=PAID, **kwargs):
    terms = {"interest_from": date(2026, 3, 1), "interest_until": date(2026, 6, 30)} | kwargs
    return figures(g, paid=paid, base_rates=BASE_RATES, **terms)


def test_shortfall_refunds_4500_with_interest_6370():
    result = settle(grant(shortfall(), 32_000))
    assert (result.recognised_expenses, result.recognised_revenues) == (
        euros(47_000),
        euros(19_500),
    )
    assert result.final == euros(27_500)
    assert (result.refund, result.subsequent) == (euros(4_500), Money(0))
    assert result.interest_days == 121
    assert result.interest == Money(6370)  # 4,500 € over 121 days at 1.27 % + 3 points
    assert result.claim == Money(450_000 + 6370)
    assert "min(Z, max(0, A′ − D′))" in result.formula
    assert "27.500,00" in result.formula
    assert "1,27 %" in result.interest_rate


def test_share_refunds_2880_and_1920_without_the_extra_funding():
    assert settle(grant(share(), 32_000)).refund == euros(2_880)
    as_planned = example_lines(revenues=(("own", 5_000, 5_000), ("land", 10_000, 10_000),
                                         ("fees_in", 2_000, 2_000), ("donations", 1_000, 1_000)))  # fmt: skip
    result = settle(grant(share(), 32_000, as_planned))
    assert (result.final, result.refund) == (euros(30_080), euros(1_920))


def test_fixed_amount_ignores_extra_income_and_follows_lower_spending():
    assert settle(grant(fixed(), 32_000)).refund == Money(0)
    spent = example_lines(expenses=(("personnel", 30_000, 30_000), ("fees", 20_000, 0)))
    result = settle(grant(fixed(), 32_000, spent))
    assert (result.final, result.refund) == (euros(30_000), euros(2_000))


def test_per_unit_pays_the_units_operated():
    lines = (line(1, "rent", E, 4_800, 3_600),)
    result = settle(grant(per_unit(), 4_800, lines), paid=euros(4_800), units_actual=9)
    assert (result.final, result.refund) == (euros(3_600), euros(1_200))
    with pytest.raises(ValueError, match="units_actual"):
        settle(grant(per_unit(), 4_800, lines), paid=euros(4_800))


def test_full_financing_with_unplanned_fees():
    lines = (line(1, "material", E, 10_000, 9_200), line(2, "fees_in", R, 0, 300))
    result = settle(grant(full(), 10_000, lines), paid=euros(10_000))
    assert (result.final, result.refund) == (euros(8_900), euros(1_100))


def test_overspending_is_capped_at_the_approved_grant():
    lines = example_lines(expenses=(("personnel", 50_000, 52_000),),
                          revenues=(("own", 18_000, 18_000),))  # fmt: skip
    result = settle(grant(shortfall(), 32_000, lines))
    assert (result.final, result.refund, result.subsequent) == (euros(32_000), Money(0), Money(0))


def test_a_subsequent_payment_when_less_was_paid():
    result = settle(grant(shortfall(), 32_000), paid=euros(24_000))
    assert (result.subsequent, result.refund, result.interest) == (euros(3_500), Money(0), Money(0))


def test_recognised_amounts_count_and_unassessed_lines_are_named():
    lines = (line(1, "personnel", E, 30_000, 30_000, 25_000), line(2, "fees", E, 20_000, 20_000, None),
             line(3, "own", R, 18_000, 18_000))  # fmt: skip
    result = settle(grant(shortfall(), 32_000, lines))
    assert result.recognised_expenses == euros(45_000)
    assert result.unassessed == ("fees",)
    assert not result.complete


def test_de_minimis_waives_a_small_refund():
    result = settle(grant(shortfall(), 32_000), de_minimis=euros(5_000))
    assert (result.refund, result.interest) == (Money(0), Money(0))


def test_interest_defaults_from_the_day_after_the_period():
    assert default_interest_from(grant(shortfall(), 32_000)) == date(2026, 1, 1)
