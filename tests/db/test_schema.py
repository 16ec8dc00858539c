"""The migrated schema is exactly what the table definitions say (no drift), on both engines."""

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.columns import ForeignKey, Serial

from grants import db, schema
from grants.piccolo_app import APP_CONFIG
from grants.tables import TABLES, UNIQUE_TOGETHER
from tests.support import introspection as live

pytestmark = pytest.mark.anyio


async def test_migrations_describe_the_tables_exactly():
    """Piccolo's auto-migration differ finds nothing to add: migrations match the code."""
    statements = await AutoMigrationManager(auto_input="n").get_alter_statements(APP_CONFIG)
    assert [s for group in statements for s in group.statements] == []


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t._meta.tablename)
async def test_live_columns_match_the_table_definition(migrated, table):
    found = await live.columns(table._meta.tablename)
    expected = {
        c._meta.db_column_name: live.ColumnInfo(
            "INTEGER" if isinstance(c, Serial) else c.column_type.upper(), c._meta.null
        )
        for c in table._meta.columns
    }
    assert found == expected


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t._meta.tablename)
async def test_live_foreign_keys_have_the_declared_targets_and_delete_rules(migrated, table):
    expected = {
        live.ForeignKeyInfo(
            c._meta.db_column_name,
            c._foreign_key_meta.resolved_references._meta.tablename,
            c._foreign_key_meta.on_delete.value,
        )
        for c in table._meta.foreign_key_columns
    }
    assert await live.foreign_keys(table._meta.tablename) == expected


async def test_unique_constraints_exist_for_single_and_composite_keys(migrated):
    for table in TABLES:
        expected = {(c._meta.db_column_name,) for c in table._meta.columns if c._meta.unique}
        expected |= {cols for t, cols in UNIQUE_TOGETHER if t is table}
        assert await live.unique_column_sets(table._meta.tablename) == expected, table


@pytest.mark.parametrize(("table", "columns"), [
    ("application", ("status", "submitted_at", "id")),  # the review queue by state and date
    ("audit_event", ("entity", "entity_id", "id")),  # a case's timeline
    ("payment_order", ("status", "due_date", "id")),  # the payments desk by state
    ("grant_award", ("next_instalment_due", "id")),  # the desk's due instalments
    ("decision", ("usage_report_due", "id")),  # usage reports falling due: reminders, report queue
    ("grant_award", ("current_decision",)),  # from a decision to its grant
    ("usage_report", ("grant", "kind")),  # the report of each grant shown
    ("receipt", ("usage_report", "kind", "receipt_date", "number")),  # a receipt list by date
])  # fmt: skip
async def test_the_pages_at_nrw_scale_have_their_indexes(migrated, table, columns):
    assert columns in await live.indexed_column_sets(table)


def test_tables_are_listed_after_every_table_they_reference():
    seen: set[str] = set()
    for table in TABLES:
        for column in table._meta.foreign_key_columns:
            target = column._foreign_key_meta.resolved_references._meta.tablename
            assert target in seen | {table._meta.tablename}, f"{table} before {target}"
        seen.add(table._meta.tablename)


def test_financial_records_never_cascade_on_delete():
    cascading = {
        f"{t._meta.tablename}.{c._meta.name}"
        for t in TABLES
        for c in t._meta.columns
        if isinstance(c, ForeignKey) and c._foreign_key_meta.on_delete.value == "CASCADE"
    }
    # Only bookkeeping of people may cascade: a user's roles and memberships, an
    # organisation's memberships and invitations.
    assert cascading == {
        "user_role.user", "membership.user", "membership.organisation", "invitation.organisation",
    }  # fmt: skip


async def test_migrate_is_idempotent(migrated):
    assert await schema.migrate() == []
    assert await schema.pending() == []
    assert await schema.applied() == schema.available()


async def test_engine_is_configured_for_its_kind(app):
    """SQLite: WAL journal and foreign keys; PostgreSQL: the app holds a connection pool."""
    engine = db.get_engine()
    if engine.engine_type == "sqlite":
        assert await live.journal_mode() == "wal"
        assert (await db.fetch("PRAGMA foreign_keys"))[0]["foreign_keys"] == 1
        assert engine.connection_kwargs["timeout"] == db.SQLITE_BUSY_TIMEOUT_SECONDS
    else:
        assert engine.pool is not None
