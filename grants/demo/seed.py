"""Loading the demo data into the database, once."""

from __future__ import annotations

from typing import Any

from grants import db
from grants.demo.data import DemoData, Ref, build
from grants.services.payments import refresh_next_instalments
from grants.settings import get_settings
from grants.tables import TABLES, Organisation

CHUNK = 500  # rows per INSERT; keeps PostgreSQL under its 32,767 bind parameters


async def load_once(data: DemoData | None = None) -> bool:
    """Insert the demo data unless the database already holds organisations."""
    async with db.transaction():
        if await Organisation.count():
            return False
        await load(data or build(base_url=get_settings().base_url))
    return True


async def load(data: DemoData) -> None:
    ids: dict[str, list[int]] = {}

    def resolve(value: Any) -> Any:
        return ids[value.table][value.index] if isinstance(value, Ref) else value

    for table in TABLES:
        name = table._meta.tablename
        rows = data.of(name)
        inserted: list[int] = []
        for start in range(0, len(rows), CHUNK):
            chunk = [
                table(**{k: resolve(v) for k, v in row.items()})
                for row in rows[start : start + CHUNK]
            ]
            result = await table.insert(*chunk).returning(table._meta.primary_key)
            inserted.extend(r["id"] for r in result)
        ids[name] = inserted
    await refresh_next_instalments()
