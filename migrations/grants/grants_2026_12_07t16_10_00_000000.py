"""Indexes for NRW scale (issue 10): the review queue's search and order, and a case's history.

- The queue searches file number, title and the organisation's name for a text anywhere in
  them: on PostgreSQL trigram indexes (pg_trgm, a trusted extension since PostgreSQL 13) serve
  these ILIKE '%…%' conditions; SQLite compares the rows (it serves one city, not fifty).
- The queue lists one or more states by date of submission: (status, submitted_at, id).
- A case's timeline reads its audit events: (entity, entity_id, id).
Additive: nothing else changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for the review queue and case timelines"

BOTH = (
    "CREATE INDEX IF NOT EXISTS ix_application_status_submitted_at_id"
    ' ON application ("status", "submitted_at", "id")',
    "CREATE INDEX IF NOT EXISTS ix_audit_event_entity_entity_id_id"
    ' ON audit_event ("entity", "entity_id", "id")',
)
POSTGRES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_application_title_trgm"
    " ON application USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_application_file_number_trgm"
    " ON application USING gin (file_number gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_organisation_legal_name_trgm"
    " ON organisation USING gin (legal_name gin_trgm_ops)",
)
DROPS = (
    "DROP INDEX IF EXISTS ix_application_status_submitted_at_id",
    "DROP INDEX IF EXISTS ix_audit_event_entity_entity_id_id",
    "DROP INDEX IF EXISTS ix_application_title_trgm",
    "DROP INDEX IF EXISTS ix_application_file_number_trgm",
    "DROP INDEX IF EXISTS ix_organisation_legal_name_trgm",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in BOTH + (POSTGRES if engine.engine_type == "postgres" else ()):
            await engine.run_ddl(statement)

    async def drop_indexes():
        for statement in DROPS:
            await engine_finder().run_ddl(statement)

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
