"""The ``grants`` command: migrate, serve, demo, seed-demo, send-mail, reminders."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Any, NoReturn, TypeVar

import click

T = TypeVar("T")
DEMO_DATABASE = "sqlite:///var/demo.sqlite3"


def fail(message: str) -> NoReturn:
    click.echo(f"Fehler: {message}", err=True)
    sys.exit(2)


def run(step: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async step; configuration and database problems end the command with one line."""
    from grants.db import DatabaseUnavailable
    from grants.schema import MigrationFailed
    from grants.settings import ConfigurationError

    try:
        return asyncio.run(step())
    except ConfigurationError as exc:
        for problem in exc.problems:
            click.echo(f"Konfigurationsfehler: {problem}", err=True)
        sys.exit(2)
    except (DatabaseUnavailable, MigrationFailed) as exc:
        fail(str(exc))
        raise  # unreachable; keeps type checkers calm


async def _migrate() -> list[str]:
    from grants import db, schema
    from grants.settings import get_settings

    get_settings()
    await db.ping()
    return await schema.migrate()


async def _check_ready() -> str:
    from grants import db, schema
    from grants.settings import get_settings

    settings = get_settings()
    await db.ping()
    if waiting := await schema.pending():
        fail(f"Das Datenbankschema ist veraltet ({len(waiting)} Migration(en) offen). "
             "Bitte zuerst `grants migrate` ausführen.")  # fmt: skip
    return settings.database.kind.value


async def _seed(force_demo: bool) -> bool:
    from grants import db
    from grants.settings import get_settings

    if not get_settings().demo and not force_demo:
        fail("Demodaten nur mit GRANTS_ENV=demo laden.")
    from grants.demo import seed
    from grants.services.users import Principal
    from grants.vocabulary import Role
    from reports.excel.statements import batch_statement

    seeder = Principal(id=0, display_name="Demodaten", email="", roles=frozenset({Role.FINANCE}))
    async with db.connected():
        return await seed.load_once(batch_file=lambda batch_id: batch_statement(seeder, batch_id))


async def _send_mail() -> tuple[int, int]:
    from grants import db, mailer
    from grants.settings import get_settings

    smtp = get_settings().smtp
    if smtp is None:
        fail("Kein SMTP-Server konfiguriert (GRANTS_SMTP_HOST).")
        raise AssertionError  # unreachable; keeps type checkers calm
    sent = failed = 0
    async with db.connected():
        while True:
            report = await mailer.deliver_due(smtp)
            sent, failed = sent + report.sent, failed + report.failed
            if not report.sent and not report.failed:
                return sent, failed


async def _reminders(today: date | None) -> Any:
    from grants import clock, db
    from grants.services import report_reminders
    from grants.settings import get_settings

    get_settings()
    async with db.connected():
        return await report_reminders.run(today or clock.today())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Förderportal des Kommunalen Integrationszentrums Köln."""


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (idempotent)."""
    ran = run(_migrate)
    click.echo(f"Datenbank ist aktuell ({len(ran)} Migration(en) ausgeführt).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (PostgreSQL only; SQLite allows one writer).")  # fmt: skip
def serve(host: str, port: int, workers: int) -> None:
    """Serve the portal with uvicorn (run `grants migrate` first)."""
    kind = run(_check_ready)
    if kind == "sqlite" and workers > 1:
        fail("Mit SQLite läuft das Portal mit einem Worker; für mehrere Worker PostgreSQL nutzen.")
    _uvicorn(host, port, workers)


@main.command("send-mail")
def send_mail() -> None:
    """Deliver all due mail of the outbox once (GRANTS_SMTP_* must be set)."""
    sent, failed = run(_send_mail)
    click.echo(f"{sent} versandt, {failed} fehlgeschlagen")


@main.command()
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as on this day (YYYY-MM-DD); default: today in Köln.")  # fmt: skip
def reminders(today: datetime | None) -> None:
    """Set grants whose period ended to 'VN fällig' and queue the due usage-report reminders
    (each once; the app also runs this daily while it runs with GRANTS_REMINDERS on)."""
    report = run(lambda: _reminders(today.date() if today else None))
    for grant_id in report.report_due:
        click.echo(f"Zuwendung {grant_id}: Verwendungsnachweis jetzt fällig")
    for q in report.queued:
        what = "Erinnerung" if q.reminder.value == "before" else "Mahnung (überfällig)"
        click.echo(f"{q.file_number}: {what} zum {q.kind.label}, fällig am {q.due:%d.%m.%Y}, "
                   f"an {', '.join(q.recipients) or 'niemanden (keine Adresse)'}")  # fmt: skip
    click.echo(f"{len(report.report_due)} Zuwendung(en) auf „VN fällig“ gesetzt, "
               f"{len(report.queued)} Erinnerung(en) eingereiht")  # fmt: skip


@main.command("seed-demo")
def seed_demo() -> None:
    """Load the demo data (Köln-like centres, programmes, 2024–2026) once."""
    loaded = run(lambda: _seed(force_demo=False))
    click.echo("Demodaten geladen." if loaded else "Demodaten sind schon vorhanden.")


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(port: int) -> None:
    """Create or upgrade the demo database under var/, load demo data once, and serve it."""
    os.environ["GRANTS_ENV"] = "demo"
    os.environ["GRANTS_DATABASE_URL"] = DEMO_DATABASE
    os.environ.setdefault("GRANTS_BASE_URL", f"http://127.0.0.1:{port}")
    run(_migrate)
    loaded = run(lambda: _seed(force_demo=True))
    url = f"http://127.0.0.1:{port}"
    click.echo(
        f"\nFörderportal (Demo) {'mit neuen Demodaten ' if loaded else ''}bereit:\n"
        f"  Startseite:   {url}/\n"
        f"  Zustand:      {url}/healthz\n"
        f"  Datenbank:    var/demo.sqlite3 (löschen setzt die Demo zurück)\n"
        "Beenden mit Strg+C.\n"
    )
    _uvicorn("127.0.0.1", port, 1)


def _uvicorn(host: str, port: int, workers: int) -> None:
    import uvicorn

    uvicorn.run(
        "portal.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        server_header=False,
        log_level="info",
    )
