"""The association's usage report in the JSON API (``/api/v1/grants/{grant_id}/usage-report``):
the use cases of the report's pages (:mod:`portal.usage_reports.controllers`) with their rules,
roles and scoping, and the conventions of :mod:`portal.api.v1` (session, ``x-csrftoken``,
``application/problem+json``, money as decimal strings).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post, put
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody

from grants import clock
from grants import indicators as indicator_set
from grants.errors import Invalid
from grants.services import usage_reports as reports
from grants.services.usage_reports import ActualInput, GrantReport, ReceiptInput
from grants.services.users import Principal
from portal import errors
from portal.admin.controllers import actor
from portal.api.schemas import Amount, RequestBody, Versioned, amount, checked, euro
from portal.api.v1 import PROBLEMS, changes_state, csrf_header
from portal.forms import Form
from portal.inputs import Id
from portal.usage_reports.controllers import ASSOCIATION, SIGNATORY

REPORT = "/grants/{grant_id:int}/usage-report"
Count = Annotated[int, msgspec.Meta(ge=0, le=indicator_set.MAX_COUNT)]
ApiRequest = Request[Principal, Any, Any]


async def visible_grant(
    connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler
) -> None:
    """A change to a grant the caller may not see is 404, whatever the body says."""
    grant_id = connection.path_params.get("grant_id")
    if changes_state(connection) and grant_id is not None:
        await reports.get(connection.user, grant_id)


# -- bodies ----------------------------------------------------------------------------------


class ReportLineOut(msgspec.Struct):
    line_key: str
    kind: str
    label: str
    plan: Amount
    actual: Amount | None
    note: str


class ReportCountOut(msgspec.Struct):
    indicator: str
    dimension: str
    value: int


class ReportTaskOut(msgspec.Struct):
    key: str
    title: str
    done: bool


class ReportFindingOut(msgspec.Struct):
    code: str
    blocking: bool
    message: str


class UsageReportOut(msgspec.Struct):
    """The grant's usage report with its steps, why it cannot be submitted yet and the checks."""

    grant_id: int
    file_number: str
    due_date: date | None
    started: bool
    status: str | None
    version: int | None
    simplified: bool
    confirmed: bool
    answers: dict[str, str]
    indicators: list[ReportCountOut]
    lines: list[ReportLineOut]
    receipts: int
    tasks: list[ReportTaskOut]
    problems: list[str]
    findings: list[ReportFindingOut]


class ReportStartRequest(RequestBody):
    simplified: bool = False


class ReportCountIn(RequestBody):
    indicator: str
    dimension: str
    value: Count


class NarrativeRequest(RequestBody):
    version: Id
    answers: dict[str, str]
    indicators: list[ReportCountIn]

    def counts(self) -> dict[tuple[str, str], int]:
        return {(c.indicator, c.dimension): c.value for c in self.indicators}

    def texts(self) -> dict[str, str]:
        form = Form(self.answers)
        found = {key: form.text(key, required=False, max_length=indicator_set.PROMPT_MAX, multiline=True)
                 for key, _ in indicator_set.PROMPTS}  # fmt: skip
        checked(form)
        return found


class ReportActualIn(RequestBody):
    line_key: str
    amount: Amount | None = None
    note: str = ""


class ActualsRequest(RequestBody):
    version: Id
    lines: list[ReportActualIn]
    units: Count | None = None

    def to_inputs(self, grant: GrantReport) -> list[ActualInput]:
        ids = {line.line_key: line.plan_line_id for line in grant.lines}
        form = Form({f"lines.{line.line_key}.{name}": value for line in self.lines
                     for name, value in (("amount", line.amount or ""), ("note", line.note))})  # fmt: skip
        entries = []
        for line in self.lines:
            if line.line_key not in ids:
                form.error(
                    "lines", "Ist-Beträge gibt es nur für Zeilen des bewilligten Finanzplans."
                )
                continue
            money = amount(form, f"lines.{line.line_key}.amount", required=False)
            note = form.text(f"lines.{line.line_key}.note", required=False, max_length=reports.NOTE_MAX,
                             multiline=True)  # fmt: skip
            entries.append(ActualInput(ids[line.line_key], money, note))
        checked(form)
        return entries


class ReceiptRequest(RequestBody):
    version: Id
    line_key: str
    receipt_date: date
    payee: str
    purpose: str
    amount: Amount
    paid_on: date | None = None

    def to_input(self, grant: GrantReport) -> ReceiptInput:
        form = Form(msgspec.structs.asdict(self))
        payee, purpose = form.text("payee", max_length=200), form.text("purpose", max_length=300)
        money = amount(form, "amount")
        checked(form)
        line = next((x.plan_line_id for x in grant.lines if x.line_key == self.line_key), None)
        return ReceiptInput(line, self.receipt_date, payee, purpose, money, self.paid_on)


class ConfirmationRequest(RequestBody):
    version: Id
    economical: bool
    receipts_kept: bool
    complete: bool


# -- handlers --------------------------------------------------------------------------------


async def detail(principal: Principal, grant_id: int) -> UsageReportOut:
    grant = await reports.get(principal, grant_id)
    report = grant.report
    values = await reports.indicators(report) if report else {}
    rows = await reports.receipts(report) if report and not report.simplified else []
    steps = reports.tasks(grant, values, len(rows)) if report else []
    problems, findings = [], []
    if report and reports.is_editable(grant):
        handed_back = await reports.open_change_request(report)
        until = handed_back["deadline"] if handed_back else None
        problems = reports.submission_problems(grant, steps, clock.today(), until)
        found = await reports.checks(grant, units_actual=values.get(indicator_set.UNITS), rows=rows)
        findings = [ReportFindingOut(f.code, f.blocking, f.message) for f in found.findings]
    return UsageReportOut(
        grant_id=grant.grant_id, file_number=grant.file_number,
        due_date=(report.due_date if report else None) or grant.due_date, started=report is not None,
        status=report.status.value if report else None, version=report.version if report else None,
        simplified=bool(report and report.simplified), confirmed=bool(report and report.confirmed),
        answers=report.answers if report else {},
        indicators=[ReportCountOut(i, d, v) for (i, d), v in sorted(values.items())],
        lines=[ReportLineOut(line.line_key, line.kind.value, line.label, euro(line.plan),
                       euro(line.actual) if line.actual is not None else None, line.note) for line in grant.lines],
        receipts=len(rows), tasks=[ReportTaskOut(t.key, t.title, t.done) for t in steps], problems=problems,
        findings=findings,
    )  # fmt: skip


def _named(exc: Invalid, grant: GrantReport) -> Invalid:
    """The use case's form fields as the API names them (``actual-17`` → ``lines.fees.amount``)."""
    keys = {str(line.plan_line_id): line.line_key for line in grant.lines}
    named = {}
    for field, message in exc.errors.items():
        prefix, _, line_id = field.partition("-")
        if prefix in {"actual", "note"} and line_id in keys:
            field = f"lines.{keys[line_id]}.{'amount' if prefix == 'actual' else 'note'}"
        named[field] = message
    return Invalid(named)


@get(REPORT, opt=ASSOCIATION, responses=PROBLEMS)
async def usage_report(request: ApiRequest, grant_id: FromPath[int]) -> UsageReportOut:
    return await detail(request.user, grant_id)


@post(REPORT, opt=ASSOCIATION, responses=PROBLEMS, status_code=200)
async def start(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[ReportStartRequest]
) -> UsageReportOut:
    """Open the report (once: a second call answers the same report)."""
    grant = await reports.get(request.user, grant_id)
    await reports.start(request.user, grant, data.simplified, actor(request).request_id)
    return await detail(request.user, grant_id)


@put(f"{REPORT}/narrative", opt=ASSOCIATION, responses=PROBLEMS)
async def save_narrative(request: ApiRequest, grant_id: FromPath[int],
                         data: JSONBody[NarrativeRequest]) -> UsageReportOut:  # fmt: skip
    """Step 1, the Sachbericht: the prompts' answers and the counts (they replace the counts before)."""
    grant = await reports.get(request.user, grant_id)
    texts = data.texts()
    try:
        await reports.save_narrative(
            request.user, grant, data.version, texts, data.counts(), actor(request).request_id
        )
    except Invalid as exc:
        raise _named(exc, grant) from None
    return await detail(request.user, grant_id)


@put(f"{REPORT}/actuals", opt=ASSOCIATION, responses=PROBLEMS)
async def save_actuals(request: ApiRequest, grant_id: FromPath[int],
                       data: JSONBody[ActualsRequest]) -> UsageReportOut:  # fmt: skip
    """Step 2: the actual of each line of the approved plan (and a Pauschale's units)."""
    grant = await reports.get(request.user, grant_id)
    entries = data.to_inputs(grant)
    try:
        await reports.save_actuals(
            request.user, grant, data.version, entries, actor(request).request_id, data.units
        )
    except Invalid as exc:
        raise _named(exc, grant) from None
    return await detail(request.user, grant_id)


@post(f"{REPORT}/receipts", opt=ASSOCIATION, responses=PROBLEMS, status_code=200)
async def add_receipt(request: ApiRequest, grant_id: FromPath[int],
                      data: JSONBody[ReceiptRequest]) -> UsageReportOut:  # fmt: skip
    """Step 3: one more receipt of the receipt list (numbered after the last)."""
    grant = await reports.get(request.user, grant_id)
    try:
        await reports.save_receipt(request.user, grant, data.version, None, data.to_input(grant),
                                   actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        raise Invalid(
            {"line_key" if k == "plan_line" else k: v for k, v in exc.errors.items()}
        ) from None
    return await detail(request.user, grant_id)


@put(f"{REPORT}/confirmation", opt=ASSOCIATION, responses=PROBLEMS)
async def save_confirmation(request: ApiRequest, grant_id: FromPath[int],
                            data: JSONBody[ConfirmationRequest]) -> UsageReportOut:  # fmt: skip
    """Step 4: economical and proper use, receipts kept, figures complete and correct."""
    grant = await reports.get(request.user, grant_id)
    given = {
        "economical": data.economical,
        "receipts_kept": data.receipts_kept,
        "complete": data.complete,
    }
    await reports.save_confirmation(
        request.user, grant, data.version, given, actor(request).request_id
    )
    return await detail(request.user, grant_id)


@post(f"{REPORT}/submit", opt=SIGNATORY, responses=PROBLEMS, status_code=200)
async def submit(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[Versioned]
) -> UsageReportOut:
    """A signatory submits: a frozen version; open steps and blocking checks answer 422."""
    grant = await reports.get(request.user, grant_id)
    await reports.submit(request.user, grant, data.version, actor(request).request_id)
    return await detail(request.user, grant_id)


ROUTES = [usage_report, start, save_narrative, save_actuals, add_receipt, save_confirmation, submit]


def router() -> Router:
    """Another router under ``/api/v1``; CSRF checked after access and visibility, as in v1."""
    return Router(
        path="/api/v1", route_handlers=ROUTES, guards=[visible_grant, csrf_header],
        exception_handlers=errors.API_HANDLERS, include_in_schema=True, opt={"exclude_from_csrf": True},
    )  # fmt: skip
