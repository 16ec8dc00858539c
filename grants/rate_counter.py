"""Counting requests per client and minute in the database, where every app worker sees them."""

from __future__ import annotations

from grants import db
from grants.tables import RateCounter


async def hit(client: str, minute: int) -> int:
    """Count one request of ``client`` in ``minute`` (since the epoch); answers the minute's
    count so far. Counters of earlier minutes go."""
    async with db.transaction():
        await RateCounter.delete().where(RateCounter.minute < minute)
        rows = await db.fetch(
            "INSERT INTO rate_counter (key, minute, hits) VALUES ({}, {}, 1)"
            " ON CONFLICT (key) DO UPDATE SET hits = rate_counter.hits + 1 RETURNING hits",
            f"{client} {minute}",
            minute,
        )
    return int(rows[0]["hits"])
