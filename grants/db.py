"""The database engine for SQLite and PostgreSQL, transactions and the connection lifecycle.

- SQLite: WAL journal, foreign keys on (Piccolo sets the pragma per connection), a 30 s busy
  timeout, and write transactions that begin IMMEDIATE so concurrent writers queue instead of
  failing with "database is locked".
- PostgreSQL: a connection pool, opened and closed by :func:`connected` in the app's lifespan.
  A connection goes back to the pool without asyncpg's reset statements (the portal keeps no
  session state on a connection: no SET, LISTEN, cursors or session-level advisory locks).

Use cases run inside :func:`transaction`, which behaves the same on both engines. A request is
one unit of work: :func:`unit_of_work` holds one connection for all its queries and
transactions, instead of one connection (and, on SQLite, one thread) per query.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.querystring import QueryString

from grants.settings import DatabaseURL, get_settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10
POOL_SIZE = 10
LIKE_SPECIALS = str.maketrans("", "", "%_\\")  # LIKE's wildcards and escape character


class DatabaseUnavailable(Exception):
    """The database cannot be reached; ``str()`` names it without a password."""


class _Lease:
    """The one connection of a unit of work, taken from the engine at its first query."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Any = None

    async def take(self) -> Any:
        if self.connection is None:
            engine = self.engine
            if isinstance(engine, PostgresEngine):
                self.connection = await engine.pool.acquire()  # type: ignore[union-attr]
            else:
                self.connection = await engine.get_connection()  # type: ignore[attr-defined]
        return self.connection

    async def give_back(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if isinstance(self.engine, PostgresEngine):
            await self.engine.pool.release(connection)  # type: ignore[union-attr]
        else:
            await connection.close()


_lease: ContextVar[_Lease | None] = ContextVar("grants_unit_of_work", default=None)


def _held_connection() -> Any:
    lease = _lease.get()
    return lease.connection if lease else None


async def _end_on_held(transaction: Any, exception: BaseException | None) -> bool:
    """End a transaction that ran on the held connection, which stays with its unit of work."""
    if exception:
        if not transaction._rolled_back:
            await transaction.rollback()
    elif not transaction._committed and not transaction._rolled_back:
        await transaction.commit()
    transaction.engine.current_transaction.reset(transaction.context)
    return exception is None


class _PostgresTransaction(PostgresTransaction):
    async def get_connection(self) -> Any:
        lease = _lease.get()
        return await lease.take() if lease else await super().get_connection()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent or self.connection is not _held_connection():
            return await super().__aexit__(exception_type, exception, traceback)
        return await _end_on_held(self, exception)


class _SQLiteTransaction(SQLiteTransaction):
    async def get_connection(self) -> Any:
        lease = _lease.get()
        return await lease.take() if lease else await super().get_connection()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent or self.connection is not _held_connection():
            return await super().__aexit__(exception_type, exception, traceback)
        return await _end_on_held(self, exception)


class PortalPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, on the unit of work's connection when there is one."""

    async def _run_in_pool(self, query: str, args: Any = None) -> Any:
        if (lease := _lease.get()) is None:
            return await super()._run_in_pool(query, args)
        return await (await lease.take()).fetch(query, *(args or []))

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _PostgresTransaction(engine=self, allow_nested=allow_nested)


class PortalSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, on the unit of work's connection when there is one."""

    async def _run_in_new_connection(self, query: str, args: Any = None,
                                     query_type: str = "generic", table: Any = None) -> Any:  # fmt: skip
        if (lease := _lease.get()) is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await lease.take()
        rows = await self._run_in_existing_connection(connection, query, args, query_type, table)
        if connection.in_transaction:  # a write outside a transaction commits at once, as before
            await connection.commit()
        return rows

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _SQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


def build_engine(database: DatabaseURL) -> Engine:
    if database.sqlite_path is not None:
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return PortalSQLiteEngine(
            path=str(database.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS
        )
    with warnings.catch_warnings():  # Piccolo warns when it cannot connect; ping() reports it
        warnings.simplefilter("ignore")
        return PortalPostgresEngine(
            config={"dsn": database.url, "timeout": CONNECT_TIMEOUT_SECONDS}
        )


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


def search_text(text: str) -> str:
    """A user's search text for :func:`contains`: LIKE's special characters dropped, spaces tidied."""
    return " ".join(text.translate(LIKE_SPECIALS).split())


def contains(column: Any, text: str) -> Combinable:
    """``column`` contains ``text`` (a :func:`search_text`), ignoring case: ILIKE on PostgreSQL
    (trigram indexes serve it), LIKE on SQLite (which ignores the case of ASCII letters)."""
    pattern = f"%{text}%"
    found: Combinable = (
        column.ilike(pattern) if get_engine().engine_type == "postgres" else column.like(pattern)
    )
    return found


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
        await pooled.start_connection_pool(min_size=1, max_size=POOL_SIZE, reset=_keep_session)
    try:
        yield engine
    finally:
        if pooled:
            await pooled.close_connection_pool()


async def _keep_session(connection: Any) -> None:
    """What a connection needs on its way back to the pool beyond asyncpg's own rollback of an
    open transaction: nothing, as no session state is ever set (see the module docstring)."""


@asynccontextmanager
async def unit_of_work(engine: Engine | None = None) -> AsyncIterator[None]:
    """One connection for everything until the block ends (a request), taken at the first
    query: its queries and its transactions run on it. Inside a transaction or another unit of
    work, and without a pool (PostgreSQL in a CLI command), it changes nothing."""
    engine = engine or get_engine()
    pooled = not isinstance(engine, PostgresEngine) or engine.pool is not None
    if _lease.get() is not None or engine.current_transaction.get() is not None or not pooled:
        yield
        return
    lease = _Lease(engine)
    token = _lease.set(lease)
    try:
        yield
    finally:
        _lease.reset(token)
        await lease.give_back()


def _describe(engine: Engine) -> str:
    if not isinstance(engine, PostgresEngine):
        return f"Die SQLite-Datenbank {engine.path}"  # type: ignore[attr-defined]
    return f"Die Datenbank {DatabaseURL.parse(engine.config['dsn'], Path.cwd()).display}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"keine Antwort nach {CONNECT_TIMEOUT_SECONDS} s"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
