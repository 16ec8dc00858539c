"""Bulk loading of builder rows: asyncpg COPY on PostgreSQL, Piccolo inserts on SQLite.

On PostgreSQL every table must be empty: a row's id is its index + 1, so a :class:`Ref`
resolves without asking the database, and the sequences are moved past the ids at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from typing import Any

import asyncpg
from piccolo.columns import JSON, JSONB, ForeignKey
from piccolo.table import Table

from grants.demo.data import DemoData, Ref
from grants.tables import TABLES


def _converter(column: Any) -> Callable[[Any], Any]:
    if isinstance(column, JSON | JSONB):
        return lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    if isinstance(column, ForeignKey):
        return lambda v: v.index + 1 if isinstance(v, Ref) else v
    return lambda v: v.value if isinstance(v, Enum) else v


def _python(default: Any) -> Any:
    """A column default as a value (Piccolo's ``TimestamptzNow`` and the like know theirs)."""
    return default.python() if hasattr(default, "python") else default


def records(
    table: type[Table], rows: list[dict[str, Any]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and value tuples, with column defaults where a row leaves a column out."""
    columns = table._meta.non_default_columns
    names = [c._meta.db_column_name for c in columns]
    keys = [c._meta.name for c in columns]
    convert = [_converter(c) for c in columns]
    defaults = [_python(c.get_default_value()) for c in columns]
    result = []
    for index, row in enumerate(rows, start=1):
        values = [
            f(row[k]) if k in row else f(d) for k, f, d in zip(keys, convert, defaults, strict=True)
        ]
        result.append((index, *values))
    return ["id", *names], result


async def copy_postgres(url: str, data: DemoData, report: Callable[[str], None]) -> None:
    """COPY every table in dependency order, in one transaction."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            for table in TABLES:
                name = table._meta.tablename
                rows = data.of(name)
                if not rows:
                    continue
                columns, values = records(table, rows)
                await connection.copy_records_to_table(name, records=values, columns=columns)
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), {len(rows)})"
                )
                report(f"{name}: {len(rows):,}")
    finally:
        await connection.close()
