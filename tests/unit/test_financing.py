"""The money rules of DOMAIN.md §4: the worked example exactly, the 20 % rule, interest, requests."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.financing import (
    Actuals,
    LinePlanActual,
    Parameters,
    approved_grant,
    check,
    deviation_check,
    final_grant,
    fixed_share,
    funds_request_limit,
    interest,
    late_use_interest,
    refund,
    subsequent_payment,
)
from grants.money import Money
from grants.vocabulary import FinancingType as F


def euro(amount: str | int) -> Money:
    return Money.from_decimal(Decimal(amount))


# The worked example of DOMAIN.md §4.
A, D, H, P = euro(50_000), euro(18_000), euro(32_000), euro(32_000)
ACTUALS = Actuals(eligible=euro(47_000), other_funding=euro(19_500))
SHORTFALL = Parameters(F.SHORTFALL, A, D, cap=H)
SHARE = Parameters(F.SHARE, A, D, share=Decimal("0.64"), cap=H)
FIXED = Parameters(F.FIXED, A, D, fixed=euro(32_000))
PER_UNIT = Parameters(F.PER_UNIT, euro(4_800), euro(0), unit_rate=euro(400), units_planned=12)
FULL = Parameters(F.FULL, euro(10_000), euro(0))

BASE_RATE_1_27 = [(date(2025, 7, 1), 127)]


def settle(parameters: Parameters, actuals: Actuals, paid: Money) -> tuple[Money, Money, Money]:
    approved = approved_grant(parameters)
    final = final_grant(parameters, approved, actuals)
    return approved, final, refund(paid, final)


# --- The worked example ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "actuals", "paid", "expected"),
    [
        pytest.param(SHORTFALL, ACTUALS, P, (32_000, 27_500, 4_500), id="fehlbedarf"),
        pytest.param(SHARE, ACTUALS, P, (32_000, 29_120, 2_880), id="anteil"),
        pytest.param(
            SHARE, Actuals(euro(47_000), D), P, (32_000, 30_080, 1_920), id="anteil-ohne-mehr-D"
        ),
        pytest.param(FIXED, ACTUALS, P, (32_000, 32_000, 0), id="festbetrag"),
        pytest.param(
            FIXED, Actuals(euro(30_000), euro(19_500)), P, (32_000, 30_000, 2_000), id="festbetrag-A30"
        ),
        pytest.param(
            PER_UNIT, Actuals(euro(4_800), euro(0), units_actual=9), euro(4_800),
            (4_800, 3_600, 1_200), id="pauschale",
        ),
        pytest.param(
            FULL, Actuals(euro(9_200), euro(300)), euro(10_000), (10_000, 8_900, 1_100), id="voll"
        ),
        pytest.param(
            SHORTFALL, Actuals(euro(52_000), euro(18_000)), P, (32_000, 32_000, 0), id="overspending"
        ),
    ],
)  # fmt: skip
def test_the_worked_example_of_domain_section_4(parameters, actuals, paid, expected):
    assert check(parameters) == {}
    assert settle(parameters, actuals, paid) == tuple(euro(x) for x in expected)


def test_no_subsequent_payment_in_the_worked_example_and_one_when_less_was_paid():
    final = final_grant(SHORTFALL, approved_grant(SHORTFALL), ACTUALS)
    assert subsequent_payment(P, final) == Money(0)
    assert subsequent_payment(euro(20_000), final) == euro(7_500)
    assert refund(euro(20_000), final) == Money(0)


def test_a_refund_below_the_de_minimis_limit_is_waived():
    assert refund(P, euro(27_500), de_minimis=euro(500)) == euro(4_500)
    assert refund(P, euro(31_600), de_minimis=euro(500)) == Money(0)


def test_the_share_is_rounded_half_up_once_at_the_end():
    half = Parameters(F.SHARE, euro("100.05"), euro(0), share=Decimal("0.5"), cap=H)
    assert approved_grant(half) == euro("50.03")  # 50.025
    parameters = Parameters(F.SHARE, euro(1_000), euro(0), share=Decimal("0.3"), cap=euro(1_000))
    # 0.3 × 0.05 − 0.3 × 0.01 = 0.012 → 0.01 (rounding each term first would give 0.02)
    actuals = Actuals(euro("0.05"), euro("0.01"))
    assert final_grant(parameters, approved_grant(parameters), actuals) == euro("0.01")


def test_the_cap_limits_the_share():
    parameters = Parameters(F.SHARE, A, D, share=Decimal("0.8"), cap=H)
    assert approved_grant(parameters) == H
    assert final_grant(parameters, H, Actuals(euro(45_000), D)) == H  # 0.8 × 45,000 = 36,000


def test_a_missing_parameter_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="cap"):
        approved_grant(Parameters(F.SHORTFALL, A, D))
    with pytest.raises(ValueError, match="units_actual"):
        final_grant(PER_UNIT, euro(4_800), Actuals(euro(4_800), euro(0)))


# --- check -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        (Parameters(F.SHARE, A, D, share=Decimal(0), cap=H), "share",
         "Der Anteil muss über 0 und höchstens 100 % liegen."),
        (Parameters(F.SHARE, A, D, cap=H), "share", "Bitte den Fördersatz (Anteil in %) angeben."),
        (Parameters(F.SHARE, A, D, share=Decimal("0.64")), "cap",
         "Bei Anteilfinanzierung ist ein Höchstbetrag vorgeschrieben."),
        (Parameters(F.SHORTFALL, A, D), "cap",
         "Bei Fehlbedarfsfinanzierung ist ein Höchstbetrag vorgeschrieben."),
        (Parameters(F.SHORTFALL, A, D, cap=euro(-1)), "cap",
         "Der Höchstbetrag muss größer als 0 € sein."),
        (Parameters(F.SHARE, euro(0), D, share=Decimal("0.5"), cap=H), "eligible",
         "Ohne zuwendungsfähige Ausgaben ergibt der Anteil keine Zuwendung."),
        (Parameters(F.FIXED, A, D), "fixed",
         "Bei Festbetragsfinanzierung bitte den Festbetrag angeben."),
        (Parameters(F.FIXED, A, D, fixed=euro(0)), "fixed", "Der Festbetrag muss größer als 0 € sein."),
        (Parameters(F.FIXED, A, D, fixed=euro(60_000)), "fixed",
         "Der Festbetrag darf die zuwendungsfähigen Ausgaben nicht übersteigen."),
        (Parameters(F.PER_UNIT, A, D, units_planned=12), "unit_rate",
         "Bitte den Betrag je Einheit angeben."),
        (Parameters(F.PER_UNIT, A, D, unit_rate=euro(400)), "units_planned",
         "Bitte die geplante Zahl der Einheiten angeben."),
        (Parameters(F.PER_UNIT, A, D, unit_rate=euro(400), units_planned=0), "units_planned",
         "Die Zahl der Einheiten muss größer als 0 sein."),
        (Parameters(F.PER_UNIT, A, D, unit_rate=euro(-400), units_planned=12), "unit_rate",
         "Der Betrag je Einheit muss größer als 0 € sein."),
        (Parameters(F.FULL, euro(-1), euro(0)), "eligible",
         "Die zuwendungsfähigen Ausgaben dürfen nicht negativ sein."),
        (Parameters(F.FIXED, A, euro(-1), fixed=H), "other_funding",
         "Die übrigen Finanzierungsmittel dürfen nicht negativ sein."),
        (Parameters(F.SHORTFALL, A, A, cap=H), "other_funding",
         "Die übrigen Finanzierungsmittel decken die zuwendungsfähigen Ausgaben bereits – "
         "bei Fehlbedarfsfinanzierung bliebe keine Zuwendung (A − D ≤ 0)."),
        (Parameters(F.FULL, euro(10_000), euro(12_000)), "other_funding",
         "Die übrigen Finanzierungsmittel decken die zuwendungsfähigen Ausgaben bereits – "
         "bei Vollfinanzierung bliebe keine Zuwendung (A − D ≤ 0)."),
    ],
)  # fmt: skip
def test_check_names_the_contradiction_in_german(parameters, field, message):
    assert check(parameters)[field] == message


def test_check_accepts_the_worked_example_for_every_type():
    for parameters in (SHORTFALL, SHARE, FIXED, PER_UNIT, FULL):
        assert check(parameters) == {}


# --- The 20 % rule ---------------------------------------------------------------------------


def plan_lines(personnel, fees, rent, material, publicity, *, amended=()):
    plan = {
        "personnel": 30_000,
        "fees": 8_000,
        "rent": 7_000,
        "material": 3_000,
        "publicity": 2_000,
    }
    actual = dict(zip(plan, (personnel, fees, rent, material, publicity), strict=True))
    return [
        LinePlanActual(key, key.title(), euro(plan[key]), euro(actual[key]), key in amended)
        for key in plan
    ]


def test_the_20_percent_rule_on_the_worked_example_fees_plus_15_percent_are_covered():
    report = deviation_check(plan_lines(29_000, 9_200, 7_000, 1_300, 500))
    fees = report.lines[1]
    assert (fees.key, fees.plan, fees.actual) == ("fees", euro(8_000), euro(9_200))
    assert (fees.deviation, fees.percent) == (euro(1_200), Decimal("15.0"))
    assert fees.recognised == euro(9_200)
    assert fees.covered
    assert [line.percent for line in report.lines] == [
        Decimal("-3.3"), Decimal("15.0"), Decimal("0.0"), Decimal("-56.7"), Decimal("-75.0")
    ]  # fmt: skip
    assert [line.deviation for line in report.lines] == [
        euro(-1_000), euro(1_200), euro(0), euro(-1_700), euro(-1_500)
    ]  # fmt: skip
    assert (report.plan, report.actual, report.recognised) == (A, euro(47_000), euro(47_000))
    assert (report.deviation, report.percent) == (euro(-3_000), Decimal("-6.0"))
    assert (report.excess, report.savings, report.covered) == (euro(1_200), euro(4_200), True)


def test_more_than_20_percent_over_plan_is_not_recognised():
    fees = deviation_check(plan_lines(29_000, 10_000, 7_000, 1_300, 500)).lines[1]
    assert (fees.percent, fees.recognised, fees.covered) == (Decimal("25.0"), euro(9_600), True)


def test_an_excess_without_savings_elsewhere_is_not_covered():
    report = deviation_check(plan_lines(30_000, 9_600, 7_000, 3_000, 2_000))
    assert not report.covered
    assert [line.covered for line in report.lines] == [True, False, True, True, True]
    assert (report.excess, report.savings) == (euro(1_600), euro(0))


def test_an_amended_line_is_judged_against_its_new_plan_without_tolerance():
    report = deviation_check(plan_lines(29_000, 9_200, 7_000, 1_300, 500, amended={"fees"}))
    assert report.lines[1].recognised == euro(8_000)
    assert report.recognised == euro(45_800)


def test_a_line_without_plan_has_no_percentage_and_is_not_recognised():
    line = LinePlanActual("travel", "Reisekosten", euro(0), euro(120))
    assert deviation_check([line]).lines[0].percent is None
    assert deviation_check([line]).lines[0].recognised == Money(0)


# --- Interest --------------------------------------------------------------------------------


def test_interest_examples_of_domain_section_4_count_actual_days_end_exclusive():
    # 01.03.–30.06.2026 are 121 days and 01.02.–15.05.2026 are 103 days when the end is not
    # counted; counting both ends (122, 104 days) would give 64.22 € and 121.67 €.
    refund_interest = interest(euro(4_500), date(2026, 3, 1), date(2026, 6, 30), BASE_RATE_1_27)
    late_interest = interest(euro(10_000), date(2026, 2, 1), date(2026, 5, 15), BASE_RATE_1_27)
    assert (refund_interest, late_interest) == (euro("63.70"), euro("120.50"))


def test_interest_splits_the_period_where_the_base_rate_changes():
    rates = [(date(2025, 7, 1), 127), (date(2026, 1, 1), 200)]  # the second rate is invented
    # 31 days at 4.27 % + 30 days at 5.00 %: 36.2657… + 41.0958… = 77.3616… €
    assert interest(euro(10_000), date(2025, 12, 1), date(2026, 1, 31), rates) == euro("77.36")
    assert interest(euro(10_000), date(2026, 1, 1), date(2026, 1, 31), rates) == euro("41.10")


def test_a_negative_base_rate_lowers_the_rate_and_the_margin_is_configurable():
    rates = [(date(2020, 1, 1), -88)]
    assert interest(euro(10_000), date(2021, 1, 1), date(2022, 1, 1), rates) == euro(212)
    assert interest(euro(10_000), date(2021, 1, 1), date(2022, 1, 1), rates, 500) == euro(412)


def test_interest_below_the_de_minimis_limit_is_waived():
    period = (date(2026, 3, 1), date(2026, 6, 30), BASE_RATE_1_27)
    assert interest(euro(4_500), *period, de_minimis=euro("63.70")) == euro("63.70")
    assert interest(euro(4_500), *period, de_minimis=euro("63.71")) == Money(0)


def test_interest_needs_a_base_rate_and_a_period_in_order():
    assert interest(euro(4_500), date(2026, 3, 1), date(2026, 3, 1), BASE_RATE_1_27) == Money(0)
    with pytest.raises(ValueError, match="Basiszinssatz"):
        interest(euro(4_500), date(2025, 6, 30), date(2025, 7, 30), BASE_RATE_1_27)
    with pytest.raises(ValueError, match="ends before"):
        interest(euro(4_500), date(2026, 3, 1), date(2026, 2, 1), BASE_RATE_1_27)


def test_late_use_bears_interest_from_payout_until_use():
    assert late_use_interest(
        euro(10_000), date(2026, 2, 1), date(2026, 5, 15), BASE_RATE_1_27
    ) == euro("120.50")


@pytest.mark.parametrize(
    ("paid_on", "used_on", "charged"),
    [
        (date(2026, 2, 1), date(2026, 4, 1), False),
        (date(2026, 2, 1), date(2026, 4, 2), True),
        (date(2025, 12, 31), date(2026, 2, 28), False),  # no 31 February: the month's last day
        (date(2025, 12, 31), date(2026, 3, 1), True),
    ],
)
def test_money_used_within_two_months_bears_no_interest(paid_on, used_on, charged):
    assert bool(late_use_interest(euro(10_000), paid_on, used_on, BASE_RATE_1_27)) is charged


# --- Requests for funds ----------------------------------------------------------------------


def test_a_share_is_requested_pro_rata():
    assert funds_request_limit(F.SHARE, euro(8_000), Decimal("0.64"), euro(3_000)) == euro(5_120)


def test_a_shortfall_is_requested_only_once_own_and_third_party_funds_are_used():
    assert funds_request_limit(F.SHORTFALL, euro(8_000), None, euro(4_000)) == euro(4_000)
    assert funds_request_limit(F.SHORTFALL, euro(3_000), None, euro(4_000)) == Money(0)
    # domain-de.md 1.5: paid 26,000 of received 18,000 (8,000 pre-financed), 8,000 due → 16,000
    assert funds_request_limit(F.FULL, euro(8_000), None, euro(-8_000)) == euro(16_000)


def test_a_fixed_amount_is_requested_pro_rata_with_f_over_a():
    ratio = fixed_share(FIXED)
    assert ratio == Decimal("0.64")
    assert funds_request_limit(F.FIXED, euro(8_000), None, euro(0), ratio) == euro(5_120)
    per_unit = Parameters(F.PER_UNIT, euro(6_000), euro(0), unit_rate=euro(400), units_planned=12)
    assert fixed_share(per_unit) == Decimal("0.8")
    with pytest.raises(ValueError, match="fixed_ratio"):
        funds_request_limit(F.FIXED, euro(8_000), None, euro(0))
    with pytest.raises(ValueError, match="Festbetrag"):
        fixed_share(SHARE)
    with pytest.raises(ValueError, match="above 0"):
        fixed_share(replace(per_unit, eligible=euro(0)))


# --- Properties ------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10**11)
money = cents.map(Money)
shares = st.integers(min_value=1, max_value=10_000).map(lambda bp: Decimal(bp) / 10_000)
units = st.integers(min_value=0, max_value=1_000)
parameters = st.builds(
    Parameters,
    financing_type=st.sampled_from(F),
    eligible=money,
    other_funding=money,
    share=shares,
    cap=money,
    fixed=money,
    unit_rate=money,
    units_planned=units,
)
actuals = st.builds(Actuals, eligible=money, other_funding=money, units_actual=units)


@given(parameters, actuals)
def test_the_final_grant_is_whole_cents_between_0_and_the_approved_grant(parameters, actuals):
    approved = approved_grant(parameters)
    final = final_grant(parameters, approved, actuals)
    assert isinstance(final, Money)
    assert isinstance(final.cents, int)
    assert Money(0) <= final <= approved


@given(parameters, actuals, money)
def test_refund_and_final_grant_add_up_to_what_was_paid(parameters, actuals, paid):
    final = final_grant(parameters, approved_grant(parameters), actuals)
    back, more = refund(paid, final), subsequent_payment(paid, final)
    if back:
        assert back + final == paid
    assert not (back and more)
    assert paid - back + more == final


@given(parameters, actuals, money)
def test_a_fixed_amount_ignores_extra_income(parameters, actuals, other_funding):
    for kind in (F.FIXED, F.PER_UNIT):
        fixed = replace(parameters, financing_type=kind)
        approved = approved_grant(fixed)
        changed = Actuals(actuals.eligible, other_funding, actuals.units_actual)
        assert final_grant(fixed, approved, changed) == final_grant(fixed, approved, actuals)


signed = st.integers(min_value=-(10**11), max_value=10**11).map(Money)


@given(
    st.builds(
        Parameters,
        financing_type=st.sampled_from(F),
        eligible=signed,
        other_funding=signed,
        share=st.decimals(min_value=-2, max_value=2, places=4),
        cap=signed,
        fixed=signed,
        unit_rate=signed,
        units_planned=st.integers(min_value=-1_000, max_value=1_000),
    )
)
def test_the_approved_grant_is_never_negative(parameters):
    approved = approved_grant(parameters)
    assert isinstance(approved.cents, int)
    assert approved >= Money(0)


@given(st.sampled_from(F), st.decimals().filter(lambda d: not (d.is_finite() and 0 < d <= 1)))
def test_check_rejects_every_share_outside_0_to_100_percent(kind, share):
    parameters = Parameters(kind, A, D, share=share, cap=H, fixed=H, unit_rate=H, units_planned=1)
    assert check(parameters)["share"] == "Der Anteil muss über 0 und höchstens 100 % liegen."


@given(st.sampled_from(F), shares)
def test_check_accepts_every_share_above_0_up_to_100_percent(kind, share):
    parameters = Parameters(kind, A, D, share=share, cap=H, fixed=H, unit_rate=H, units_planned=1)
    assert "share" not in check(parameters)


@given(money, st.dates(date(2025, 7, 1), date(2030, 1, 1)), st.integers(0, 2_000))
def test_interest_is_whole_cents_and_never_negative(amount, start, days):
    rates = [(date(2025, 7, 1), 127), (date(2026, 1, 1), -88), (date(2027, 7, 1), 362)]
    end = date.fromordinal(start.toordinal() + days)
    result = interest(amount, start, end, rates)
    assert isinstance(result.cents, int)
    assert result >= Money(0)
