"""Login, callback, logout, session extension and the "no access yet" page."""

from __future__ import annotations

import logging
import secrets
import time
from typing import Annotated, Any

from litestar import Litestar, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from grants import audit, db
from grants.errors import NotFound
from grants.services import users
from grants.settings import OIDCProvider, Settings
from portal.auth import sessions
from portal.auth.access import AUTHENTICATED, PUBLIC, access
from portal.auth.guard import current
from portal.auth.oidc import Flow, LoginFailed, OIDCClient

logger = logging.getLogger(__name__)
NextParam = Annotated[str, QueryParameter(name="next")]


def safe_next(target: str | None) -> str:
    """Only a local path may follow the login: never another site (no open redirect)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\", "/auth/"))
        or any(ch in target for ch in "\\\r\n\t")
    ):
        return "/"
    return target


def oidc_clients(app: Litestar) -> dict[str, OIDCClient]:
    """One client per configured provider, made once per app (metadata and keys are cached)."""
    if "oidc_clients" not in app.state:
        settings: Settings = app.state["settings"]
        transport = app.state.get("oidc_transport")
        app.state["oidc_clients"] = {
            p.name: OIDCClient(p, settings.redirect_uri, transport) for p in settings.oidc_providers
        }
    clients: dict[str, OIDCClient] = app.state["oidc_clients"]
    return clients


def _request_id(request: Request[Any, Any, Any]) -> str:
    return str(request.scope["state"].get("request_id", "-"))


async def _start(
    request: Request[Any, Any, Any], provider: OIDCProvider, next_path: str
) -> Redirect | Template:
    try:
        url, flow = await oidc_clients(request.app)[provider.name].begin(safe_next(next_path))
    except LoginFailed as exc:
        logger.warning("login start failed: provider=%s reason=%s", provider.name, exc.reason)
        return _failed(request)
    request.session["oidc_flow"] = flow.to_session()
    return Redirect(url, status_code=303)


def _failed(request: Request[Any, Any, Any]) -> Template:
    request.clear_session()
    return Template("auth/login_failed.html.jinja2", status_code=400)


@get("/auth/login", name="auth:login", opt=access(PUBLIC))
async def login(request: Request[Any, Any, Any], next_path: NextParam = "/") -> Redirect | Template:
    providers = request.app.state["settings"].oidc_providers
    if len(providers) == 1:
        return await _start(request, providers[0], next_path)
    return Template("auth/choose.html.jinja2", context={
        "providers": providers, "next_path": safe_next(next_path),
        "expired": bool(request.query_params.get("abgelaufen")),
    })  # fmt: skip


@get("/auth/login/{provider:str}", name="auth:login_with", opt=access(PUBLIC))
async def login_with(
    request: Request[Any, Any, Any], provider: FromPath[str], next_path: NextParam = "/"
) -> Redirect | Template:
    chosen = request.app.state["settings"].provider(provider)
    if chosen is None:
        raise NotFoundException()
    return await _start(request, chosen, next_path)


@get("/auth/callback", name="auth:callback", opt=access(PUBLIC))
async def callback(
    request: Request[Any, Any, Any],
    code: FromQuery[str | None] = None,
    oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
    error: FromQuery[str | None] = None,
) -> Redirect | Template:
    flow = Flow.from_session(request.session.pop("oidc_flow", None))
    try:
        if error:
            raise LoginFailed("provider_error")
        if flow is None:
            raise LoginFailed("no_login_in_progress")
        if flow.expired:
            raise LoginFailed("login_took_too_long")
        if not oauth_state or not secrets.compare_digest(oauth_state, flow.state):
            raise LoginFailed("state_mismatch")
        if not code:
            raise LoginFailed("no_code")
        client = oidc_clients(request.app).get(flow.provider)
        if client is None:
            raise LoginFailed("unknown_provider")
        signed_in = await client.finish(code, flow)
        try:
            principal = await users.sign_in(signed_in.identity, _request_id(request))
        except NotFound:
            raise LoginFailed("user_deactivated") from None
    except LoginFailed as exc:
        logger.warning(
            "login failed: provider=%s reason=%s", flow.provider if flow else "-", exc.reason
        )
        return _failed(request)
    now = int(time.time())
    sessions.rotate_on_response(request)
    request.set_session({"uid": principal.id, "provider": flow.provider, "id_token": signed_in.id_token,
                         "login_at": now, "seen_at": now})  # fmt: skip
    logger.info("login: user=%s provider=%s", principal.id, flow.provider)
    return Redirect(flow.next if principal.has_access else "/auth/kein-zugang", status_code=303)


@post("/auth/logout", name="auth:logout", opt=access(PUBLIC))
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    """End the session here, then at the provider (RP-initiated logout)."""
    session = dict(request.session)
    request.clear_session()
    principal = current(request)
    if principal is not None:
        async with db.transaction():
            await audit.record(
                audit.Actor(principal.id, _request_id(request)), "user.logout", "user", principal.id
            )
        logger.info("logout: user=%s", principal.id)
    client = oidc_clients(request.app).get(session.get("provider", ""))
    settings: Settings = request.app.state["settings"]
    target = (
        await client.logout_url(session.get("id_token"), f"{settings.base_url}/")
        if client
        else None
    )
    return Redirect(target or "/", status_code=303)


@post("/auth/sitzung", name="auth:extend", opt=access(AUTHENTICATED))
async def extend(request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, str]]) -> Redirect:
    """Keep the session alive (the button in the expiry warning); works without JavaScript."""
    request.session["seen_at"] = int(time.time())
    return Redirect(safe_next(data.get("next")), status_code=303)


@get("/auth/kein-zugang", name="auth:no_access", opt=access(AUTHENTICATED))
async def no_access() -> Template:
    return Template("auth/no_access.html.jinja2")


ROUTES = [login, login_with, callback, logout, extend, no_access]
