"""Security headers on every response, CSRF protection, and the login rate limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from litestar.connection import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException, TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from grants import rate_counter
from grants.settings import Settings

LOGIN_PATHS = ("/auth/login", "/auth/callback")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "_csrf_token"
EXCLUDE_FROM_CSRF = "exclude_from_csrf"
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"  # inert, never framed


def download_headers(filename: str) -> dict[str, str]:
    """The headers of every file download: saved under its name (an ASCII fallback for old
    clients, UTF-8 for the others), and inert should a browser open it anyway."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return {
        "content-disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}",
        "content-security-policy": DOWNLOAD_POLICY,
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings) -> str:
    """No inline script or style; forms may only go to the portal and (for logout) the providers."""
    form_targets = " ".join(
        sorted({"'self'", *(_origin(p.issuer) for p in settings.oidc_providers)})
    )
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
        "frame-ancestors 'none'", f"form-action {form_targets}",
    ])  # fmt: skip


class SecurityHeaders:
    """Adds the headers of ASVS 3.4 to every response, matched route or not (a ``before_send``
    hook); pages are never stored in caches, static files for an hour."""

    def __init__(self, settings: Settings) -> None:
        self.headers = {
            "content-security-policy": content_security_policy(settings),
            "x-content-type-options": "nosniff",
            "referrer-policy": "strict-origin-when-cross-origin",
            "x-frame-options": "DENY",
            "cross-origin-opener-policy": "same-origin",
            "cross-origin-resource-policy": "same-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
        }
        if settings.https:
            self.headers["strict-transport-security"] = "max-age=63072000; includeSubDomains"

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in self.headers.items():
            if name not in headers:  # a response may set a stricter policy (downloads: sandbox)
                headers[name] = value
        if not scope["path"].startswith(
            "/static/"
        ):  # personal and financial data stay out of caches
            headers["cache-control"] = "no-store"


class CSRFRefused(PermissionDeniedException):
    """The CSRF token is missing, or belongs to another session or to the time before login."""


class CSRFTokens:
    """Signed double-submit tokens bound to the session (OWASP CSRF cheat sheet).

    A token is ``nonce + HMAC(key, len(sid)!sid!nonce)`` over the session id of the cookie the
    browser holds (empty for visitors without a session). The ``csrftoken`` cookie carries it;
    forms send it back as ``_csrf_token``, scripts as the ``x-csrftoken`` header. A change is
    accepted only if the sent token equals the cookie and the cookie's HMAC fits the session the
    request comes with. A new session id (login, logout) therefore voids every earlier token,
    and a token of one session is worthless in another, even if planted as a cookie.
    """

    NONCE_HEX = 64

    def __init__(self, settings: Settings, session_cookie: str) -> None:
        self.key = hmac.new(settings.secret_key.encode(), b"portal-csrf", hashlib.sha256).digest()
        self.cookie_name = "__Host-csrftoken" if settings.https else "csrftoken"
        self.secure = settings.https
        self.session_cookie = session_cookie

    def _mac(self, session_id: str, nonce: str) -> str:
        message = f"{len(session_id)}!{session_id}!{nonce}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def issue(self, session_id: str) -> str:
        nonce = secrets.token_hex(self.NONCE_HEX // 2)
        return nonce + self._mac(session_id, nonce)

    def valid(self, token: str, session_id: str) -> bool:
        nonce, mac = token[: self.NONCE_HEX], token[self.NONCE_HEX :]
        return len(nonce) == self.NONCE_HEX and hmac.compare_digest(
            mac.encode(), self._mac(session_id, nonce).encode()
        )

    def session_id(self, cookies: Mapping[str, str]) -> str:
        """The session the request comes with ("" for none; "null" is a deleted cookie)."""
        value = cookies.get(self.session_cookie, "")
        return "" if value == "null" else value

    def session_id_after(self, headers: MutableScopeHeaders, before: str) -> str:
        """The session the browser holds after this response (the session middleware's cookie)."""
        prefix = f"{self.session_cookie}="
        for header in reversed(headers.getall("set-cookie", [])):
            if header.startswith(prefix):
                value = header[len(prefix) :].split(";", 1)[0].strip('"')
                return "" if value == "null" else value
        return before

    def accepts(self, cookies: Mapping[str, str], sent: str | None) -> bool:
        """The check for a change: ``sent`` equals the cookie, and the cookie fits the session."""
        cookie = cookies.get(self.cookie_name, "")
        return bool(
            sent
            and hmac.compare_digest(sent.encode(), cookie.encode())
            and self.valid(cookie, self.session_id(cookies))
        )

    def set_cookie(self, headers: MutableScopeHeaders, token: str) -> None:
        """Readable by the portal's scripts (they send it as the header), Lax like the session."""
        cookie = Cookie(key=self.cookie_name, value=token, path="/", secure=self.secure,
                        httponly=False, samesite="lax")  # fmt: skip
        headers.add("set-cookie", cookie.to_header(header=""))


class CSRFMiddleware(ASGIMiddleware):
    """Refuses a change (POST, PUT, PATCH, DELETE) without a fitting token (403), and gives the
    browser a token for the session it holds after each response, templates one in
    ``csrf_input``. It runs before the session middleware and sees its cookie go out; a route
    opts out with ``opt={"exclude_from_csrf": True}`` (the JSON API checks in a guard)."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = EXCLUDE_FROM_CSRF

    def __init__(self, tokens: CSRFTokens) -> None:
        self.tokens = tokens

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        tokens = self.tokens
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope, receive)
        cookie = request.cookies.get(tokens.cookie_name, "")
        before = tokens.session_id(request.cookies)
        if request.method not in SAFE_METHODS and not tokens.accepts(
            request.cookies, await _sent_token(request)
        ):
            raise CSRFRefused("CSRF token verification failed")
        token = cookie if tokens.valid(cookie, before) else tokens.issue(before)
        ScopeState.from_scope(scope).csrf_token = token

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                after = tokens.session_id_after(headers, before)
                fitting = token if after == before else tokens.issue(after)
                if fitting != cookie:
                    tokens.set_cookie(headers, fitting)
            await send(message)

        await next_app(scope, receive, send_with_token)


async def _sent_token(request: Request[Any, Any, Any]) -> str | None:
    """The header, else the form field (the form is parsed once; the handler reuses it)."""
    if header := request.headers.get(CSRF_HEADER):
        return str(header)
    if request.content_type[0] in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
        field = (await request.form()).get(CSRF_FIELD)
        return field if isinstance(field, str) else None
    return None


class LoginRateLimit(ASGIMiddleware):
    """At most ``limit`` login starts and callbacks per minute and client address (429 with
    Retry-After beyond). Counted in the database, so that all app workers share one count."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["path"].startswith(LOGIN_PATHS):
            now = time.time()
            client = (scope.get("client") or ("unbekannt",))[0]
            if await rate_counter.hit(client, int(now // 60)) > self.limit:
                reset = str(60 - int(now % 60))
                raise TooManyRequestsException(headers={"RateLimit-Reset": reset})
        await next_app(scope, receive, send)
