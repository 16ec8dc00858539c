"""The association's usage report (Verwendungsnachweis): task list, Sachbericht, figures,
receipt list, confirmation, check and submit. Thin: read the form, call the use case, render."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants import clock
from grants import indicators as indicator_set
from grants.errors import Conflict, Invalid
from grants.services import usage_reports as reports
from grants.services.usage_reports import ActualInput, GrantReport, ReceiptInput
from grants.vocabulary import PlanLineKind, Role, UsageReportKind
from portal import forms
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.security import download_headers
from reports.excel import receipt_import, receipt_list
from reports.excel.workbooks import XLSX

ASSOCIATION = access(roles(Role.MEMBER, Role.SIGNATORY))
SIGNATORY = access(roles(Role.SIGNATORY))
BASE = "/zuwendungen/{grant_id:int}/verwendungsnachweis"
CONFLICT = ("Der Verwendungsnachweis wurde inzwischen von jemand anderem geändert. Ihre Eingaben sind "
            "unten erhalten – bitte prüfen Sie sie und speichern Sie erneut.")  # fmt: skip
NAMES = {"plan_line": "Zeile des Finanzplans", "receipt_date": "Belegdatum", "payee": "Empfänger:in/Zahler:in",
         "purpose": "Zweck", "amount": "Betrag", "paid_on": "Bezahlt am"}  # fmt: skip

IMPORT_LIMIT = receipt_import.MAX_BYTES + 64 * 1024  # the file plus the form around it


def home(grant_id: int) -> str:
    return f"/zuwendungen/{grant_id}/verwendungsnachweis"


def page(name: str, grant: GrantReport, *, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return Template(f"usage_reports/{name}.html.jinja2", status_code=status_code,
                    context={"grant": grant, "report": grant.report, "home": home(grant.grant_id), **context})  # fmt: skip


async def editable(request: Request[Any, Any, Any], grant_id: int) -> GrantReport | Redirect:
    """The grant, if its report may be changed now; otherwise back to the task list."""
    grant = await reports.get(request.user, grant_id)
    if request.user.role_in(grant.organisation_id) is None or not reports.is_editable(grant):
        flash(request, "Dieser Verwendungsnachweis kann zurzeit nicht geändert werden.")
        return Redirect(home(grant_id), status_code=303)
    return grant


saved_or_again = partial(forms.saved_or_again, conflict=CONFLICT)


def version_of(form: Form) -> int:
    return form.integer("version") or 0


# -- task list and start ---------------------------------------------------------------------


@get(BASE, name="usage_reports:tasks", opt=ASSOCIATION)
async def task_list(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template:
    grant = await reports.get(request.user, grant_id)
    report, today = grant.report, clock.today()
    steps, change_request, versions = [], None, []
    if report is not None:
        sums = await reports.receipt_sums(report)
        steps = reports.tasks(grant, await reports.indicators(report), sums.count)
        change_request = await reports.open_change_request(report)
        versions = await reports.versions(report)
    following = reports.next_report(grant, today)
    due = (report.due_date if report else None) or grant.due_date
    if following and (report or following.kind is UsageReportKind.INTERIM):
        due = following.due  # the report to start next
    return page("tasks", grant, steps=steps, change_request=change_request, versions=versions, due=due,
                days=(due - today).days if due else None,
                next_report=following,
                editable=reports.is_editable(grant))  # fmt: skip


@post(BASE, name="usage_reports:start", opt=ASSOCIATION)
async def start(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    form = Form(await request.form())
    grant = await reports.get(request.user, grant_id)
    try:
        await reports.start(request.user, grant, form.flag("simplified"), actor(request).request_id)
    except Conflict as exc:
        flash(request, str(exc))
    return Redirect(home(grant_id), status_code=303)


# -- Sachbericht -----------------------------------------------------------------------------


def _count_text(value: int, places: int) -> str:
    if not places:
        return str(value)
    text = format(Decimal(value).scaleb(-places), "f")
    return (text.rstrip("0").rstrip(".") if "." in text else text).replace(".", ",")


def _narrative_values(grant: GrantReport, values: dict[tuple[str, str], int]) -> dict[str, Any]:
    assert grant.report is not None  # noqa: S101 - editable() saw it
    shown: dict[str, Any] = {
        key: grant.report.answers.get(key, "") for key, _ in indicator_set.PROMPTS
    }
    for indicator, dimension in indicator_set.cells():
        if (key := (indicator.key, dimension.key)) in values:
            shown[indicator_set.field(*key)] = _count_text(values[key], dimension.places)
    return {**shown, "version": grant.report.version}


def _narrative_page(grant: GrantReport, values: dict[str, Any], stored: dict[tuple[str, str], int],
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    return page("narrative", grant, values=values, errors=errors or {}, status_code=status_code,
                indicators=indicator_set, totals=indicator_set.totals(stored))  # fmt: skip


@get(f"{BASE}/sachbericht", name="usage_reports:narrative", opt=ASSOCIATION)
async def narrative_form(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    grant = await editable(request, grant_id)
    if isinstance(grant, Redirect):
        return grant
    assert grant.report is not None  # noqa: S101
    stored = await reports.indicators(grant.report)
    return _narrative_page(grant, _narrative_values(grant, stored), stored)


@post(f"{BASE}/sachbericht", name="usage_reports:save_narrative", opt=ASSOCIATION)
async def save_narrative(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    answers = {key: form.text(key, required=False, max_length=indicator_set.PROMPT_MAX, multiline=True)
               for key, _ in indicator_set.PROMPTS}  # fmt: skip
    counts: dict[tuple[str, str], int] = {}
    for indicator, dimension in indicator_set.cells():
        name = indicator_set.field(indicator.key, dimension.key)
        number = form.number(name, places=dimension.places, required=False,
                             maximum=Decimal(indicator_set.MAX_COUNT))  # fmt: skip
        if number is not None:
            counts[(indicator.key, dimension.key)] = int(number.scaleb(dimension.places))
    grant = await reports.get(request.user, grant_id)

    async def again(errors: dict[str, str], status: int) -> Template:
        return _narrative_page(grant, {**form.values, "version": grant.report.version if grant.report else 0},
                               counts, errors, status)  # fmt: skip

    return await saved_or_again(
        request, form, lambda: reports.save_narrative(request.user, grant, version_of(form), answers, counts,
                                                      actor(request).request_id),
        again, f"{home(grant_id)}/sachbericht", "Sachbericht gespeichert.",
    )  # fmt: skip


# -- zahlenmäßiger Nachweis ------------------------------------------------------------------


def _actual_values(grant: GrantReport) -> dict[str, Any]:
    values: dict[str, Any] = {"version": grant.report.version if grant.report else 0}
    for line in grant.lines:
        values[f"actual-{line.plan_line_id}"] = (
            line.actual.format_plain() if line.actual is not None else ""
        )
        values[f"note-{line.plan_line_id}"] = line.note
    return values


async def _actuals_page(grant: GrantReport, values: dict[str, Any], errors: dict[str, str] | None = None,
                        status_code: int = 200) -> Template:  # fmt: skip
    sums = await reports.receipt_sums(grant.report) if grant.report else None
    return page("actuals", grant, values=values, errors=errors or {}, status_code=status_code,
                sums=sums, per_unit=reports.per_unit(grant), percent=reports.deviation_percent, needs_note=reports.needs_note)  # fmt: skip


@get(f"{BASE}/zahlen", name="usage_reports:actuals", opt=ASSOCIATION)
async def actuals_form(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    grant = await editable(request, grant_id)
    if isinstance(grant, Redirect):
        return grant
    values = _actual_values(grant)
    if reports.per_unit(grant) and grant.report is not None:
        units = (await reports.indicators(grant.report)).get(indicator_set.UNITS)
        values["units"] = "" if units is None else str(units)
    return await _actuals_page(grant, values)


@post(f"{BASE}/zahlen", name="usage_reports:save_actuals", opt=ASSOCIATION)
async def save_actuals(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    data = await request.form()
    form = Form(data)
    entries = []
    for name in [key for key in data if key.startswith("actual-")]:
        line_id = whole_number(name.removeprefix("actual-"))
        if line_id is None:
            form.error("version", "Ist-Beträge gibt es nur für Zeilen des bewilligten Finanzplans.")
            form.raw(name)
            continue
        amount = form.money(name, required=False)
        note = form.text(
            f"note-{line_id}", required=False, max_length=reports.NOTE_MAX, multiline=True
        )
        entries.append(ActualInput(line_id, amount, note))
    grant = await reports.get(request.user, grant_id)
    units = form.number("units", required=False, maximum=Decimal(indicator_set.MAX_COUNT))
    if reports.per_unit(grant) and units is None and form.ok:
        form.error("units", "Bitte die Zahl der tatsächlich erbrachten Einheiten angeben.")

    async def again(errors: dict[str, str], status: int) -> Template:
        version = grant.report.version if grant.report else 0
        return await _actuals_page(grant, {**form.values, "version": version}, errors, status)

    return await saved_or_again(
        request, form, lambda: reports.save_actuals(request.user, grant, version_of(form), entries,
                                                    actor(request).request_id, None if units is None else int(units)),
        again, f"{home(grant_id)}/zahlen", "Zahlenmäßiger Nachweis gespeichert.",
    )  # fmt: skip


# -- Belegliste ------------------------------------------------------------------------------


def _line_options(grant: GrantReport) -> list[tuple[str, str]]:
    return [("", "– bitte wählen –")] + [
        (str(line.plan_line_id), f"{line.kind.label}: {line.label}") for line in grant.lines
    ]


async def _receipts_page(grant: GrantReport, expenses_page: int = 1, revenues_page: int = 1,
                         values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                         status_code: int = 200, receipt_id: int | None = None,
                         problems: list[str] | None = None) -> Template:  # fmt: skip
    assert grant.report is not None  # noqa: S101 - editable() or the task list saw it
    report = grant.report
    return page(
        "receipts", grant, status_code=status_code, errors=errors or {}, names=NAMES, receipt_id=receipt_id,
        problems=problems or [],
        values={**(values or {}), "version": report.version}, options=_line_options(grant),
        expenses=await reports.receipts_by_date(report, PlanLineKind.EXPENSE, expenses_page),
        revenues=await reports.receipts_by_date(report, PlanLineKind.REVENUE, revenues_page),
        sums=await reports.receipt_sums(report), line_of={line.actual_line_id: line for line in grant.lines},
    )  # fmt: skip


@get(f"{BASE}/belege", name="usage_reports:receipts", opt=ASSOCIATION)
async def receipts_page(request: Request[Any, Any, Any], grant_id: FromPath[int],
                        expenses: Annotated[str | None, QueryParameter(name="ausgaben")] = None,
                        revenues: Annotated[str | None, QueryParameter(name="einnahmen")] = None) -> Template | Redirect:  # fmt: skip
    grant = await editable(request, grant_id)
    if isinstance(grant, Redirect):
        return grant
    if grant.report is not None and grant.report.simplified:
        flash(request, reports.SIMPLIFIED)
        return Redirect(home(grant_id), status_code=303)
    return await _receipts_page(grant, whole_number(expenses) or 1, whole_number(revenues) or 1)


@get(f"{BASE}/belege/{{receipt_id:int}}", name="usage_reports:receipt", opt=ASSOCIATION)
async def receipt_form(request: Request[Any, Any, Any], grant_id: FromPath[int],
                       receipt_id: FromPath[int]) -> Template | Redirect:  # fmt: skip
    grant = await editable(request, grant_id)
    if isinstance(grant, Redirect):
        return grant
    assert grant.report is not None  # noqa: S101
    found = await reports.receipt(grant.report, receipt_id)
    line = next((x for x in grant.lines if x.actual_line_id == found.actual_line_id), None)
    values = {"plan_line": str(line.plan_line_id) if line else "", "receipt_date": found.receipt_date or "",
              "payee": found.payee, "purpose": found.purpose, "amount": found.amount.format_plain(),
              "paid_on": found.paid_on or "", "receipt_id": str(found.id)}  # fmt: skip
    return page("receipt", grant, values={**values, "version": grant.report.version}, names=NAMES,
                options=_line_options(grant), receipt=found)  # fmt: skip


@post(f"{BASE}/belege", name="usage_reports:save_receipt", opt=ASSOCIATION)
async def save_receipt(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    receipt_id = form.integer("receipt_id")
    if form.raw("receipt_id") and receipt_id is None:
        form.error("version", "Diesen Beleg gibt es nicht (mehr).")
    data = ReceiptInput(
        plan_line_id=form.integer("plan_line"), receipt_date=form.date("receipt_date"),
        payee=form.text("payee", max_length=200), purpose=form.text("purpose", max_length=300),
        amount=form.money("amount"), paid_on=form.date("paid_on", required=False),
    )  # fmt: skip
    if data.plan_line_id is None:
        form.error("plan_line", "Bitte eine Zeile des bewilligten Finanzplans wählen.")
    grant = await reports.get(request.user, grant_id)

    async def again(errors: dict[str, str], status: int) -> Template:
        if receipt_id is None or grant.report is None:
            return await _receipts_page(
                grant, values=form.values, errors=errors, status_code=status
            )
        return page("receipt", grant, values={**form.values, "version": grant.report.version}, errors=errors,
                    status_code=status, names=NAMES, options=_line_options(grant), receipt=None)  # fmt: skip

    return await saved_or_again(
        request, form, lambda: reports.save_receipt(request.user, grant, version_of(form), receipt_id, data,
                                                    actor(request).request_id),
        again, f"{home(grant_id)}/belege", "Beleg gespeichert.",
    )  # fmt: skip


@post(
    f"{BASE}/belege/{{receipt_id:int}}/loeschen",
    name="usage_reports:delete_receipt",
    opt=ASSOCIATION,
)
async def delete_receipt(request: Request[Any, Any, Any], grant_id: FromPath[int],
                         receipt_id: FromPath[int]) -> Redirect:  # fmt: skip
    form = Form(await request.form())
    grant = await reports.get(request.user, grant_id)
    try:
        await reports.delete_receipt(
            request.user, grant, version_of(form), receipt_id, actor(request).request_id
        )
    except Conflict as exc:
        flash(request, f"{exc} Der Beleg wurde nicht gelöscht.")
    else:
        flash(request, "Beleg gelöscht.")
    return Redirect(f"{home(grant_id)}/belege", status_code=303)


# -- the receipt list from Excel -------------------------------------------------------------


def template_facts(grant: GrantReport) -> receipt_list.TemplateFacts:
    """The grant as its receipt list template states it (and as ``read`` checks a file against):
    the current report's period (an interim report's fiscal year), else the approval period."""
    first, last = reports.report_period(grant)
    start = first or grant.decided_at.date()
    return receipt_list.TemplateFacts(
        grant_id=grant.grant_id, file_number=grant.file_number, title=grant.title,
        organisation=grant.organisation, period_start=start, period_end=last or start,
        earliest_receipt=start,
        lines=tuple(receipt_list.TemplateLine(line.line_key, line.label, line.kind) for line in grant.lines),
    )  # fmt: skip


@get(f"{BASE}/belege/vorlage.xlsx", name="usage_reports:template", opt=ASSOCIATION)
async def receipt_template(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Response[bytes]:
    """The grant's receipt list template: its plan lines as a drop-down, formats, instructions."""
    grant = await reports.get(request.user, grant_id)
    content = await anyio.to_thread.run_sync(receipt_list.template, template_facts(grant))
    name = f"Belegliste-{grant.file_number}.xlsx"
    return Response(content, media_type=XLSX, status_code=200, headers=download_headers(name))


@post(
    f"{BASE}/belege/import",
    name="usage_reports:import",
    opt=ASSOCIATION,
    request_max_body_size=IMPORT_LIMIT,
)
async def import_receipts(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    """Replace the receipt list by a filled-in template: all receipts or, with every problem, none."""
    data = await request.form()
    form = Form(data)
    upload = data.get("file")
    grant = await reports.get(request.user, grant_id)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _receipts_page(grant, problems=["Bitte die ausgefüllte Vorlage auswählen (Excel-Datei)."],
                                    status_code=400)  # fmt: skip
    version = version_of(form)
    try:
        reports.receipt_list_editable(request.user, grant, version)
        content = await upload.read()
        imported = await anyio.to_thread.run_sync(receipt_list.read, content, template_facts(grant))
        count = await reports.import_receipts(
            request.user, grant, version, imported, actor(request).request_id
        )
    except receipt_list.ReceiptListRefused as exc:
        return await _receipts_page(grant, problems=exc.problems, status_code=400)
    except Invalid as exc:
        return await _receipts_page(grant, problems=list(exc.errors.values()), status_code=400)
    except Conflict as exc:
        message = CONFLICT if "inzwischen" in str(exc) else str(exc)
        if grant.report is None or not reports.is_editable(grant):
            flash(request, message)
            return Redirect(home(grant_id), status_code=303)
        return await _receipts_page(grant, problems=[message], status_code=409)
    flash(
        request,
        f"{count} Belege aus „{upload.filename}“ übernommen; die bisherige Belegliste ist ersetzt.",
    )
    return Redirect(f"{home(grant_id)}/belege", status_code=303)


# -- Bestätigung -----------------------------------------------------------------------------


@get(f"{BASE}/bestaetigung", name="usage_reports:confirmation", opt=ASSOCIATION)
async def confirmation_form(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    grant = await editable(request, grant_id)
    if isinstance(grant, Redirect):
        return grant
    assert grant.report is not None  # noqa: S101
    given = "true" if grant.report.confirmed else ""
    return page("confirmation", grant, confirmations=reports.CONFIRMATIONS,
                values={**{key: given for key, _ in reports.CONFIRMATIONS}, "version": grant.report.version})  # fmt: skip


@post(f"{BASE}/bestaetigung", name="usage_reports:save_confirmation", opt=ASSOCIATION)
async def save_confirmation(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    given = {key: form.flag(key) for key, _ in reports.CONFIRMATIONS}
    grant = await reports.get(request.user, grant_id)

    async def again(errors: dict[str, str], status: int) -> Template:
        version = grant.report.version if grant.report else 0
        return page("confirmation", grant, confirmations=reports.CONFIRMATIONS, errors=errors, status_code=status,
                    values={**{k: "true" if v else "" for k, v in given.items()}, "version": version})  # fmt: skip

    return await saved_or_again(
        request, form, lambda: reports.save_confirmation(request.user, grant, version_of(form), given,
                                                         actor(request).request_id),
        again, home(grant_id), "Bestätigung gespeichert.",
    )  # fmt: skip


# -- check and submit ------------------------------------------------------------------------


async def _check_page(request: Request[Any, Any, Any], grant: GrantReport, errors: dict[str, str] | None = None,
                      status_code: int = 200) -> Template:  # fmt: skip
    assert grant.report is not None  # noqa: S101
    report = grant.report
    stored = await reports.indicators(report)
    sums = await reports.receipt_sums(report)
    steps = reports.tasks(grant, stored, sums.count)
    change_request = await reports.open_change_request(report)
    until = change_request["deadline"] if change_request else None
    found = await reports.checks(grant, units_actual=stored.get(indicator_set.UNITS))
    return page(
        "check", grant, errors=errors or {}, status_code=status_code, steps=steps, sums=sums, findings=found.findings,
        problems=reports.submission_problems(grant, steps, clock.today(), until), stored=stored,
        indicators=indicator_set, totals=indicator_set.totals(stored), count_text=_count_text,
        confirmations=reports.CONFIRMATIONS, percent=reports.deviation_percent, values={"version": report.version},
        is_signatory=request.user.role_in(grant.organisation_id) is Role.SIGNATORY,
    )  # fmt: skip


@get(f"{BASE}/pruefen", name="usage_reports:check", opt=ASSOCIATION)
async def check(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    grant = await editable(request, grant_id)
    if isinstance(grant, Redirect):
        return grant
    return await _check_page(request, grant)


@post(f"{BASE}/einreichen", name="usage_reports:submit", opt=SIGNATORY)
async def submit(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    form = Form(await request.form())
    grant = await reports.get(request.user, grant_id)
    try:
        number = await reports.submit(
            request.user, grant, version_of(form), actor(request).request_id
        )
    except Invalid as exc:
        return await _check_page(request, grant, exc.errors, 400)
    except Conflict as exc:
        if grant.report is None:
            raise
        return await _check_page(request, grant, {"version": CONFLICT if "inzwischen" in str(exc) else str(exc)},
                                 409)  # fmt: skip
    flash(
        request,
        f"Der Verwendungsnachweis ist eingereicht (Fassung {number}). Eine Bestätigung kommt per E-Mail.",
    )
    return Redirect(home(grant_id), status_code=303)


ROUTES = [
    task_list, start, narrative_form, save_narrative, actuals_form, save_actuals, receipts_page, receipt_form,
    save_receipt, delete_receipt, receipt_template, import_receipts, confirmation_form, save_confirmation, check, submit,
]  # fmt: skip
