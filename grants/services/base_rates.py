"""The Basiszinssatz table (§ 247 BGB) that admins maintain; interest under § 49a VwVfG NRW
is computed from it (:mod:`grants.financing`).

The Deutsche Bundesbank publishes the rate for 1 January and 1 July; a rate applies from its
date until the next entry. Entries are added, not changed: settlements already computed stay
explainable. Adding runs in one transaction with its audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from grants import audit, db
from grants.audit import Actor
from grants.clock import today
from grants.paging import Page, page_of, window
from grants.services.programmes import _raise_problems, _text
from grants.tables import BaseRate

RATE_MIN, RATE_MAX = -1_000, 2_000  # basis points: −10 % to 20 %
NOTE_MAX = 200
FIRST = date(2002, 1, 1)  # § 247 BGB replaced the Diskontsatz on 1 January 2002
AHEAD_DAYS = 366  # the Bundesbank publishes a rate days before it applies; a year is plenty


@dataclass(frozen=True, slots=True)
class BaseRateData:
    """What an admin enters: the first day of validity, the rate in basis points (1,27 % = 127)
    and a note (source)."""

    valid_from: date | None
    rate_basis_points: int | None
    note: str


@dataclass(frozen=True, slots=True)
class BaseRateRow:
    id: int
    valid_from: date
    rate_basis_points: int
    note: str


async def all_rates() -> list[tuple[date, int]]:
    """Every rate as ``(valid_from, basis_points)``, oldest first: :data:`financing.BaseRates`."""
    rows = await BaseRate.select(BaseRate.valid_from, BaseRate.rate_basis_points).order_by(
        BaseRate.valid_from
    )
    return [(row["valid_from"], int(row["rate_basis_points"])) for row in rows]


async def listing(page: int = 1) -> Page[BaseRateRow]:
    """One page of the rates, newest first (one query)."""
    limit, offset = window(page)
    rows = await (
        BaseRate.select(BaseRate.id, BaseRate.valid_from, BaseRate.rate_basis_points, BaseRate.note)
        .order_by(BaseRate.valid_from, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return page_of(
        [
            BaseRateRow(r["id"], r["valid_from"], int(r["rate_basis_points"]), r["note"])
            for r in rows
        ],
        page,
    )


async def add_rate(
    actor: Actor, data: BaseRateData, *, unreadable: Mapping[str, str] | None = None
) -> int:
    """Add a rate; :class:`~grants.errors.Invalid` with every problem at once, ``unreadable``
    (fields the caller could not parse) among them."""
    async with db.transaction():
        await db.lock("base_rate")
        errors = rate_problems(data)
        if "valid_from" not in errors and data.valid_from is not None:
            existing = await (
                BaseRate.select(BaseRate.rate_basis_points)
                .where(BaseRate.valid_from == data.valid_from)
                .first()
            )
            if existing is not None:
                errors["valid_from"] = (
                    f"Für den {data.valid_from:%d.%m.%Y} ist bereits ein Basiszinssatz "
                    f"eingetragen ({percent(int(existing['rate_basis_points']))})."
                )
        _raise_problems(BaseRateData, errors, unreadable)
        values: dict[str, Any] = {
            "valid_from": data.valid_from,
            "rate_basis_points": data.rate_basis_points,
            "note": data.note,
        }
        rows = await BaseRate.insert(BaseRate(**values)).returning(BaseRate.id)
        rate_id = int(rows[0]["id"])
        await audit.record(actor, "base_rate.created", "base_rate", rate_id,
                           data={**values, "valid_from": str(data.valid_from)})  # fmt: skip
    return rate_id


def rate_problems(data: BaseRateData) -> dict[str, str]:
    """The rules that need no database, in field order."""
    errors: dict[str, str] = {}
    day = data.valid_from
    if day is None:
        errors["valid_from"] = "Bitte angeben, ab welchem Tag der Basiszinssatz gilt."
    elif (day.month, day.day) not in {(1, 1), (7, 1)}:
        errors["valid_from"] = (
            "Der Basiszinssatz ändert sich nur zum 1. Januar und zum 1. Juli (§ 247 Abs. 1 BGB). "
            f"Bitte den 01.01.{day.year} oder den 01.07.{day.year} angeben."
        )
    elif day < FIRST:
        errors["valid_from"] = "Den Basiszinssatz nach § 247 BGB gibt es erst seit dem 01.01.2002."
    elif (day - today()).days > AHEAD_DAYS:
        errors["valid_from"] = "Bitte einen Satz höchstens ein Jahr im Voraus eintragen."
    rate = data.rate_basis_points
    if rate is None:
        errors["rate_basis_points"] = "Bitte den Basiszinssatz in Prozent angeben, z. B. 1,27."
    elif not RATE_MIN <= rate <= RATE_MAX:
        errors["rate_basis_points"] = (
            f"Bitte einen Satz zwischen {percent(RATE_MIN)} und {percent(RATE_MAX)} angeben."
        )
    _text(errors, "note", data.note, NOTE_MAX, required=False)
    return errors


def percent(basis_points: int) -> str:
    """``1,27 %``, ``−0,88 %``: basis points as a German percentage with two decimals."""
    sign = "−" if basis_points < 0 else ""
    whole, cents = divmod(abs(basis_points), 100)
    return f"{sign}{whole},{cents:02d} %"
