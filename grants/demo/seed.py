"""Loading the demo data into the database, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from grants import db, files
from grants.demo.data import DEMO_PDF, DemoData, Ref, build
from grants.services.payments import refresh_next_instalments
from grants.settings import get_settings
from grants.tables import TABLES, ExportBatch, Organisation

BatchFile = Callable[[int], Awaitable[bytes]]  # batch id → its Excel file (reports/ writes it)

CHUNK = 500  # rows per INSERT; keeps PostgreSQL under its 32,767 bind parameters


async def load_once(data: DemoData | None = None, *, batch_file: BatchFile | None = None) -> bool:
    """Insert the demo data unless the database already holds organisations. With
    ``batch_file`` the exported batches get the file they were sent with; without, none."""
    async with db.transaction():
        if await Organisation.count():
            return False
        ids = await load(data or build(base_url=get_settings().base_url))
        if batch_file is not None:
            await store_batch_files(ids["export_batch"], batch_file)
    return True


async def store_batch_files(batch_ids: list[int], batch_file: BatchFile) -> None:
    """Write each batch's file and point the batch at it, as the export does."""
    for batch_id in batch_ids:
        digest = files.store(await batch_file(batch_id))
        await ExportBatch.update({ExportBatch.file_sha256: digest}).where(
            ExportBatch.id == batch_id
        )


async def load(data: DemoData) -> dict[str, list[int]]:
    """Insert the rows table by table; answers the new ids per table, in the data's order."""
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
    if data.of("attachment"):
        files.store(DEMO_PDF)  # the content behind the demo's attachments
    await refresh_next_instalments()
    return ids
