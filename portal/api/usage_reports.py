"""A grant's usage report (Verwendungsnachweis) in the JSON API: read by the association and the
KI, written by the association (the use cases of :mod:`portal.usage_reports.controllers`).

Mounted as another router under ``/api/v1`` with the conventions of :mod:`portal.api.v1`: the
portal's session, an access rule per route, ``application/problem+json`` errors, money as decimal
strings. The grant is loaded and authorised once per request (:func:`usage_reports.get`); the
association sees its own grants only, the KI every grant.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Request, Response, Router, delete, get, post, put
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody, MultipartBody

from grants import clock
from grants import indicators as indicator_set
from grants.errors import Invalid, NotFound
from grants.services import usage_reports as reports
from grants.services.usage_reports import ActualInput, GrantReport, ReceiptInput, ReceiptRow, Report
from grants.services.users import Principal
from grants.usage_checks import CheckReport
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES, PlanLineKind, UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus
from portal import errors
from portal.admin.controllers import actor
from portal.api.schemas import Amount, RequestBody, TaskOut, Text, Versioned, amount, checked, euro
from portal.api.v1 import PROBLEMS, changes_state, csrf_header, named, paged
from portal.auth.access import access, roles
from portal.forms import Form
from portal.inputs import Id, QueryNumber
from portal.usage_reports.controllers import ASSOCIATION, IMPORT_LIMIT, SIGNATORY, template_facts
from reports.excel import receipt_list

READER = access(roles(*ORGANISATION_ROLES, *STAFF_ROLES))
GRANT = "/grants/{grant_id:int}"
# A count of the Sachbericht: documented here, checked with a German message by the request.
Count = Annotated[
    int, msgspec.Meta(extra_json_schema={"minimum": 0, "maximum": indicator_set.MAX_COUNT})
]

ApiRequest = Request[Principal, Any, Any]


class ReportLineOut(msgspec.Struct):
    """A line of the approved plan (as amended) with the actual the association reported and
    what the KI recognised; ``actual`` and ``recognised`` are null until given."""

    plan_line_id: int
    line_key: str
    kind: PlanLineKind
    label: str
    plan: Amount
    amended: bool
    actual: Amount | None
    note: str
    recognised: Amount | None
    reason: str


class IndicatorOut(msgspec.Struct):
    """A count of the Sachbericht: an indicator with one dimension value."""

    indicator: str
    dimension: str
    value: int


class FindingOut(msgspec.Struct):
    """A result of the automatic checks; a blocking one prevents the submission."""

    code: str
    blocking: bool
    message: str
    line_key: str | None
    receipt_number: int | None


class ChecksOut(msgspec.Struct):
    """The automatic checks with the final grant Z′ as it would be computed now, what was paid
    out, the refund or subsequent payment, extra revenues and late-use interest."""

    blocking: bool
    findings: list[FindingOut]
    final_grant: Amount
    paid: Amount
    refund: Amount
    subsequent: Amount
    extra_revenue: Amount
    late_use_interest: Amount

    @classmethod
    def of(cls, found: CheckReport) -> ChecksOut:
        return cls(
            blocking=found.blocking,
            findings=[FindingOut(f.code, f.blocking, f.message, f.line_key, f.receipt_number) for f in found.findings],
            final_grant=euro(found.final_grant), paid=euro(found.paid), refund=euro(found.refund),
            subsequent=euro(found.subsequent), extra_revenue=euro(found.extra_revenue),
            late_use_interest=euro(found.late_use_interest),
        )  # fmt: skip


class ChangeRequestOut(msgspec.Struct):
    """The KI's open Nachforderung: what to change, by when."""

    points: str
    deadline: date | None
    requested_at: datetime


class UsageReportOut(msgspec.Struct):
    """The grant's current usage report: its state, the plan's lines with their actuals, the
    Sachbericht (``answers`` to the prompts, ``indicators``), the number of receipts, the
    automatic checks, an open Nachforderung and — while it can be changed — its ``tasks`` and
    ``submission_problems`` (why it cannot be submitted yet)."""

    grant_id: int
    grant_status: GrantStatus
    file_number: str
    title: str
    organisation_id: int
    organisation: str
    approved: Amount
    id: int
    version: int
    status: UsageReportStatus
    status_label: str
    kind: UsageReportKind
    due_date: date | None
    period_start: date | None
    period_end: date | None
    simplified: bool
    confirmed: bool
    submitted_at: datetime | None
    lines: list[ReportLineOut]
    answers: dict[str, str]
    indicators: list[IndicatorOut]
    receipt_count: int
    checks: ChecksOut
    change_request: ChangeRequestOut | None
    tasks: list[TaskOut]
    submission_problems: list[str]

    @classmethod
    def of(cls, grant: GrantReport, report: Report, counts: dict[tuple[str, str], int], found: CheckReport,
           receipt_count: int, handed_back: dict[str, Any] | None, steps: list[reports.Task],
           problems: list[str]) -> UsageReportOut:  # fmt: skip
        return cls(
            grant_id=grant.grant_id, grant_status=grant.grant_status, file_number=grant.file_number,
            title=grant.title, organisation_id=grant.organisation_id, organisation=grant.organisation,
            approved=euro(grant.approved), id=report.id, version=report.version, status=report.status,
            status_label=report.status.label, kind=report.kind, due_date=report.due_date or grant.due_date,
            period_start=report.period_start or grant.period_start,
            period_end=report.period_end or grant.period_end, simplified=report.simplified,
            confirmed=report.confirmed, submitted_at=report.submitted_at,
            lines=[ReportLineOut(
                line.plan_line_id, line.line_key, line.kind, line.label, euro(line.plan), line.amended,
                euro(line.actual) if line.actual is not None else None, line.note,
                euro(line.recognised) if line.recognised is not None else None, line.reason,
            ) for line in grant.lines],
            answers=report.answers,
            indicators=[IndicatorOut(i, d, v) for (i, d), v in sorted(counts.items())],
            receipt_count=receipt_count, checks=ChecksOut.of(found),
            change_request=ChangeRequestOut(handed_back["points"], handed_back["deadline"],
                                            handed_back["requested_at"]) if handed_back else None,
            tasks=[TaskOut(t.key, t.title, t.done) for t in steps], submission_problems=problems,
        )  # fmt: skip


class ReceiptOut(msgspec.Struct):
    """An entry of the receipt list; ``line_key`` names its line of the plan."""

    id: int
    version: int
    number: int
    kind: PlanLineKind
    line_key: str | None
    receipt_date: date | None
    payee: str
    purpose: str
    amount: Amount
    paid_on: date | None
    recognised: Amount | None
    reason: str
    sampled: bool

    @classmethod
    def of(cls, row: ReceiptRow, line_keys: dict[int, str]) -> ReceiptOut:
        return cls(
            id=row.id, version=row.version, number=row.number, kind=row.kind,
            line_key=line_keys.get(row.actual_line_id) if row.actual_line_id else None,
            receipt_date=row.receipt_date, payee=row.payee, purpose=row.purpose, amount=euro(row.amount),
            paid_on=row.paid_on, recognised=euro(row.recognised) if row.recognised is not None else None,
            reason=row.reason, sampled=row.sampled,
        )  # fmt: skip


def current(grant: GrantReport) -> Report:
    """The grant's report; a grant without one is 404 like one the caller may not see."""
    if grant.report is None:
        raise NotFound(grant.grant_id)
    return grant.report


async def report_out(grant: GrantReport) -> UsageReportOut:
    """The report with its counts, receipts (read once, for the checks and their number), the
    automatic checks and, while it can be changed, its steps and why it cannot be submitted yet."""
    report = current(grant)
    counts = await reports.indicators(report)
    rows = await reports.receipts(report)
    found = await reports.checks(grant, units_actual=counts.get(indicator_set.UNITS), rows=rows)
    handed_back = await reports.open_change_request(report)
    steps, problems = [], []
    if reports.is_editable(grant):
        steps = reports.tasks(grant, counts, len(rows))
        until = handed_back["deadline"] if handed_back else None
        problems = reports.submission_problems(grant, steps, clock.today(), until)
        problems += [finding.message for finding in found.findings if finding.blocking]
    return UsageReportOut.of(grant, report, counts, found, len(rows), handed_back, steps, problems)


@get(f"{GRANT}/usage-report", opt=READER, responses=PROBLEMS)
async def usage_report(request: ApiRequest, grant_id: FromPath[int]) -> UsageReportOut:
    """The grant's current usage report with its lines, Sachbericht and automatic checks; 404
    while there is none."""
    return await report_out(await reports.get(request.user, grant_id))


@get(f"{GRANT}/usage-report/receipts", opt=READER, responses=PROBLEMS)
async def receipt_list_page(
    request: ApiRequest, grant_id: FromPath[int], page: QueryNumber = 1
) -> Response[list[ReceiptOut]]:
    """The report's receipt list in number order, 50 a page; the ``Link`` header names the
    next page."""
    grant = await reports.get(request.user, grant_id)
    found = await reports.receipt_page(current(grant), page)
    keys = {line.actual_line_id: line.line_key for line in grant.lines if line.actual_line_id}
    url = f"/api/v1/grants/{grant_id}/usage-report/receipts"
    return paged([ReceiptOut.of(row, keys) for row in found], found, url)


# -- the association's steps ------------------------------------------------------------------
# A change passes, in this order: the route's access rule (401/403), the grant being visible to
# the caller (404, before the body is read; the grant loaded there is the one the use case gets)
# and the ``x-csrftoken`` header (403). Each handler calls the use case the page calls and
# answers the report's new state.

LOADED = "api_usage_report_grant"


async def visible_grant(
    connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler
) -> None:
    """A change to a grant the caller may not see is 404, whatever the body says."""
    grant_id = connection.path_params.get("grant_id")
    if changes_state(connection) and grant_id is not None:
        connection.scope["state"][LOADED] = await reports.get(connection.user, grant_id)


def loaded(request: ApiRequest) -> GrantReport:
    """The grant :func:`visible_grant` loaded for this request."""
    grant: GrantReport = request.scope["state"][LOADED]
    return grant


async def answer(request: ApiRequest, grant_id: int) -> UsageReportOut:
    """The report as it is after the change."""
    return await report_out(await reports.get(request.user, grant_id))


def lines_by_key(grant: GrantReport) -> dict[str, reports.ReportLine]:
    return {line.line_key: line for line in grant.lines}


class StartReportRequest(RequestBody):
    """``simplified``: the einfacher Verwendungsnachweis without receipt list, where the
    programme allows it."""

    simplified: bool = False


class IndicatorIn(RequestBody):
    """A count of the Sachbericht; a VZÄ (``staff``/``fte_milli``) in thousandths."""

    indicator: str
    dimension: str
    value: Count


class NarrativeRequest(Versioned, kw_only=True):
    """The Sachbericht: ``answers`` to the prompts (key → text; a prompt left out is empty) and
    the counts, which replace those saved before."""

    answers: dict[str, str] = msgspec.field(default_factory=dict)
    indicators: list[IndicatorIn] = msgspec.field(default_factory=list)

    def to_input(self) -> tuple[dict[str, str], dict[tuple[str, str], int]]:
        form = Form({f"answers.{key}": text for key, text in self.answers.items()})
        prompts = dict(indicator_set.PROMPTS)
        for asked in self.answers:
            if asked not in prompts:
                form.error(f"answers.{asked}", "Diese Frage gibt es im Sachbericht nicht.")
        answers = {key: form.text(f"answers.{key}", required=False, max_length=indicator_set.PROMPT_MAX,
                                  multiline=True) for key in prompts}  # fmt: skip
        cells = {(i.key, d.key) for i, d in indicator_set.cells()}
        counts: dict[tuple[str, str], int] = {}
        for n, item in enumerate(self.indicators):
            key = (item.indicator, item.dimension)
            if key not in cells:
                form.error(f"indicators[{n}]", "Diese Kennzahl gibt es im Sachbericht nicht.")
            elif key in counts:
                form.error(f"indicators[{n}]", "Diese Kennzahl ist doppelt angegeben.")
            elif not 0 <= item.value <= indicator_set.MAX_COUNT:
                form.error(f"indicators[{n}].value",
                           f"Bitte eine Zahl zwischen 0 und {indicator_set.MAX_COUNT} angeben.")  # fmt: skip
            counts.setdefault(key, item.value)
        checked(form)
        return answers, counts


class ActualIn(RequestBody):
    """The actual amount of a line of the approved plan (``null``: not entered) and the
    explanation, required where it deviates from the plan by more than 20 %."""

    line_key: str
    amount: Amount | None = None
    note: str = ""


class ActualsRequest(Versioned, kw_only=True):
    """The zahlenmäßiger Nachweis: the lines given are saved, the others stay as they are;
    ``units``: for a Pauschale, the units actually operated."""

    lines: list[ActualIn]
    units: Count | None = None

    def to_input(self, grant: GrantReport) -> tuple[list[ActualInput], dict[str, str]]:
        """The entries, and how the use case's field names read in the API."""
        form = Form({f"lines[{n}].{k}": v for n, line in enumerate(self.lines)
                     for k, v in msgspec.structs.asdict(line).items()})  # fmt: skip
        known = lines_by_key(grant)
        entries: list[ActualInput] = []
        names: dict[str, str] = {}
        for n, line in enumerate(self.lines):
            found = known.get(line.line_key)
            if found is None:
                form.error(
                    f"lines[{n}].line_key",
                    "Ist-Beträge gibt es nur für Zeilen des bewilligten Finanzplans.",
                )
                continue
            amount_of = amount(form, f"lines[{n}].amount", required=False)
            note = form.text(
                f"lines[{n}].note", required=False, max_length=reports.NOTE_MAX, multiline=True
            )
            entries.append(ActualInput(found.plan_line_id, amount_of, note))
            names |= {f"actual-{found.plan_line_id}": f"lines[{n}].amount",
                      f"note-{found.plan_line_id}": f"lines[{n}].note"}  # fmt: skip
        if self.units is not None and not 0 <= self.units <= indicator_set.MAX_COUNT:
            form.error(
                "units", f"Bitte eine Zahl zwischen 0 und {indicator_set.MAX_COUNT} angeben."
            )
        if reports.per_unit(grant) and self.units is None:
            form.error("units", "Bitte die Zahl der tatsächlich erbrachten Einheiten angeben.")
        checked(form)
        return entries, names


class ReceiptRequest(Versioned, kw_only=True):
    """An entry of the receipt list: its plan line (``line_key``), date, payee or payer,
    purpose, amount and the day it was paid."""

    line_key: str
    receipt_date: date
    payee: Text
    purpose: Text
    amount: Amount
    paid_on: date | None = None

    def to_input(self, grant: GrantReport) -> ReceiptInput:
        form = Form(msgspec.structs.asdict(self))
        line = lines_by_key(grant).get(self.line_key)
        data = ReceiptInput(
            plan_line_id=line.plan_line_id if line else None, receipt_date=self.receipt_date,
            payee=form.text("payee", max_length=200), purpose=form.text("purpose", max_length=300),
            amount=amount(form, "amount"), paid_on=self.paid_on,
        )  # fmt: skip
        checked(form)
        return data


class ImportRequest(RequestBody):
    """multipart/form-data: ``version`` and ``file``, the grant's filled-in receipt list
    template (.xlsx); it replaces the receipt list, all rows or none."""

    version: Id
    file: UploadFile


class ConfirmationRequest(Versioned, kw_only=True):
    """The confirmations: used economically and for the purpose only; receipts kept five years;
    complete and true. Each must be ``true``."""

    economical: bool = False
    receipts_kept: bool = False
    complete: bool = False


@post(f"{GRANT}/usage-report", opt=ASSOCIATION, responses=PROBLEMS)
async def start(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[StartReportRequest]
) -> UsageReportOut:
    """Open the grant's usage report once it is owed (a second start answers the first)."""
    await reports.start(request.user, loaded(request), data.simplified, actor(request).request_id)
    return await answer(request, grant_id)


@put(f"{GRANT}/usage-report/narrative", opt=ASSOCIATION, responses=PROBLEMS)
async def save_narrative(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[NarrativeRequest]
) -> UsageReportOut:
    """Step 1: the Sachbericht."""
    answers, counts = data.to_input()
    await reports.save_narrative(request.user, loaded(request), data.version, answers, counts,
                                 actor(request).request_id)  # fmt: skip
    return await answer(request, grant_id)


@put(f"{GRANT}/usage-report/actuals", opt=ASSOCIATION, responses=PROBLEMS)
async def save_actuals(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[ActualsRequest]
) -> UsageReportOut:
    """Step 2: the actual expenses and revenues per line of the approved plan."""
    grant = loaded(request)
    entries, names = data.to_input(grant)
    await named(reports.save_actuals(request.user, grant, data.version, entries, actor(request).request_id,
                                     data.units), **names)  # fmt: skip
    return await answer(request, grant_id)


class ReceiptCreated(msgspec.Struct):
    """A new receipt's id with the report's new state (as ``LineCreated`` for a plan line)."""

    receipt_id: int
    report: UsageReportOut


@post(f"{GRANT}/usage-report/receipts", opt=ASSOCIATION, responses=PROBLEMS)
async def add_receipt(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[ReceiptRequest]
) -> ReceiptCreated:
    """Step 3: a receipt, numbered after the last; answers its ``receipt_id``."""
    grant = loaded(request)
    receipt_id = await named(reports.save_receipt(request.user, grant, data.version, None, data.to_input(grant),
                                                  actor(request).request_id), plan_line="line_key")  # fmt: skip
    return ReceiptCreated(receipt_id, await answer(request, grant_id))


@put(f"{GRANT}/usage-report/receipts/{{receipt_id:int}}", opt=ASSOCIATION, responses=PROBLEMS)
async def save_receipt(
    request: ApiRequest,
    grant_id: FromPath[int],
    receipt_id: FromPath[int],
    data: JSONBody[ReceiptRequest],
) -> UsageReportOut:
    grant = loaded(request)
    await named(reports.save_receipt(request.user, grant, data.version, receipt_id, data.to_input(grant),
                                     actor(request).request_id), plan_line="line_key")  # fmt: skip
    return await answer(request, grant_id)


@delete(f"{GRANT}/usage-report/receipts/{{receipt_id:int}}", opt=ASSOCIATION, responses=PROBLEMS,
        status_code=200)  # fmt: skip
async def delete_receipt(
    request: ApiRequest, grant_id: FromPath[int], receipt_id: FromPath[int], version: QueryNumber
) -> UsageReportOut:
    await reports.delete_receipt(request.user, loaded(request), version, receipt_id,
                                 actor(request).request_id)  # fmt: skip
    return await answer(request, grant_id)


@post(f"{GRANT}/usage-report/receipts/import", opt=ASSOCIATION, responses=PROBLEMS,
      request_max_body_size=IMPORT_LIMIT, status_code=200)  # fmt: skip
async def import_receipts(
    request: ApiRequest, grant_id: FromPath[int], data: MultipartBody[ImportRequest]
) -> UsageReportOut:
    """Step 3: replace the receipt list by the grant's filled-in Excel template
    (``…/verwendungsnachweis/belege/vorlage.xlsx``); every problem answers 422 in
    ``errors`` (``file[0]``, ``file[1]`` …), and nothing is taken over."""
    grant = loaded(request)
    reports.receipt_list_editable(request.user, grant, data.version)
    try:
        imported = await anyio.to_thread.run_sync(
            receipt_list.read, await data.file.read(), template_facts(grant)
        )
        await reports.import_receipts(
            request.user, grant, data.version, imported, actor(request).request_id
        )
    except receipt_list.ReceiptListRefused as exc:
        raise Invalid({f"file[{n}]": problem for n, problem in enumerate(exc.problems)}) from None
    except Invalid as exc:
        raise Invalid(
            {f"file[{n}]": problem for n, problem in enumerate(exc.errors.values())}
        ) from None
    return await answer(request, grant_id)


@put(f"{GRANT}/usage-report/confirmation", opt=ASSOCIATION, responses=PROBLEMS)
async def save_confirmation(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[ConfirmationRequest]
) -> UsageReportOut:
    """Step 4: the confirmation of economical and proper use."""
    given = {key: bool(getattr(data, key)) for key, _ in reports.CONFIRMATIONS}
    await reports.save_confirmation(request.user, loaded(request), data.version, given,
                                    actor(request).request_id)  # fmt: skip
    return await answer(request, grant_id)


@post(f"{GRANT}/usage-report/submit", opt=SIGNATORY, responses=PROBLEMS, status_code=200)
async def submit(
    request: ApiRequest, grant_id: FromPath[int], data: JSONBody[Versioned]
) -> UsageReportOut:
    """Step 5 (signatories): submit, which freezes a version; why it cannot be submitted yet
    (steps not done, blocking findings of the checks) answers 422."""
    await reports.submit(request.user, loaded(request), data.version, actor(request).request_id)
    return await answer(request, grant_id)


ROUTES = [
    usage_report, receipt_list_page, start, save_narrative, save_actuals, add_receipt,
    save_receipt, delete_receipt, import_receipts, save_confirmation, submit,
]  # fmt: skip


def router() -> Router:
    """Another router under ``/api/v1``; CSRF is checked by :func:`csrf_header` after access and
    visibility."""
    return Router(
        path="/api/v1", route_handlers=ROUTES, guards=[visible_grant, csrf_header],
        exception_handlers=errors.API_HANDLERS,
        include_in_schema=True, opt={"exclude_from_csrf": True},
    )  # fmt: skip
