"""Who is asking (from the session), and whether the route lets them in. Deny by default.

``PrincipalMiddleware`` puts the signed-in :class:`Principal` (or None) into ``scope["user"]``
after checking the session's idle and absolute timeouts. The app-wide :func:`authorize` guard
then applies the route's declared rule (:mod:`portal.auth.access`); a route without one is
refused, and the app refuses to start with such a route (:func:`undeclared_routes`).
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

from grants.services.users import Principal
from portal.auth import access, sessions


class PrincipalMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = _principal(scope)
        await next_app(scope, receive, send)


def _principal(scope: Scope) -> Principal | None:
    """The principal loaded with the session (see :mod:`portal.auth.sessions`), while valid."""
    session = scope.get("session")
    if not isinstance(session, dict) or "uid" not in session:
        return None
    now = time.time()
    if sessions.expired(session, now):
        scope["session"] = Empty
        scope["state"]["session_expired"] = True
        return None
    principal = scope["state"].get(sessions.PRINCIPAL)
    if principal is None or principal.id != session["uid"]:  # deactivated or deleted meanwhile
        scope["session"] = Empty
        return None
    if now - session["seen_at"] > sessions.TOUCH_SECONDS:
        session["seen_at"] = int(now)
    return principal


def current(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def rule_of(handler: BaseRouteHandler) -> access.Rule | None:
    """The declared rule; Litestar's generated OPTIONS answers (the allowed methods) are public."""
    if getattr(handler.fn, "__qualname__", "").endswith(
        "create_options_handler.<locals>.options_handler"
    ):
        return access.PUBLIC
    rule: access.Rule | None = handler.opt.get(access.OPT_KEY)
    return rule


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: 401 for anonymous users, 403 for missing roles, deny if undeclared."""
    rule = rule_of(handler)
    if rule == access.PUBLIC:
        return
    principal = current(connection)
    if principal is None:
        raise NotAuthorizedException()
    if rule == access.AUTHENTICATED:
        return
    if not isinstance(rule, frozenset) or rule.isdisjoint(principal.all_roles):
        raise PermissionDeniedException()


def undeclared_routes(app: Litestar) -> list[str]:
    """Routes that declare no access rule (they would be refused at every request)."""
    return sorted(
        f"{method} {route.path}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in getattr(handler, "http_methods", ["*"])
        if rule_of(handler) is None
    )


def refuse_undeclared_routes(app: Litestar) -> None:
    """On start-up: a route without an access rule is a programming error."""
    if missing := undeclared_routes(app):
        raise RuntimeError(
            f"Routes without an access rule (portal.auth.access): {', '.join(missing)}"
        )
