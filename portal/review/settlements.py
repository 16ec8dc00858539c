"""The settlement page of a usage report (/pruefung/nachweise/{id}/abrechnung) and the finance
receivables (/finanzen/forderungen). Thin: read the grant once, call the service, render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants import clock
from grants import indicators as indicator_set
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.services import base_rates, settlements, usage_reports
from grants.services.payments import STAFF
from grants.services.usage_reports import GrantReport
from grants.vocabulary import FinancingType, Role, UsageReportKind
from grants.workflow import GRANT, GrantStatus, PaymentOrderStatus, actions_from
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.review.settlement_letters import render_settlement_letter

READ = access(roles(*STAFF))
SETTLER = access(roles(Role.REVIEWER, Role.APPROVER))
APPROVER = access(roles(Role.APPROVER))
FINANCE = access(roles(Role.FINANCE))
RECEIVABLE_READERS = access(
    roles(Role.FINANCE, Role.REVIEWER, Role.APPROVER, Role.ADMIN, Role.AUDITOR)
)
FIELDS = ("interest_from", "units_actual", "notes", "hearing_deadline", "answered")
NAMES = {"interest_from": "Zinsbeginn", "units_actual": "Erbrachte Einheiten", "notes": "Vermerk",
         "lines": "Positionen", "hearing_deadline": "Frist zur Anhörung", "answered": "Stellungnahme",
         "amount": "Betrag", "paid_on": "Zahlungseingang", "cash_reference": "Kassenzeichen"}  # fmt: skip


def _path(grant_id: int) -> str:
    return f"/pruefung/nachweise/{grant_id}/abrechnung"


async def _page(request: Request[Any, Any, Any], grant: GrantReport, errors: dict[str, str] | None = None,
                values: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    principal = request.user
    settlement = await settlements.settlement_of(grant)
    values = values or {}
    preview, pending, problem, findings = None, 0, "", []
    if settlement is None and grant.report is not None:
        paid, pending = await settlements.paid_out(grant.grant_id)
        start = Form(values).date(
            "interest_from", required=False
        ) or settlements.default_interest_from(grant)
        per_unit = grant.parameters.financing_type is FinancingType.PER_UNIT
        units = whole_number(values.get("units_actual") or "") if per_unit else None
        if per_unit and units is None:  # as the association reported them
            units = (await usage_reports.indicators(grant.report)).get(indicator_set.UNITS)
            if not values.get("units_actual") and units is not None:
                values = {**values, "units_actual": str(units)}
        de_minimis, margin = settlements.refund_terms()
        check = await usage_reports.checks(grant, recognised=True, units_actual=units)
        findings = [f.message for f in check.findings]
        try:
            preview = settlements.figures(
                grant, paid=paid, interest_from=start, interest_until=clock.today(),
                base_rates=await base_rates.all_rates(), units_actual=units,
                late_use_interest=check.late_use_interest, de_minimis=de_minimis, margin_basis_points=margin,
            )  # fmt: skip
        except ValueError:
            problem = ("Bitte die erbrachten Einheiten angeben." if per_unit and units is None
                       else "Für den Zinszeitraum ist kein Basiszinssatz hinterlegt.")  # fmt: skip
    allowed = set(actions_from(GRANT, grant.grant_status, principal.roles))
    report = grant.report
    return Template("review/settlement.html.jinja2", context={
        "grant": grant, "settlement": settlement, "preview": preview, "pending": pending, "problem": problem, "findings": findings,
        "documents": await settlements.documents_of(grant), "errors": errors or {}, "names": NAMES,
        "values": {"interest_from": settlements.default_interest_from(grant).strftime("%d.%m.%Y"), **values},
        "recogniser": bool(report and report.reviewer_id == principal.id),
        "may_settle": "settle" in allowed and not (report and report.reviewer_id == principal.id),
        "may_hear": "open_hearing" in allowed and settlement is not None and bool(settlement.claim),
        "may_set_refund": "set_refund" in allowed,
        "may_close": "close" in allowed and settlement is not None
        and not (grant.grant_status is GrantStatus.SETTLED and settlement.claim),
        "may_reorder": bool(principal.roles & settlements.SETTLERS) and settlement is not None
        and settlement.subsequent_order_status is PaymentOrderStatus.CANCELLED
        and grant.grant_status is not GrantStatus.CLOSED,
        "per_unit": grant.parameters.financing_type is FinancingType.PER_UNIT,
    }, status_code=status_code)  # fmt: skip


async def _final(request: Request[Any, Any, Any], grant_id: int) -> GrantReport:
    """The grant with its final report; 404 while its current report is an interim one (an
    interim report is accepted in the review workspace, never settled)."""
    grant = await usage_reports.get(request.user, grant_id)
    if grant.report is not None and grant.report.kind is not UsageReportKind.FINAL:
        raise NotFound(grant_id)
    return grant


@get("/pruefung/nachweise/{grant_id:int}/abrechnung", name="settlements:page", opt=READ)
async def settlement_page(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template:
    """The computation on screen, then the step the grant is at (settle, hear, decide, close)."""
    grant = await _final(request, grant_id)
    return await _page(request, grant, values=dict(request.query_params))


async def _act(request: Request[Any, Any, Any], grant_id: int, run: Callable[[GrantReport, Form], Awaitable[Any]],
               done: str) -> Template | Redirect:  # fmt: skip
    form = Form(await request.form())
    grant = await _final(request, grant_id)
    try:
        await run(grant, form)
    except Invalid as exc:
        form.keep(FIELDS)
        return await _page(request, grant, exc.errors, form.values, 400)
    except Conflict as exc:
        form.keep(FIELDS)
        return await _page(request, grant, {"version": str(exc)}, form.values, 409)
    except Forbidden as exc:
        form.keep(FIELDS)
        return await _page(request, grant, {"version": str(exc)}, form.values, 403)
    flash(request, done)
    return Redirect(_path(grant_id), status_code=303)


def _version(form: Form) -> int:
    return form.integer("version") or 0


@post("/pruefung/nachweise/{grant_id:int}/abrechnung", name="settlements:settle", opt=SETTLER)
async def settle(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    async def run(grant: GrantReport, form: Form) -> None:
        start = form.date("interest_from", required=False)
        units = form.number("units_actual", required=False, maximum=Decimal(1_000_000))
        notes = form.text("notes", required=False, max_length=3000, multiline=True)
        if not form.ok:
            raise Invalid(form.errors)
        data = settlements.SettleInput(start, int(units) if units is not None else None, notes,
                                       whole_number(form.raw("report_version")))  # fmt: skip
        await settlements.settle(request.user, grant, _version(form), data, render_settlement_letter,
                                 actor(request).request_id)  # fmt: skip

    return await _act(
        request, grant_id, run, "Abgerechnet: der Prüfvermerk liegt bei den Dokumenten."
    )


@post(
    "/pruefung/nachweise/{grant_id:int}/abrechnung/anhoerung",
    name="settlements:hearing",
    opt=SETTLER,
)
async def hearing(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    async def run(grant: GrantReport, form: Form) -> None:
        deadline = form.date("hearing_deadline", required=False)
        if not form.ok:
            raise Invalid(form.errors)
        await settlements.open_hearing(request.user, grant, _version(form), deadline, render_settlement_letter,
                                       actor(request).request_id)  # fmt: skip

    return await _act(request, grant_id, run, "Das Anhörungsschreiben ist an den Verein gegangen.")


@post("/pruefung/nachweise/{grant_id:int}/abrechnung/rueckforderung", name="settlements:refund",
      opt=APPROVER)  # fmt: skip
async def refund(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    async def run(grant: GrantReport, form: Form) -> None:
        await settlements.set_refund(request.user, grant, _version(form), form.flag("answered"),
                                     render_settlement_letter, actor(request).request_id)  # fmt: skip

    return await _act(
        request,
        grant_id,
        run,
        "Der Rückforderungsbescheid ist erlassen; die Forderung liegt bei den Finanzen.",
    )


@post(
    "/pruefung/nachweise/{grant_id:int}/abrechnung/abschluss", name="settlements:close", opt=SETTLER
)
async def close(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    async def run(grant: GrantReport, form: Form) -> None:
        await settlements.close(request.user, grant, _version(form), actor(request).request_id)

    return await _act(request, grant_id, run, "Die Zuwendung ist abgeschlossen.")


@post(
    "/pruefung/nachweise/{grant_id:int}/abrechnung/nachzahlung",
    name="settlements:reorder",
    opt=SETTLER,
)
async def reorder(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    """Order a cancelled Nachzahlung anew (the form's ``version`` is the settlement's)."""

    async def run(grant: GrantReport, form: Form) -> None:
        await settlements.reorder_subsequent(
            request.user, grant, _version(form), actor(request).request_id
        )

    return await _act(request, grant_id, run, "Die Nachzahlung ist neu angeordnet (Entwurf).")


# -- receivables -----------------------------------------------------------------------------


async def _receivables(request: Request[Any, Any, Any], page: int = 1, errors: dict[str, str] | None = None,
                       values: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    return Template("finance/receivables.html.jinja2", context={
        "receivables": await settlements.receivables(request.user, page), "errors": errors or {},
        "values": values or {}, "names": NAMES, "may_record": Role.FINANCE in request.user.roles,
    }, status_code=status_code)  # fmt: skip


@get("/finanzen/forderungen", name="settlements:receivables", opt=RECEIVABLE_READERS)
async def receivables(request: Request[Any, Any, Any],
                      number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """Refunds decided and not yet repaid: amount, interest, due date, days overdue."""
    return await _receivables(request, whole_number(number) or 1)


@post(
    "/finanzen/forderungen/{grant_id:int}/zahlungseingang", name="settlements:repaid", opt=FINANCE
)
async def repaid(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    form = Form(await request.form())
    amount = form.money("amount")
    paid_on = form.date("paid_on")
    cash_reference = form.text("cash_reference", required=False, max_length=40)
    values = {**form.values, "grant": grant_id}
    if not form.ok:
        return await _receivables(request, errors=form.errors, values=values, status_code=400)
    try:
        await settlements.record_repayment(request.user, grant_id, _version(form), amount, paid_on, cash_reference,
                                           actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _receivables(request, errors=exc.errors, values=values, status_code=400)
    except Conflict as exc:
        return await _receivables(
            request, errors={"version": str(exc)}, values=values, status_code=409
        )
    flash(request, "Der Zahlungseingang ist verbucht; die Forderung ist erledigt.")
    return Redirect("/finanzen/forderungen", status_code=303)


ROUTES = [settlement_page, settle, hearing, refund, close, reorder, receivables, repaid]
