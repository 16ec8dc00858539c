"""Indexes for the usage reports' due dates (issue 12): the reminder job reads the grants whose
current decision's report falls due in a window of days, and the KI's usage-report queue sorts
the grants by that date and looks up each shown grant's report and its reviewer. Each bounded by
an index, not by the history. Additive: nothing else changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-08T02:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for usage report due dates, reminders and the report queue"

INDEXES = {
    "ix_decision_usage_report_due_id": 'decision ("usage_report_due", "id")',
    "ix_grant_award_current_decision": 'grant_award ("current_decision")',
    "ix_usage_report_grant_kind": 'usage_report ("grant", "kind")',
    "ix_usage_report_reviewer": 'usage_report ("reviewer")',
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
