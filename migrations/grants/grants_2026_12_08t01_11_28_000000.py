"""Uniqueness of the usage-report tables added just before: one version number per report, one
reminder per grant, kind and due date (issue 12)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T01:11:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes of usage report versions and reminders"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_usage_report_version_usage_report_number"
    ' ON usage_report_version ("usage_report", "number")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_report_reminder_grant_kind_due_date"
    ' ON report_reminder ("grant", "kind", "due_date")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_indexes():
        for statement in STATEMENTS:
            await engine_finder().run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
