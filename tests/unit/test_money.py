"""Euro amounts: parsing German input, formatting, exact arithmetic, half-up rounding."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.money import MAX_AMOUNT, Money, MoneyFormatError

cents = st.integers(min_value=-(10**13), max_value=10**13)
amounts = st.integers(min_value=-MAX_AMOUNT.cents, max_value=MAX_AMOUNT.cents)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", 123456),
        ("1234,56", 123456),
        ("1234,5", 123450),
        ("1234", 123400),
        ("1.234", 123400),
        ("0,01", 1),
        ("-20,00", -2000),
        ("1.234.567,89", 123456789),
        ("1.234,56 €", 123456),
        ("  32.000,00\u00a0€ ", 3200000),
        ("1 234,56", 123456),
        ("5.000 EUR", 500000),
    ],
)
def test_parse_german_amounts(text, expected):
    assert Money.parse(text) == Money(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Bitte einen Betrag eingeben."),
        ("   ", "Bitte einen Betrag eingeben."),
        ("abc", "„abc“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ("12.5", "„12.5“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ("1,234", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
        ("1e5", "„1e5“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ("1.000.000.000,00", "Bitte höchstens 999.999.999,99\u00a0€ eingeben."),
        ("9" * 27, "Bitte höchstens 999.999.999,99\u00a0€ eingeben."),
        ("-" + "9" * 40 + ",5", "Bitte höchstens 999.999.999,99\u00a0€ eingeben."),
    ],
)
def test_parse_refuses_what_is_not_an_amount_with_a_german_message(text, message):
    with pytest.raises(MoneyFormatError) as caught:
        Money.parse(text)
    assert str(caught.value) == message


def test_format_is_german_with_a_no_break_space():
    assert Money(123456).format() == "1.234,56\u00a0€"
    assert Money(-50).format() == "-0,50\u00a0€"
    assert Money(3200000).format_plain() == "32.000,00"
    assert str(Money(0)) == "0,00\u00a0€"


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        (Decimal("0.005"), 1),
        (Decimal("0.0049"), 0),
        (Decimal("-0.005"), -1),
        (Decimal("30080") - Decimal("0.64") * 1500, 2912000),
        (Decimal("4500") * Decimal("0.0427") * 121 / 365, 6370),
        (7, 700),
    ],
)
def test_from_decimal_rounds_half_up_to_the_cent(amount, cents):
    assert Money.from_decimal(amount) == Money(cents)


def test_floats_are_refused_everywhere():
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.from_decimal(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100) * 1.5  # type: ignore[operator]


def test_arithmetic_and_totals():
    assert Money(150) + Money(50) == Money(200)
    assert Money(150) - Money(200) == Money(-50)
    assert -Money(3) == Money(-3)
    assert Money(400) * 12 == 12 * Money(400) == Money(4800)
    assert Money.total([Money(1), Money(2), Money(3)]) == Money(6)
    assert Money.total([]) == Money.zero()
    assert sorted([Money(3), Money(-1), Money(2)]) == [Money(-1), Money(2), Money(3)]
    assert not Money(0)
    assert Money(1)


@given(amounts)
def test_format_then_parse_is_the_identity(value):
    money = Money(value)
    assert Money.parse(money.format()) == money
    assert Money.parse(money.format_plain()) == money


@given(cents, cents)
def test_addition_is_exact(a, b):
    assert (Money(a) + Money(b)).to_decimal() == Money(a).to_decimal() + Money(b).to_decimal()


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6))
def test_rounding_is_always_within_half_a_cent(amount):
    rounded = Money.from_decimal(amount).to_decimal()
    assert abs(rounded - amount) <= Decimal("0.005")
