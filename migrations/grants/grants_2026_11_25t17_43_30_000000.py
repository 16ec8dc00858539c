"""The export batch's idempotency key is unique, as an index (SQLite cannot add a UNIQUE column).

A migration of its own: Piccolo runs raw steps before the column changes of the same migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T17:43:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique idempotency key of export batches"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_export_batch_idempotency_key"
            ' ON export_batch ("idempotency_key")'
        )

    manager.add_raw(create_index)
    return manager
