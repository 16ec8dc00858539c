"""Funding calls (Förderaufrufe) as applicants see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants import clock
from grants.money import Money
from grants.tables import Call


@dataclass(frozen=True, slots=True)
class OpenCall:
    id: int
    title: str
    programme: str
    fiscal_year: int
    closes_at: datetime
    budget: Money


async def open_calls(at: datetime | None = None) -> list[OpenCall]:
    """Calls open for applications at ``at`` (default: now), the soonest deadline first."""
    at = at or clock.now()
    rows = (
        await Call.select(
            Call.id,
            Call.title,
            Call.programme.name.as_alias("programme"),
            Call.fiscal_year.year.as_alias("fiscal_year"),
            Call.closes_at,
            Call.budget_cents,
        )
        .where((Call.opens_at <= at) & (Call.closes_at > at))
        .order_by(Call.closes_at)
    )
    return [
        OpenCall(
            id=r["id"],
            title=r["title"],
            programme=r["programme"],
            fiscal_year=r["fiscal_year"],
            closes_at=r["closes_at"],
            budget=Money(r["budget_cents"]),
        )
        for r in rows
    ]
