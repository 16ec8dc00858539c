"""The decision pack (Beschlussvorlage) of a call for the Integrationsrat: the page, its Word and
Excel downloads, and recording the committee's decisions for the whole call in one form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from grants.services import decision_pack
from grants.services.decision_pack import CommitteeChoice, DecisionPack
from grants.vocabulary import Recommendation, Role
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.forms import Form, whole_number
from portal.review.letters import render_letter
from portal.security import download_headers
from reports.excel.decision_pack import decision_pack_workbook
from reports.excel.workbooks import XLSX
from reports.word.decision_pack import decision_pack_document

STAFF = access(roles(Role.REVIEWER, Role.APPROVER, Role.ADMIN, Role.AUDITOR))
APPROVER = access(roles(Role.APPROVER))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHOICE = "entscheidung-"  # form field per application: entscheidung-<id> = approve|reject|defer
VERSION = "version-"  # and its version: version-<id>


def choices_for(recommendation: Recommendation | None) -> list[tuple[str, str]]:
    """The committee's options for one application: approval only where one is recommended."""
    if recommendation in (Recommendation.APPROVE, Recommendation.APPROVE_PARTLY):
        return CommitteeChoice.choices()
    return [(CommitteeChoice.REJECT.value, "ablehnen wie empfohlen"),
            (CommitteeChoice.DEFER.value, CommitteeChoice.DEFER.label)]  # fmt: skip


@get("/pruefung/beschlussvorlagen", name="review:packs", opt=STAFF)
async def packs_page(
    request: Request[Any, Any, Any], seite: FromQuery[str | None] = None
) -> Template:
    """The calls with a link to each one's pack, newest fiscal year first, paged."""
    page = whole_number(seite) or 1
    found, has_next = await decision_pack.calls(request.user, page)
    return Template(
        "review/packs.html.jinja2", context={"calls": found, "page": page, "has_next": has_next}
    )


@get("/pruefung/aufrufe/{call_id:int}/beschlussvorlage", name="review:pack", opt=STAFF)
async def pack_page(request: Request[Any, Any, Any], call_id: FromPath[int]) -> Template:
    """The pack with its sums, the downloads, and for the Leitung the committee's form."""
    return await _pack_page(request, call_id)


async def _pack_page(
    request: Request[Any, Any, Any], call_id: int, form: Form | None = None
) -> Template:
    """The pack's page; with ``form``, the committee's form again with its German messages."""
    pack = await decision_pack.pack(request.user, call_id)
    return Template("review/pack.html.jinja2", status_code=400 if form else 200, context={
        "pack": pack, "may_record": Role.APPROVER in request.user.roles, "choices_for": choices_for,
        "defer": CommitteeChoice.DEFER.value, "errors": form.errors if form else {},
        "values": form.values if form else {},
    })  # fmt: skip


def _download(
    content: bytes, media_type: str, pack: DecisionPack, extension: str
) -> Response[bytes]:
    name = f"Beschlussvorlage {pack.call_title}.{extension}"
    return Response(content, media_type=media_type, headers=download_headers(name))


async def _built(
    request: Request[Any, Any, Any], call_id: int, build: Callable[[DecisionPack], bytes]
) -> tuple[DecisionPack, bytes]:
    pack = await decision_pack.pack(request.user, call_id)
    return pack, await anyio.to_thread.run_sync(build, pack)


@get("/pruefung/aufrufe/{call_id:int}/beschlussvorlage.docx", name="review:pack_docx", opt=STAFF)
async def pack_docx(request: Request[Any, Any, Any], call_id: FromPath[int]) -> Response[bytes]:
    pack, content = await _built(request, call_id, decision_pack_document)
    return _download(content, DOCX, pack, "docx")


@get("/pruefung/aufrufe/{call_id:int}/beschlussvorlage.xlsx", name="review:pack_xlsx", opt=STAFF)
async def pack_xlsx(request: Request[Any, Any, Any], call_id: FromPath[int]) -> Response[bytes]:
    pack, content = await _built(request, call_id, decision_pack_workbook)
    return _download(content, XLSX, pack, "xlsx")


def committee_choices(form: Form) -> list[tuple[int, int, CommitteeChoice]]:
    """``(application id, version, choice)`` from the fields entscheidung-<id> and version-<id>;
    anything unreadable counts as "zurückstellen" (nothing is decided by accident)."""
    found: dict[int, tuple[int, int, CommitteeChoice]] = {}
    for key in form.data:
        application_id = whole_number(key.removeprefix(CHOICE)) if key.startswith(CHOICE) else None
        if application_id is None:
            continue
        try:
            choice = CommitteeChoice(form.raw(key))
        except ValueError:
            choice = CommitteeChoice.DEFER
        version = form.integer(f"{VERSION}{application_id}") or 0
        found.setdefault(application_id, (application_id, version, choice))
    return list(found.values())


@post("/pruefung/aufrufe/{call_id:int}/beschluesse", name="review:committee", opt=APPROVER)
async def record(request: Request[Any, Any, Any], call_id: FromPath[int]) -> Template:
    """Record the Integrationsrat's decisions; the result lists decided and refused ones."""
    form = Form(await request.form())
    resolution = form.text("resolution", required=False, max_length=2000, multiline=True)
    if not form.ok:  # nothing is decided with a resolution cut short
        return await _pack_page(request, call_id, form)
    outcome = await decision_pack.record_committee_decisions(
        request.user, call_id, committee_choices(form), render_letter, actor(request).request_id,
        resolution=resolution,
    )  # fmt: skip
    return Template("review/pack_result.html.jinja2", context={"outcome": outcome})


ROUTES = [packs_page, pack_page, pack_docx, pack_xlsx, record]
