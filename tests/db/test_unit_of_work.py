"""A unit of work (a request) holds one connection for its queries and transactions."""

from __future__ import annotations

import httpx
import pytest
from piccolo.engine.postgres import PostgresEngine

from grants import db
from grants.tables import FiscalYear
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
def connections_taken(monkeypatch):
    """How many connections were opened (SQLite) or taken from the pool (PostgreSQL)."""
    engine = db.get_engine()
    taken: list[object] = []
    if isinstance(engine, PostgresEngine):
        pool = engine.pool

        class CountingPool:
            def acquire(self, *args, **kwargs):
                taken.append(object())
                return pool.acquire(*args, **kwargs)

            def __getattr__(self, name):
                return getattr(pool, name)

        monkeypatch.setattr(engine, "pool", CountingPool())
    else:
        open_connection = engine.get_connection

        async def counting_open():
            taken.append(object())
            return await open_connection()

        monkeypatch.setattr(engine, "get_connection", counting_open)
    return taken


async def test_queries_and_transactions_of_a_unit_of_work_share_one_connection(committed):
    async with db.unit_of_work():
        # a temporary table is visible on its own connection only
        await db.fetch("CREATE TEMPORARY TABLE held_here (n INTEGER)")
        async with db.transaction():
            await db.fetch("INSERT INTO held_here (n) VALUES (1)")
        async with db.transaction():
            await db.fetch("INSERT INTO held_here (n) VALUES (2)")
        rows = await db.fetch("SELECT n FROM held_here ORDER BY n")
        await db.fetch("DROP TABLE held_here")
    assert [r["n"] for r in rows] == [1, 2]


async def failing_use_case() -> None:
    async with db.transaction():
        await FiscalYear.insert(FiscalYear(year=2042))
        raise RuntimeError("Abbruch")


async def test_a_transaction_in_a_unit_of_work_commits_and_rolls_back_as_alone(committed):
    async with db.unit_of_work():
        async with db.transaction():
            await FiscalYear.insert(FiscalYear(year=2041))
        with pytest.raises(RuntimeError):
            await failing_use_case()
        await FiscalYear.insert(FiscalYear(year=2043))  # outside a transaction: at once
    # read outside the unit of work: what was committed is there for everyone
    years = {r["year"] for r in await FiscalYear.select(FiscalYear.year)}
    assert {2041, 2043} <= years
    assert 2042 not in years


async def test_a_unit_of_work_takes_its_connection_at_the_first_query_only(
    committed, connections_taken
):
    async with db.unit_of_work():
        pass
    assert connections_taken == []
    async with db.unit_of_work():
        for _ in range(5):
            await FiscalYear.count()
        async with db.transaction():
            await FiscalYear.insert(FiscalYear(year=2044))
    assert len(connections_taken) == 1


async def test_a_request_runs_on_one_connection(committed, app, connections_taken, queries):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await sign_in(client, "reviewer")
        connections_taken.clear()
        with queries() as ran:
            answer = await client.get("/pruefung")  # session, queue, counts, reviewers …
    assert answer.status_code == 200
    assert ran.value > 3
    assert len(connections_taken) == 1


async def test_a_connection_goes_back_without_reset_statements(committed):
    """asyncpg would send ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on
    every release; the portal sets no session state, so the pool sends nothing (PostgreSQL).
    On SQLite the unit of work's connection is closed at its end."""
    engine = db.get_engine()
    sent: list[str] = []

    def log(record) -> None:
        sent.append(record.query)

    async with db.unit_of_work():
        await FiscalYear.count()
        connection = db._lease.get().connection  # type: ignore[union-attr]
        if isinstance(engine, PostgresEngine):
            connection = connection._con  # the connection itself, not the pool's proxy
            connection.add_query_logger(log)
    if isinstance(engine, PostgresEngine):
        connection.remove_query_logger(log)
        assert not any("RESET" in query or "UNLISTEN" in query for query in sent), sent
    else:
        with pytest.raises(ValueError, match=r"(?i)closed|no active connection"):
            await connection.execute("SELECT 1")
