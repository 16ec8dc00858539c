"""The payments desk at scale: each grant's next instalment without an order (filled by the
next migration), and an index for the orders of one state in due order. Additive."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-07T15:59:58:594756"
VERSION = "1.38.0"
DESCRIPTION = "Payments desk: next instalment due, orders by state and due date"

INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_payment_order_status_due_date_id"
    ' ON payment_order ("status", "due_date", "id")'
)
DROP_INDEX = "DROP INDEX IF EXISTS ix_payment_order_status_due_date_id"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="grants", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="GrantAward",
        tablename="grant_award",
        column_name="next_instalment_due",
        db_column_name="next_instalment_due",
        column_class_name="Date",
        column_class=Date,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    async def create_index():
        await engine_finder().run_ddl(INDEX)

    async def drop_index():
        await engine_finder().run_ddl(DROP_INDEX)

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
