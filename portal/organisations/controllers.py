"""An organisation's members and invitations; signatories (and admins) invite and revoke."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from grants.errors import Invalid
from grants.services import invitations, users
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES, Role
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash

VIEW = access(roles(*ORGANISATION_ROLES, *STAFF_ROLES))
MANAGE = access(roles(Role.SIGNATORY, Role.ADMIN))


async def _page(request: Request[Any, Any, Any], organisation_id: int, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None) -> Template:  # fmt: skip
    principal = request.user
    members = await invitations.members(principal, organisation_id)
    manage = invitations.may_manage(principal, organisation_id)
    return Template(
        "organisations/members.html.jinja2",
        context={
            "organisation_id": organisation_id,
            "organisation_name": await users.organisation_name(organisation_id),
            "members": members,
            "manage": manage,
            "invitations": await invitations.listing(principal, organisation_id) if manage else [],
            "roles": [(r.value, r.label) for r in sorted(ORGANISATION_ROLES, key=lambda r: r.label)],
            "errors": errors or {}, "values": values or {},
        },
        status_code=400 if errors else 200,
    )  # fmt: skip


@get("/organisationen/{organisation_id:int}/mitglieder", name="organisations:members", opt=VIEW)
async def members(request: Request[Any, Any, Any], organisation_id: FromPath[int]) -> Template:
    return await _page(request, organisation_id)


@post("/organisationen/{organisation_id:int}/einladungen", name="organisations:invite", opt=MANAGE)
async def invite(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                 data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:  # fmt: skip
    try:
        await invitations.invite(request.user, organisation_id, data.get("email", ""), data.get("role", ""),
                                 actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _page(request, organisation_id, exc.errors, data)
    flash(request, f"Einladung an {data.get('email', '').strip()} verschickt.")
    return Redirect(f"/organisationen/{organisation_id}/mitglieder", status_code=303)


@post(
    "/organisationen/{organisation_id:int}/einladungen/{invitation_id:int}/widerrufen",
    name="organisations:revoke",
    opt=MANAGE,
)
async def revoke(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                 invitation_id: FromPath[int]) -> Redirect:  # fmt: skip
    await invitations.revoke(
        request.user, invitation_id, actor(request).request_id, organisation_id
    )
    flash(request, "Einladung widerrufen.")
    return Redirect(f"/organisationen/{organisation_id}/mitglieder", status_code=303)


ROUTES = [members, invite, revoke]
