"""The database around the app and around each request: the pool for the app's lifetime, one
connection for each request (:func:`grants.db.unit_of_work`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from grants import db


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    """Check the database and hold the PostgreSQL pool while the app runs."""
    async with db.connected():
        yield


class UnitOfWorkMiddleware(ASGIMiddleware):
    """One connection for the whole request, from loading the session to the last byte sent
    (a streamed download reads the database while it is sent)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async with db.unit_of_work():
            await next_app(scope, receive, send)
