"""Line assessments remember the line they judged (issue 11): a fingerprint of the expense line
as assessed, so that after a Nachforderung and the resubmission the lines the association
changed are marked and assessed anew. Additive: existing assessments get "" (taken as current).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-07T22:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Line assessment: fingerprint of the assessed line"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    manager.add_column(
        table_class_name="LineAssessment",
        tablename="line_assessment",
        column_name="line_fingerprint",
        db_column_name="line_fingerprint",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
