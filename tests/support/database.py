"""Database helpers for tests: wiping a test database."""

from __future__ import annotations

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
