"""Indexes for the budget overview and its drill-down (grants.services.budget).

Measured with benchmarks/budget_overview.py on 100,000 payment orders and 29,000 commitments
over ten years: without them PostgreSQL scans both tables whole for one year's figures.
They cover what the grouped queries read (line, status, grant, amount), so a year's figures
and a line's grants come from index-only scans. Additive: nothing else changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T17:54:02:538582"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the budget overview"

STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS ix_payment_order_budget_line_status_grant_amount"
    ' ON payment_order ("budget_line", "status", "grant", "amount_cents")',
    "CREATE INDEX IF NOT EXISTS ix_budget_commitment_budget_line_grant_amount"
    ' ON budget_commitment ("budget_line", "grant", "amount_cents")',
)
DROPS = (
    "DROP INDEX IF EXISTS ix_payment_order_budget_line_status_grant_amount",
    "DROP INDEX IF EXISTS ix_budget_commitment_budget_line_grant_amount",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_indexes():
        for statement in STATEMENTS:
            await engine_finder().run_ddl(statement)

    async def drop_indexes():
        for statement in DROPS:
            await engine_finder().run_ddl(statement)

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
