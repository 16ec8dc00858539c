"""One-time messages after a redirect ("Einladung verschickt."), kept in the session."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

KEY = "flash"


def flash(connection: ASGIConnection[Any, Any, Any, Any], message: str) -> None:
    connection.session.setdefault(KEY, []).append(message)


def take(connection: ASGIConnection[Any, Any, Any, Any]) -> list[str]:
    """The waiting messages, removed from the session (for the layout)."""
    session = connection.scope.get("session")
    if not isinstance(session, dict):
        return []
    messages: list[str] = session.pop(KEY, [])
    return messages
