"""Server-side sessions in the database, shared by all workers and revocable.

- The cookie holds only a random id (256 bits); the data lies in ``web_session``.
- The id changes at login (no session fixation) and the old row is deleted.
- No session is made for anonymous visitors; unchanged sessions are not written again.
- Idle timeout 30 minutes, absolute timeout 12 hours, both checked on the server.
- The session and its user's principal (roles, memberships) load in one query per request.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession

from grants import clock, db
from grants.services.users import PRINCIPAL_COLUMNS, PRINCIPAL_JOINS, Principal, principal_of
from grants.settings import Settings
from grants.tables import WebSession

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
WARN_SECONDS = 2 * 60
TOUCH_SECONDS = 60  # how stale "seen" may get before the session is written again

_ROTATE, _NEW_ID, _LOADED = "session_rotate", "session_new_id", "session_loaded"
PRINCIPAL = "session_principal"  # scope state: the principal loaded with the session


class DatabaseStore(Store):
    """A Litestar store on the ``web_session`` table."""

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
        expires_at = clock.now() + timedelta(seconds=seconds) if seconds else None
        user_id = json.loads(data).get("uid")
        changed = (
            await WebSession.update({WebSession.data: data, WebSession.expires_at: expires_at,
                                     WebSession.user_id: user_id})
            .where(WebSession.key == key)
            .returning(WebSession.id)
        )  # fmt: skip
        if not changed:
            await WebSession.insert(
                WebSession(key=key, data=data, expires_at=expires_at, user_id=user_id)
            )

    async def get_with_principal(self, key: str) -> tuple[bytes, Principal | None] | None:
        """The session's data and its active user's principal, in one query."""
        rows = await db.fetch(
            f"SELECT s.data, {PRINCIPAL_COLUMNS} FROM web_session s"  # noqa: S608 — constants
            f" LEFT JOIN app_user u ON u.id = s.user_id AND u.active {PRINCIPAL_JOINS}"
            " WHERE s.key = {} AND (s.expires_at IS NULL OR s.expires_at > {})",
            key,
            clock.now(),
        )
        return (bytes(rows[0]["data"]), principal_of(rows)) if rows else None

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = (
            await WebSession.select(WebSession.data)
            .where(
                (WebSession.key == key)
                & ((WebSession.expires_at.is_null()) | (WebSession.expires_at > clock.now()))
            )
            .first()
        )
        return bytes(row["data"]) if row else None

    async def delete(self, key: str) -> None:
        await WebSession.delete().where(WebSession.key == key)

    async def delete_all(self) -> None:
        await WebSession.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await WebSession.select(WebSession.expires_at).where(WebSession.key == key).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - clock.now()).total_seconds())

    async def delete_expired(self) -> None:
        await WebSession.delete().where(WebSession.expires_at < clock.now())


class PortalSessionBackend(ServerSideSessionBackend):
    """Rotates the id on request, and writes only sessions that hold something new."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        state = connection.scope["state"]
        if state.get(_ROTATE):
            return str(state.setdefault(_NEW_ID, self.generate_session_id()))
        return super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        data: dict[str, Any] = {}
        state = connection.scope["state"]
        if session_id := connection.cookies.get(self.config.key):
            store = self.config.get_store_from_app(connection.scope["app"])
            if found := await store.get_with_principal(session_id):  # type: ignore[attr-defined]
                data = self.deserialize_data(found[0])
                state[PRINCIPAL] = found[1]
        state[_LOADED] = copy.deepcopy(data)  # nested lists change in place
        return data

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        state, cookie = connection.scope["state"], connection.cookies.get(self.config.key)
        if state.get(_ROTATE) and cookie:
            await self.delete(cookie, store=self.config.get_store_from_app(connection.scope["app"]))
        if not scope_session or scope_session is Empty:
            if cookie and cookie != "null":
                await super().store_in_message(Empty, message, connection)
            return
        if not state.get(_ROTATE) and cookie and scope_session == state.get(_LOADED):
            return
        await super().store_in_message(scope_session, message, connection)


@dataclass
class PortalSessionConfig(ServerSideSessionConfig):
    _backend_class = PortalSessionBackend


def session_config(settings: Settings) -> PortalSessionConfig:
    return PortalSessionConfig(
        store="sessions",
        key="__Host-session" if settings.https else "session",
        secure=settings.https,
        httponly=True,
        samesite="lax",
        max_age=ABSOLUTE_SECONDS,
    )


def rotate_on_response(connection: ASGIConnection) -> None:
    """Give the session a new id when the response goes out (call it at login)."""
    connection.scope["state"][_ROTATE] = True


def expired(session: dict[str, Any], now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return (
        now - session.get("seen_at", 0) > IDLE_SECONDS
        or now - session.get("login_at", 0) > ABSOLUTE_SECONDS
    )


def expires_at(session: dict[str, Any]) -> float:
    """When the session ends unless the user does something (epoch seconds)."""
    return float(min(session["seen_at"] + IDLE_SECONDS, session["login_at"] + ABSOLUTE_SECONDS))
