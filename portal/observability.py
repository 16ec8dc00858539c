"""Request ids: taken from a trusted proxy's ``X-Request-ID`` or made up, logged, and returned."""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.logging.config import LoggingConfig
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.settings import Settings

HEADER = "x-request-id"
EXPECTED = (NotFound, Forbidden, Conflict, Invalid)  # refusals the handlers answer, not failures
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        incoming = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        rid = incoming if _VALID.match(incoming) else secrets.token_hex(8)
        token = request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)[HEADER] = rid
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def logging_config(settings: Settings) -> LoggingConfig:
    return LoggingConfig(
        log_exceptions="always",
        disable_stack_trace={400, 401, 403, 404, 405, 409, 413, 422, 429, *EXPECTED},
        filters={"request_id": {"()": RequestIdFilter}},
        formatters={
            "standard": {
                "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
            }
        },
        handlers={
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "standard",
                "filters": ["request_id"],
            }
        },
        root={"handlers": ["console"], "level": settings.log_level},
        loggers={
            "litestar": {"level": settings.log_level, "propagate": True},
            "grants": {"level": settings.log_level, "propagate": True},
            "portal": {"level": settings.log_level, "propagate": True},
        },
        configure_root_logger=True,
    )
