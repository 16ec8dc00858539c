"""The receipt list in date order: a report's expenses or incomes a page at a time, whatever the
list's length (issue 12)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T02:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of receipts by report, kind and date"

STATEMENT = (
    "CREATE INDEX IF NOT EXISTS ix_receipt_usage_report_kind_receipt_date_number"
    ' ON receipt ("usage_report", "kind", "receipt_date", "number")'
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(STATEMENT)

    manager.add_raw(create_index)
    return manager
