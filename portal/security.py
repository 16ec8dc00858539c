"""Security headers on every response, CSRF protection, and the login rate limit."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import Message, Scope

from grants.settings import Settings

LOGIN_PATHS = ("/auth/login", "/auth/callback")
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


def csrf_config(settings: Settings) -> CSRFConfig:
    """Double-submit cookie; forms carry ``_csrf_token``. Opt out per route with ``exclude_from_csrf``."""
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name="__Host-csrftoken" if settings.https else "csrftoken",
        cookie_secure=settings.https,
        cookie_httponly=False,
        cookie_samesite="lax",
        cookie_path="/",
        exclude_from_csrf_key="exclude_from_csrf",
    )


def login_rate_limit(settings: Settings) -> RateLimitConfig:
    """At most ``settings.login_rate_limit`` login starts and callbacks per minute and client."""
    return RateLimitConfig(
        rate_limit=("minute", settings.login_rate_limit),
        check_throttle_handler=lambda request: request.url.path.startswith(LOGIN_PATHS),
        store="rate_limit",
    )
