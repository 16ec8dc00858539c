"""Database helpers for tests: wiping a test database and creating a sibling one."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from grants import db


async def wipe(engine: Engine) -> None:
    """Drop every table (the test database belongs to the tests)."""
    if isinstance(engine, SQLiteEngine):
        rows = await db.fetch("SELECT name FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%'", engine=engine)  # fmt: skip
        for row in rows:
            await db.fetch(f'DROP TABLE IF EXISTS "{row["name"]}"', engine=engine)
        return
    rows = await db.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()", engine=engine
    )
    if rows:
        names = ", ".join(f'"{r["tablename"]}"' for r in rows)
        await db.fetch(f"DROP TABLE IF EXISTS {names} CASCADE", engine=engine)


async def fresh_postgres_database(url: str, suffix: str) -> str:
    """Create (or re-create) ``<database>_<suffix>`` on the same server; return its URL."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return urlunsplit(parts._replace(path=f"/{name}"))
