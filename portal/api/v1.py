"""The applicant's JSON API under ``/api/v1``: the use cases of the application pages
(:mod:`portal.applications.controllers`) with their rules, roles and scoping.

Authentication is the portal's session. A state-changing call passes, in this order: the
route's access rule (401/403), the application being visible to the caller (404, before the
body is read) and the ``x-csrftoken`` header matching the CSRF cookie (403). Handlers are thin:
read the body, call the use case, answer the new state.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from litestar import Request, Response, Router, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import FromPath, JSONBody, MultipartBody, QueryParameter

from grants import clock, files
from grants.errors import Invalid
from grants.paging import MAX_PAGE, Page
from grants.services import applications as apps
from grants.services import attachments, messages, plans
from grants.services.calls import open_calls
from grants.services.users import Principal
from portal import errors
from portal.admin.controllers import actor
from portal.api.schemas import (
    ApplicantRequest,
    ApplicationDetail,
    ApplicationSummary,
    AttachmentCreated,
    CallOut,
    DeclarationsRequest,
    FinancingRequest,
    LineCreated,
    LineRequest,
    MessageOut,
    MessageRequest,
    Problem,
    ProjectRequest,
    StartRequest,
    UploadRequest,
    Versioned,
    WithdrawRequest,
)
from portal.applications.controllers import (
    APPLICANT,
    READER,
    SIGNATORY,
    UPLOAD_LIMIT,
)
from portal.auth.access import PUBLIC, access
from portal.inputs import QueryNumber
from portal.security import CSRF_HEADER, CSRFRefused, CSRFTokens, download_headers

T = TypeVar("T")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
APPLICATION = "/applications/{application_id:int}"
PROBLEMS = {
    code: ResponseSpec(data_container=Problem, description=description, media_type="application/problem+json")
    for code, description in {
        400: "Kein lesbares JSON bzw. multipart/form-data",
        401: "Nicht angemeldet",
        403: "Keine Berechtigung, oder der Header x-csrftoken fehlt oder passt nicht",
        404: "Nicht vorhanden oder nicht sichtbar",
        409: "Inzwischen geändert (version), oder im jetzigen Status nicht möglich",
        422: "Ungültige Eingaben; errors nennt den Grund je Feld",
    }.items()
}  # fmt: skip

ApiRequest = Request[Principal, Any, Any]


@dataclass
class FileOperation(Operation):
    """An operation answering a stored file: its 200 is documented with every media type the
    portal stores (:data:`grants.files.ALLOWED`), the one the file has."""

    def __post_init__(self) -> None:
        found = (self.responses or {}).get("200")
        if isinstance(found, OpenAPIResponse):
            binary = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            )
            found.content = {
                media_type: binary for media_type in sorted(set(files.ALLOWED.values()))
            }


# -- checks before the body is read ----------------------------------------------------------


def changes_state(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return isinstance(connection, Request) and connection.method not in SAFE_METHODS


async def visible_application(
    connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler
) -> None:
    """A change to an application the caller may not see is 404, whatever the body says."""
    application_id = connection.path_params.get("application_id")
    if changes_state(connection) and application_id is not None:
        await apps.get(connection.user, application_id)


def csrf_header(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The pages' CSRF check, as a header: ``x-csrftoken`` carries the CSRF cookie of the session."""
    tokens: CSRFTokens = connection.app.state["csrf"]
    if changes_state(connection) and not tokens.accepts(
        connection.cookies, connection.headers.get(CSRF_HEADER)
    ):
        raise CSRFRefused("CSRF token verification failed")


# -- helpers ---------------------------------------------------------------------------------


async def detail(principal: Principal, application_id: int) -> ApplicationDetail:
    """The application with its task list and why it cannot be submitted yet (while editable)."""
    app = await apps.get(principal, application_id)
    if not app.editable:
        return ApplicationDetail.of(app, [], [])
    organisation = await apps.organisation_of(app)
    handed_back = await apps.open_change_request(app.id)
    return ApplicationDetail.of(
        app,
        apps.tasks(app, bool(organisation["register_number"])),
        apps.submission_problems(
            app, organisation, clock.now(), handed_back["deadline"] if handed_back else None
        ),
    )


async def named(use_case: Awaitable[T], /, **fields: str) -> T:
    """Await a use case, naming its field errors as the API does (``centre`` → ``centre_id``)."""
    try:
        return await use_case
    except Invalid as exc:
        raise Invalid({fields.get(k, k): v for k, v in exc.errors.items()}) from None


# -- calls and applications ------------------------------------------------------------------


def paged(items: list[T], found: Page[Any], url: str) -> Response[list[T]]:
    """A page of a list; a ``Link`` header (RFC 8288) names the next page when there is one."""
    more = {"Link": f'<{url}?page={found.number + 1}>; rel="next"'} if found.has_next else {}
    return Response(items, headers=more)


@get("/calls", opt=access(PUBLIC), responses={code: PROBLEMS[code] for code in (400, 422)})
async def call_list(
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
) -> Response[list[CallOut]]:
    """The calls open for applications now, the soonest deadline first, 25 a page; the ``Link``
    header names the next page."""
    found = await open_calls(page=page)
    return paged([CallOut.of(call) for call in found], found, "/api/v1/calls")


@get("/applications", opt=APPLICANT, responses=PROBLEMS)
async def application_list(
    request: ApiRequest, page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1
) -> Response[list[ApplicationSummary]]:
    """The applications of the caller's organisations, newest first, 25 a page; the ``Link``
    header names the next page."""
    found = await apps.listing(request.user, page)
    return paged([ApplicationSummary.of(item) for item in found], found, "/api/v1/applications")


@post("/applications", opt=APPLICANT, responses=PROBLEMS)
async def start(request: ApiRequest, data: JSONBody[StartRequest]) -> ApplicationDetail:
    """Open a draft for an open call, for one of the caller's organisations."""
    if data.organisation_id not in request.user.organisation_ids:
        raise Invalid({"organisation_id": "Bitte die Organisation wählen, für die Sie beantragen."})
    application_id = await named(apps.start(request.user, data.call_id, data.organisation_id,
                                             actor(request).request_id), call="call_id")  # fmt: skip
    return await detail(request.user, application_id)


@get(APPLICATION, opt=READER, responses=PROBLEMS)
async def application(request: ApiRequest, application_id: FromPath[int]) -> ApplicationDetail:
    return await detail(request.user, application_id)


@put(f"{APPLICATION}/applicant", opt=APPLICANT, responses=PROBLEMS)
async def save_applicant(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[ApplicantRequest]
) -> ApplicationDetail:
    """Step 1: the centre the application is for."""
    await named(apps.save_applicant(request.user, application_id, data.version, data.centre_id,
                                    actor(request).request_id), centre="centre_id")  # fmt: skip
    return await detail(request.user, application_id)


@put(f"{APPLICATION}/project", opt=APPLICANT, responses=PROBLEMS)
async def save_project(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[ProjectRequest]
) -> ApplicationDetail:
    """Step 2: the project (title, texts, offers, period in the fiscal year)."""
    await apps.save_project(request.user, application_id, data.version, data.to_input(),
                            actor(request).request_id)  # fmt: skip
    return await detail(request.user, application_id)


@put(f"{APPLICATION}/financing", opt=APPLICANT, responses=PROBLEMS)
async def save_financing(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[FinancingRequest]
) -> ApplicationDetail:
    """Step 3: the requested grant and the financing type."""
    await plans.save_financing(request.user, application_id, data.version, data.to_money(),
                               data.financing_type, actor(request).request_id)  # fmt: skip
    return await detail(request.user, application_id)


@put(f"{APPLICATION}/declarations", opt=APPLICANT, responses=PROBLEMS)
async def save_declarations(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[DeclarationsRequest]
) -> ApplicationDetail:
    """Step 5: the declarations."""
    await apps.save_declarations(request.user, application_id, data.version, data.to_dict(),
                                 actor(request).request_id)  # fmt: skip
    return await detail(request.user, application_id)


# -- the plan's lines ------------------------------------------------------------------------


@post(f"{APPLICATION}/lines", opt=APPLICANT, responses=PROBLEMS)
async def add_line(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[LineRequest]
) -> LineCreated:
    """Step 3: a new expense or revenue line; answers its ``line_key``."""
    line_key = await plans.save_line(request.user, application_id, data.version, None,
                                     data.to_input(), actor(request).request_id)  # fmt: skip
    return LineCreated(line_key, await detail(request.user, application_id))


@put(f"{APPLICATION}/lines/{{line_key:str}}", opt=APPLICANT, responses=PROBLEMS)
async def save_line(
    request: ApiRequest,
    application_id: FromPath[int],
    line_key: FromPath[str],
    data: JSONBody[LineRequest],
) -> ApplicationDetail:
    await plans.save_line(request.user, application_id, data.version, line_key, data.to_input(),
                          actor(request).request_id)  # fmt: skip
    return await detail(request.user, application_id)


@delete(f"{APPLICATION}/lines/{{line_key:str}}", opt=APPLICANT, responses=PROBLEMS, status_code=200)
async def delete_line(
    request: ApiRequest,
    application_id: FromPath[int],
    line_key: FromPath[str],
    version: QueryNumber,
) -> ApplicationDetail:
    """Remove a line; answers the application (with its new version)."""
    await plans.delete_line(
        request.user, application_id, version, line_key, actor(request).request_id
    )
    return await detail(request.user, application_id)


# -- attachments -----------------------------------------------------------------------------


@post(
    f"{APPLICATION}/attachments",
    opt=APPLICANT,
    responses=PROBLEMS,
    request_max_body_size=UPLOAD_LIMIT,
)
async def upload(
    request: ApiRequest, application_id: FromPath[int], data: MultipartBody[UploadRequest]
) -> AttachmentCreated:
    """Step 4: a file (PDF, office document or image, at most 20 MB), checked by its content."""
    attachment_id = await attachments.upload(request.user, application_id, data.version, data.kind,
                                             data.file.filename, await data.file.read(),
                                             actor(request).request_id)  # fmt: skip
    return AttachmentCreated(attachment_id, await detail(request.user, application_id))


@get(f"{APPLICATION}/attachments/{{attachment_id:int}}", opt=READER, responses=PROBLEMS,
     operation_class=FileOperation)  # fmt: skip
async def download(
    request: ApiRequest, application_id: FromPath[int], attachment_id: FromPath[int]
) -> Response[bytes]:
    """The file, as a download."""
    file = await attachments.download(request.user, application_id, attachment_id)
    return Response(
        file.content, media_type=file.media_type, headers=download_headers(file.filename)
    )


# -- submission and withdrawal ---------------------------------------------------------------


@post(f"{APPLICATION}/submit", opt=SIGNATORY, responses=PROBLEMS, status_code=200)
async def submit(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[Versioned]
) -> ApplicationDetail:
    """Step 6 (signatories): freeze a version, give the file number. Problems answer 422."""
    await apps.submit(request.user, application_id, data.version, actor(request).request_id)
    return await detail(request.user, application_id)


@post(f"{APPLICATION}/withdraw", opt=SIGNATORY, responses=PROBLEMS, status_code=200)
async def withdraw(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[WithdrawRequest]
) -> ApplicationDetail:
    """Withdraw before a decision (signatories), giving a reason."""
    await apps.withdraw(request.user, application_id, data.version, data.to_reason(),
                        actor(request).request_id)  # fmt: skip
    return await detail(request.user, application_id)


# -- messages --------------------------------------------------------------------------------


@get(f"{APPLICATION}/messages", opt=READER, responses=PROBLEMS)
async def message_list(
    request: ApiRequest,
    application_id: FromPath[int],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
) -> Response[list[MessageOut]]:
    """The thread with the KI, 25 messages a page, oldest first within a page; page 1 holds the
    latest, the ``Link`` header names the page of older ones."""
    app = await apps.get(request.user, application_id)
    found = await messages.thread(request.user, app, page)
    return paged(
        [MessageOut.of(m) for m in found], found, f"/api/v1/applications/{application_id}/messages"
    )


@post(f"{APPLICATION}/messages", opt=READER, responses=PROBLEMS)
async def post_message(
    request: ApiRequest, application_id: FromPath[int], data: JSONBody[MessageRequest]
) -> MessageOut:
    """Write to the thread; the other side gets an e-mail."""
    message_id = await messages.post(request.user, application_id, data.to_text(),
                                     request_id=actor(request).request_id)  # fmt: skip
    thread = await messages.thread(request.user, await apps.get(request.user, application_id))
    return MessageOut.of(next(m for m in thread if m.id == message_id))


ROUTES = [
    call_list, application_list, start, application, save_applicant, save_project, save_financing,
    save_declarations, add_line, save_line, delete_line, upload, download, submit, withdraw, message_list,
    post_message,
]  # fmt: skip


def router() -> Router:
    """A fresh router per app. CSRF is checked by :func:`csrf_header` after access and
    visibility (the page middleware would answer before both)."""
    return Router(
        path="/api/v1", route_handlers=ROUTES, guards=[visible_application, csrf_header],
        exception_handlers=errors.API_HANDLERS, include_in_schema=True, opt={"exclude_from_csrf": True},
    )  # fmt: skip
