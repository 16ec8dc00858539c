"""German error pages (and JSON problem bodies for the API) that show no internals."""

from __future__ import annotations

import logging
import secrets
from html import escape
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from grants.errors import Conflict, Forbidden, NotFound
from portal.i18n import _

logger = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: (_("Ungültige Anfrage"), _("Die Anfrage konnte nicht verarbeitet werden. Bitte prüfen Sie Ihre Eingaben.")),
    401: (_("Anmeldung erforderlich"), _("Bitte melden Sie sich an, um diese Seite zu sehen.")),
    403: (_("Kein Zugriff"), _("Sie haben keine Berechtigung für diese Seite oder Aktion.")),
    404: (_("Seite nicht gefunden"), _("Die Seite gibt es nicht (mehr), oder Sie haben keinen Zugriff darauf. Bitte prüfen Sie die Adresse.")),
    405: (_("Aktion nicht möglich"), _("Diese Aktion ist auf dieser Seite nicht möglich.")),
    409: (_("Inzwischen geändert"), _("Die Daten wurden inzwischen geändert. Bitte laden Sie die Seite neu.")),
    413: (_("Datei zu groß"), _("Die gesendeten Daten sind zu groß.")),
    429: (_("Zu viele Anfragen"), _("Bitte warten Sie einen Moment und versuchen Sie es dann erneut.")),
    500: (_("Technischer Fehler"), _("Leider ist ein Fehler aufgetreten. Wir wurden benachrichtigt. Bitte versuchen Sie es später erneut.")),
    503: (_("Vorübergehend nicht verfügbar"), _("Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.")),
}  # fmt: skip


FALLBACK_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>{title} – Förderportal</title></head>
<body><main><h1>{title}</h1><p>{message}</p><p><a href="/">Zur Startseite</a></p>
<p>Fehlercode {status_code} · Vorgangsnummer {request_id}</p></main></body></html>"""


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/healthz")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(
    request: Request, status_code: int, headers: dict[str, str] | None = None
) -> Response:
    title, message = MESSAGES.get(status_code, MESSAGES[400 if status_code < 500 else 500])
    # Unmatched routes never reach the middleware, so they get their id here.
    request_id = request.scope.get("state", {}).get("request_id") or secrets.token_hex(8)
    headers = {**(headers or {}), "x-request-id": request_id}
    if wants_json(request):
        return Response(
            {"status": status_code, "title": title, "detail": message, "request_id": request_id},
            status_code=status_code,
            media_type="application/problem+json",
            headers=headers,
        )
    context = {
        "status_code": status_code,
        "title": title,
        "message": message,
        "request_id": request_id,
    }
    page = Template("errors/error.html.jinja2", context=context)
    try:  # render now, so that a broken layout still yields a plain page instead of a crash
        template = request.app.template_engine.get_template("errors/error.html.jinja2")  # type: ignore[union-attr]
        body = template.render(**page.create_template_context(request))
    except Exception:
        logger.exception("error page could not be rendered")
        body = FALLBACK_PAGE.format(**{k: escape(str(v)) for k, v in context.items()})
    return Response(body, status_code=status_code, media_type="text/html", headers=headers)


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == HTTP_401_UNAUTHORIZED and not wants_json(request):
        back = request.url.path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            back = f"{back}?{request.url.query}"
        return Redirect(f"/auth/login?{urlencode({'next': back})}", status_code=303)
    headers = dict(exc.headers or {})
    if exc.status_code == HTTP_429_TOO_MANY_REQUESTS and "RateLimit-Reset" in headers:
        headers["Retry-After"] = str(max(1, int(headers["RateLimit-Reset"])))
    return error_response(request, exc.status_code, headers=headers)


def server_error(request: Request, exc: Exception) -> Response:
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


def domain_error(request: Request, exc: Exception) -> Response:
    status = {NotFound: 404, Forbidden: 403, Conflict: 409}.get(type(exc), 400)
    return error_response(request, status)


HANDLERS = {
    HTTPException: http_error,
    NotFound: domain_error,
    Forbidden: domain_error,
    Conflict: domain_error,
    Exception: server_error,
}
