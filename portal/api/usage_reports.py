"""A grant's usage report (Verwendungsnachweis) and its settlement in the JSON API.

Mounted as another router under ``/api/v1`` with the conventions of :mod:`portal.api.v1`: the
portal's session, an access rule per route, ``application/problem+json`` errors, money as decimal
strings. The grant is loaded and authorised once per request (:func:`usage_reports.get`); the
association sees its own grants only, the KI every grant.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Request, Response, Router, get
from litestar.params import FromPath

from grants.errors import NotFound
from grants.money import Money
from grants.services import usage_reports as reports
from grants.services.usage_reports import GrantReport, ReceiptRow, Report
from grants.services.users import Principal
from grants.tables import Settlement
from grants.usage_checks import CheckReport
from grants.vocabulary import ORGANISATION_ROLES, STAFF_ROLES, PlanLineKind, UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus
from portal import errors
from portal.api.schemas import Amount, euro
from portal.api.v1 import PROBLEMS, paged
from portal.auth.access import access, roles
from portal.inputs import QueryNumber

READER = access(roles(*ORGANISATION_ROLES, *STAFF_ROLES))
GRANT = "/grants/{grant_id:int}"

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


class UsageReportOut(msgspec.Struct):
    """The grant's current usage report: its state, the plan's lines with their actuals, the
    Sachbericht (``answers`` to the prompts, ``indicators``) and the automatic checks."""

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
    checks: ChecksOut

    @classmethod
    def of(cls, grant: GrantReport, report: Report, counts: dict[tuple[str, str], int],
           found: CheckReport) -> UsageReportOut:  # fmt: skip
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
            checks=ChecksOut.of(found),
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
    report = current(grant)
    counts = await reports.indicators(report)
    found = await reports.checks(grant)
    return UsageReportOut.of(grant, report, counts, found)


@get(f"{GRANT}/usage-report", opt=READER, responses=PROBLEMS)
async def usage_report(request: ApiRequest, grant_id: FromPath[int]) -> UsageReportOut:
    """The grant's current usage report with its lines, Sachbericht and automatic checks; 404
    while there is none."""
    return await report_out(await reports.get(request.user, grant_id))


@get(f"{GRANT}/usage-report/receipts", opt=READER, responses=PROBLEMS)
async def receipt_list(
    request: ApiRequest, grant_id: FromPath[int], page: QueryNumber = 1
) -> Response[list[ReceiptOut]]:
    """The report's receipt list in number order, 50 a page; the ``Link`` header names the
    next page."""
    grant = await reports.get(request.user, grant_id)
    found = await reports.receipt_page(current(grant), page)
    keys = {line.actual_line_id: line.line_key for line in grant.lines if line.actual_line_id}
    url = f"/api/v1/grants/{grant_id}/usage-report/receipts"
    return paged([ReceiptOut.of(row, keys) for row in found], found, url)


class SettlementOut(msgspec.Struct):
    """The grant's settlement (Abrechnung): recognised expenses A′ and other funding D′, the final
    grant Z′, what was paid, the refund or subsequent payment, interest (§ 49a Abs. 3 VwVfG NRW)
    from ``interest_from`` and late-use interest (Abs. 4), the hearing, the refund decision and
    the repayment."""

    id: int
    version: int
    grant_id: int
    usage_report_id: int
    recognised_expenses: Amount
    recognised_other_funding: Amount
    final_grant: Amount
    paid: Amount
    refund: Amount
    subsequent: Amount
    interest: Amount
    late_use_interest: Amount
    interest_from: date | None
    refund_due_date: date | None
    hearing_sent_at: datetime | None
    hearing_deadline: date | None
    refund_decided_at: datetime | None
    repaid: Amount
    repaid_at: datetime | None
    cash_reference: str
    settled_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> SettlementOut:
        return cls(
            id=row["id"], version=row["version"], grant_id=row["grant"], usage_report_id=row["usage_report"],
            recognised_expenses=euro(Money(row["recognised_expenses_cents"])),
            recognised_other_funding=euro(Money(row["recognised_other_funding_cents"])),
            final_grant=euro(Money(row["final_cents"])), paid=euro(Money(row["paid_cents"])),
            refund=euro(Money(row["refund_cents"])), subsequent=euro(Money(row["subsequent_cents"])),
            interest=euro(Money(row["interest_cents"])),
            late_use_interest=euro(Money(row["late_use_interest_cents"])), interest_from=row["interest_from"],
            refund_due_date=row["refund_due_date"], hearing_sent_at=row["hearing_sent_at"],
            hearing_deadline=row["hearing_deadline"], refund_decided_at=row["refund_decided_at"],
            repaid=euro(Money(row["repaid_cents"])), repaid_at=row["repaid_at"],
            cash_reference=row["cash_reference"], settled_at=row["created_at"],
        )  # fmt: skip


@get(f"{GRANT}/settlement", opt=READER, responses=PROBLEMS)
async def settlement(request: ApiRequest, grant_id: FromPath[int]) -> SettlementOut:
    """The grant's settlement; 404 while it is not settled."""
    grant = await reports.get(request.user, grant_id)
    row = await Settlement.select().where(Settlement.grant == grant.grant_id).order_by(
        Settlement.id, ascending=False).first()  # fmt: skip
    if row is None:
        raise NotFound(grant_id)
    return SettlementOut.of(row)


ROUTES = [usage_report, receipt_list, settlement]


def router() -> Router:
    """Another router under ``/api/v1``."""
    return Router(
        path="/api/v1", route_handlers=ROUTES, exception_handlers=errors.API_HANDLERS,
        include_in_schema=True, opt={"exclude_from_csrf": True},
    )  # fmt: skip
