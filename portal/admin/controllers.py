"""Admin pages: users with roles and memberships; all invitations. Auditors may look."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from grants.audit import Actor
from grants.errors import Invalid
from grants.services import invitations, organisations, users
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES, Role
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import whole_number

ADMIN = access(roles(Role.ADMIN))
ADMIN_OR_AUDITOR = access(roles(Role.ADMIN, Role.AUDITOR))


def actor(request: Request[Any, Any, Any]) -> Actor:
    return Actor(request.user.id, str(request.scope["state"].get("request_id", "-")))


@get("/admin/nutzer", name="admin:users", opt=ADMIN_OR_AUDITOR)
async def user_list(number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:
    """The users by name, a page at a time, with their roles and memberships."""
    return Template("admin/users.html.jinja2", context={
        "users": await users.overview(whole_number(number) or 1), "staff_roles": sorted(STAFF_ROLES, key=lambda r: r.label),
    })  # fmt: skip


@post("/admin/nutzer/{user_id:int}/rollen", name="admin:set_role", opt=ADMIN)
async def set_role(request: Request[Any, Any, Any], user_id: FromPath[int],
                   data: URLEncodedBody[dict[str, str]]) -> Redirect:  # fmt: skip
    try:
        role = Role(data.get("role", ""))
    except ValueError:
        raise NotFoundException() from None
    granted = data.get("action") == "grant"
    await users.set_role(actor(request), user_id, role, granted=granted)
    flash(request, f"Rolle „{role.label}“ {'vergeben' if granted else 'entzogen'}.")
    number = whole_number(data.get("seite")) or 1  # back to the page the admin was on
    return Redirect(
        f"/admin/nutzer{f'?seite={number}' if number > 1 else ''}#nutzer-{user_id}", status_code=303
    )


MATCHES = 20  # organisations offered for a search


async def _invitation_page(request: Request[Any, Any, Any], errors: dict[str, str] | None = None,
                           values: dict[str, str] | None = None, page: int = 1) -> Template:  # fmt: skip
    """The invitation form, offering the organisations found by name, and a page of invitations."""
    values = values or {}
    search = (values.get("verein") or "")[:200]
    return Template(
        "admin/invitations.html.jinja2",
        context={
            "invitations": await invitations.listing(request.user, page=page),
            "invitations_base": "/admin/einladungen?" + urlencode({"verein": search} if search else {}) + ("&" if search else ""),
            "search": search,
            "organisations": await organisations.choices(search, whole_number(values.get("organisation")), MATCHES),
            "roles": [(r.value, r.label) for r in sorted(ORGANISATION_ROLES, key=lambda r: r.label)],
            "errors": errors or {}, "values": values,
        },
        status_code=400 if errors else 200,
    )  # fmt: skip


@get("/admin/einladungen", name="admin:invitations", opt=ADMIN_OR_AUDITOR)
async def invitation_list(request: Request[Any, Any, Any],
                          search: Annotated[str | None, QueryParameter(name="verein")] = None,
                          number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """All invitations, a page at a time; the form finds the organisation by its name."""
    return await _invitation_page(
        request, values={"verein": search or ""}, page=whole_number(number) or 1
    )


@post("/admin/einladungen", name="admin:invite", opt=ADMIN)
async def invite(
    request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, str]]
) -> Template | Redirect:
    organisation = whole_number(data.get("organisation"))
    if organisation is None:
        return await _invitation_page(
            request, {"organisation": "Bitte eine Organisation wählen."}, data
        )
    try:
        await invitations.invite(request.user, organisation, data.get("email", ""), data.get("role", ""),
                                 actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _invitation_page(request, exc.errors, data)
    flash(request, f"Einladung an {data.get('email', '').strip()} verschickt.")
    return Redirect("/admin/einladungen", status_code=303)


@post("/admin/einladungen/{invitation_id:int}/widerrufen", name="admin:revoke", opt=ADMIN)
async def revoke(request: Request[Any, Any, Any], invitation_id: FromPath[int]) -> Redirect:
    await invitations.revoke(request.user, invitation_id, actor(request).request_id)
    flash(request, "Einladung widerrufen.")
    return Redirect("/admin/einladungen", status_code=303)


ROUTES = [user_list, set_role, invitation_list, invite, revoke]
