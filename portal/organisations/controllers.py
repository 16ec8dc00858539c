"""An organisation's pages: overview, profile, centres, members and invitations.

Members and signatories (and admins) edit the profile and the centres; a signatory confirms the
profile; signatories (and admins) invite and remove members.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from grants.errors import Conflict, Invalid
from grants.paging import Page
from grants.services import invitations, organisations, users
from grants.services.organisations import CentreInput, ProfileInput, Recognition
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES, District, LegalForm, Role
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number

VIEW = access(roles(*ORGANISATION_ROLES, *STAFF_ROLES))
EDIT = access(roles(Role.MEMBER, Role.SIGNATORY, Role.ADMIN))
MANAGE = access(roles(Role.SIGNATORY, Role.ADMIN))
CONFLICT = ("Die Angaben wurden inzwischen von jemand anderem geändert. Ihre Eingaben sind unten "
            "erhalten – bitte prüfen Sie sie und speichern Sie erneut.")  # fmt: skip
# typed with spaces, an IBAN or a BIC is longer than its column
PROFILE_LIMITS = {**organisations.PROFILE_LIMITS, "postcode": 10, "iban": 50, "bic": 20}


def _overview_url(organisation_id: int) -> str:
    return f"/organisationen/{organisation_id}"


# -- overview and confirmation -------------------------------------------------------------


@get("/organisationen/{organisation_id:int}", name="organisations:overview", opt=VIEW)
async def overview(request: Request[Any, Any, Any], organisation_id: FromPath[int]) -> Template:
    principal = request.user
    return Template("organisations/overview.html.jinja2", context={
        "profile": await organisations.profile(principal, organisation_id),
        "centres": await organisations.centres(principal, organisation_id),
        "may_edit": organisations.may_edit(principal, organisation_id),
        "may_confirm": organisations.may_confirm(principal, organisation_id),
    })  # fmt: skip


@post("/organisationen/{organisation_id:int}/bestaetigen", name="organisations:confirm", opt=MANAGE)
async def confirm(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                  data: URLEncodedBody[dict[str, str]]) -> Redirect:  # fmt: skip
    version = Form(data).integer("version") or 0
    await organisations.confirm(request.user, organisation_id, version, actor(request).request_id)
    flash(request, "Sie haben die Angaben bestätigt.")
    return Redirect(_overview_url(organisation_id), status_code=303)


# -- profile -------------------------------------------------------------------------------


def _read_profile(form: Form) -> ProfileInput:
    def text(name: str) -> str:
        required = name in organisations.PROFILE_REQUIRED
        return form.text(name, required=required, max_length=PROFILE_LIMITS[name])

    return ProfileInput(
        legal_name=text("legal_name"), legal_form=form.choice("legal_form", LegalForm),
        register_court=text("register_court"), register_number=text("register_number"),
        street=text("street"), postcode=text("postcode"), city=text("city"),
        district=form.choice("district", District), email=text("email"), phone=text("phone"),
        tax_exemption_date=form.date("tax_exemption_date", required=False),
        tax_exemption_valid_until=form.date("tax_exemption_valid_until", required=False),
        iban=text("iban").upper(), bic=text("bic"), account_holder=text("account_holder"),
    )  # fmt: skip


async def _profile_form(request: Request[Any, Any, Any], organisation_id: int,
                        values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                        *, conflict: bool = False) -> Template:  # fmt: skip
    """The edit form: the stored profile, or what was typed (after a conflict: to save again)."""
    profile = await organisations.profile(request.user, organisation_id, to_edit=True)
    if values is None:
        values = profile.form_values()
    elif conflict:
        values["version"] = str(profile.version)
    return Template(
        "organisations/profile.html.jinja2",
        context={"profile": profile, "values": values, "errors": errors or {},
                 "conflict": CONFLICT if conflict else None,
                 "legal_forms": LegalForm.choices(), "districts": District.choices()},
        status_code=409 if conflict else 400 if errors else 200,
    )  # fmt: skip


@get("/organisationen/{organisation_id:int}/profil", name="organisations:profile", opt=EDIT)
async def profile_form(request: Request[Any, Any, Any], organisation_id: FromPath[int]) -> Template:
    return await _profile_form(request, organisation_id)


@post("/organisationen/{organisation_id:int}/profil", name="organisations:save_profile", opt=EDIT)
async def save_profile(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                       data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:  # fmt: skip
    form = Form(data)
    entered = _read_profile(form)
    version = form.integer("version") or 0
    try:
        if errors := organisations.check_profile(entered, form.errors):
            raise Invalid(errors)
        changed = await organisations.update_profile(request.user, organisation_id, version, entered,
                                                     actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _profile_form(request, organisation_id, form.values, exc.errors)
    except Conflict:
        return await _profile_form(request, organisation_id, form.values, conflict=True)
    flash(request, "Die Angaben wurden gespeichert. Bitte lassen Sie sie von einer "
                   "vertretungsberechtigten Person bestätigen." if changed
          else "Die Angaben sind unverändert.")  # fmt: skip
    return Redirect(_overview_url(organisation_id), status_code=303)


# -- centres -------------------------------------------------------------------------------


def _read_centre(form: Form, *, recognition: bool) -> CentreInput:
    """The centre's fields; the recognition only for those who may set it (KI admins)."""
    limits = organisations.CENTRE_LIMITS
    return CentreInput(
        name=form.text("name", max_length=limits["name"]),
        street=form.text("street", max_length=limits["street"]),
        postcode=form.text("postcode", max_length=10),
        district=form.choice("district", District),
        description=form.text("description", required=False, multiline=True,
                              max_length=limits["description"]),
        recognition=Recognition(
            category=form.text("category", required=False, max_length=limits["category"]),
            recognised_since=form.date("recognised_since", required=False),
            recognised_until=form.date("recognised_until", required=False),
        ) if recognition else None,
    )  # fmt: skip


async def _centre_form(request: Request[Any, Any, Any], organisation_id: int, centre_id: int | None,
                       values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                       *, conflict: bool = False) -> Template:  # fmt: skip
    """A new centre's form, or a centre's: as stored, or as typed."""
    principal = request.user
    if centre_id is None:
        organisations.check_edit(principal, organisation_id)
        centre = None
    else:
        centre = await organisations.centre(principal, organisation_id, centre_id)
    if values is None:
        values = centre.form_values() if centre else {}
    elif conflict and centre:
        values["version"] = str(centre.version)
    return Template(
        "organisations/centre.html.jinja2",
        context={"organisation_id": organisation_id, "centre": centre, "values": values,
                 "organisation_name": await users.organisation_name(organisation_id),
                 "errors": errors or {}, "conflict": CONFLICT if conflict else None,
                 "recognition": organisations.may_set_recognition(principal),
                 "districts": District.choices()},
        status_code=409 if conflict else 400 if errors else 200,
    )  # fmt: skip


@get("/organisationen/{organisation_id:int}/zentren/neu", name="organisations:new_centre", opt=EDIT)
async def new_centre(request: Request[Any, Any, Any], organisation_id: FromPath[int]) -> Template:
    return await _centre_form(request, organisation_id, None)


@post(
    "/organisationen/{organisation_id:int}/zentren/neu", name="organisations:add_centre", opt=EDIT
)
async def add_centre(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                     data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:  # fmt: skip
    form = Form(data)
    entered = _read_centre(form, recognition=organisations.may_set_recognition(request.user))
    try:
        if errors := organisations.check_centre(entered, form.errors):
            raise Invalid(errors)
        await organisations.add_centre(request.user, organisation_id, entered,
                                       actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _centre_form(request, organisation_id, None, form.values, exc.errors)
    flash(request, f"Das Zentrum „{entered.name}“ wurde angelegt.")
    return Redirect(f"{_overview_url(organisation_id)}#zentren", status_code=303)


@get("/organisationen/{organisation_id:int}/zentren/{centre_id:int}", name="organisations:centre",
     opt=EDIT)  # fmt: skip
async def centre_form(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                      centre_id: FromPath[int]) -> Template:  # fmt: skip
    return await _centre_form(request, organisation_id, centre_id)


@post("/organisationen/{organisation_id:int}/zentren/{centre_id:int}",
      name="organisations:save_centre", opt=EDIT)  # fmt: skip
async def save_centre(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                      centre_id: FromPath[int], data: URLEncodedBody[dict[str, str]]) -> Template | Redirect:  # fmt: skip
    form = Form(data)
    entered = _read_centre(form, recognition=organisations.may_set_recognition(request.user))
    version = form.integer("version") or 0
    try:
        if errors := organisations.check_centre(entered, form.errors):
            raise Invalid(errors)
        await organisations.update_centre(request.user, organisation_id, centre_id, version, entered,
                                          actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _centre_form(request, organisation_id, centre_id, form.values, exc.errors)
    except Conflict:
        return await _centre_form(request, organisation_id, centre_id, form.values, conflict=True)
    flash(request, f"Das Zentrum „{entered.name}“ wurde gespeichert.")
    return Redirect(f"{_overview_url(organisation_id)}#zentren", status_code=303)


# -- members and invitations ---------------------------------------------------------------


async def _page(request: Request[Any, Any, Any], organisation_id: int, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, page: int = 1) -> Template:  # fmt: skip
    principal = request.user
    members = await invitations.members(principal, organisation_id)
    manage = invitations.may_manage(principal, organisation_id)
    return Template(
        "organisations/members.html.jinja2",
        context={
            "organisation_id": organisation_id,
            "organisation_name": await users.organisation_name(organisation_id),
            "members": members,
            "removable": organisations.removable(principal, organisation_id, members),
            "manage": manage,
            "invitations": await invitations.listing(principal, organisation_id, page) if manage else Page([]),
            "invitations_base": f"/organisationen/{organisation_id}/mitglieder?",
            "roles": [(r.value, r.label) for r in sorted(ORGANISATION_ROLES, key=lambda r: r.label)],
            "errors": errors or {}, "values": values or {},
        },
        status_code=400 if errors else 200,
    )  # fmt: skip


@get("/organisationen/{organisation_id:int}/mitglieder", name="organisations:members", opt=VIEW)
async def members(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                  number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """The members, and for those who manage them a page of the invitations, newest first."""
    return await _page(request, organisation_id, page=whole_number(number) or 1)


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


@post("/organisationen/{organisation_id:int}/mitglieder/{user_id:int}/entfernen",
      name="organisations:remove_member", opt=MANAGE)  # fmt: skip
async def remove_member(request: Request[Any, Any, Any], organisation_id: FromPath[int],
                        user_id: FromPath[int]) -> Template | Redirect:  # fmt: skip
    try:
        name = await organisations.remove_member(request.user, organisation_id, user_id,
                                                 actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _page(request, organisation_id, exc.errors)
    flash(request, f"{name} gehört nicht mehr zur Organisation.")
    return Redirect(f"/organisationen/{organisation_id}/mitglieder", status_code=303)


ROUTES = [
    overview, confirm, profile_form, save_profile, new_centre, add_centre, centre_form, save_centre,
    members, invite, revoke, remove_member,
]  # fmt: skip
