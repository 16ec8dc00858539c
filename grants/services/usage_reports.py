"""Usage reports (Verwendungsnachweise): a grant with its current report, loaded and authorised
once per request and passed down to the use cases of the association, the review and the
settlement.

:func:`get` reads the grant, its current decision, the approved plan (as amendments changed it)
and the current report with its actual lines in four queries; the receipts, which may run into
thousands, are read separately (:func:`receipts`, :func:`receipt_page`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grants import usage_checks
from grants.errors import NotFound
from grants.financing import Parameters
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.services import base_rates
from grants.services.payments import STAFF, parameters_of
from grants.services.users import Principal
from grants.settings import get_settings
from grants.tables import (
    ActualLine,
    Amendment,
    GrantAward,
    IndicatorValue,
    PaymentOrder,
    PlanLine,
    Receipt,
    UsageReport,
)
from grants.vocabulary import (
    ExpenseCategory,
    PlanLineKind,
    RevenueType,
    UsageReportKind,
)
from grants.workflow import GrantStatus, PaymentOrderStatus, UsageReportStatus

CATEGORY_LABELS = dict(ExpenseCategory.choices()) | dict(RevenueType.choices())
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
    """The grant with its current report, or :class:`NotFound` for whoever may not see it."""
    application = GrantAward.application
    decision = GrantAward.current_decision
    row = await GrantAward.select(
        GrantAward.id, GrantAward.version, GrantAward.status, GrantAward.application,
        application.organisation.as_alias("organisation_id"),
        application.organisation.legal_name.as_alias("organisation"),  # type: ignore[union-attr]
        application.file_number.as_alias("file_number"), application.title.as_alias("title"),
        application.call.programme.name.as_alias("programme"),  # type: ignore[union-attr]
        application.call.programme.simplified_report.as_alias("simplified_allowed"),  # type: ignore[union-attr]
        *decision.all_columns(),
    ).where(GrantAward.id == grant_id).first()  # fmt: skip
    if row is None or not may_see(principal, row["organisation_id"]):
        raise NotFound(grant_id)
    current = {key.removeprefix("current_decision."): value for key, value in row.items()
               if key.startswith("current_decision.")}  # fmt: skip
    report_row = (
        await UsageReport.select()
        .where(UsageReport.grant == grant_id)
        .order_by(UsageReport.id, ascending=False)
        .output(load_json=True)
        .first()
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
            reason=actual["reason"] if actual else "",
        ))  # fmt: skip
    return tuple(lines)


async def _amended_plan(grant_id: int) -> dict[str, int]:
    """line_key → the amount the approved amendments set last (in the order they were approved)."""
    rows = await Amendment.select(Amendment.plan).where(
        (Amendment.grant == grant_id) & (Amendment.status == "approved")
    ).order_by(Amendment.decided_at).output(load_json=True)  # fmt: skip
    return {item["line_key"]: item["amount_cents"] for row in rows for item in row["plan"] or []}


def _receipt(row: dict[str, Any]) -> ReceiptRow:
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
    return [_receipt(row) for row in rows]


async def receipt_page(report: Report, number: int = 1) -> Page[ReceiptRow]:
    """One page of the receipt list, in number order (the index ux_receipt_usage_report_number)."""
    limit, offset = window(number, RECEIPTS_PER_PAGE)
    rows = await Receipt.select().where(Receipt.usage_report == report.id).order_by(
        Receipt.number).limit(limit).offset(offset)  # fmt: skip
    return page_of([_receipt(row) for row in rows], number, RECEIPTS_PER_PAGE)


async def indicators(report: Report) -> dict[tuple[str, str], int]:
    """The Sachbericht's counts: (indicator, dimension) → value."""
    rows = await IndicatorValue.select(
        IndicatorValue.indicator, IndicatorValue.dimension, IndicatorValue.value
    ).where(IndicatorValue.usage_report == report.id)
    return {(r["indicator"], r["dimension"]): r["value"] for r in rows}


async def checks(
    grant: GrantReport, *, recognised: bool = False, units_actual: int | None = None
) -> usage_checks.CheckReport:
    """The automatic checks of the grant's current report: its lines, receipts, the payouts
    marked paid and the base rates. With ``recognised``, each line counts with the amount the
    KI recognised (where assessed) instead of the reported actual — the settlement's figures."""
    report = grant.report
    found = await receipts(report) if report is not None and not report.simplified else []
    key_of: dict[int | None, str] = {
        line.actual_line_id: line.line_key for line in grant.lines if line.actual_line_id
    }
    paid = await PaymentOrder.select(PaymentOrder.paid_on, PaymentOrder.amount_cents).where(
        (PaymentOrder.grant == grant.grant_id) & (PaymentOrder.status == PaymentOrderStatus.PAID)
    ).order_by(PaymentOrder.paid_on)  # fmt: skip
    settings = get_settings()
    return usage_checks.check_report(usage_checks.ReportFacts(
        parameters=grant.parameters, approved=grant.approved,
        period_start=grant.period_start or grant.decided_at.date(),
        period_end=grant.period_end or grant.decided_at.date(), early_start=None,
        lines=tuple(usage_checks.ReportLine(
            line.line_key, line.label, line.kind, line.plan,
            line.recognised if recognised and line.recognised is not None else line.actual, line.amended,
        ) for line in grant.lines),
        receipts=tuple(usage_checks.ReceiptEntry(
            r.number, r.kind, key_of.get(r.actual_line_id), r.receipt_date, r.amount, r.paid_on,
        ) for r in found),
        payouts=tuple(usage_checks.Payout(p["paid_on"], Money(p["amount_cents"])) for p in paid if p["paid_on"]),
        simplified=report.simplified if report is not None else False, units_actual=units_actual,
        base_rates=await base_rates.all_rates(), margin_basis_points=settings.interest_margin_basis_points,
        de_minimis=settings.refund_de_minimis,
    ))  # fmt: skip
