"""The outbox: mails are written with the change and delivered exactly once over real SMTP,
retried with backoff; the demo shows them in a page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from grants import clock, db
from grants.mailer import DeliveryReport, deliver_due
from grants.notifications import enqueue
from grants.settings import SmtpSettings, load_settings
from grants.tables import Notification
from grants.vocabulary import NotificationStatus
from portal.app import create_app
from portal.mail import demo_mail_router
from tests.conftest import TEST_DATABASE_URL
from tests.support.server import command_env, free_port, grants

pytestmark = pytest.mark.anyio
RECIPIENT = "nora.gast@verein.example"
BODY = (
    "Guten Tag,\n\nder Zuschuss von 1.234,56 € ist bewilligt.\n\nFreundliche Grüße\nIhr KI Köln\n"
)


class Mailbox:
    """An aiosmtpd handler that keeps every mail it gets, or refuses each with ``refusal``."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.settings = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusal:
            return self.refusal
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), mail))
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return [str(mail["Subject"]) for _, mail in self.received]


@contextmanager
def smtp_server(refusal: str | None = None) -> Iterator[Mailbox]:
    mailbox = Mailbox(refusal)
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.settings.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture(params=["refusing", "absent"])
def broken_smtp(request) -> Iterator[SmtpSettings]:
    """A server that answers 550 to every mail, or none at all on that port."""
    if request.param == "absent":
        yield SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
        return
    with smtp_server("550 5.7.1 mailbox unavailable") as server:
        yield server.settings


async def row(notification_id: int) -> Notification:
    return await Notification.objects().get(Notification.id == notification_id)


async def test_a_due_mail_is_delivered_as_utf8_text_and_marked_sent(database, mailbox):
    mail_id = await enqueue(RECIPIENT, "Bewilligung – Grüße aus Köln", BODY)
    assert await deliver_due(mailbox.settings) == DeliveryReport(sent=1, failed=0)

    [(recipients, mail)] = mailbox.received
    assert recipients == [RECIPIENT]
    assert mail["To"] == RECIPIENT
    assert mail["Subject"] == "Bewilligung – Grüße aus Köln"
    assert mail["From"].addresses[0].addr_spec == "foerderportal@stadt-koeln.de"
    assert mail["From"].addresses[0].display_name == "Förderportal"
    assert mail["Message-ID"].endswith("@stadt-koeln.de>")
    assert mail["Date"].datetime is not None
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content().replace("\r\n", "\n") == BODY

    sent = await row(mail_id)
    assert (sent.status, sent.attempts, sent.last_error) == (NotificationStatus.SENT, 0, "")
    assert sent.sent_at is not None
    assert await deliver_due(mailbox.settings) == DeliveryReport()  # nothing is sent twice
    assert len(mailbox.received) == 1


async def test_a_failed_delivery_is_retried_a_minute_later(database, broken_smtp):
    mail_id = await enqueue(RECIPIENT, "Einladung", BODY)
    now = clock.now()
    assert await deliver_due(broken_smtp, now=now) == DeliveryReport(sent=0, failed=1)

    failed = await row(mail_id)
    assert (failed.status, failed.attempts) == (NotificationStatus.PENDING, 1)
    assert failed.next_attempt_at == now + timedelta(minutes=1)
    assert failed.last_error
    later = now + timedelta(seconds=59)
    assert await deliver_due(broken_smtp, now=later) == DeliveryReport()  # not yet due again


async def test_after_eight_failures_the_mail_is_given_up(database):
    nobody = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
    mail_id = await enqueue(RECIPIENT, "Einladung", BODY)
    now, waits = clock.now(), []
    for _ in range(8):
        assert await deliver_due(nobody, now=now) == DeliveryReport(sent=0, failed=1)
        current = await row(mail_id)
        waits.append(current.next_attempt_at - now)
        now = current.next_attempt_at
    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64)]
    assert (current.status, current.attempts) == (NotificationStatus.FAILED, 8)
    assert await deliver_due(nobody, now=now + timedelta(days=1)) == DeliveryReport()


async def test_the_error_is_stored_without_the_password(database, mailbox):
    with_login = SmtpSettings(host="127.0.0.1", port=mailbox.settings.port, starttls=False,
                              username="portal", password="sehr-geheim-42")  # fmt: skip
    mail_id = await enqueue(RECIPIENT, "Einladung", BODY)
    assert await deliver_due(with_login) == DeliveryReport(sent=0, failed=1)
    error = (await row(mail_id)).last_error
    assert "AUTH" in error  # this server offers no login
    assert "sehr-geheim-42" not in error
    assert len(error) <= 300


async def test_only_due_mail_is_sent_oldest_first_and_at_most_a_batch(database, mailbox):
    for number in (1, 2, 3):
        await enqueue(RECIPIENT, f"Mail {number}", BODY)
    later = await enqueue(RECIPIENT, "Später", BODY)
    now = clock.now()
    await Notification.update({Notification.next_attempt_at: now + timedelta(minutes=5)}).where(
        Notification.id == later
    )
    assert await deliver_due(mailbox.settings, now=now, batch=2) == DeliveryReport(sent=2)
    assert mailbox.subjects == ["Mail 1", "Mail 2"]
    assert await deliver_due(mailbox.settings, now=now) == DeliveryReport(sent=1)
    assert mailbox.subjects[-1] == "Mail 3"
    assert (await row(later)).status == NotificationStatus.PENDING
    assert await deliver_due(mailbox.settings, now=now + timedelta(minutes=5)) == DeliveryReport(
        sent=1
    )
    assert mailbox.subjects[-1] == "Später"


async def test_two_senders_at_once_deliver_every_mail_exactly_once(committed, mailbox):
    async with db.transaction():
        for number in range(30):
            await enqueue(f"person{number}@verein.example", f"Mail {number}", BODY)
    first, second = await asyncio.gather(
        deliver_due(mailbox.settings), deliver_due(mailbox.settings)
    )
    assert first.sent + second.sent == 30
    assert first.failed == second.failed == 0
    assert sorted(mailbox.subjects) == sorted(f"Mail {n}" for n in range(30))
    assert await Notification.count().where(Notification.status == NotificationStatus.SENT) == 30


async def test_a_mail_enqueued_in_a_failed_transaction_is_not_kept(committed):
    async def invite_then_fail() -> None:
        async with db.transaction():
            await enqueue(RECIPIENT, "Einladung", BODY)
            raise RuntimeError("Abbruch")

    with pytest.raises(RuntimeError, match="Abbruch"):
        await invite_then_fail()
    assert await Notification.count() == 0


async def test_the_app_delivers_in_the_background_while_it_runs(committed, mailbox, tmp_path):
    async with db.transaction():
        await enqueue(RECIPIENT, "Aus dem Hintergrund", BODY)
    settings = load_settings({
        "GRANTS_ENV": "demo", "GRANTS_DATABASE_URL": TEST_DATABASE_URL,
        "GRANTS_DATA_DIR": str(tmp_path), "GRANTS_SMTP_HOST": "127.0.0.1",
        "GRANTS_SMTP_PORT": str(mailbox.settings.port), "GRANTS_SMTP_STARTTLS": "false",
    })  # fmt: skip
    app = create_app(settings)
    async with app.lifespan():
        for _ in range(100):
            if mailbox.received:
                break
            await asyncio.sleep(0.05)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert "wirklich verschickt" in (await client.get("/demo/mails")).text
    assert mailbox.subjects == ["Aus dem Hintergrund"]
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "mail-sender"]


def test_send_mail_without_smtp_says_so_and_exits_2(tmp_path):
    env = command_env(GRANTS_ENV="demo", GRANTS_DATA_DIR=str(tmp_path),
                      GRANTS_DATABASE_URL=f"sqlite:///{tmp_path / 'mail.sqlite3'}")  # fmt: skip
    result = grants("send-mail", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "Kein SMTP-Server konfiguriert (GRANTS_SMTP_HOST)." in result.stderr


async def test_send_mail_delivers_what_is_due(committed, mailbox, tmp_path):
    async with db.transaction():
        await enqueue(RECIPIENT, "Von der Kommandozeile", BODY)
    env = command_env(GRANTS_ENV="demo", GRANTS_DATA_DIR=str(tmp_path),
                      GRANTS_DATABASE_URL=TEST_DATABASE_URL, GRANTS_SMTP_HOST="127.0.0.1",
                      GRANTS_SMTP_PORT=str(mailbox.settings.port), GRANTS_SMTP_STARTTLS="false")  # fmt: skip
    result = await asyncio.to_thread(grants, "send-mail", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 versandt, 0 fehlgeschlagen"
    assert mailbox.subjects == ["Von der Kommandozeile"]


async def test_the_demo_page_lists_the_mails_newest_first(client):
    await enqueue(RECIPIENT, "Erste Einladung", BODY)
    await enqueue("<script>@verein.example", "Zweite <Einladung>", BODY)
    page = await client.get("/demo/mails")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Versandte E-Mails (Demo)</h1>" in html
    assert "verlässt keine E-Mail diesen Rechner" in html
    assert html.index("Zweite &lt;Einladung&gt;") < html.index("Erste Einladung")
    assert "&lt;script&gt;@verein.example" in html
    assert RECIPIENT in html
    assert "wartet" in html
    assert '<pre class="mail-body">Guten Tag,' in html
    assert "1.234,56 €" in html
    assert 'href="/demo/mails"' in (await client.get("/")).text
    assert (await client.get("/static/demo-mails.css")).status_code == 200


@pytest.fixture
async def production(migrated, database, tmp_root):
    settings = load_settings({
        "GRANTS_ENV": "production", "GRANTS_SECRET_KEY": "m" * 40, "GRANTS_BASE_URL": "https://portal.test",
        "GRANTS_DATA_DIR": str(tmp_root / "mail-production"),
        "GRANTS_OIDC_ISSUER": "https://login.example.org/realms/ki", "GRANTS_OIDC_CLIENT_ID": "portal",
        "GRANTS_OIDC_CLIENT_SECRET": "geheim",
    })  # fmt: skip
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://portal.test") as client:
            yield settings, client


async def test_the_demo_page_does_not_exist_in_production(production):
    settings, client = production
    await enqueue(RECIPIENT, "Einladung", BODY)
    assert (await client.get("/demo/mails")).status_code == 404
    assert "/demo/mails" not in (await client.get("/")).text
    with pytest.raises(RuntimeError, match="GRANTS_ENV=demo"):
        demo_mail_router(settings)
