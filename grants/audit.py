"""The audit trail: append-only events chained by SHA-256, written in the use case's transaction.

``sha256 = SHA-256(previous sha256 ‖ canonical JSON of the event)``; :func:`verify_chain` finds
any changed, inserted or deleted event. On PostgreSQL an advisory lock orders concurrent writers
(SQLite's IMMEDIATE transactions already do), see :func:`grants.db.lock`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from grants import clock, db
from grants.tables import AuditEvent

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a user id (None for the system) and the request it came with."""

    user_id: int | None
    request_id: str = "-"


def _digest(previous: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    )
    return hashlib.sha256(f"{previous}{canonical}".encode()).hexdigest()


def _fields(occurred_at: datetime, actor: int | None, organisation: int | None, action: str,
            entity: str, entity_id: int, data: dict[str, Any], request_id: str) -> dict[str, Any]:  # fmt: skip
    return {
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor": actor,
        "organisation": organisation,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "data": data,
        "request_id": request_id,
    }


async def record(
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int,
    *,
    organisation: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event, inside the transaction of the change it describes: the lock that
    orders the chain holds until that transaction ends, so outside one two events could link
    to the same predecessor."""
    if db.get_engine().current_transaction.get() is None:
        raise RuntimeError(f"audit event {action!r} outside a transaction")
    await db.lock("audit_event")
    last = (
        await AuditEvent.select(AuditEvent.sha256).order_by(AuditEvent.id, ascending=False).first()
    )
    previous = last["sha256"] if last else GENESIS
    occurred_at = clock.now()
    payload = data or {}
    fields = _fields(
        occurred_at,
        actor.user_id,
        organisation,
        action,
        entity,
        entity_id,
        payload,
        actor.request_id,
    )
    await AuditEvent.insert(
        AuditEvent(
            occurred_at=occurred_at, actor=actor.user_id, organisation=organisation, action=action,
            entity=entity, entity_id=entity_id, data=payload, request_id=actor.request_id,
            previous_sha256=previous, sha256=_digest(previous, fields),
        )
    )  # fmt: skip


async def verify_chain() -> int | None:
    """The id of the first event that breaks the chain, or None when it is intact."""
    previous = GENESIS
    rows = await AuditEvent.select().order_by(AuditEvent.id).output(load_json=True)
    for row in rows:
        fields = _fields(row["occurred_at"], row["actor"], row["organisation"], row["action"],
                         row["entity"], row["entity_id"], row["data"], row["request_id"])  # fmt: skip
        if row["previous_sha256"] != previous or row["sha256"] != _digest(previous, fields):
            return int(row["id"])
        previous = row["sha256"]
    return None
