"""Euro amounts: exact, in whole cents, never floats.

The database stores cents in ``BigInt`` columns; :class:`Money` wraps them. Intermediate results
of the money rules (``p · A`` and the like) stay :class:`~decimal.Decimal` and are rounded half-up
to the cent only at each final amount (DOMAIN.md §4) with :meth:`Money.from_decimal`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

LOCALE = "de_DE"
CENT = Decimal("0.01")
_NOISE = re.compile(r"[\s\u00a0\u202f€]|EUR", re.IGNORECASE)
_AMOUNT = re.compile(r"[+-]?[0-9][0-9.,]*")


class MoneyFormatError(ValueError):
    """Text that is not an amount; ``str()`` is a German message for the user."""


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of euros as integer cents."""

    cents: int

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError(f"Money needs integer cents, got {type(self.cents).__name__}")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def from_decimal(cls, amount: Decimal | int) -> Money:
        """Round half-up to the cent: the one place where rounding happens."""
        if isinstance(amount, float):
            raise TypeError("Money never takes floats")
        cents = (Decimal(amount) / CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(cents))

    @classmethod
    def parse(cls, text: str) -> Money:
        """Read a German amount such as ``1.234,56``, ``1234,5``, ``-20`` or ``1.234,56 €``."""
        cleaned = _NOISE.sub("", text or "")
        if not cleaned:
            raise MoneyFormatError("Bitte einen Betrag eingeben.")
        try:
            if not _AMOUNT.fullmatch(cleaned):  # Babel would take "1e5" or "NaN"
                raise NumberFormatError(cleaned)
            amount = parse_decimal(cleaned, locale=LOCALE, strict=True)
        except (NumberFormatError, InvalidOperation):
            raise MoneyFormatError(
                f"„{text.strip()}“ ist kein Betrag. Bitte so eingeben: 1.234,56"
            ) from None
        if abs(amount) > MAX_AMOUNT.to_decimal():  # before quantize, which fails beyond 28 digits
            raise MoneyFormatError(f"Bitte höchstens {MAX_AMOUNT.format()} eingeben.")
        if amount != amount.quantize(CENT):
            raise MoneyFormatError("Bitte höchstens zwei Nachkommastellen (Cent) angeben.")
        return cls(int(amount * 100))

    @classmethod
    def total(cls, amounts: Iterable[Money]) -> Money:
        return cls(sum(a.cents for a in amounts))

    def to_decimal(self) -> Decimal:
        return Decimal(self.cents) / 100

    def format(self) -> str:
        """``1.234,56 €`` (with a no-break space before the sign, as German typesetting wants)."""
        return format_currency(self.to_decimal(), "EUR", locale=LOCALE)

    def format_plain(self) -> str:
        """``1.234,56`` — for form fields, where the user types the number alone."""
        return format_decimal(self.to_decimal(), format="#,##0.00", locale=LOCALE)

    def __str__(self) -> str:
        return self.format()

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            return NotImplemented
        return Money(self.cents * factor)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.cents != 0


MAX_AMOUNT = Money(99_999_999_999)  # 999.999.999,99 €: more is a typing error
