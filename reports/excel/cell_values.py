"""Typed values from the cells of a workbook someone filled in by hand (German formats).

A cell holds what Excel, LibreOffice or a script put there: a number, a date, or text that
looks like one ("1.234,50", "1234.5", "31.12.2026"). Each reader returns the value or raises
:class:`CellError` with a German sentence for the user (without the row and column, which
the caller adds).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils.escape import unescape

from grants.money import MAX_AMOUNT, Money, MoneyFormatError
from grants.text import without_bidi_controls

DATE_PATTERNS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d")
DOT_DECIMAL = re.compile(r"[+-]?\d+\.\d{1,2}")
"""``1234.5``: a plain number with a decimal point. With three digits after the point
(``1.234``) the point is a German thousands separator."""
CURRENCY = re.compile(r"\s|€|EUR", re.IGNORECASE)
LINE_BREAKS = re.compile(r"\s*[\t\n\r]+\s*")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CENT = Decimal("0.01")


class CellError(ValueError):
    """The cell's value cannot be read; ``str()`` is the German message."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, limit: int) -> str:
    """Text of at most ``limit`` characters: stripped, line breaks and tabs as one space,
    bidirectional controls removed; other control characters are refused (the file holds them
    escaped as ``_x0007_``, which openpyxl leaves as it is)."""
    if isinstance(value, bool):
        raise CellError("Bitte Text eintragen, keinen Wahrheitswert.")
    if isinstance(value, datetime | date):
        value = f"{value:%d.%m.%Y}"
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))
    result = LINE_BREAKS.sub(" ", without_bidi_controls(unescape(str(value)))).strip()
    if CONTROL.search(result):
        raise CellError("Der Text enthält Steuerzeichen; bitte nur normalen Text eintragen.")
    if len(result) > limit:
        raise CellError(f"Der Text hat {len(result)} Zeichen; höchstens {limit} sind möglich.")
    return result


def amount(value: Any) -> Money:
    """A positive amount in euros: an Excel number, or text as ``1.234,50``, ``1234,5``,
    ``1234.5`` (point and at most two decimals) or ``1.234`` (a thousands point)."""
    if isinstance(value, bool | datetime | date):
        raise CellError("Bitte einen Betrag eintragen, z. B. 1.234,50.")
    if isinstance(value, int | float | Decimal):
        try:
            euros = Decimal(str(value))  # an Excel number: its shortest decimal form
        except InvalidOperation as exc:
            raise CellError(f"„{value}“ ist kein Betrag.") from exc
        if not euros.is_finite() or abs(euros) > MAX_AMOUNT.to_decimal():
            raise CellError(f"Bitte höchstens {MAX_AMOUNT.format()} eintragen.")
        if euros != euros.quantize(CENT):
            raise CellError(f"Der Betrag {value} hat mehr als zwei Nachkommastellen.")
        money = Money.from_decimal(euros)
    else:
        typed = str(value).strip()
        bare = CURRENCY.sub("", typed)
        try:
            money = Money.parse(bare.replace(".", ",") if DOT_DECIMAL.fullmatch(bare) else typed)
        except MoneyFormatError as exc:
            raise CellError(str(exc)) from None
    if money.cents <= 0:
        raise CellError(f"Der Betrag muss größer als 0 sein (eingetragen: {money.format()}).")
    return money


def day(value: Any) -> date:
    """A date: an Excel date, or text as ``31.12.2026``, ``31.12.26`` or ``2026-12-31``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(f"{value} ist kein Datum; bitte so eintragen: 31.12.2026.")
    typed = str(value).strip()
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(typed, pattern).date()
        except ValueError:
            continue
    raise CellError(f"„{typed}“ ist kein Datum; bitte so eintragen: 31.12.2026.")


def whole_number(value: Any, *, largest: int) -> int:
    """A whole number from 1 to ``largest`` (an Excel number or digits as text)."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        number = None
    if number is None or not 1 <= number <= largest:
        shown = f"{largest:,}".replace(",", ".")
        raise CellError(f"Bitte eine ganze Zahl von 1 bis {shown} eintragen.")
    return number
