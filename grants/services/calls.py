"""Funding calls (Förderaufrufe) as applicants see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants import clock
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.tables import Call


@dataclass(frozen=True, slots=True)
class OpenCall:
    id: int
    title: str
    programme: str
    fiscal_year: int
    closes_at: datetime
    budget: Money


async def open_calls(at: datetime | None = None, *, programme_id: int | None = None,
                     page: int = 1) -> Page[OpenCall]:  # fmt: skip
    """One page of the calls open for applications at ``at`` (default: now), of one programme or
    all, the soonest deadline first (one query)."""
    at = at or clock.now()
    limit, offset = window(page)
    open_now = (Call.opens_at <= at) & (Call.closes_at > at)
    if programme_id is not None:
        open_now = open_now & (Call.programme == programme_id)
    rows = (
        await Call.select(
            Call.id,
            Call.title,
            Call.programme.name.as_alias("programme"),
            Call.fiscal_year.year.as_alias("fiscal_year"),
            Call.closes_at,
            Call.budget_cents,
        )
        .where(open_now)
        .order_by(Call.closes_at, Call.id)
        .limit(limit)
        .offset(offset)
    )
    return page_of(
        [
            OpenCall(
                id=r["id"],
                title=r["title"],
                programme=r["programme"],
                fiscal_year=r["fiscal_year"],
                closes_at=r["closes_at"],
                budget=Money(r["budget_cents"]),
            )
            for r in rows
        ],
        page,
    )
