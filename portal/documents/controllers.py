"""The document inbox of an organisation and the download of one document."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from grants.services import decisions
from grants.services.users import organisation_name
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES
from portal.auth.access import access, roles
from portal.forms import whole_number
from portal.security import download_headers

READER = access(roles(*ORGANISATION_ROLES, *STAFF_ROLES))


@get("/organisationen/{organisation_id:int}/bescheide", name="documents:inbox", opt=READER)
async def inbox(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """The association's letters, a page at a time, newest first."""
    return Template("documents/inbox.html.jinja2", context={
        "documents": await decisions.documents(request.user, organisation_id, whole_number(number) or 1),
        "organisation_id": organisation_id, "organisation_name": await organisation_name(organisation_id),
    })  # fmt: skip


@get("/dokumente/{document_id:int}", name="documents:download", opt=READER)
async def download(request: Request[Any, Any, Any], document_id: FromPath[int]) -> Response[bytes]:
    row, content = await decisions.document(request.user, document_id)
    return Response(
        content, media_type=row["media_type"], headers=download_headers(row["filename"])
    )


ROUTES = [inbox, download]
