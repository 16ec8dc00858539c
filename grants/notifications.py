"""The e-mail outbox: a use case writes its mail in its own transaction; :mod:`grants.mailer`
delivers it later. Either the change and its mail are both stored, or neither is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants.tables import Notification
from grants.vocabulary import NotificationStatus


@dataclass(frozen=True, slots=True)
class OutboxMail:
    """A mail as the demo page shows it."""

    recipient: str
    subject: str
    body: str
    status: NotificationStatus
    created_at: datetime
    sent_at: datetime | None


async def enqueue(recipient: str, subject: str, body: str) -> int:
    """Put a mail into the outbox (due at once); returns its id.

    Call it inside the caller's transaction; it opens none of its own.
    """
    rows = await Notification.insert(
        Notification(recipient=recipient, subject=subject, body=body)
    ).returning(Notification.id)
    return int(rows[0]["id"])


async def latest(limit: int = 100) -> list[OutboxMail]:
    """The newest mails of the outbox, newest first."""
    rows = (
        await Notification.select(
            Notification.recipient, Notification.subject, Notification.body,
            Notification.status, Notification.created_at, Notification.sent_at,
        )
        .order_by(Notification.created_at, Notification.id, ascending=False)
        .limit(limit)
    )  # fmt: skip
    return [
        OutboxMail(
            r["recipient"], r["subject"], r["body"], NotificationStatus(r["status"]),
            r["created_at"], r["sent_at"],
        )
        for r in rows
    ]  # fmt: skip
