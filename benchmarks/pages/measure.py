"""Timing loops: ``n`` requests (or replays) over ``concurrency`` workers; percentiles and rate."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

# Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them under us.
LIMITS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=2)


@dataclass(frozen=True)
class Stats:
    p50: float  # milliseconds
    p95: float
    p99: float
    rate: float  # per second
    count: int
    errors: int = 0

    @classmethod
    def of(cls, latencies: list[float], wall: float, errors: int = 0) -> Stats:
        if len(latencies) < 2:
            value = latencies[0] * 1000 if latencies else float("nan")
            return cls(
                value, value, value, len(latencies) / wall if wall else 0, len(latencies), errors
            )
        cuts = statistics.quantiles([x * 1000 for x in latencies], n=100, method="inclusive")
        return cls(cuts[49], cuts[94], cuts[98], len(latencies) / wall, len(latencies), errors)


async def run(task: Callable[[], Awaitable[bool]], n: int, concurrency: int) -> Stats:
    """Call ``task`` ``n`` times from ``concurrency`` workers; a False result is an error."""
    latencies: list[float] = []
    errors = 0
    remaining = n

    async def worker() -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            ok = await task()
            latencies.append(time.perf_counter() - started)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Stats.of(latencies, time.perf_counter() - started, errors)


def page_task(client: httpx.AsyncClient, path: str) -> Callable[[], Awaitable[bool]]:
    async def task() -> bool:
        try:
            response = await client.get(path)
        except httpx.TransportError:  # counted as an error, the run goes on
            return False
        return response.status_code == 200

    return task


def replay_task(
    pool: asyncpg.Pool, queries: list[tuple[str, tuple[Any, ...]]]
) -> Callable[[], Awaitable[bool]]:
    """One request's statements, in order, on one pooled connection, rolled back at the end."""

    async def task() -> bool:
        async with pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                for sql, args in queries:
                    await connection.fetch(sql, *args)
            except asyncpg.PostgresError:
                return False
            finally:
                await transaction.rollback()
        return True

    return task
