"""Submitted versions: each as a Word document, and what changed between two of them."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from grants.services import applications as apps
from grants.versions import diff
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES
from portal.auth.access import access, roles
from portal.security import download_headers
from reports.word.application import application_document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def _version(
    request: Request[Any, Any, Any], application_id: int, number: int
) -> dict[str, Any]:
    app = await apps.get(request.user, application_id)
    found = {v["number"]: v for v in await apps.versions(app)}
    if number not in found:
        raise NotFoundException()
    return found[number]


@get("/antraege/{application_id:int}/fassungen/{number:int}/antrag.docx", name="applications:document",
     opt=access(roles(*ORGANISATION_ROLES, *STAFF_ROLES)))  # fmt: skip
async def document(
    request: Request[Any, Any, Any], application_id: FromPath[int], number: FromPath[int]
) -> Response[bytes]:
    version = await _version(request, application_id, number)
    content = await anyio.to_thread.run_sync(application_document, version["snapshot"])
    name = f"Antrag-{version['snapshot']['application'].get('file_number') or application_id}-Fassung-{number}.docx"
    return Response(content, media_type=DOCX, headers=download_headers(name))


@get(
    "/antraege/{application_id:int}/fassungen",
    name="applications:changes",
    opt=access(roles(*STAFF_ROLES)),
)
async def changes(
    request: Request[Any, Any, Any],
    application_id: FromPath[int],
    older: Annotated[int | None, QueryParameter(name="von")] = None,
    newer: Annotated[int | None, QueryParameter(name="bis")] = None,
) -> Template:
    """What the association changed between two submitted versions, field by field and line by line."""
    app = await apps.get(request.user, application_id)
    versions = await apps.versions(app)
    numbers = [v["number"] for v in versions]
    if len(numbers) < 2:
        raise NotFoundException()
    newer = newer if newer in numbers else numbers[-1]
    older = older if older in numbers and older != newer else numbers[numbers.index(newer) - 1]
    by_number = {v["number"]: v["snapshot"] for v in versions}
    return Template("applications/changes.html.jinja2", context={
        "app": app, "numbers": numbers, "older": older, "newer": newer,
        "changes": diff(by_number[older], by_number[newer]),
    })  # fmt: skip


ROUTES = [document, changes]
