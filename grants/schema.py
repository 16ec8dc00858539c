"""Bringing a database schema up to date with the Piccolo migrations in ``migrations/``."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration

from grants import db
from grants.piccolo_app import APP_CONFIG

APP = APP_CONFIG.app_name


class MigrationFailed(Exception):
    """A migration did not run; the database was left as it was before it."""


def available() -> list[str]:
    """The ids of all migrations shipped with this version, oldest first."""
    modules = BaseMigrationManager().get_migration_modules(
        APP_CONFIG.resolved_migrations_folder_path
    )
    return sorted(modules)


async def applied() -> list[str]:
    await BaseMigrationManager().create_migration_table()
    return sorted(await Migration.get_migrations_which_ran(app_name=APP))


async def pending() -> list[str]:
    return sorted(set(available()) - set(await applied()))


async def migrate() -> list[str]:
    """Run the migrations not yet applied (idempotent); returns the ids that ran."""
    await db.prepare()
    before = set(await applied())
    with redirect_stdout(io.StringIO()) as log:
        result = await run_forwards(APP)
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{log.getvalue()}".strip())
    return sorted(set(await applied()) - before)
