"""The outbox sender: delivers due notifications over SMTP, retrying with exponential backoff.

Exactly once with several senders (one per app worker), with one code path for SQLite and
PostgreSQL (``FOR UPDATE SKIP LOCKED`` would be PostgreSQL only): a sender reads the due rows,
then claims each one with a compare-and-set in a short transaction of its own::

    UPDATE notification SET next_attempt_at = <claim time + LEASE>
    WHERE id = ? AND status = 'pending' AND next_attempt_at = <the value it read>

Only one sender's UPDATE can match: SQLite runs one write transaction at a time, and on
PostgreSQL the second UPDATE waits for the first one's row lock and then re-checks its WHERE
against the committed row, whose ``next_attempt_at`` has moved on. (The timestamp compares
exactly on both: microseconds, and on SQLite always Piccolo's one text form.) The loser skips
the row; the winner sends outside any transaction, then marks the row sent or schedules the
retry. While the lease runs the row is not due for anyone else; should a sender die mid-send,
the row becomes due again when the lease ends (far longer than the SMTP timeouts of one send).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import aiosmtplib

from grants import clock, db
from grants.settings import Settings, SmtpSettings
from grants.tables import Notification
from grants.vocabulary import NotificationStatus

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
SMTP_TIMEOUT_SECONDS = 30
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)
ERROR_LENGTH = 300


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


async def deliver_due(
    settings: SmtpSettings, *, now: datetime | None = None, batch: int = 50
) -> DeliveryReport:
    """Send up to ``batch`` pending mails due at ``now`` (default: the clock), oldest first.

    ``now`` also stamps ``sent_at``, the Date header and the next attempt after a failure.
    """
    now = now or clock.now()
    sent = failed = 0
    for row in await _due(now, batch):
        lease_until = max(now, clock.now()) + LEASE  # from the claim, also late in a long batch
        if not await _claim(row["id"], row["next_attempt_at"], lease_until):
            continue  # another sender has it
        try:
            await _send(settings, row, now)
        except (aiosmtplib.SMTPException, OSError, ValueError) as exc:
            await _record_failure(row["id"], row["attempts"] + 1, _reason(exc, settings), now)
            logger.warning("mail %d not delivered: %s", row["id"], type(exc).__name__)
            failed += 1
        else:
            await Notification.update(
                {Notification.status: NotificationStatus.SENT, Notification.sent_at: now}
            ).where(Notification.id == row["id"])
            sent += 1
    return DeliveryReport(sent, failed)


async def run_sender(settings: Settings, interval: float = 30) -> None:
    """Deliver due mail every ``interval`` seconds until cancelled."""
    if settings.smtp is None:
        raise ValueError("run_sender needs settings.smtp")
    while True:
        try:
            report = await deliver_due(settings.smtp)
        except Exception:
            logger.exception("mail delivery run failed")
        else:
            if report.sent or report.failed:
                logger.info("mail delivery: sent=%d failed=%d", report.sent, report.failed)
        await asyncio.sleep(interval)


async def _due(now: datetime, batch: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Notification.select(
            Notification.id, Notification.recipient, Notification.subject, Notification.body,
            Notification.attempts, Notification.next_attempt_at,
        )
        .where(
            (Notification.status == NotificationStatus.PENDING)
            & (Notification.next_attempt_at <= now)
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(batch)
    )  # fmt: skip
    return rows


async def _claim(notification_id: int, seen: datetime, lease_until: datetime) -> bool:
    """Compare-and-set the lease; True when this sender won the row."""
    async with db.transaction():
        won = (
            await Notification.update({Notification.next_attempt_at: lease_until})
            .where(
                (Notification.id == notification_id)
                & (Notification.status == NotificationStatus.PENDING)
                & (Notification.next_attempt_at == seen)
            )
            .returning(Notification.id)
        )
    return bool(won)


async def _send(settings: SmtpSettings, row: dict[str, Any], now: datetime) -> None:
    await aiosmtplib.send(
        _message(settings, row["recipient"], row["subject"], row["body"], now),
        hostname=settings.host,
        port=settings.port,
        username=settings.username or None,
        password=settings.password or None,
        use_tls=settings.implicit_tls,
        start_tls=settings.starttls and not settings.implicit_tls,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


def _message(
    settings: SmtpSettings, recipient: str, subject: str, body: str, now: datetime
) -> EmailMessage:
    """A plain-text UTF-8 mail (quoted-printable, so any server takes it)."""
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(
        domain=parseaddr(settings.sender)[1].rpartition("@")[2] or "localhost"
    )
    mail.set_content(body, charset="utf-8", cte="quoted-printable")
    return mail


async def _record_failure(notification_id: int, attempts: int, reason: str, now: datetime) -> None:
    """Count the attempt and schedule the next one (1, 2, 4 … minutes); give up after the last."""
    status = NotificationStatus.FAILED if attempts >= MAX_ATTEMPTS else NotificationStatus.PENDING
    await Notification.update({
        Notification.attempts: attempts, Notification.status: status,
        Notification.last_error: reason, Notification.next_attempt_at: now + backoff(attempts),
    }).where(Notification.id == notification_id)  # fmt: skip


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failures: 1, 2, 4, 8 … minutes, at most :data:`MAX_BACKOFF`."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def _reason(exc: BaseException, settings: SmtpSettings) -> str:
    """One short line for ``last_error``; the password never appears in it."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    if settings.password:
        text = text.replace(settings.password, "***")
    return text[:ERROR_LENGTH]
