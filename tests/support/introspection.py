"""What a live database says about its tables, in one shape for SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.engine.sqlite import SQLiteEngine

from grants import db

PG_TYPES = {
    "int8": "BIGINT", "int4": "INTEGER", "timestamptz": "TIMESTAMPTZ", "jsonb": "JSONB",
    "bool": "BOOLEAN", "bytea": "BYTEA", "date": "DATE", "text": "TEXT",
}  # fmt: skip
PG_ON_DELETE = {
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "a": "NO ACTION",
    "d": "SET DEFAULT",
}


@dataclass(frozen=True)
class ColumnInfo:
    type: str
    nullable: bool


@dataclass(frozen=True)
class ForeignKeyInfo:
    column: str
    target: str
    on_delete: str


async def columns(table: str) -> dict[str, ColumnInfo]:
    if isinstance(db.get_engine(), SQLiteEngine):
        rows = await db.fetch(f"PRAGMA table_info('{table}')")
        return {
            r["name"]: ColumnInfo(r["type"].upper(), not r["notnull"] and not r["pk"]) for r in rows
        }
    rows = await db.fetch(
        "SELECT column_name, udt_name, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = {}",
        table,
    )
    return {
        r["column_name"]: ColumnInfo(
            f"VARCHAR({r['character_maximum_length']})" if r["udt_name"] == "varchar"
            else PG_TYPES[r["udt_name"]],
            r["is_nullable"] == "YES",
        )
        for r in rows
    }  # fmt: skip


async def foreign_keys(table: str) -> set[ForeignKeyInfo]:
    if isinstance(db.get_engine(), SQLiteEngine):
        rows = await db.fetch(f"PRAGMA foreign_key_list('{table}')")
        return {ForeignKeyInfo(r["from"], r["table"], r["on_delete"]) for r in rows}
    rows = await db.fetch(
        "SELECT a.attname AS column_name, t.relname AS target, c.confdeltype::text AS on_delete "
        "FROM pg_constraint c JOIN pg_class s ON s.oid = c.conrelid "
        "JOIN pg_class t ON t.oid = c.confrelid "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
        "WHERE c.contype = 'f' AND s.relname = {}",
        table,
    )
    return {
        ForeignKeyInfo(r["column_name"], r["target"], PG_ON_DELETE[r["on_delete"]]) for r in rows
    }


async def unique_column_sets(table: str) -> set[tuple[str, ...]]:
    """Column tuples covered by a unique index or constraint (the primary key excluded)."""
    return await _indexed_column_sets(table, unique_only=True)


async def indexed_column_sets(table: str) -> set[tuple[str, ...]]:
    """Column tuples of every index (the primary key excluded)."""
    return await _indexed_column_sets(table, unique_only=False)


async def _indexed_column_sets(table: str, *, unique_only: bool) -> set[tuple[str, ...]]:
    if isinstance(db.get_engine(), SQLiteEngine):
        found = set()
        for index in await db.fetch(f"PRAGMA index_list('{table}')"):
            if (index["unique"] or not unique_only) and index["origin"] != "pk":
                info = await db.fetch(f"PRAGMA index_info('{index['name']}')")
                found.add(tuple(r["name"] for r in sorted(info, key=lambda r: r["seqno"])))
        return found
    rows = await db.fetch(
        "SELECT array_agg(a.attname ORDER BY k.n) AS cols FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = {} AND (i.indisunique OR NOT {}) AND NOT i.indisprimary "
        "GROUP BY i.indexrelid",
        table, unique_only,
    )  # fmt: skip
    return {tuple(r["cols"]) for r in rows}


async def journal_mode() -> str:
    return (await db.fetch("PRAGMA journal_mode"))[0]["journal_mode"]
