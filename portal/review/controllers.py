"""Review and decision pages. Thin: read the form, call the use case, render or redirect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants import clock
from grants.deadlines import usage_report_due
from grants.errors import Conflict, Forbidden, Invalid
from grants.money import Money
from grants.services import amendments, decisions, payments, reviews
from grants.services import applications as apps
from grants.services.programmes import MAX_INSTALMENTS
from grants.services.reviews import (
    CONTENT_CHECKS,
    FORMAL_CHECKS,
    LineAssessmentInput,
    Proposal,
    QueueFilter,
)
from grants.tables import FiscalYear, Programme
from grants.vocabulary import (
    DecisionKind,
    District,
    ExpenseCategory,
    FinancingType,
    LineVerdict,
    PaymentMode,
    Recommendation,
    RevenueType,
    Role,
)
from grants.workflow import ApplicationStatus
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.review.letters import render_letter
from portal.security import download_headers
from reports.word.letters import financing_sentence

STAFF = access(roles(Role.REVIEWER, Role.APPROVER, Role.ADMIN, Role.AUDITOR))
REVIEWER = access(roles(Role.REVIEWER))
APPROVER = access(roles(Role.APPROVER))
ASSIGNER = access(roles(Role.ADMIN, Role.APPROVER, Role.REVIEWER))
DECIDED = "entschieden"  # the queue's history tab: decided and withdrawn applications


@get("/pruefung", name="review:queue", opt=STAFF)
async def queue(
    request: Request[Any, Any, Any],
    status: Annotated[str | None, QueryParameter(name="status")] = None,
    programme: Annotated[str | None, QueryParameter(name="programm")] = None,
    call: Annotated[str | None, QueryParameter(name="aufruf")] = None,
    year: Annotated[str | None, QueryParameter(name="jahr")] = None,
    district: Annotated[str | None, QueryParameter(name="bezirk")] = None,
    reviewer: Annotated[str | None, QueryParameter(name="bearbeitung")] = None,
    overdue: Annotated[str | None, QueryParameter(name="ueberfaellig")] = None,
    search: Annotated[str | None, QueryParameter(name="suche")] = None,
    sort: Annotated[str | None, QueryParameter(name="sortierung")] = None,
    descending: Annotated[str | None, QueryParameter(name="absteigend")] = None,
    page: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """Queues by status with filters, search, sorting and paging; "meine" shows my cases."""
    principal = request.user
    chosen = {"status": status or "", "programm": programme or "", "aufruf": call or "", "jahr": year or "",
              "bezirk": district or "", "bearbeitung": reviewer or "", "ueberfaellig": overdue or "",
              "suche": search or "", "sortierung": sort or "eingang", "absteigend": descending or ""}  # fmt: skip
    statuses = {s.value: s for s in reviews.QUEUE}
    result = await reviews.queue(principal, QueueFilter(
        status=statuses.get(status or ""), decided=status == DECIDED, programme_id=whole_number(programme), call_id=whole_number(call), fiscal_year=whole_number(year),
        district=district if district in {d.value for d in District} else None,
        reviewer_id=principal.id if reviewer == "ich" else whole_number(reviewer), overdue=bool(overdue),
        search=(search or "")[:100], sort=sort or "eingang", descending=bool(descending), page=whole_number(page) or 1,
    ))  # fmt: skip
    return Template("review/queue.html.jinja2", context={
        "result": result, "chosen": chosen, "statuses": reviews.OPEN, "decided": DECIDED, "districts": District.choices(),
        "programmes": [(p["id"], p["name"]) for p in await Programme.select(Programme.id, Programme.name)],
        "calls": await reviews.call_choices(whole_number(call)),
        "years": [(str(y["year"]), str(y["year"])) for y in await FiscalYear.select(FiscalYear.year).order_by(
            FiscalYear.year, ascending=False)],
        "reviewers": await reviews.reviewers(),
        "link": lambda **changes: "/pruefung?" + urlencode({k: v for k, v in {**chosen, **changes}.items() if v}),
    })  # fmt: skip


async def _workspace(request: Request[Any, Any, Any], application_id: int, errors: dict[str, str] | None = None,
                     values: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    principal = request.user
    app = await apps.get(principal, application_id)
    review = await reviews.current(app.id)
    proposal = review.parameters if review else {}
    defaults = {
        "recommendation": review.recommendation.value if review and review.recommendation else "approve",
        "financing_type": (review.financing_type if review else app.financing_type).value,
        "cap": Money(proposal.get("cap_cents") or app.requested.cents).format_plain(),
        "share": _percent(proposal.get("share_basis_points")),
        "fixed": Money(proposal["fixed_cents"]).format_plain() if proposal.get("fixed_cents") else "",
        "unit_rate": Money(proposal["unit_rate_cents"]).format_plain() if proposal.get("unit_rate_cents") else "",
        "units": str(proposal.get("units_planned") or ""), "conditions": review.conditions if review else [],
        "internal_notes": review.internal_notes if review else "",
        **(_assessment_values(app, review) if review else {}),
    }  # fmt: skip
    return Template("review/workspace.html.jinja2", context={
        "app": app, "review": review, "errors": errors or {}, "values": {**defaults, **(values or {})},
        "formal_checks": FORMAL_CHECKS, "content_checks": CONTENT_CHECKS, "verdicts": LineVerdict.choices(),
        "changed": {line.id for line in review.changed(app)} if review else set(),
        "preview": reviews.preview(app, review) if review else None, "letter_sentence": financing_sentence,
        "labels": dict(ExpenseCategory.choices() + RevenueType.choices()), "percent": _percent,
        "recommendations": Recommendation.choices(), "financing_types": FinancingType.choices(),
        "condition_options": await _condition_options(), "reviewers": await reviews.reviewers(),
        "timeline": await apps.timeline(app), "change_request": await apps.open_change_request(app.id),
        "decisions": await decisions.of_application(app), "amendments": await amendments.of_application(app),
        "grant_id": await payments.grant_of(app.id),
        "is_reviewer": review is not None and review.reviewer_id == principal.id,
        "may_review": Role.REVIEWER in principal.roles,
        "may_decide": decisions.may_decide(principal, app, review),
        "may_assign": not principal.roles.isdisjoint({Role.ADMIN, Role.APPROVER, Role.REVIEWER}),
    }, status_code=status_code)  # fmt: skip


def _assessment_values(app: apps.ApplicationView, review: reviews.ReviewView) -> dict[str, str]:
    """The one-form assessment as stored: unassessed lines suggest "in full", changed ones nothing."""
    values: dict[str, str] = {}
    for line in app.expenses:
        found = review.valid(line)
        verdict = (
            found.verdict.value
            if found
            else ("" if line.id in review.assessments else LineVerdict.FULL.value)
        )
        values |= {f"verdict-{line.id}": verdict, f"reason-{line.id}": found.reason if found else "",
                   f"recognised-{line.id}": found.recognised.format_plain() if found and verdict == "partial" else ""}  # fmt: skip
    return values


async def _condition_options() -> list[tuple[str, str]]:
    return [(block["key"], block["title"]) for block in await reviews.text_blocks()]


def _percent(basis_points: int | None) -> str:
    if basis_points is None:
        return ""
    return format(Decimal(basis_points) / 100, "f").rstrip("0").rstrip(".").replace(".", ",")


@get("/pruefung/antraege/{application_id:int}", name="review:workspace", opt=STAFF)
async def workspace(request: Request[Any, Any, Any], application_id: FromPath[int]) -> Template:
    return await _workspace(request, application_id)


async def _act(request: Request[Any, Any, Any], application_id: int, action: Callable[[], Awaitable[Any]],
               done: str, values: dict[str, Any] | None = None) -> Template | Redirect:  # fmt: skip
    """Run a review action; refusals come back on the workspace with what was typed."""
    try:
        await action()
    except Invalid as exc:
        return await _workspace(request, application_id, exc.errors, values, 400)
    except Conflict as exc:
        return await _workspace(request, application_id, {"version": str(exc)}, values, 409)
    except Forbidden as exc:
        return await _workspace(request, application_id, {"version": str(exc)}, values, 403)
    flash(request, done)
    return Redirect(f"/pruefung/antraege/{application_id}", status_code=303)


@post("/pruefung/antraege/{application_id:int}/beginnen", name="review:start", opt=REVIEWER)
async def start(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    return await _act(request, application_id, lambda: reviews.open_review(
        request.user, application_id, form.integer("version") or 0, actor(request).request_id), "Prüfung begonnen.")  # fmt: skip


@post("/pruefung/antraege/{application_id:int}/zuweisen", name="review:assign", opt=ASSIGNER)
async def assign(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    return await _act(request, application_id, lambda: reviews.assign(
        request.user, application_id, form.integer("version") or 0, form.integer("reviewer") or 0,
        actor(request).request_id), "Zuständigkeit gespeichert.")  # fmt: skip


@post("/pruefung/antraege/{application_id:int}/checks", name="review:checks", opt=REVIEWER)
async def checks(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    formal = {key: form.flag(f"formal_{key}") for key in FORMAL_CHECKS}
    content = {key: form.flag(f"content_{key}") for key in CONTENT_CHECKS}
    notes = form.text("internal_notes", required=False, max_length=5000, multiline=True)
    return await _act(request, application_id, lambda: reviews.save_checks(
        request.user, form.integer("review") or 0, form.integer("review_version") or 0, formal, content, notes,
        actor(request).request_id), "Prüfschritte gespeichert.", form.values)  # fmt: skip


@post("/pruefung/antraege/{application_id:int}/posten", name="review:assess", opt=REVIEWER)
async def assess(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    """All expense lines assessed in one form, saved all or nothing."""
    form = Form(await request.form())
    inputs = [_line_assessment(form, line_id) for line_id in dict.fromkeys(
        n for n in (whole_number(x) for x in form.many("line")) if n is not None)]  # fmt: skip
    if not form.ok:  # amounts that are no amounts: shown together with what the check finds
        app = await apps.get(request.user, application_id)
        found, _ = reviews.check_assessments(app.expenses, inputs)
        return await _workspace(request, application_id, {**found, **form.errors}, form.values, 400)
    return await _act(request, application_id, lambda: reviews.assess_lines(
        request.user, form.integer("review") or 0, form.integer("review_version") or 0, inputs,
        actor(request).request_id), "Bewertung der Ausgaben gespeichert.", form.values)  # fmt: skip


def _line_assessment(form: Form, line_id: int) -> LineAssessmentInput:
    verdict = form.choice(f"verdict-{line_id}", LineVerdict, required=False)
    recognised = form.money(f"recognised-{line_id}", required=False)
    if verdict is not LineVerdict.PARTIAL:  # the amount counts only for a partial verdict
        form.errors.pop(f"recognised-{line_id}", None)
    reason = form.text(f"reason-{line_id}", required=False, max_length=1000, multiline=True)
    return LineAssessmentInput(line_id, verdict, recognised, reason)


@post(
    "/pruefung/antraege/{application_id:int}/nachforderung",
    name="review:request_changes",
    opt=REVIEWER,
)
async def request_changes(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    points = form.text("points", max_length=5000, multiline=True)
    deadline = form.date("deadline")
    if not form.ok or deadline is None:
        return await _workspace(request, application_id, form.errors, form.values, 400)
    return await _act(request, application_id, lambda: apps.request_changes(
        request.user, application_id, form.integer("version") or 0, points, deadline, actor(request).request_id),
        "Nachforderung an den Verein geschickt.", form.values)  # fmt: skip


def _proposal(form: Form) -> Proposal | None:
    outcome = form.choice("recommendation", Recommendation)
    financing_type = form.choice("financing_type", FinancingType)
    share = form.number("share", places=2, required=False, maximum=Decimal(1000))
    if not form.ok or outcome is None or financing_type is None:
        return None
    return Proposal(
        recommendation=outcome, financing_type=financing_type, share=share / 100 if share is not None else None,
        cap=form.money("cap", required=False), fixed=form.money("fixed", required=False),
        unit_rate=form.money("unit_rate", required=False), units=form.integer("units"),
        conditions=tuple(form.many("conditions")),
    )  # fmt: skip


@post("/pruefung/antraege/{application_id:int}/empfehlung", name="review:recommend", opt=REVIEWER)
async def recommend(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    proposal = _proposal(form)
    if proposal is None or not form.ok:
        return await _workspace(request, application_id, form.errors, form.values, 400)
    return await _act(request, application_id, lambda: reviews.recommend(
        request.user, form.integer("review") or 0, form.integer("review_version") or 0, proposal,
        actor(request).request_id), "Empfehlung gespeichert.", form.values)  # fmt: skip


@post("/pruefung/antraege/{application_id:int}/abschliessen", name="review:complete", opt=REVIEWER)
async def complete(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    return await _act(request, application_id, lambda: reviews.complete(
        request.user, form.integer("review") or 0, form.integer("review_version") or 0, actor(request).request_id),
        "Prüfung abgeschlossen: der Antrag ist entscheidungsreif.")  # fmt: skip


# -- decision --------------------------------------------------------------------------------

PARAMETERS: dict[FinancingType, tuple[str, ...]] = {  # the form's fields of each financing type
    FinancingType.SHORTFALL: ("cap",),
    FinancingType.SHARE: ("share", "cap"),
    FinancingType.FIXED: ("fixed",),
    FinancingType.PER_UNIT: ("unit_rate", "units"),
    FinancingType.FULL: (),
}
AT_FIELDS = {"units_planned": "units", "outcome": "recommendation"}  # service's names → the form's
FIELDS = ("recommendation", "financing_type", "conditions", "period_start", "period_end", "payment_mode",
          "instalments", "usage_report_due", "budget_reservation", "reasons", "conflict_of_interest")  # fmt: skip


async def _decision_page(request: Request[Any, Any, Any], application_id: int, errors: dict[str, str] | None = None,
                         values: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    app = await apps.get(request.user, application_id)
    review = await reviews.current(app.id)
    proposal = review.parameters if review else {}
    programme = await decisions.programme_defaults(app.call_id)
    end = app.period_end or clock.today()
    proposed = review.conditions if review else []
    defaults = {
        "recommendation": review.recommendation.value if review and review.recommendation else "approve",
        "financing_type": (review.financing_type if review else app.financing_type).value,
        "cap": Money(proposal.get("cap_cents") or app.requested.cents).format_plain(),
        "share": _percent(proposal.get("share_basis_points")),
        "fixed": Money(proposal["fixed_cents"]).format_plain() if proposal.get("fixed_cents") else "",
        "unit_rate": Money(proposal["unit_rate_cents"]).format_plain() if proposal.get("unit_rate_cents") else "",
        "units": str(proposal.get("units_planned") or ""),
        "period_start": app.period_start.strftime("%d.%m.%Y") if app.period_start else "",
        "period_end": end.strftime("%d.%m.%Y"), "payment_mode": programme.payment_mode.value,
        "instalments": str(programme.instalments), "usage_report_due": usage_report_due(end).strftime("%d.%m.%Y"),
        "conditions": [*programme.conditions, *(key for key in proposed if key not in programme.conditions)],
        "version": app.version,
    }  # fmt: skip
    state = await decisions.budget_state(app.fiscal_year)
    defaults["budget_reservation"] = "" if state.in_force else "true"  # § 82 GO NRW
    shown = {**defaults, **(values or {}), "version": app.version}
    if values is not None:  # what was sent: an unticked box is not in the form
        shown["budget_reservation"] = values.get("budget_reservation", "")
    chosen = next((t for t in FinancingType if t.value == shown["financing_type"]), None)
    decided = [
        d for d in await decisions.of_application(app) if d["kind"] != DecisionKind.AMENDMENT
    ]
    summary = _summary(decided[-1]) if decided else None
    parameters = PARAMETERS[chosen] if chosen else ()
    open_ = app.status == ApplicationStatus.READY  # the form shows; else only what was decided
    return Template("review/decision.html.jinja2", context={
        "app": app, "review": review, "values": shown, "budget_state": state, "programme": programme,
        "errors": {AT_FIELDS.get(field, field): message for field, message in (errors or {}).items()},
        "recommendations": Recommendation.choices(), "financing_types": FinancingType.choices(),
        "chosen_type": chosen, "parameters": parameters, "linked": {*FIELDS, *parameters} if open_ else set(),
        "payment_modes": PaymentMode.choices(), "condition_options": await _condition_options(),
        "may_decide": decisions.may_decide(request.user, app, review), "summary": summary,
        "open": open_, "max_instalments": MAX_INSTALMENTS,
    }, status_code=status_code)  # fmt: skip


def _summary(decision: dict[str, Any]) -> dict[str, Any]:
    """What the approver sees after deciding: outcome, amount, financing type, the letter."""
    outcome = next(r for r, (_, kind, _) in decisions.ACTIONS.items() if kind == decision["kind"])
    return {"outcome": outcome, "approved": Money(decision["approved_cents"]),
            "financing_type": FinancingType(decision["financing_type"]), "letter": decision["letter"],
            "letter_title": decision["letter.title"], "decided_at": decision["decided_at"]}  # fmt: skip


def _decision_input(form: Form) -> decisions.DecisionInput | None:
    """Read the decision form: of the parameters only those of the chosen financing type."""
    outcome = form.choice("recommendation", Recommendation)
    financing_type = form.choice("financing_type", FinancingType)
    fields = PARAMETERS[financing_type] if financing_type else ()
    share = form.number("share", places=2, required=False, maximum=Decimal(1000)) if "share" in fields else None  # fmt: skip
    cap = form.money("cap", required=False) if "cap" in fields else None
    fixed = form.money("fixed", required=False) if "fixed" in fields else None
    unit_rate = form.money("unit_rate", required=False) if "unit_rate" in fields else None
    units = form.integer("units") if "units" in fields else None
    start, end = form.date("period_start"), form.date("period_end")
    due = form.date("usage_report_due", required=False)
    mode = form.choice("payment_mode", PaymentMode)
    instalments = form.integer("instalments")
    if mode is PaymentMode.INSTALMENTS and (
        instalments is None or not 1 <= instalments <= MAX_INSTALMENTS
    ):
        form.error("instalments", f"Bitte eine Zahl von 1 bis {MAX_INSTALMENTS} eingeben.")
    conditions = tuple(form.many("conditions"))
    reservation = form.flag("budget_reservation")
    reasons = form.text("reasons", required=False, max_length=5000, multiline=True)
    conflict = form.text("conflict_of_interest", required=False, max_length=1000, multiline=True)
    if not form.ok or outcome is None or financing_type is None or mode is None:
        return None
    if start is None or end is None:
        return None
    return decisions.DecisionInput(
        outcome=outcome, financing_type=financing_type, period_start=start, period_end=end,
        share=share / 100 if share is not None else None, cap=cap, fixed=fixed, unit_rate=unit_rate, units=units,
        budget_reservation=reservation, payment_mode=mode,
        instalments=instalments if mode is PaymentMode.INSTALMENTS and instalments else 1,
        usage_report_due=due, conditions=conditions, reasons=reasons, conflict_of_interest=conflict,
    )  # fmt: skip


@get("/pruefung/antraege/{application_id:int}/entscheidung", name="review:decision", opt=APPROVER)
async def decision_form(request: Request[Any, Any, Any], application_id: FromPath[int]) -> Template:
    """The decision form; once decided, what was decided with its letter."""
    return await _decision_page(request, application_id)


@post("/pruefung/antraege/{application_id:int}/entscheidung", name="review:decide", opt=APPROVER)
async def decide(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    """Decide, or (button "Art übernehmen") show the form again with the chosen type's fields."""
    form = Form(await request.form())
    data = _decision_input(form)
    if form.raw("aktion") == "art":  # typed values stay, empty ones take the defaults
        return await _decision_page(request, application_id, values={
            name: value for name, value in form.values.items() if value != "" and name != "aktion"})  # fmt: skip
    if data is None:
        return await _decision_page(request, application_id, form.errors, form.values, 400)
    try:
        await decisions.decide(request.user, application_id, form.integer("version") or 0, data, render_letter,
                               actor(request).request_id)  # fmt: skip
    except (Invalid, Conflict, Forbidden) as exc:
        return await _refused(request, application_id, exc, form.values)
    flash(request, "Die Entscheidung ist gespeichert, der Bescheid erstellt.")
    return Redirect(f"/pruefung/antraege/{application_id}/entscheidung", status_code=303)


@post("/pruefung/antraege/{application_id:int}/entscheidung/vorschau", name="review:decision_preview",
      opt=APPROVER)  # fmt: skip
async def decision_preview(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Response[bytes]:
    """The letter of the form's values as a Word draft marked ENTWURF; decides nothing."""
    form = Form(await request.form())
    data = _decision_input(form)
    if data is None:
        return await _decision_page(request, application_id, form.errors, form.values, 400)
    try:
        letter = await decisions.preview(request.user, application_id, data, render_letter)
    except (Invalid, Conflict, Forbidden) as exc:
        return await _refused(request, application_id, exc, form.values)
    return Response(letter.content, status_code=200, media_type=letter.media_type,
                    headers=download_headers(letter.filename))  # fmt: skip


async def _refused(request: Request[Any, Any, Any], application_id: int, exc: Exception,
                   values: dict[str, Any]) -> Template:  # fmt: skip
    """The form again with why the service refused: at the fields, or above them (409/403)."""
    if isinstance(exc, Invalid):
        return await _decision_page(request, application_id, exc.errors, values, 400)
    status = 409 if isinstance(exc, Conflict) else 403
    return await _decision_page(request, application_id, {"version": str(exc)}, values, status)


ROUTES = [queue, workspace, start, assign, checks, assess, request_changes, recommend, complete, decision_form,
          decide, decision_preview]  # fmt: skip
