"""Provisional budget management (issue 11): per fiscal year, what grants decided under budget
reservation may receive while the Haushaltssatzung is not in force — nothing ("wait", the
default for every existing year) or a monthly twelfth of the previous year's amount. Additive."""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Fiscal year: rule for grants under reservation during provisional budget management"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    manager.add_column(
        table_class_name="FiscalYear",
        tablename="fiscal_year",
        column_name="provisional_rule",
        db_column_name="provisional_rule",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 40,
            "default": "wait",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum("ProvisionalRule", {"WAIT": "wait", "TWELFTH": "twelfth"}),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
