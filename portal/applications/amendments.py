"""Amendment requests: the association asks, the KI reviews and decides (four eyes)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from grants.errors import Conflict, Forbidden, Invalid
from grants.services import amendments
from grants.services import applications as apps
from grants.vocabulary import Role
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form
from portal.review.letters import render_letter

SIGNATORY = access(roles(Role.SIGNATORY))
REVIEWER = access(roles(Role.REVIEWER))
APPROVER = access(roles(Role.APPROVER))


async def _form_page(request: Request[Any, Any, Any], application_id: int, errors: dict[str, str] | None = None,
                     values: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    app = await apps.get(request.user, application_id)
    defaults: dict[str, Any] = {
        "period_start": app.period_start.strftime("%d.%m.%Y") if app.period_start else "",
        "period_end": app.period_end.strftime("%d.%m.%Y") if app.period_end else "",
        "requested": app.requested.format_plain(),
        **{f"line_{line.line_key}": line.amount.format_plain() for line in app.expenses},
    }  # fmt: skip
    return Template("applications/amendment.html.jinja2", context={
        "app": app, "errors": errors or {}, "values": {**defaults, **(values or {})},
    }, status_code=status_code)  # fmt: skip


@get("/antraege/{application_id:int}/aenderung", name="amendments:new", opt=SIGNATORY)
async def amendment_form(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template:
    return await _form_page(request, application_id)


@post("/antraege/{application_id:int}/aenderung", name="amendments:request", opt=SIGNATORY)
async def request_amendment(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    app = await apps.get(request.user, application_id)
    form = Form(await request.form())
    start, end = form.date("period_start"), form.date("period_end")
    requested = form.money("requested")
    plan = {}
    for line in app.expenses:
        amount = form.money(f"line_{line.line_key}", required=False)  # empty: unchanged
        if amount is not None and amount != line.amount:
            plan[line.line_key] = amount
    reason = form.text("reason", max_length=3000, multiline=True)
    if not form.ok or start is None or end is None or requested is None:
        return await _form_page(request, application_id, form.errors, form.values, 400)
    try:
        await amendments.request(request.user, application_id, amendments.AmendmentInput(
            period_start=start, period_end=end, requested=requested, plan=plan, reason=reason,
        ), actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _form_page(request, application_id, exc.errors, form.values, 400)
    except Conflict as exc:
        return await _form_page(request, application_id, {"version": str(exc)}, form.values, 409)
    flash(request, "Der Änderungsantrag ist beim Kommunalen Integrationszentrum eingegangen.")
    return Redirect(f"/antraege/{application_id}", status_code=303)


async def _staff_action(
    request: Request[Any, Any, Any], application_id: int, run: Any, done: str
) -> Redirect:
    try:
        await run()
    except (Invalid, Conflict, Forbidden) as exc:
        message = "; ".join(exc.errors.values()) if isinstance(exc, Invalid) else str(exc)
        flash(request, f"Nicht gespeichert: {message}")
    else:
        flash(request, done)
    return Redirect(f"/pruefung/antraege/{application_id}#aenderungen", status_code=303)


@post(
    "/pruefung/aenderungen/{amendment_id:int}/empfehlung", name="amendments:recommend", opt=REVIEWER
)
async def recommend(request: Request[Any, Any, Any], amendment_id: FromPath[int]) -> Redirect:
    form = Form(await request.form())
    text = form.text("recommendation", required=False, max_length=3000, multiline=True)
    return await _staff_action(request, form.integer("application") or 0, lambda: amendments.recommend(
        request.user, amendment_id, form.integer("version") or 0, text, actor(request).request_id),
        "Empfehlung zur Änderung gespeichert.")  # fmt: skip


@post(
    "/pruefung/aenderungen/{amendment_id:int}/entscheidung", name="amendments:decide", opt=APPROVER
)
async def decide(request: Request[Any, Any, Any], amendment_id: FromPath[int]) -> Redirect:
    form = Form(await request.form())
    approve = form.raw("outcome") == "approve"
    reasons = form.text("reasons", required=False, max_length=3000, multiline=True)
    return await _staff_action(request, form.integer("application") or 0, lambda: amendments.decide(
        request.user, amendment_id, form.integer("version") or 0, approve, reasons, render_letter,
        actor(request).request_id),
        "Änderung bewilligt: der Änderungsbescheid liegt beim Antrag." if approve else "Änderung abgelehnt.")  # fmt: skip


ROUTES = [amendment_form, request_amendment, recommend, decide]
