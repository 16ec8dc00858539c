"""The login rate limit counts in the database, so that all app workers share one count
(issue 11). Additive: a new table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T23:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Rate counters of the login rate limit"


def _params(default, *, unique=False, index=False, **extra):
    return {
        **extra,
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": unique,
        "index": index,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)
    manager.add_table(class_name="RateCounter", tablename="rate_counter", schema=None, columns=None)
    for name, column_class, params in (
        ("key", Varchar, _params("", unique=True, length=128)),
        ("minute", Integer, _params(0, index=True)),
        ("hits", Integer, _params(0)),
    ):
        manager.add_column(
            table_class_name="RateCounter", tablename="rate_counter", column_name=name,
            db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
            params=params, schema=None,
        )  # fmt: skip
    return manager
