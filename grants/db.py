"""The database engine for SQLite and PostgreSQL, transactions and the connection lifecycle.

- SQLite: WAL journal, foreign keys on (Piccolo sets the pragma per connection), a 30 s busy
  timeout, and write transactions that begin IMMEDIATE so concurrent writers queue instead of
  failing with "database is locked".
- PostgreSQL: a connection pool, opened and closed by :func:`connected` in the app's lifespan.

Use cases run inside :func:`transaction`, which behaves the same on both engines.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from grants.settings import DatabaseURL, get_settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10
POOL_SIZE = 10


class DatabaseUnavailable(Exception):
    """The database cannot be reached; ``str()`` names it without a password."""


def build_engine(database: DatabaseURL) -> Engine:
    if database.sqlite_path is not None:
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(database.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    with warnings.catch_warnings():  # Piccolo warns when it cannot connect; ping() reports it
        warnings.simplefilter("ignore")
        return PostgresEngine(config={"dsn": database.url, "timeout": CONNECT_TIMEOUT_SECONDS})


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process's engine, built from the settings once (Piccolo's ``DB``)."""
    return build_engine(get_settings().database)


def transaction(engine: Engine | None = None) -> Any:
    """A transaction for a use case; joins the surrounding one when there is one.

    On SQLite it begins IMMEDIATE (takes the write lock at once), on PostgreSQL it is a plain
    READ COMMITTED transaction; row locks are taken where a use case needs them.
    """
    engine = engine or get_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def fetch(sql: str, *args: Any, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Run raw SQL with ``{}`` placeholders (Piccolo's QueryString) and return the rows."""
    engine = engine or get_engine()
    rows: list[dict[str, Any]] = await engine.run_querystring(QueryString(sql, *args))
    return rows


async def lock(name: str) -> None:
    """Serialise writers of one kind until the transaction ends (e.g. numbering, a ledger).

    PostgreSQL takes a transaction-scoped advisory lock; SQLite's IMMEDIATE transactions
    already admit one writer at a time.
    """
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await fetch("SELECT pg_advisory_xact_lock(hashtext({}))", name, engine=engine)


async def ping(engine: Engine | None = None) -> None:
    """Raise :class:`DatabaseUnavailable` unless the database answers ``SELECT 1`` in time."""
    engine = engine or get_engine()
    try:
        await asyncio.wait_for(fetch("SELECT 1 AS ok", engine=engine), CONNECT_TIMEOUT_SECONDS)
    except Exception as exc:
        raise DatabaseUnavailable(
            f"{_describe(engine)} ist nicht erreichbar: {_reason(exc)}"
        ) from exc


async def prepare(engine: Engine | None = None) -> None:
    """One-time settings kept in the database file itself (SQLite's WAL journal)."""
    engine = engine or get_engine()
    if isinstance(engine, SQLiteEngine):
        await fetch("PRAGMA journal_mode=WAL", engine=engine)


@asynccontextmanager
async def connected(engine: Engine | None = None) -> AsyncIterator[Engine]:
    """Check the database and hold a connection pool (PostgreSQL) for the app's lifetime.

    Nested use (a second app in the same process) shares the pool of the outer one.
    """
    engine = engine or get_engine()
    await ping(engine)
    pooled = engine if isinstance(engine, PostgresEngine) and engine.pool is None else None
    if pooled:
        await pooled.start_connection_pool(min_size=1, max_size=POOL_SIZE)
    try:
        yield engine
    finally:
        if pooled:
            await pooled.close_connection_pool()


def _describe(engine: Engine) -> str:
    if not isinstance(engine, PostgresEngine):
        return f"Die SQLite-Datenbank {engine.path}"  # type: ignore[attr-defined]
    return f"Die Datenbank {DatabaseURL.parse(engine.config['dsn'], Path.cwd()).display}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"keine Antwort nach {CONNECT_TIMEOUT_SECONDS} s"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
