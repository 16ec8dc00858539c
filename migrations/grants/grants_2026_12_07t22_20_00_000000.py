"""Programme settings the decision form proposes (issue 11): the payout (fixed instalments or on
request), the number of instalments and the standard Nebenbestimmungen (text block keys).
Additive: existing programmes propose four instalments and no conditions, as the form did."""

from enum import Enum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSONB, Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T22:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Programme: payout and standard conditions proposed in the decision form"


def _params(default, choices=None, **extra):
    return {
        **extra,
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": choices,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)
    modes = Enum("PaymentMode", {"INSTALMENTS": "instalments", "ON_REQUEST": "on_request"})
    for name, column_class, params in (
        ("payment_mode", Varchar, _params("instalments", modes, length=40)),
        ("instalments", Integer, _params(4)),
        ("standard_conditions", JSONB, _params("[]")),
    ):
        manager.add_column(
            table_class_name="Programme",
            tablename="programme",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
