"""Sibling PostgreSQL databases for tests (asyncpg only: usable before ``grants`` is imported)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg


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
