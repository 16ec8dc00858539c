"""German error pages (and JSON problem bodies for the API) that show no internals."""

from __future__ import annotations

import logging
import re
import secrets
from html import escape
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
)
from litestar.types import ExceptionHandlersMap

from grants.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from portal.forms import MAX_INTEGER
from portal.i18n import _
from portal.security import CSRFRefused

logger = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: (_("Ungültige Anfrage"), _("Die Anfrage konnte nicht verarbeitet werden. Bitte prüfen Sie Ihre Eingaben.")),
    401: (_("Anmeldung erforderlich"), _("Bitte melden Sie sich an, um diese Seite zu sehen.")),
    403: (_("Kein Zugriff"), _("Sie haben keine Berechtigung für diese Seite oder Aktion.")),
    404: (_("Seite nicht gefunden"), _("Die Seite gibt es nicht (mehr), oder Sie haben keinen Zugriff darauf. Bitte prüfen Sie die Adresse.")),
    405: (_("Aktion nicht möglich"), _("Diese Aktion ist auf dieser Seite nicht möglich.")),
    409: (_("Inzwischen geändert"), _("Die Daten wurden inzwischen geändert. Bitte laden Sie die Seite neu.")),
    410: (_("Datei nicht mehr vorhanden"), _("Die Datei ist nicht mehr vorhanden. Bitte wenden Sie sich an das Kommunale Integrationszentrum.")),
    413: (_("Datei zu groß"), _("Die gesendeten Daten sind zu groß.")),
    422: (_("Ungültige Eingaben"), _("Bitte prüfen Sie die Angaben zu den genannten Feldern.")),
    429: (_("Zu viele Anfragen"), _("Bitte warten Sie einen Moment und versuchen Sie es dann erneut.")),
    500: (_("Technischer Fehler"), _("Leider ist ein Fehler aufgetreten. Wir wurden benachrichtigt. Bitte versuchen Sie es später erneut.")),
    503: (_("Vorübergehend nicht verfügbar"), _("Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.")),
}  # fmt: skip
CSRF_API_DETAIL = _("Der Header x-csrftoken fehlt oder passt nicht zum CSRF-Cookie dieser Sitzung (nach An- oder Abmeldung neu lesen).")  # fmt: skip
CSRF_MESSAGE = (_("Formular nicht mehr gültig"), _("Das Formular gehört zu einer früheren Sitzung, zum Beispiel von vor Ihrer Anmeldung, oder ihm fehlt das Sicherheitsmerkmal. Bitte laden Sie die Seite neu und senden Sie es noch einmal."))  # fmt: skip


FALLBACK_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>{title} – Förderportal</title></head>
<body><main><h1>{title}</h1><p>{message}</p><p><a href="/">Zur Startseite</a></p>
<p>Fehlercode {status_code} · Vorgangsnummer {request_id}</p></main></body></html>"""


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/healthz")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _request_id(request: Request) -> str:
    # Unmatched routes never reach the middleware, so they get their id here.
    return str(request.scope.get("state", {}).get("request_id") or secrets.token_hex(8))


def _texts(status_code: int) -> tuple[str, str]:
    return MESSAGES.get(status_code, MESSAGES[400 if status_code < 500 else 500])


def problem(request: Request, status_code: int, *, detail: str | None = None,
            errors: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    """A JSON problem body (``application/problem+json``) with the request id; ``errors`` maps
    fields to German messages."""
    title, message = _texts(status_code)
    request_id = _request_id(request)
    body: dict[str, Any] = {"status": status_code, "title": title, "detail": detail or message,
                            "request_id": request_id}  # fmt: skip
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status_code, media_type="application/problem+json",
                    headers={**(headers or {}), "x-request-id": request_id})  # fmt: skip


def error_response(
    request: Request,
    status_code: int,
    headers: dict[str, str] | None = None,
    texts: tuple[str, str] | None = None,
) -> Response:
    """The German page (or problem body) for ``status_code``; ``texts``: the page's own title
    and message."""
    if wants_json(request):
        return problem(request, status_code, headers=headers)
    title, message = texts or _texts(status_code)
    request_id = _request_id(request)
    headers = {**(headers or {}), "x-request-id": request_id}
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


def csrf_refused(request: Request, exc: CSRFRefused) -> Response:
    if wants_json(request):
        return problem(request, exc.status_code, detail=CSRF_API_DETAIL)
    return error_response(request, exc.status_code, texts=CSRF_MESSAGE)


def server_error(request: Request, exc: Exception) -> Response:
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


def domain_error(request: Request, exc: Exception) -> Response:
    status = {NotFound: 404, Forbidden: 403, Conflict: 409, Gone: 410, Invalid: 400}.get(
        type(exc), 400
    )
    return error_response(request, status)


HANDLERS: ExceptionHandlersMap = {
    HTTPException: http_error,
    CSRFRefused: csrf_refused,
    NotFound: domain_error,
    Forbidden: domain_error,
    Conflict: domain_error,
    Gone: domain_error,
    Invalid: domain_error,
    Exception: server_error,
}


# -- the JSON API (portal.api) ---------------------------------------------------------------
# Exception handlers of the API router only: pages handle Invalid and Conflict in their forms.

FIELD_NAMED = re.compile(r"field `(\w+)`|parameter '(\w+)'")
VALIDATION_MESSAGES = (  # msgspec's reasons (lower case), in German
    ("missing required", "Bitte angeben."),
    ("unknown field", "Dieses Feld gibt es hier nicht."),
    ("invalid enum value", "Bitte einen der erlaubten Werte angeben."),
    ("encoded date", "Bitte ein Datum im Format JJJJ-MM-TT angeben."),
    ("expected `int` >=", "Bitte eine ganze Zahl ab 1 angeben."),
    ("expected `int` <=", f"Bitte eine ganze Zahl bis {MAX_INTEGER} angeben."),
    ("expected `int", "Bitte eine ganze Zahl angeben."),
    ("expected `bool", "Bitte true oder false angeben."),
    ("expected `array", "Bitte eine Liste angeben."),
    ("expected `str", 'Bitte als Zeichenkette angeben (Beträge z. B. als "1234.56").'),
    ("expected `object", "Bitte ein JSON-Objekt senden."),
)


def _validation_errors(exc: ValidationException) -> dict[str, str]:
    """{field: German message} from Litestar's report of what msgspec refused."""
    reported = exc.extra if isinstance(exc.extra, list) else [{"message": exc.detail}]
    errors: dict[str, str] = {}
    for item in reported:
        reason = str(item.get("message", ""))
        named = FIELD_NAMED.search(reason)
        key = (named and (named[1] or named[2])) or str(item.get("key") or "")
        message = next((m for needle, m in VALIDATION_MESSAGES if needle in reason.lower()), None)
        errors.setdefault(key if key not in ("", "data") else "body", message or "Ungültiger Wert.")
    return errors


def api_invalid(request: Request, exc: Invalid) -> Response:
    return problem(request, 422, errors=exc.errors)


def api_validation(request: Request, exc: ValidationException) -> Response:
    return problem(request, 422, errors=_validation_errors(exc))


def api_too_deep(request: Request, exc: RecursionError) -> Response:
    """A body nested deeper than the JSON decoder follows (``[[[…]]]``) is the client's error."""
    if "deserializing" not in str(exc):  # msgspec's words; any other recursion is a bug
        return server_error(request, exc)
    return problem(request, 400, detail="Der JSON-Inhalt ist zu tief verschachtelt.")


def api_conflict(request: Request, exc: Conflict) -> Response:
    """409 with the use case's reason: changed meanwhile, or no longer changeable."""
    return problem(request, 409, detail=str(exc) or None)


API_HANDLERS: ExceptionHandlersMap = {
    Invalid: api_invalid,
    ValidationException: api_validation,
    Conflict: api_conflict,
    RecursionError: api_too_deep,
}
