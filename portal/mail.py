"""E-mail in the web app: the outbox sender runs beside the app; the demo shows the mails."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, Router, get
from litestar.response import Template

from grants import mailer, notifications
from grants.services import report_reminders
from grants.settings import Settings
from portal.auth.access import PUBLIC, access


@asynccontextmanager
async def sender_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Deliver the outbox in the background while the app runs, when SMTP is configured."""
    settings: Settings = app.state["settings"]
    if settings.smtp is None:
        yield
        return
    sender = asyncio.create_task(mailer.run_sender(settings), name="mail-sender")
    try:
        yield
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


@asynccontextmanager
async def reminders_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the daily usage-report job (REPORT_DUE, reminders) while the app runs, when
    ``GRANTS_REMINDERS`` is on (off by default, so in the demo and the tests)."""
    settings: Settings = app.state["settings"]
    if not settings.reminders:
        yield
        return
    job = asyncio.create_task(report_reminders.run_daily(), name="report-reminders")
    try:
        yield
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


@get("/mails", name="demo:mails", opt=access(PUBLIC))
async def mails(request: Request[Any, Any, Any]) -> Template:
    return Template("demo/mails.html.jinja2", context={
        "mails": await notifications.latest(),
        "delivered": request.app.state["settings"].smtp is not None,
    })  # fmt: skip


def demo_mail_router(settings: Settings) -> Router:
    """The page of the mails the portal would have sent, under ``/demo``; demo mode only."""
    if not settings.demo:
        raise RuntimeError("Die Seite mit den Demo-E-Mails gibt es nur mit GRANTS_ENV=demo.")
    return Router(path="/demo", route_handlers=[mails])
