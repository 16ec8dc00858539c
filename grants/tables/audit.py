"""The audit trail: one append-only event per state change, chained by hashes."""

from piccolo.columns import JSONB, Integer, Varchar

from grants.tables._columns import Record, created_at, ref
from grants.tables.organisations import Organisation
from grants.tables.people import User


class AuditEvent(Record, tablename="audit_event"):
    occurred_at = created_at()
    actor = ref(User, null=True)
    organisation = ref(Organisation, null=True)
    action = Varchar(length=80)
    entity = Varchar(length=40)
    entity_id = Integer()
    data = JSONB(default={})
    request_id = Varchar(length=40)
    previous_sha256 = Varchar(length=64)
    sha256 = Varchar(length=64, unique=True)
