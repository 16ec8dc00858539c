"""Usage reports (Verwendungsnachweise): a grant with its current report, loaded and authorised
once per request and passed down to the use cases of the association, the review and the
settlement.

:func:`get` reads the grant, its current decision, the approved plan (as amendments changed it)
and the current report with its actual lines in four queries; the receipts, which may run into
thousands, are read separately (:func:`receipts`, :func:`receipt_page`).

The association's use cases follow: :func:`start`, :func:`save_narrative`, :func:`save_actuals`,
:func:`save_receipt` / :func:`delete_receipt` / :func:`import_receipts`, :func:`save_confirmation`
and :func:`submit` (a signatory; freezes a :class:`~grants.tables.UsageReportVersion`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from piccolo.query.functions.aggregate import Count, Sum

from grants import audit, clock, db, notifications, usage_checks
from grants import indicators as indicator_set
from grants.audit import Actor
from grants.clock import BERLIN
from grants.deadlines import ReportDue, interim_reports, usage_report_due
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import Parameters
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.services import base_rates
from grants.services.payments import STAFF, parameters_of, refresh_next_instalments
from grants.services.users import Principal
from grants.settings import get_settings
from grants.tables import (
    ActualLine,
    Amendment,
    Application,
    Attachment,
    ChangeRequest,
    GrantAward,
    IndicatorValue,
    Organisation,
    PaymentOrder,
    PlanLine,
    Receipt,
    UsageReport,
    UsageReportVersion,
    User,
)
from grants.vocabulary import (
    ExpenseCategory,
    FinancingType,
    Labelled,
    PlanLineKind,
    RevenueType,
    Role,
    UsageReportKind,
)
from grants.workflow import (
    GRANT,
    REPORTING,
    USAGE_REPORT,
    GrantStatus,
    PaymentOrderStatus,
    TransitionNotAllowed,
    UsageReportStatus,
    advance,
)

CATEGORY_LABELS = dict(ExpenseCategory.choices()) | dict(RevenueType.choices())
UNRECEIPTED = frozenset({RevenueType.OWN_FUNDS, RevenueType.OWN_WORK})  # no receipts prove them
RECEIPTS_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class ReportLine:
    """A line of the approved plan (as amended) with the report's actual and its assessment."""

    plan_line_id: int
    line_key: str
    kind: PlanLineKind
    label: str
    plan: Money
    amended: bool  # an Änderungsbescheid set this line's plan
    actual_line_id: int | None
    actual: Money | None  # None: not entered yet
    note: str  # the association's explanation
    recognised: Money | None  # None: not assessed yet
    reason: str  # the KI's reason for reducing or refusing
    receipted: bool = True  # proved by receipts; not own funds or own work


@dataclass(frozen=True, slots=True)
class Report:
    """The grant's current usage report (final, or the interim report being written)."""

    id: int
    version: int
    kind: UsageReportKind
    status: UsageReportStatus
    period_start: date | None
    period_end: date | None
    due_date: date | None
    narrative: str
    answers: dict[str, str]
    simplified: bool
    confirmed: bool
    sample: dict[str, Any]
    reviewer_id: int | None
    submitted_by_id: int | None
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class GrantReport:
    """A grant as its usage report needs it: decision, approved plan and the current report."""

    grant_id: int
    grant_version: int
    grant_status: GrantStatus
    application_id: int
    organisation_id: int
    organisation: str
    file_number: str
    title: str
    programme: str
    simplified_allowed: bool  # the programme allows the einfacher Verwendungsnachweis
    decision_id: int
    decided_at: datetime
    parameters: Parameters
    approved: Money
    period_start: date | None
    period_end: date | None
    due_date: date | None  # of the final report, as the decision set it
    report: Report | None
    lines: tuple[ReportLine, ...]
    interim_allowed: bool = False  # the programme asks for interim reports (Zwischennachweise)
    started: tuple[tuple[UsageReportKind, date | None], ...] = ()  # every report's (kind, end)

    @property
    def expenses(self) -> tuple[ReportLine, ...]:
        return tuple(line for line in self.lines if line.kind is PlanLineKind.EXPENSE)

    @property
    def revenues(self) -> tuple[ReportLine, ...]:
        return tuple(line for line in self.lines if line.kind is PlanLineKind.REVENUE)


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    id: int
    version: int
    number: int
    kind: PlanLineKind
    actual_line_id: int | None
    receipt_date: date | None
    payee: str
    purpose: str
    amount: Money
    paid_on: date | None
    recognised: Money | None
    reason: str
    sampled: bool


def line_label(category: str, description: str) -> str:
    """How a plan line is named on pages and in documents: "Honorare: Sprachkurs"."""
    name = CATEGORY_LABELS.get(category, category)
    return f"{name}: {description}" if description else name


def may_see(principal: Principal, organisation_id: int) -> bool:
    """Staff see every grant; an association's people only their organisation's."""
    return bool(principal.roles & STAFF) or organisation_id in principal.organisation_ids


async def get(principal: Principal, grant_id: int) -> GrantReport:
    """The grant with its current report, or :class:`NotFound` for whoever may not see it.

    A grant may have several reports (interim reports for ended fiscal years, then the final
    one). The current report — the one the association's and the KI's pages work on — is the
    latest report not yet accepted, else the latest one. As a grant starts its next report only
    once the one before is accepted (:func:`next_report`), the final report, once started, is
    always the current one (the settlement relies on it).
    """
    application = GrantAward.application
    decision = GrantAward.current_decision
    row = await GrantAward.select(
        GrantAward.id, GrantAward.version, GrantAward.status, GrantAward.application,
        application.organisation.as_alias("organisation_id"),
        application.organisation.legal_name.as_alias("organisation"),  # type: ignore[union-attr]
        application.file_number.as_alias("file_number"), application.title.as_alias("title"),
        application.call.programme.name.as_alias("programme"),  # type: ignore[union-attr]
        application.call.programme.simplified_report.as_alias("simplified_allowed"),  # type: ignore[union-attr]
        application.call.programme.interim_reports.as_alias("interim_allowed"),  # type: ignore[union-attr]
        *decision.all_columns(),
    ).where(GrantAward.id == grant_id).first()  # fmt: skip
    if row is None or not may_see(principal, row["organisation_id"]):
        raise NotFound(grant_id)
    current = {key.removeprefix("current_decision."): value for key, value in row.items()
               if key.startswith("current_decision.")}  # fmt: skip
    report_rows = (
        await UsageReport.select()
        .where(UsageReport.grant == grant_id)
        .order_by(UsageReport.id, ascending=False)
        .output(load_json=True)
    )  # at most one per fiscal year of the approval period
    report_row = next(
        (r for r in report_rows if r["status"] != UsageReportStatus.ACCEPTED),
        report_rows[0] if report_rows else None,
    )
    report = _report(report_row) if report_row else None
    return GrantReport(
        grant_id=row["id"], grant_version=row["version"], grant_status=GrantStatus(row["status"]),
        application_id=row["application"], organisation_id=row["organisation_id"],
        organisation=row["organisation"], file_number=row["file_number"] or str(row["application"]),
        title=row["title"], programme=row["programme"], simplified_allowed=row["simplified_allowed"],
        decision_id=current["id"], decided_at=current["decided_at"], parameters=parameters_of(current),
        approved=Money(current["approved_cents"]), period_start=current["period_start"],
        period_end=current["period_end"], due_date=current["usage_report_due"], report=report,
        lines=await _lines(grant_id, row["application"], report.id if report else None),
        interim_allowed=row["interim_allowed"],
        started=tuple((UsageReportKind(r["kind"]), r["period_end"]) for r in report_rows),
    )  # fmt: skip


def _report(row: dict[str, Any]) -> Report:
    return Report(
        id=row["id"], version=row["version"], kind=UsageReportKind(row["kind"]),
        status=UsageReportStatus(row["status"]), period_start=row["period_start"],
        period_end=row["period_end"], due_date=row["due_date"], narrative=row["narrative"],
        answers=dict(row["answers"] or {}), simplified=row["simplified"], confirmed=row["confirmed"],
        sample=dict(row["sample"] or {}), reviewer_id=row["reviewer"], submitted_by_id=row["submitted_by"],
        submitted_at=row["submitted_at"],
    )  # fmt: skip


async def _lines(
    grant_id: int, application_id: int, report_id: int | None
) -> tuple[ReportLine, ...]:
    plan = await PlanLine.select(
        PlanLine.id, PlanLine.line_key, PlanLine.kind, PlanLine.category, PlanLine.description,
        PlanLine.amount_cents,
    ).where(PlanLine.application == application_id).order_by(PlanLine.kind).order_by(
        PlanLine.position).order_by(PlanLine.id)  # fmt: skip
    amended = await _amended_plan(grant_id)
    actuals = {}
    if report_id is not None:
        actuals = {
            r["plan_line"]: r
            for r in await ActualLine.select().where(ActualLine.usage_report == report_id)
        }
    lines = []
    for line in plan:
        actual = actuals.get(line["id"])
        key = line["line_key"]
        lines.append(ReportLine(
            plan_line_id=line["id"], line_key=key, kind=PlanLineKind(line["kind"]),
            label=line_label(line["category"], line["description"]),
            plan=Money(amended.get(key, line["amount_cents"])), amended=key in amended,
            actual_line_id=actual["id"] if actual else None,
            actual=Money(actual["amount_cents"]) if actual else None, note=actual["note"] if actual else "",
            recognised=Money(actual["recognised_cents"]) if actual and actual["recognised_cents"] is not None else None,
            reason=actual["reason"] if actual else "", receipted=line["category"] not in UNRECEIPTED,
        ))  # fmt: skip
    return tuple(lines)


async def _amended_plan(grant_id: int) -> dict[str, int]:
    """line_key → the amount the approved amendments set last (in the order they were approved)."""
    rows = await Amendment.select(Amendment.plan).where(
        (Amendment.grant == grant_id) & (Amendment.status == "approved")
    ).order_by(Amendment.decided_at).output(load_json=True)  # fmt: skip
    return {item["line_key"]: item["amount_cents"] for row in rows for item in row["plan"] or []}


def receipt_row(row: dict[str, Any]) -> ReceiptRow:
    """A receipt as the pages show it, from its table row."""
    return ReceiptRow(
        id=row["id"], version=row["version"], number=row["number"], kind=PlanLineKind(row["kind"]),
        actual_line_id=row["actual_line"], receipt_date=row["receipt_date"], payee=row["payee"],
        purpose=row["purpose"], amount=Money(row["amount_cents"]), paid_on=row["paid_on"],
        recognised=Money(row["recognised_cents"]) if row["recognised_cents"] is not None else None,
        reason=row["reason"], sampled=row["sampled"],
    )  # fmt: skip


async def receipts(report: Report) -> list[ReceiptRow]:
    """Every receipt of the report in number order (for the checks, the sample and documents)."""
    rows = await Receipt.select().where(Receipt.usage_report == report.id).order_by(Receipt.number)
    return [receipt_row(row) for row in rows]


async def receipt_page(report: Report, number: int = 1) -> Page[ReceiptRow]:
    """One page of the receipt list, in number order (the index ux_receipt_usage_report_number)."""
    limit, offset = window(number, RECEIPTS_PER_PAGE)
    rows = await Receipt.select().where(Receipt.usage_report == report.id).order_by(
        Receipt.number).limit(limit).offset(offset)  # fmt: skip
    return page_of([receipt_row(row) for row in rows], number, RECEIPTS_PER_PAGE)


async def indicators(report: Report) -> dict[tuple[str, str], int]:
    """The Sachbericht's counts: (indicator, dimension) → value."""
    rows = await IndicatorValue.select(
        IndicatorValue.indicator, IndicatorValue.dimension, IndicatorValue.value
    ).where(IndicatorValue.usage_report == report.id)
    return {(r["indicator"], r["dimension"]): r["value"] for r in rows}


async def checks(
    grant: GrantReport,
    *,
    recognised: bool = False,
    units_actual: int | None = None,
    rows: list[ReceiptRow] | None = None,
) -> usage_checks.CheckReport:
    """The automatic checks of the grant's current report: its lines, receipts, the payouts
    marked paid and the base rates. With ``recognised``, each line counts with the amount the
    KI recognised (where assessed) instead of the reported actual — the settlement's figures.
    ``rows``: the report's receipts where the caller has read them already. The period is the
    report's own (an interim report's fiscal year), else the approval period."""
    report = grant.report
    found: list[ReceiptRow] = []
    if report is not None and not report.simplified:
        found = rows if rows is not None else await receipts(report)
    key_of: dict[int | None, str] = {
        line.actual_line_id: line.line_key for line in grant.lines if line.actual_line_id
    }
    paid = await PaymentOrder.select(PaymentOrder.paid_on, PaymentOrder.amount_cents).where(
        (PaymentOrder.grant == grant.grant_id) & (PaymentOrder.status == PaymentOrderStatus.PAID)
    ).order_by(PaymentOrder.paid_on)  # fmt: skip
    settings = get_settings()
    start, end = report_period(grant)
    start, end = start or grant.decided_at.date(), end or grant.decided_at.date()
    return usage_checks.check_report(usage_checks.ReportFacts(
        parameters=grant.parameters, approved=grant.approved,
        period_start=start, period_end=end, early_start=None,
        lines=tuple(usage_checks.ReportLine(
            line.line_key, line.label, line.kind, line.plan,
            line.recognised if recognised and line.recognised is not None else line.actual, line.amended,
            line.receipted,
        ) for line in grant.lines),
        receipts=tuple(usage_checks.ReceiptEntry(
            r.number, r.kind, key_of.get(r.actual_line_id), r.receipt_date, r.amount, r.paid_on,
        ) for r in found),
        payouts=tuple(usage_checks.Payout(p["paid_on"], Money(p["amount_cents"])) for p in paid if p["paid_on"]),
        simplified=report.simplified if report is not None else False, units_actual=units_actual,
        base_rates=await base_rates.all_rates(), margin_basis_points=settings.interest_margin_basis_points,
        de_minimis=settings.refund_de_minimis,
    ))  # fmt: skip


# -- the association's use cases: start, save each step, submit ------------------------------
# Members and signatories of the grant's organisation edit a report while it is a draft or
# handed back (Nachforderung); only a signatory submits. Every save takes the report's version
# the form was built from (optimistic locking) and records an audit event.

EDITABLE = (UsageReportStatus.DRAFT, UsageReportStatus.CHANGES_REQUESTED)
OWING = (GrantStatus.REPORT_DUE, GrantStatus.REPORT_CHANGES_REQUESTED)
CHANGED = "Der Verwendungsnachweis wurde inzwischen von jemand anderem geändert."
DEVIATION_NOTE = 20  # a line deviating by more than 20 % needs an explanation
NOTE_MAX = 2000
SIMPLIFIED = "Beim einfachen Verwendungsnachweis gibt es keine Belegliste."


def owes_report(grant: GrantReport, today: date) -> bool:
    """Whether the grant owes a usage report now: due or handed back, or approved and paying
    once its approval period has begun (pure)."""
    if grant.grant_status in OWING:
        return True
    started = grant.period_start is not None and grant.period_start <= today
    return grant.grant_status in REPORTING and started


def report_period(grant: GrantReport) -> tuple[date | None, date | None]:
    """The period the current report covers: its own (an interim report's slice of the approval
    period), else the approval period (pure)."""
    report = grant.report
    start = report.period_start if report and report.period_start else grant.period_start
    end = report.period_end if report and report.period_end else grant.period_end
    return start, end


def next_report(grant: GrantReport, today: date) -> ReportDue | None:
    """The report the association may start now, or None (pure): when the current report is
    accepted (or there is none yet), the interim report of the first fiscal year that has ended
    and has none yet; once every interim report is started, the final report when one is owed
    (:func:`owes_report`). Interim reports only where the programme asks for them."""
    if grant.report is not None and grant.report.status is not UsageReportStatus.ACCEPTED:
        return None
    started = set(grant.started)
    if any(kind is UsageReportKind.FINAL for kind, _ in started):
        return None
    if grant.interim_allowed and grant.period_start and grant.period_end:
        for due in interim_reports(grant.period_start, grant.period_end):
            if (UsageReportKind.INTERIM, due.period_end) in started:
                continue
            return due if due.period_end < today else None
    if not owes_report(grant, today):
        return None
    start = grant.period_start or grant.decided_at.date()
    end = grant.period_end or start
    return ReportDue(UsageReportKind.FINAL, start, end, grant.due_date or usage_report_due(end))


def per_unit(grant: GrantReport) -> bool:
    """A Pauschale (Festbetrag je Einheit): the report also gives the units operated."""
    return grant.parameters.financing_type is FinancingType.PER_UNIT


def is_editable(grant: GrantReport) -> bool:
    return grant.report is not None and grant.report.status in EDITABLE


def deviation_percent(plan: Money, actual: Money) -> Decimal | None:
    """(actual − plan) in % of plan, one decimal; None for a line without plan (pure)."""
    if not plan:
        return None
    ratio = Decimal((actual - plan).cents) * 100 / Decimal(plan.cents)
    return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def needs_note(plan: Money, actual: Money | None) -> bool:
    """A line whose actual deviates from its plan by more than 20 % must be explained (pure)."""
    if actual is None or actual == plan:
        return False
    return (
        abs((actual - plan).cents) * 100 > DEVIATION_NOTE * plan.cents
    )  # exact, not the rounded %


@dataclass(frozen=True, slots=True)
class Task:
    key: str
    title: str
    done: bool


def tasks(grant: GrantReport, values: dict[tuple[str, str], int], receipt_count: int) -> list[Task]:
    """The report's steps and whether each is complete (pure)."""
    report = grant.report
    answers = report.answers if report else {}
    narrative = all(answers.get(key, "").strip() for key, _ in indicator_set.PROMPTS)
    counts = set(values) - {indicator_set.UNITS}
    figures = bool(grant.lines) and all(
        line.actual is not None and (line.note or not needs_note(line.plan, line.actual))
        for line in grant.lines
    )
    if per_unit(grant) and indicator_set.UNITS not in values:
        figures = False
    steps = [
        Task("sachbericht", "Sachbericht", narrative and bool(counts)),
        Task("zahlen", "Zahlenmäßiger Nachweis", figures),
    ]
    if not (report and report.simplified):
        steps.append(Task("belege", "Belegliste", receipt_count > 0))
    steps.append(Task("bestaetigung", "Bestätigung", bool(report and report.confirmed)))
    return steps


def _member(principal: Principal, grant: GrantReport) -> None:
    if principal.role_in(grant.organisation_id) is None:
        raise Forbidden(grant.grant_id)


def _editable(principal: Principal, grant: GrantReport, version: int) -> Report:
    """The report, if ``principal`` may change it now at ``version``; refuses otherwise."""
    _member(principal, grant)
    report = grant.report
    if report is None:
        raise Conflict("Der Verwendungsnachweis ist noch nicht begonnen.")
    if report.status not in EDITABLE:
        raise Conflict(
            f"Der Verwendungsnachweis ist „{report.status.label}“ und kann nicht geändert werden."
        )
    if report.version != version:
        raise Conflict(CHANGED)
    return report


async def _touch(report: Report, version: int, changes: dict[Any, Any] | None = None) -> int:
    """Write ``changes`` and bump the version if nobody saved meanwhile; the new version."""
    done = await UsageReport.update({
        **(changes or {}), UsageReport.updated_at: clock.now(), UsageReport.version: version + 1,
    }).where((UsageReport.id == report.id) & (UsageReport.version == version)).returning(
        UsageReport.version)  # fmt: skip
    if not done:
        raise Conflict(CHANGED)
    return int(done[0]["version"])


async def _saved(principal: Principal, grant: GrantReport, report: Report, step: str, request_id: str,
                 **data: Any) -> None:  # fmt: skip
    await audit.record(Actor(principal.id, request_id), "usage_report.saved", "usage_report",
                       report.id, organisation=grant.organisation_id, data={"step": step, **data})  # fmt: skip


async def start(principal: Principal, grant: GrantReport, simplified: bool,
                request_id: str = "-") -> int:  # fmt: skip
    """Open the grant's next report (:func:`next_report`: an interim report for an ended fiscal
    year, or the final report); its id. Starting again while a report is open returns it.

    ``simplified`` (einfacher Verwendungsnachweis, no receipt list) only where the programme
    allows it. An interim report covers its fiscal year's slice of the approval period.
    """
    _member(principal, grant)
    today = clock.today()
    due = next_report(grant, today)
    if due is None:
        report = grant.report
        if report and report.status is not UsageReportStatus.ACCEPTED and owes_report(grant, today):
            return report.id
        raise Conflict("Für diese Zuwendung ist noch kein Verwendungsnachweis fällig.")
    final = due.kind is UsageReportKind.FINAL
    async with db.transaction():
        await db.lock(f"usage_report:{grant.grant_id}")
        same = (UsageReport.grant == grant.grant_id) & (UsageReport.kind == due.kind)
        if not final:
            same &= UsageReport.period_end == due.period_end
        existing = await UsageReport.select(UsageReport.id).where(same).first()
        if existing is not None:
            return int(existing["id"])
        row = await UsageReport.insert(UsageReport(
            grant=grant.grant_id, kind=due.kind, status=UsageReportStatus.DRAFT,
            period_start=grant.period_start if final else due.period_start,
            period_end=grant.period_end if final else due.period_end,
            due_date=due.due if not final or grant.period_end or grant.due_date else None,
            simplified=simplified and grant.simplified_allowed, updated_at=clock.now(),
        )).returning(UsageReport.id)  # fmt: skip
        report_id = int(row[0]["id"])
        await audit.record(Actor(principal.id, request_id), "usage_report.created", "usage_report", report_id,
                           organisation=grant.organisation_id,
                           data={"grant": grant.grant_id, "kind": due.kind.value})  # fmt: skip
    return report_id


# -- Sachbericht -----------------------------------------------------------------------------


async def save_narrative(principal: Principal, grant: GrantReport, version: int, answers: dict[str, str],
                         values: dict[tuple[str, str], int], request_id: str = "-") -> int:  # fmt: skip
    """The Sachbericht: the prompts' answers and the counts (replacing the counts before)."""
    async with db.transaction():
        report = _editable(principal, grant, version)
        known = {(i.key, d.key) for i, d in indicator_set.cells()}
        if unknown := [key for key in values if key not in known]:
            raise Invalid({"version": f"Unbekannte Kennzahl: {unknown[0][0]}/{unknown[0][1]}."})
        if negative := [key for key, value in values.items() if value < 0]:
            raise Invalid(
                {indicator_set.field(*negative[0]): "Bitte keine negative Zahl eingeben."}
            )
        new = await _touch(report, version, {
            UsageReport.answers: {key: answers.get(key, "") for key, _ in indicator_set.PROMPTS},
        })  # fmt: skip
        await IndicatorValue.delete().where((IndicatorValue.usage_report == report.id) & IndicatorValue.indicator.is_in(
            list(indicator_set.BY_KEY)))  # fmt: skip
        if values:
            await IndicatorValue.insert(*[
                IndicatorValue(usage_report=report.id, indicator=indicator, dimension=dimension, value=value)
                for (indicator, dimension), value in values.items()
            ])  # fmt: skip
        await _saved(principal, grant, report, "narrative", request_id)
    return new


# -- zahlenmäßiger Nachweis ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActualInput:
    plan_line_id: int
    amount: Money | None  # None: left empty
    note: str


def check_actuals(grant: GrantReport, entries: list[ActualInput]) -> dict[str, str]:
    """German messages per field for actuals that cannot be right (pure)."""
    errors: dict[str, str] = {}
    lines = {line.plan_line_id: line for line in grant.lines}
    for entry in entries:
        line = lines.get(entry.plan_line_id)
        name = f"actual-{entry.plan_line_id}"
        if line is None:
            errors["version"] = "Ist-Beträge gibt es nur für Zeilen des bewilligten Finanzplans."
        elif entry.amount is None:
            if line.actual is not None:
                errors[name] = "Bitte einen Betrag eingeben (0,00 €, wenn nichts ausgegeben wurde)."
        elif entry.amount.cents < 0:
            errors[name] = "Bitte keinen negativen Betrag eingeben."
        elif needs_note(line.plan, entry.amount) and not entry.note:
            errors[f"note-{entry.plan_line_id}"] = (
                "Die Abweichung vom Plan beträgt mehr als 20 %. Bitte begründen Sie sie."
            )
    return errors


async def save_actuals(principal: Principal, grant: GrantReport, version: int, entries: list[ActualInput],
                       request_id: str = "-", units: int | None = None) -> int:  # fmt: skip
    """The actual amount (and explanation) of each line of the approved plan; for a Pauschale
    also the units actually operated."""
    async with db.transaction():
        report = _editable(principal, grant, version)
        if errors := check_actuals(grant, entries):
            raise Invalid(errors)
        if units is not None and units < 0:
            raise Invalid({"units": "Bitte keine negative Zahl eingeben."})
        new = await _touch(report, version)
        if per_unit(grant):
            indicator, dimension = indicator_set.UNITS
            await IndicatorValue.delete().where((IndicatorValue.usage_report == report.id)
                                                & (IndicatorValue.indicator == indicator))  # fmt: skip
            if units is not None:
                await IndicatorValue.insert(IndicatorValue(usage_report=report.id, indicator=indicator,
                                                           dimension=dimension, value=units))  # fmt: skip
        lines = {line.plan_line_id: line for line in grant.lines}
        fresh = []
        for entry in entries:
            line = lines[entry.plan_line_id]
            if entry.amount is None:
                continue
            if line.actual_line_id is None:
                fresh.append(ActualLine(usage_report=report.id, plan_line=line.plan_line_id,
                                        amount_cents=entry.amount.cents, note=entry.note))  # fmt: skip
            elif entry.amount != line.actual or entry.note != line.note:
                await ActualLine.update({
                    ActualLine.amount_cents: entry.amount.cents, ActualLine.note: entry.note,
                    ActualLine.version: ActualLine.version + 1,
                }).where(ActualLine.id == line.actual_line_id)  # fmt: skip
        if fresh:
            await ActualLine.insert(*fresh)
        await _saved(principal, grant, report, "actuals", request_id)
    return new


# -- Belegliste ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptInput:
    plan_line_id: int | None
    receipt_date: date | None
    payee: str
    purpose: str
    amount: Money | None
    paid_on: date | None


def receipt_problems(grant: GrantReport, data: ReceiptInput) -> dict[str, str]:
    """German messages per field for a receipt that cannot be right (pure)."""
    errors: dict[str, str] = {}
    line = next((x for x in grant.lines if x.plan_line_id == data.plan_line_id), None)
    if line is None:
        errors["plan_line"] = "Bitte eine Zeile des bewilligten Finanzplans wählen."
    elif line.actual_line_id is None:
        errors["plan_line"] = ("Für diese Zeile ist noch kein Ist-Betrag eingetragen. Bitte zuerst im "
                               "zahlenmäßigen Nachweis den Ist-Betrag angeben.")  # fmt: skip
    start, end = report_period(grant)
    if data.receipt_date and start and end and not start <= data.receipt_date <= end:
        interim = grant.report is not None and grant.report.kind is UsageReportKind.INTERIM
        period = "Zeitraums des Zwischennachweises" if interim else "Bewilligungszeitraums"
        errors["receipt_date"] = (f"Das Belegdatum liegt außerhalb des {period} "
                                  f"({start:%d.%m.%Y} – {end:%d.%m.%Y}).")  # fmt: skip
    if data.amount is not None and data.amount.cents <= 0:
        errors["amount"] = "Bitte einen Betrag über 0,00 € eingeben."
    if data.paid_on and data.receipt_date and data.paid_on < data.receipt_date:
        errors["paid_on"] = "Das Zahlungsdatum kann nicht vor dem Belegdatum liegen."
    return errors


def _receipt_values(grant: GrantReport, data: ReceiptInput) -> dict[Any, Any]:
    line = next(x for x in grant.lines if x.plan_line_id == data.plan_line_id)
    amount = data.amount or Money(0)
    return {
        Receipt.actual_line: line.actual_line_id, Receipt.kind: line.kind,
        Receipt.receipt_date: data.receipt_date, Receipt.payee: data.payee, Receipt.purpose: data.purpose,
        Receipt.amount_cents: amount.cents, Receipt.paid_on: data.paid_on,
    }  # fmt: skip


async def save_receipt(principal: Principal, grant: GrantReport, version: int, receipt_id: int | None,
                       data: ReceiptInput, request_id: str = "-") -> int:  # fmt: skip
    """Add a receipt (numbered after the last) or change one of this report's receipts; returns
    the receipt's id."""
    async with db.transaction():
        report = receipt_list_editable(principal, grant, version)
        if errors := receipt_problems(grant, data):
            raise Invalid(errors)
        await _touch(report, version)
        values = _receipt_values(grant, data)
        if receipt_id is None:
            last = await Receipt.select(Receipt.number).where(Receipt.usage_report == report.id).order_by(
                Receipt.number, ascending=False).first()  # fmt: skip
            number = (last["number"] if last else 0) + 1
            receipt_id = int((await Receipt.insert(Receipt(usage_report=report.id, number=number, **{
                column._meta.name: value for column, value in values.items()})).returning(Receipt.id))[0]["id"])  # fmt: skip
        else:
            done = await Receipt.update({**values, Receipt.version: Receipt.version + 1}).where(
                (Receipt.id == receipt_id) & (Receipt.usage_report == report.id)
            ).returning(Receipt.number)  # fmt: skip
            if not done:
                raise NotFound(receipt_id)
            number = int(done[0]["number"])
        await _saved(principal, grant, report, "receipt", request_id, number=number)
    return receipt_id


async def delete_receipt(principal: Principal, grant: GrantReport, version: int, receipt_id: int,
                         request_id: str = "-") -> int:  # fmt: skip
    """Remove a receipt of the report — not one whose copy the sample asked for and got."""
    async with db.transaction():
        report = _editable(principal, grant, version)
        if await Attachment.exists().where(Attachment.receipt == receipt_id):
            raise Conflict(
                "Zu diesem Beleg ist eine Kopie hochgeladen; er kann nicht gelöscht werden."
            )
        done = await Receipt.delete().where(
            (Receipt.id == receipt_id) & (Receipt.usage_report == report.id)
        ).returning(Receipt.number)  # fmt: skip
        if not done:
            raise NotFound(receipt_id)
        new = await _touch(report, version)
        await _saved(
            principal, grant, report, "receipt_deleted", request_id, number=int(done[0]["number"])
        )
    return new


async def receipt(report: Report, receipt_id: int) -> ReceiptRow:
    """One receipt of the report, or :class:`NotFound`."""
    row = (
        await Receipt.select()
        .where((Receipt.id == receipt_id) & (Receipt.usage_report == report.id))
        .first()
    )
    if row is None:
        raise NotFound(receipt_id)
    return receipt_row(row)


async def receipts_by_date(report: Report, kind: PlanLineKind, number: int = 1) -> Page[ReceiptRow]:
    """One page of the report's expenses or incomes, in date order (one query)."""
    limit, offset = window(number, RECEIPTS_PER_PAGE)
    rows = await Receipt.select().where((Receipt.usage_report == report.id) & (Receipt.kind == kind)).order_by(
        Receipt.receipt_date).order_by(Receipt.number).limit(limit).offset(offset)  # fmt: skip
    return page_of([receipt_row(row) for row in rows], number, RECEIPTS_PER_PAGE)


@dataclass(frozen=True, slots=True)
class ReceiptSums:
    count: int
    by_actual_line: dict[int, Money]  # ActualLine id → sum of its receipts


async def receipt_sums(report: Report) -> ReceiptSums:
    """How many receipts the report has and what they add up to per line (one query)."""
    rows = await Receipt.select(
        Receipt.actual_line, Count(Receipt.id, alias="n"), Sum(Receipt.amount_cents, alias="total"),
    ).where(Receipt.usage_report == report.id).group_by(Receipt.actual_line)  # fmt: skip
    return ReceiptSums(
        count=sum(int(r["n"]) for r in rows),
        by_actual_line={
            r["actual_line"]: Money(int(r["total"] or 0)) for r in rows if r["actual_line"]
        },
    )


# -- Bestätigung ------------------------------------------------------------------------------

CONFIRMATIONS = (
    ("economical", "Die Zuwendung wurde wirtschaftlich und sparsam und nur für den bewilligten Zweck verwendet."),
    ("receipts_kept", "Die Belege und Verträge liegen vor und werden fünf Jahre lang aufbewahrt."),
    ("complete", "Die Angaben sind vollständig und richtig und stimmen mit den Büchern und Belegen überein."),
)  # fmt: skip


async def save_confirmation(principal: Principal, grant: GrantReport, version: int, given: dict[str, bool],
                            request_id: str = "-") -> int:  # fmt: skip
    async with db.transaction():
        report = _editable(principal, grant, version)
        if errors := {key: "Bitte bestätigen." for key, _ in CONFIRMATIONS if not given.get(key)}:
            raise Invalid(errors)
        new = await _touch(report, version, {UsageReport.confirmed: True})
        await _saved(principal, grant, report, "confirmation", request_id)
    return new


# -- check and submit ------------------------------------------------------------------------


async def open_change_request(report: Report) -> dict[str, Any] | None:
    """The report's Nachforderung not yet answered, if any."""
    return await ChangeRequest.select(ChangeRequest.id, ChangeRequest.points, ChangeRequest.deadline,
                                      ChangeRequest.requested_at).where(
        (ChangeRequest.usage_report == report.id) & ChangeRequest.resolved_at.is_null()
    ).order_by(ChangeRequest.id, ascending=False).first()  # fmt: skip


def submission_problems(grant: GrantReport, steps: list[Task], today: date,
                        handed_back_until: date | None = None) -> list[str]:  # fmt: skip
    """Why the report cannot be submitted yet (pure; empty when it can)."""
    problems = [
        f"Der Schritt „{task.title}“ ist noch nicht vollständig." for task in steps if not task.done
    ]
    report = grant.report
    handed_back = report is not None and report.status is UsageReportStatus.CHANGES_REQUESTED
    if handed_back and handed_back_until and today > handed_back_until:
        problems.insert(
            0, f"Die Frist der Nachforderung ist am {handed_back_until:%d.%m.%Y} abgelaufen."
        )
    return problems


def snapshot(grant: GrantReport, report: Report, values: dict[tuple[str, str], int], rows: list[ReceiptRow],
             number: int, at: datetime) -> dict[str, Any]:  # fmt: skip
    """The frozen, JSON-able content of a submitted report."""
    return {
        "grant": {"id": grant.grant_id, "file_number": grant.file_number, "title": grant.title,
                  "organisation": grant.organisation, "approved_cents": grant.approved.cents},
        "report": {
            "kind": report.kind.value, "simplified": report.simplified, "confirmed": report.confirmed,
            "period_start": report.period_start.isoformat() if report.period_start else None,
            "period_end": report.period_end.isoformat() if report.period_end else None,
            "narrative": report.narrative, "answers": report.answers,
        },
        "indicators": [{"indicator": i, "dimension": d, "value": v} for (i, d), v in sorted(values.items())],
        "lines": [{
            "line_key": line.line_key, "kind": line.kind.value, "label": line.label, "plan_cents": line.plan.cents,
            "amended": line.amended, "actual_cents": line.actual.cents if line.actual is not None else None,
            "note": line.note,
        } for line in grant.lines],
        "receipts": [{
            "number": r.number, "kind": r.kind.value, "actual_line": r.actual_line_id,
            "receipt_date": r.receipt_date.isoformat() if r.receipt_date else None, "payee": r.payee,
            "purpose": r.purpose, "amount_cents": r.amount.cents,
            "paid_on": r.paid_on.isoformat() if r.paid_on else None,
        } for r in rows],
        "submitted_at": at.isoformat(), "version": number,
    }  # fmt: skip


async def submit(
    principal: Principal, grant: GrantReport, version: int, request_id: str = "-"
) -> int:
    """A signatory submits the report: freeze a version, move report and grant on, tell the KI.

    A grant still approved or paying goes to "VN eingereicht" directly; an open Nachforderung is
    answered (and refused after its deadline). An interim report leaves the grant as it is (it
    keeps paying). Returns the version number.
    """
    async with db.transaction():
        report = _editable(principal, grant, version)
        roles = _roles(principal, grant)
        report_status = _advance(USAGE_REPORT, "submit", report.status, roles)
        final = report.kind is UsageReportKind.FINAL
        grant_status = (
            _advance(GRANT, "submit_report", grant.grant_status, roles) if final else None
        )
        values = await indicators(report)
        rows = await receipts(report)
        handed_back = await open_change_request(report)
        now = clock.now()
        steps = tasks(grant, values, len(rows))
        until = handed_back["deadline"] if handed_back else None
        problems = submission_problems(grant, steps, now.astimezone(BERLIN).date(), until)
        found = await checks(grant, units_actual=values.get(indicator_set.UNITS), rows=rows)
        problems += [finding.message for finding in found.findings if finding.blocking]
        if problems:
            raise Invalid({f"problem{n}": text for n, text in enumerate(problems)})
        number = (
            await UsageReportVersion.count().where(UsageReportVersion.usage_report == report.id) + 1
        )
        content = snapshot(grant, report, values, rows, number, now)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        await UsageReportVersion.insert(UsageReportVersion(
            usage_report=report.id, number=number, snapshot=content, submitted_by=principal.id, submitted_at=now,
            content_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        ))  # fmt: skip
        await _touch(report, version, {
            UsageReport.status: report_status, UsageReport.submitted_by: principal.id,
            UsageReport.submitted_at: now,
        })  # fmt: skip
        if final:
            moved = await GrantAward.update({
                GrantAward.status: grant_status, GrantAward.version: grant.grant_version + 1,
            }).where((GrantAward.id == grant.grant_id) & (GrantAward.version == grant.grant_version)).returning(
                GrantAward.id)  # fmt: skip
            if not moved:
                raise Conflict(
                    "Die Zuwendung wurde inzwischen geändert. Bitte laden Sie die Seite neu."
                )
            await refresh_next_instalments(grant.grant_id)  # no more instalments on the desk
        if handed_back:
            await ChangeRequest.update({ChangeRequest.resolved_at: now}).where(
                ChangeRequest.id == handed_back["id"])  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "usage_report.submitted", "usage_report", report.id,
                           organisation=grant.organisation_id,
                           data={"version": number, "grant": grant.grant_id, "resubmitted": bool(handed_back)})  # fmt: skip
        await _notify_submitted(principal, grant, report, number, now, bool(handed_back))
    return number


def _roles(principal: Principal, grant: GrantReport) -> set[Role]:
    roles = set(principal.roles)
    if (held := principal.role_in(grant.organisation_id)) is not None:
        roles |= {held} | ({Role.MEMBER} if held is Role.SIGNATORY else set())
    return roles


def _advance(machine: Any, action: str, state: Labelled, roles: set[Role]) -> Any:
    try:
        return advance(machine, action, state, roles)
    except TransitionNotAllowed as exc:
        if exc.role_missing:
            raise Forbidden("Einreichen darf nur eine vertretungsberechtigte Person.") from exc
        raise Conflict(str(exc)) from exc


async def _notify_submitted(principal: Principal, grant: GrantReport, report: Report, number: int,
                            now: datetime, resubmitted: bool) -> None:  # fmt: skip
    """Confirm to the association; tell the report's (else the application's) reviewer."""
    organisation = await Organisation.select(Organisation.email).where(
        Organisation.id == grant.organisation_id).first()  # fmt: skip
    name = report.kind.label  # Verwendungsnachweis or Zwischennachweis
    subject = f"{name} {grant.file_number} eingegangen"
    for recipient in {principal.email, (organisation or {}).get("email", "")} - {""}:
        await notifications.enqueue(
            recipient=recipient, subject=subject,
            body=(f"Guten Tag,\n\nder {name} zu „{grant.title}“ ({grant.file_number}, Fassung "
                  f"{number}) ist am {now.astimezone(BERLIN):%d.%m.%Y um %H:%M} Uhr beim Kommunalen "
                  f"Integrationszentrum Köln eingegangen. Eingereicht von {principal.display_name}.\n"),
        )  # fmt: skip
    reviewer_id = report.reviewer_id
    if reviewer_id is None:
        row = (
            await Application.select(Application.reviewer)
            .where(Application.id == grant.application_id)
            .first()
        )
        reviewer_id = row["reviewer"] if row else None
    reviewer = await User.select(User.email).where(User.id == (reviewer_id or 0)).first()
    if reviewer and reviewer["email"]:
        again = "erneut " if resubmitted else ""
        await notifications.enqueue(
            recipient=reviewer["email"], subject=f"{name} {grant.file_number} {again}eingereicht",
            body=(f"Guten Tag,\n\n{grant.organisation} hat den {name} zu „{grant.title}“ "
                  f"({grant.file_number}) {again}eingereicht (Fassung {number}).\n"),
        )  # fmt: skip


async def versions(report: Report) -> list[dict[str, Any]]:
    """The submitted versions of the report, oldest first (without their snapshots)."""
    return await UsageReportVersion.select(
        UsageReportVersion.number, UsageReportVersion.submitted_at, UsageReportVersion.content_sha256,
    ).where(UsageReportVersion.usage_report == report.id).order_by(UsageReportVersion.number)  # fmt: skip


# -- the receipt list from Excel -------------------------------------------------------------

IMPORT_CHUNK = 500  # receipts per INSERT: within SQLite's limit of bound variables


class ImportedRow(Protocol):
    """A receipt as the Excel import read it (``reports.excel.receipt_list.ImportedReceipt``)."""

    @property
    def row(self) -> int: ...
    @property
    def kind(self) -> PlanLineKind: ...
    @property
    def receipt_date(self) -> date: ...
    @property
    def payee(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def amount(self) -> Money: ...
    @property
    def line_key(self) -> str: ...
    @property
    def paid_on(self) -> date | None: ...
    @property
    def number(self) -> int: ...


def receipt_list_editable(principal: Principal, grant: GrantReport, version: int) -> Report:
    """The report, if ``principal`` may change its receipt list now (before reading a file)."""
    report = _editable(principal, grant, version)
    if report.simplified:
        raise Conflict(SIMPLIFIED)
    return report


def _numbers(imported: Sequence[ImportedRow]) -> list[int]:
    """The association's own numbers where they are unique; else numbered in date order."""
    own = [r.number for r in imported]
    if all(n > 0 for n in own) and len(set(own)) == len(own):
        return own
    order = sorted(range(len(imported)), key=lambda i: (
        imported[i].kind is not PlanLineKind.EXPENSE, imported[i].receipt_date, imported[i].row))  # fmt: skip
    numbers = [0] * len(imported)
    for number, index in enumerate(order, start=1):
        numbers[index] = number
    return numbers


async def import_receipts(principal: Principal, grant: GrantReport, version: int,
                          imported: Sequence[ImportedRow], request_id: str = "-") -> int:  # fmt: skip
    """Replace the report's receipts by those read from a filled-in template, all or none; their
    count.

    Each receipt is linked to the actual of its plan line; a line without an actual is refused
    (enter the figures first), as on the page. Problems: :class:`Invalid` with every message.
    """
    report = receipt_list_editable(principal, grant, version)
    lines = {line.line_key: line for line in grant.lines}
    problems = [
        f"Zeile {r.row}: Für „{lines[r.line_key].label}“ ist noch kein Ist-Betrag eingetragen. Bitte zuerst "
        "im zahlenmäßigen Nachweis den Ist-Betrag angeben."
        for r in imported if r.line_key in lines and lines[r.line_key].actual_line_id is None
    ] + [f"Zeile {r.row}: Diese Zeile des Finanzplans gibt es nicht." for r in imported if r.line_key not in lines]  # fmt: skip
    if problems:
        raise Invalid({f"problem{n}": text for n, text in enumerate(problems)})
    rows = [
        Receipt(usage_report=report.id, actual_line=lines[r.line_key].actual_line_id, kind=r.kind, number=number,
                receipt_date=r.receipt_date, payee=r.payee, purpose=r.purpose, amount_cents=r.amount.cents,
                paid_on=r.paid_on)
        for r, number in zip(imported, _numbers(imported), strict=True)
    ]  # fmt: skip
    async with db.transaction():
        copies = await Attachment.exists().where(
            Attachment.receipt.is_in(Receipt.select(Receipt.id).where(Receipt.usage_report == report.id)))  # fmt: skip
        if copies:
            raise Conflict("Zu Belegen dieser Liste sind schon Kopien hochgeladen; die Liste lässt sich nicht mehr "
                           "ersetzen. Bitte ändern Sie einzelne Belege auf der Seite.")  # fmt: skip
        await _touch(report, version)
        await Receipt.delete().where(Receipt.usage_report == report.id)
        for start in range(0, len(rows), IMPORT_CHUNK):
            await Receipt.insert(*rows[start : start + IMPORT_CHUNK])
        await _saved(principal, grant, report, "receipts_imported", request_id, count=len(rows))
    return len(rows)
