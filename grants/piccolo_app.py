"""The Piccolo app of the domain; its migrations live in the top-level ``migrations/`` folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from grants.tables import TABLES

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "migrations" / "grants"

APP_CONFIG = AppConfig(
    app_name="grants",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
