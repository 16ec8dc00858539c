"""Settlement (Abrechnung) of a grant after its usage report (DOMAIN.md §3, §4).

The reviewer recognises the report's lines (:mod:`grants.services.report_reviews`); someone
else — another reviewer or an approver — settles from the recognised figures (four eyes): the
final grant Z′ by financing type, refund or subsequent payment, interest under § 49a Abs. 3
VwVfG NRW on the refund and late-use interest under Abs. 4. Settling releases the committed
budget down to Z′ in the same transaction and files the Prüfvermerk. A refund goes through the
hearing (Anhörung) to the refund decision (Rückforderungsbescheid) and becomes a receivable
that finance records as repaid; a subsequent payment becomes a payment order of kind
Nachzahlung that takes the usual four-eyes path. Then the grant is closed.

Letters are rendered by a function the caller passes in, as for decisions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from grants import audit, clock, db, files, financing, notifications
from grants import indicators as indicator_set
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import Actuals, BaseRates
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.services import base_rates, payments, usage_reports
from grants.services.decisions import RenderedLetter
from grants.services.usage_reports import GrantReport
from grants.services.users import Principal
from grants.settings import get_settings
from grants.tables import (
    BudgetCommitment,
    Document,
    GrantAward,
    Organisation,
    PaymentOrder,
    Settlement,
    UsageReport,
    User,
)
from grants.vocabulary import (
    DocumentKind,
    FinancingType,
    PaymentKind,
    PlanLineKind,
    Role,
    UsageReportKind,
)
from grants.workflow import (
    GRANT,
    USAGE_REPORT,
    GrantStatus,
    PaymentOrderStatus,
    TransitionNotAllowed,
    UsageReportStatus,
    advance,
)

G = GrantStatus
SETTLERS = frozenset({Role.REVIEWER, Role.APPROVER})
HEARING_DAYS = (14, 28)  # DOMAIN.md §5: typically 2–4 weeks; 4 weeks by default
LETTER_KINDS = (DocumentKind.AUDIT_MEMO, DocumentKind.AUDIT_NOTICE, DocumentKind.HEARING_LETTER,
                DocumentKind.REFUND_LETTER)  # fmt: skip
RELEASE_REASON = "Abrechnung: Freigabe nicht benötigter Mittel"
PAGE_SIZE = 50


# -- the computation (pure) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettlementFigures:
    """What the settlement computes, with the terms to show on screen and in the letters."""

    financing_type: FinancingType
    approved: Money  # Z
    recognised_expenses: Money  # A′
    recognised_revenues: Money  # D′
    units_actual: int | None
    final: Money  # Z′
    formula: str  # how Z′ comes about, with the figures
    paid: Money  # P
    refund: Money
    subsequent: Money
    interest: Money  # § 49a Abs. 3 VwVfG NRW, on the refund
    interest_from: date
    interest_until: date
    interest_days: int
    interest_rate: str  # German: the base rate(s) and the margin
    late_use_interest: Money  # § 49a Abs. 4 VwVfG NRW
    unassessed: tuple[str, ...]  # labels of lines without a recognised amount

    @property
    def complete(self) -> bool:
        return not self.unassessed

    @property
    def claim(self) -> Money:
        """What the association owes: refund, interest and late-use interest."""
        return self.refund + self.interest + self.late_use_interest


def default_interest_from(grant: GrantReport) -> date:
    """The day after the approval period ends (or after the settlement's day without a period).

    § 49a Abs. 3 VwVfG NRW: the refund bears interest from the day the decision ceased to be
    effective. Money not used for the purpose by the end of the approval period is revoked
    with effect from then, so by default interest runs from the following day; the settler
    enters another date where the decision ceased to be effective earlier (e.g. purpose
    abandoned) or later.
    """
    end = grant.period_end or clock.today()
    return end + timedelta(days=1)


def figures(grant: GrantReport, *, paid: Money, interest_from: date, interest_until: date,
            base_rates: BaseRates, units_actual: int | None = None,
            late_use_interest: Money = financing.NOTHING, de_minimis: Money = financing.NOTHING,
            margin_basis_points: int = 300) -> SettlementFigures:  # fmt: skip
    """The settlement of ``grant`` from its recognised lines (a line not yet assessed counts
    with its actual and is named in ``unassessed``).

    A′ and D′ are the recognised expense and revenue lines; Z′ is :func:`financing.final_grant`;
    refund and subsequent payment as in DOMAIN.md §4 with the de-minimis limit; interest on the
    refund from ``interest_from`` (counted) to ``interest_until`` (not counted), actual/365,
    split where the base rate changes. Raises ``ValueError`` when no base rate covers the
    interest period.
    """
    params = grant.parameters

    def amount(lines: tuple[Any, ...]) -> Money:
        return Money.total(line.recognised if line.recognised is not None else line.actual or Money(0)
                           for line in lines)  # fmt: skip

    expenses, revenues = amount(grant.expenses), amount(grant.revenues)
    if params.financing_type is FinancingType.PER_UNIT and units_actual is None:
        raise ValueError("units_actual is required for a Pauschale")
    final = financing.final_grant(params, grant.approved, Actuals(expenses, revenues, units_actual))
    refund = financing.refund(paid, final, de_minimis)
    interest = financing.NOTHING
    if refund and interest_until > interest_from:
        interest = financing.interest(refund, interest_from, interest_until, base_rates,
                                      margin_basis_points, de_minimis)  # fmt: skip
    return SettlementFigures(
        financing_type=params.financing_type, approved=grant.approved, recognised_expenses=expenses,
        recognised_revenues=revenues, units_actual=units_actual, final=final,
        formula=_formula(grant, expenses, revenues, units_actual, final), paid=paid, refund=refund,
        subsequent=financing.subsequent_payment(paid, final), interest=interest,
        interest_from=interest_from, interest_until=interest_until,
        interest_days=max(0, (interest_until - interest_from).days),
        interest_rate=_rate_text(interest_from, interest_until, base_rates, margin_basis_points),
        late_use_interest=late_use_interest,
        unassessed=tuple(line.label for line in grant.lines if line.recognised is None),
    )  # fmt: skip


def _formula(grant: GrantReport, expenses: Money, revenues: Money, units: int | None,
             final: Money) -> str:  # fmt: skip
    p, z = grant.parameters, grant.approved.format()
    a, d = expenses.format(), revenues.format()
    match p.financing_type:
        case FinancingType.SHORTFALL | FinancingType.FULL:
            text = f"Z′ = min(Z, max(0, A′ − D′)) = min({z}, max(0, {a} − {d}))"
        case FinancingType.SHARE:
            share = f"{(p.share or 0) * 100:.2f} %".replace(".", ",")
            cap = p.cap.format() if p.cap else "–"
            text = (f"Z′ = min(H, p · A′) − p · max(0, D′ − D) = min({cap}, {share} · {a}) − {share} · "
                    f"max(0, {d} − {p.other_funding.format()}), nicht unter 0 und nicht über Z = {z}")  # fmt: skip
        case FinancingType.FIXED:
            text = f"Z′ = min(F, A′) = min({p.fixed.format() if p.fixed else z}, {a})"
        case FinancingType.PER_UNIT:
            rate = p.unit_rate.format() if p.unit_rate else "–"
            text = f"Z′ = Betrag je Einheit × min(Einheiten erbracht, geplant) = {rate} × min({units}, {p.units_planned})"
    return f"{text} = {final.format()}"


def _rate_text(start: date, end: date, base_rates: BaseRates, margin: int) -> str:
    """ "Basiszinssatz 1,27 % + 3 Prozentpunkte" — each base rate valid in the period."""
    rates = sorted(base_rates)
    ends = [valid_from for valid_from, _ in rates[1:]] + [date.max]
    shown = [f"{bp / 100:.2f} %".replace(".", ",") for (valid_from, bp), until in zip(rates, ends, strict=True)
             if valid_from <= max(start, end) and until > start]  # fmt: skip
    points = f"{margin / 100:.2f}".replace(".", ",").removesuffix(",00")
    return f"Basiszinssatz {' / '.join(dict.fromkeys(shown)) or '–'} + {points} Prozentpunkte"


# -- configuration and reference data -------------------------------------------------------


def refund_terms() -> tuple[Money, int]:
    """The configured de-minimis limit and the interest margin over the base rate."""
    settings = get_settings()
    return settings.refund_de_minimis, settings.interest_margin_basis_points


# -- letters ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettledLine:
    """A line of the approved plan with its actual and what the KI recognised, and why."""

    label: str
    kind: PlanLineKind
    plan: Money
    actual: Money
    recognised: Money
    reason: str


@dataclass(frozen=True, slots=True)
class SettlementFacts:
    """Everything the settlement documents state (DOMAIN.md §4 notation in the comments); the
    portal renders them with :mod:`reports.word.settlement_letters`."""

    file_number: str
    letter_date: date
    recipient: Mapping[str, str]  # legal_name, street, postcode, city
    title: str
    decision_date: date  # of the Zuwendungsbescheid
    period_start: date
    period_end: date
    financing_type: FinancingType
    approved: Money  # Z
    paid: Money  # P
    recognised_expenses: Money  # A′
    recognised_other_funding: Money  # D′
    final: Money  # Z′
    refund: Money
    subsequent: Money
    interest: Money  # § 49a Abs. 3 VwVfG NRW, up to refund_due
    late_use_interest: Money  # § 49a Abs. 4 VwVfG NRW
    interest_from: date | None
    hearing_deadline: date | None
    refund_due: date | None
    lines: tuple[SettledLine, ...]
    checks: tuple[str, ...]  # the automatic checks' findings, as German sentences
    sample: Mapping[str, Any] | None  # UsageReport.sample
    reviewer_name: str
    signer_name: str


SettlementRenderer = Callable[[DocumentKind, SettlementFacts], Awaitable[RenderedLetter]]
"""Renders one settlement letter (Prüfvermerk, Prüfungsmitteilung, Anhörung, Rückforderung)."""


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettlementView:
    id: int
    version: int
    recognised_expenses: Money
    recognised_revenues: Money
    final: Money
    paid: Money
    refund: Money
    subsequent: Money
    interest: Money
    late_use_interest: Money
    interest_from: date | None
    refund_due: date | None
    hearing_sent_at: datetime | None
    hearing_deadline: date | None
    refund_decided_at: datetime | None
    repaid_at: datetime | None
    repaid: Money
    cash_reference: str
    notes: str
    recognised_by: str | None
    settled_by: str | None
    settled_at: datetime
    subsequent_order_id: int | None
    subsequent_order_status: PaymentOrderStatus | None

    @property
    def claim(self) -> Money:
        return self.refund + self.interest + self.late_use_interest


@dataclass(frozen=True, slots=True)
class DocumentLink:
    id: int
    kind: DocumentKind
    title: str
    created_at: datetime


SETTLEMENT_COLUMNS = (
    Settlement.id, Settlement.version, Settlement.recognised_expenses_cents,
    Settlement.recognised_other_funding_cents, Settlement.final_cents, Settlement.paid_cents,
    Settlement.refund_cents, Settlement.subsequent_cents, Settlement.interest_cents,
    Settlement.late_use_interest_cents, Settlement.interest_from, Settlement.refund_due_date,
    Settlement.hearing_sent_at, Settlement.hearing_deadline, Settlement.refund_decided_at,
    Settlement.repaid_at, Settlement.repaid_cents, Settlement.cash_reference, Settlement.notes,
    Settlement.recognised_by.display_name, Settlement.settled_by.display_name, Settlement.created_at,
    Settlement.subsequent_order, Settlement.subsequent_order.status,
)  # fmt: skip


def _view(r: dict[str, Any]) -> SettlementView:
    status = r["subsequent_order.status"]
    return SettlementView(
        id=r["id"], version=r["version"], recognised_expenses=Money(r["recognised_expenses_cents"]),
        recognised_revenues=Money(r["recognised_other_funding_cents"]), final=Money(r["final_cents"]),
        paid=Money(r["paid_cents"]), refund=Money(r["refund_cents"]), subsequent=Money(r["subsequent_cents"]),
        interest=Money(r["interest_cents"]), late_use_interest=Money(r["late_use_interest_cents"]),
        interest_from=r["interest_from"], refund_due=r["refund_due_date"], hearing_sent_at=r["hearing_sent_at"],
        hearing_deadline=r["hearing_deadline"], refund_decided_at=r["refund_decided_at"], repaid_at=r["repaid_at"],
        repaid=Money(r["repaid_cents"]), cash_reference=r["cash_reference"], notes=r["notes"],
        recognised_by=r["recognised_by.display_name"], settled_by=r["settled_by.display_name"],
        settled_at=r["created_at"], subsequent_order_id=r["subsequent_order"],
        subsequent_order_status=PaymentOrderStatus(status) if status else None,
    )  # fmt: skip


async def settlement_of(grant: GrantReport) -> SettlementView | None:
    """The grant's settlement, if it has been settled."""
    row = await Settlement.select(*SETTLEMENT_COLUMNS).where(Settlement.grant == grant.grant_id).order_by(
        Settlement.id, ascending=False).first()  # fmt: skip
    return _view(row) if row else None


async def documents_of(grant: GrantReport) -> list[DocumentLink]:
    """The settlement letters filed with the grant's application, oldest first."""
    rows = await Document.select(Document.id, Document.kind, Document.title, Document.created_at).where(
        (Document.application == grant.application_id) & Document.kind.is_in(list(LETTER_KINDS))
    ).order_by(Document.id)  # fmt: skip
    return [
        DocumentLink(r["id"], DocumentKind(r["kind"]), r["title"], r["created_at"]) for r in rows
    ]


async def paid_out(grant_id: int) -> tuple[Money, int]:
    """P, the grant's paid payment orders, and how many orders are still on their way."""
    rows = await PaymentOrder.select(PaymentOrder.status, PaymentOrder.amount_cents).where(
        PaymentOrder.grant == grant_id)  # fmt: skip
    paid = Money.total(
        Money(r["amount_cents"]) for r in rows if r["status"] == PaymentOrderStatus.PAID
    )
    return paid, sum(1 for r in rows if r["status"] in payments.PENDING)


def _require_staff(principal: Principal) -> None:
    if not principal.roles & payments.STAFF:
        raise NotFound


# -- settling --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettleInput:
    interest_from: date | None  # None: the default (:func:`default_interest_from`)
    units_actual: int | None  # Pauschale only; None: the units the association reported
    notes: str
    report_version: int | None = None  # the report as the settler saw it; another answers 409


def _step(action: str, state: GrantStatus, principal: Principal) -> GrantStatus:
    try:
        return GrantStatus(advance(GRANT, action, state, principal.roles))
    except TransitionNotAllowed as exc:
        if exc.role_missing:
            raise Forbidden(
                "Ihre Rolle darf diesen Schritt der Abrechnung nicht ausführen."
            ) from exc
        raise Conflict(
            f"Das ist im Status „{state.label}“ nicht möglich. Bitte laden Sie die Seite neu."
        ) from exc


async def _move(grant: GrantReport, version: int, to: GrantStatus) -> None:
    done = await GrantAward.update({GrantAward.status: to, GrantAward.version: version + 1}).where(
        (GrantAward.id == grant.grant_id) & (GrantAward.version == version)
    ).returning(GrantAward.id)  # fmt: skip
    if not done:
        raise Conflict("Die Zuwendung wurde inzwischen geändert. Bitte laden Sie die Seite neu.")


async def settle(principal: Principal, grant: GrantReport, version: int, data: SettleInput,
                 render: SettlementRenderer, request_id: str = "-") -> int:  # fmt: skip
    """Settle a grant whose report is in review and fully assessed; returns the settlement's id.

    Four eyes: the settler is not the reviewer who recognised the figures. In one transaction:
    the Settlement row, grant → Abgerechnet, report → geprüft, the budget released down to Z′,
    the Prüfvermerk (and the Prüfungsmitteilung when nothing is refunded), a Nachzahlung order
    (a draft, to be certified and released as any order) when Z′ exceeds what was paid.
    """
    if not principal.roles & SETTLERS:
        raise Forbidden("Abrechnen darf die Sachbearbeitung oder die Bewilligung.")
    report = grant.report
    target = _step("settle", grant.grant_status, principal)
    if report is None or report.status is not UsageReportStatus.IN_REVIEW:
        raise Conflict("Der Verwendungsnachweis ist nicht in Prüfung.")
    if report.kind is not UsageReportKind.FINAL:
        raise Conflict("Ein Zwischennachweis wird nicht abgerechnet.")
    if report.reviewer_id is None:
        raise Conflict("Der Verwendungsnachweis hat noch niemand geprüft.")
    if data.report_version is not None and data.report_version != report.version:
        raise Conflict("Die Prüfung wurde inzwischen geändert. Bitte sehen Sie die Zahlen neu an.")
    if report.reviewer_id == principal.id:
        raise Forbidden("Vier-Augen-Prinzip: Sie haben die Zahlen anerkannt. "
                        "Abrechnen muss eine andere Person.")  # fmt: skip
    per_unit = grant.parameters.financing_type is FinancingType.PER_UNIT
    if per_unit and data.units_actual is None:  # as the association reported them
        data = replace(
            data, units_actual=(await usage_reports.indicators(report)).get(indicator_set.UNITS)
        )
    errors: dict[str, str] = {}
    if per_unit and (data.units_actual is None or data.units_actual < 0):
        errors["units_actual"] = "Bitte die Zahl der erbrachten Einheiten angeben (0 oder mehr)."
    if len(data.notes) > 3000:
        errors["notes"] = "Der Vermerk ist zu lang (höchstens 3000 Zeichen)."
    unassessed = [line.label for line in grant.lines if line.recognised is None]
    if unassessed:
        errors["lines"] = ("Noch nicht jede Position ist geprüft: " + ", ".join(unassessed[:5])
                           + (" …" if len(unassessed) > 5 else "") + ".")  # fmt: skip
    if errors:
        raise Invalid(errors)
    today, now = clock.today(), clock.now()
    interest_from = data.interest_from or default_interest_from(grant)
    if interest_from > today:
        raise Invalid({"interest_from": "Der Zinsbeginn darf nicht in der Zukunft liegen."})
    de_minimis, margin = refund_terms()
    async with db.transaction():
        await db.lock(f"grant_payments:{grant.grant_id}")
        paid, pending = await paid_out(grant.grant_id)
        if pending:
            raise Conflict(f"Es sind noch {pending} Anordnung(en) unterwegs. Bitte warten Sie die "
                           "Auszahlung ab oder stornieren Sie sie, bevor Sie abrechnen.")  # fmt: skip
        check = await usage_reports.checks(grant, recognised=True, units_actual=data.units_actual)
        try:
            result = figures(grant, paid=paid, interest_from=interest_from, interest_until=today,
                             base_rates=await base_rates.all_rates(), units_actual=data.units_actual,
                             late_use_interest=check.late_use_interest, de_minimis=de_minimis,
                             margin_basis_points=margin)  # fmt: skip
        except ValueError as exc:
            raise Invalid({"interest_from": "Für den Zinszeitraum ist kein Basiszinssatz "
                                            "hinterlegt (Verwaltung → Basiszinssatz)."}) from exc  # fmt: skip
        await _move(grant, version, target)
        state = advance(USAGE_REPORT, "accept", report.status, principal.roles)
        done = await UsageReport.update({UsageReport.status: state, UsageReport.version: report.version + 1}).where(
            (UsageReport.id == report.id) & (UsageReport.version == report.version)).returning(UsageReport.id)  # fmt: skip
        if not done:
            raise Conflict(
                "Der Verwendungsnachweis wurde inzwischen geändert. Bitte laden Sie die Seite neu."
            )
        settlement_id = int((await Settlement.insert(Settlement(
            grant=grant.grant_id, usage_report=report.id, recognised_expenses_cents=result.recognised_expenses.cents,
            recognised_other_funding_cents=result.recognised_revenues.cents, final_cents=result.final.cents,
            paid_cents=paid.cents, refund_cents=result.refund.cents, subsequent_cents=result.subsequent.cents,
            interest_cents=result.interest.cents, late_use_interest_cents=result.late_use_interest.cents,
            interest_from=interest_from if result.refund else None, notes=data.notes.strip(),
            recognised_by=report.reviewer_id, settled_by=principal.id, signed_off_by=principal.id,
            signed_off_at=now, created_at=now,
        )).returning(Settlement.id))[0]["id"])  # fmt: skip
        released = await release_budget(principal, grant, result.final, now)
        order_id = None
        if result.subsequent:
            order_id = await _subsequent_order(
                principal, grant, result.subsequent, today, request_id
            )
            await Settlement.update({Settlement.subsequent_order: order_id}).where(
                Settlement.id == settlement_id
            )
        facts = await _facts(
            grant, result, principal, today, checks=tuple(f.message for f in check.findings)
        )
        await _file(
            grant, DocumentKind.AUDIT_MEMO, await render(DocumentKind.AUDIT_MEMO, facts), principal
        )
        if not result.claim:  # nothing to pay back: the Prüfungsmitteilung
            notice = await render(DocumentKind.AUDIT_NOTICE, facts)
            await _file(grant, DocumentKind.AUDIT_NOTICE, notice, principal)
            await _tell(
                grant, notice.title, "Die Prüfung Ihres Verwendungsnachweises ist abgeschlossen."
            )
        await audit.record(Actor(principal.id, request_id), "grant.settled", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={
                               "settlement": settlement_id, "final_cents": result.final.cents,
                               "paid_cents": paid.cents, "refund_cents": result.refund.cents,
                               "subsequent_cents": result.subsequent.cents, "interest_cents": result.interest.cents,
                               "released_cents": released.cents, "units_actual": data.units_actual,
                               "recognised_by": report.reviewer_id, "subsequent_order": order_id})  # fmt: skip
    return settlement_id


async def release_budget(
    principal: Principal, grant: GrantReport, final: Money, now: datetime
) -> Money:
    """Release what the grant has committed above Z′ (negative commitments, latest fiscal year
    first — the earlier years were spent first); returns the amount released."""
    rows = await BudgetCommitment.select(BudgetCommitment.budget_line, BudgetCommitment.amount_cents,
                                         BudgetCommitment.budget_line.fiscal_year.year).where(  # type: ignore[union-attr]
        BudgetCommitment.grant == grant.grant_id)  # fmt: skip
    by_line: dict[tuple[int, int], int] = {}
    for r in rows:
        key = (r["budget_line.fiscal_year.year"], r["budget_line"])
        by_line[key] = by_line.get(key, 0) + r["amount_cents"]
    excess = sum(by_line.values()) - final.cents
    released = 0
    for (_, line), committed in sorted(by_line.items(), reverse=True):
        part = min(max(0, excess - released), max(0, committed))
        if part:
            await BudgetCommitment.insert(BudgetCommitment(
                budget_line=line, grant=grant.grant_id, decision=grant.decision_id, amount_cents=-part,
                reason=RELEASE_REASON, booked_by=principal.id, booked_at=now,
            ))  # fmt: skip
            released += part
    return Money(released)


async def _subsequent_order(principal: Principal, grant: GrantReport, amount: Money, today: date,
                            request_id: str) -> int:  # fmt: skip
    """The Nachzahlung as a draft order on the latest fiscal year that still has room for it."""
    state = await payments.grant_payments(principal, grant.grant_id)
    room = [b.year for b in state.years if b.committed - b.ordered >= amount]
    year = max(room, default=today.year)
    return await payments.create_order(
        principal, state, kind=PaymentKind.SUBSEQUENT, amount=amount, due=today, number=1,
        idempotency_key=f"subsequent:{grant.grant_id}", request_id=request_id, budget_year=year, draft=True,
    )  # fmt: skip


async def reorder_subsequent(principal: Principal, grant: GrantReport, version: int,
                             request_id: str = "-") -> int:  # fmt: skip
    """Order the Nachzahlung anew when its order was cancelled (same amount, same fiscal year,
    again a draft for four eyes); ``version`` is the settlement's. Returns the new order's id."""
    if not principal.roles & SETTLERS:
        raise Forbidden("Die Nachzahlung ordnen Sachbearbeitung oder Bewilligung neu an.")
    if grant.grant_status is G.CLOSED:
        raise Conflict("Die Zuwendung ist abgeschlossen.")
    async with db.transaction():
        await db.lock(f"grant_payments:{grant.grant_id}")
        settlement = await _current(grant)
        if settlement.version != version:
            raise Conflict(
                "Die Abrechnung wurde inzwischen geändert. Bitte laden Sie die Seite neu."
            )
        if settlement.subsequent_order_status is not PaymentOrderStatus.CANCELLED:
            raise Conflict("Nur eine stornierte Nachzahlung lässt sich neu anordnen.")
        cancelled = await PaymentOrder.select(PaymentOrder.budget_line.fiscal_year.year).where(  # type: ignore[union-attr]
            PaymentOrder.id == settlement.subsequent_order_id).first()  # fmt: skip
        year = cancelled["budget_line.fiscal_year.year"] if cancelled else clock.today().year
        state = await payments.grant_payments(principal, grant.grant_id)
        try:
            order_id = await payments.create_order(
                principal, state, kind=PaymentKind.SUBSEQUENT, amount=settlement.subsequent, due=clock.today(),
                number=1, idempotency_key=f"subsequent:{grant.grant_id}", request_id=request_id,
                budget_year=year, draft=True,
            )  # fmt: skip
        except Invalid as exc:
            raise Conflict(" ".join(exc.errors.values())) from exc
        await _update(settlement, version, {Settlement.subsequent_order: order_id})
        await audit.record(Actor(principal.id, request_id), "grant.subsequent_reordered", "grant", grant.grant_id,
                           organisation=grant.organisation_id,
                           data={"cancelled_order": settlement.subsequent_order_id, "order": order_id,
                                 "amount_cents": settlement.subsequent.cents, "budget_year": year})  # fmt: skip
    return order_id


async def _facts(grant: GrantReport, result: SettlementFigures | SettlementView, principal: Principal,
                 today: date, *, hearing_deadline: date | None = None, refund_due: date | None = None,
                 checks: tuple[str, ...] = ()) -> SettlementFacts:  # fmt: skip
    organisation = await Organisation.select(Organisation.legal_name, Organisation.street, Organisation.postcode,
                                             Organisation.city).where(Organisation.id == grant.organisation_id).first()  # fmt: skip
    report = grant.report
    reviewer = await User.select(User.display_name).where(
        User.id == (report.reviewer_id if report and report.reviewer_id else 0)).first()  # fmt: skip
    expenses = result.recognised_expenses
    revenues = result.recognised_revenues
    return SettlementFacts(
        file_number=grant.file_number, letter_date=today,
        recipient={k: str(v) for k, v in (organisation or {}).items()}, title=grant.title,
        decision_date=grant.decided_at.astimezone(clock.BERLIN).date(),
        period_start=grant.period_start or today, period_end=grant.period_end or today,
        financing_type=grant.parameters.financing_type, approved=grant.approved, paid=result.paid,
        recognised_expenses=expenses, recognised_other_funding=revenues, final=result.final,
        refund=result.refund, subsequent=result.subsequent, interest=result.interest,
        late_use_interest=result.late_use_interest, interest_from=result.interest_from if result.refund else None,
        hearing_deadline=hearing_deadline, refund_due=refund_due,
        lines=tuple(SettledLine(line.label, line.kind, line.plan, line.actual or Money(0),
                                line.recognised if line.recognised is not None else line.actual or Money(0),
                                line.reason) for line in grant.lines),
        checks=checks, sample=(report.sample or None) if report else None,
        reviewer_name=reviewer["display_name"] if reviewer else "", signer_name=principal.display_name,
    )  # fmt: skip


async def _file(
    grant: GrantReport, kind: DocumentKind, letter: RenderedLetter, principal: Principal
) -> int:
    rows = await Document.insert(Document(
        organisation=grant.organisation_id, application=grant.application_id, kind=kind, title=letter.title,
        filename=letter.filename, media_type=letter.media_type, sha256=files.store(letter.content),
        size_bytes=len(letter.content), created_by=principal.id,
    )).returning(Document.id)  # fmt: skip
    return int(rows[0]["id"])


async def _tell(grant: GrantReport, subject: str, text: str) -> None:
    row = (
        await Organisation.select(Organisation.email)
        .where(Organisation.id == grant.organisation_id)
        .first()
    )
    if row and row["email"]:
        await notifications.enqueue(row["email"], subject[:200], (
            f"Guten Tag,\n\nzu Ihrer Zuwendung „{grant.title}“ ({grant.file_number}): {text} "
            "Das Schreiben finden Sie im Förderportal unter „Bescheide“.\n"))  # fmt: skip


# -- hearing, refund decision, repayment, closing --------------------------------------------


async def _current(grant: GrantReport) -> SettlementView:
    found = await settlement_of(grant)
    if found is None:
        raise Conflict("Die Zuwendung ist noch nicht abgerechnet.")
    return found


async def _update(settlement: SettlementView, version: int, changes: dict[Any, Any]) -> None:
    done = await Settlement.update({**changes, Settlement.version: version + 1}).where(
        (Settlement.id == settlement.id) & (Settlement.version == version)).returning(Settlement.id)  # fmt: skip
    if not done:
        raise Conflict("Die Abrechnung wurde inzwischen geändert. Bitte laden Sie die Seite neu.")


async def open_hearing(principal: Principal, grant: GrantReport, version: int, deadline: date | None,
                       render: SettlementRenderer, request_id: str = "-") -> None:  # fmt: skip
    """Hear the association before the refund is set (§ 28 VwVfG NRW): the Anhörungsschreiben
    with a deadline of two to four weeks (four by default)."""
    target = _step("open_hearing", grant.grant_status, principal)
    today = clock.today()
    deadline = deadline or today + timedelta(days=HEARING_DAYS[1])
    if not HEARING_DAYS[0] <= (deadline - today).days <= HEARING_DAYS[1]:
        raise Invalid({"hearing_deadline": "Die Frist zur Anhörung muss zwei bis vier Wochen ab heute "
                                           "betragen."})  # fmt: skip
    async with db.transaction():
        settlement = await _current(grant)
        if not settlement.claim:
            raise Conflict("Ohne Erstattung oder Zinsen gibt es keine Anhörung.")
        await _move(grant, version, target)
        await _update(settlement, settlement.version, {Settlement.hearing_sent_at: clock.now(),
                                                       Settlement.hearing_deadline: deadline})  # fmt: skip
        letter = await render(DocumentKind.HEARING_LETTER,
                              await _facts(grant, settlement, principal, today, hearing_deadline=deadline))  # fmt: skip
        await _file(grant, DocumentKind.HEARING_LETTER, letter, principal)
        await _tell(grant, letter.title, f"Vor einer Rückforderung hören wir Sie an; Sie können sich bis "
                                         f"zum {deadline:%d.%m.%Y} äußern.")  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "grant.hearing_opened", "grant", grant.grant_id,
                           organisation=grant.organisation_id, data={"deadline": deadline.isoformat()})  # fmt: skip


async def set_refund(principal: Principal, grant: GrantReport, version: int, answered: bool,
                     render: SettlementRenderer, request_id: str = "-") -> None:  # fmt: skip
    """The Rückforderungsbescheid (approver): refund, interest to the due date (one month after
    the letter), Rechtsbehelfsbelehrung; the refund becomes a receivable.

    Only once the association was heard: its hearing deadline has passed, or the approver
    confirms (``answered``) that its statement is in and was considered.
    """
    target = _step("set_refund", grant.grant_status, principal)
    today = clock.today()
    de_minimis, margin = refund_terms()
    async with db.transaction():
        settlement = await _current(grant)
        if not answered and settlement.hearing_deadline and today <= settlement.hearing_deadline:
            raise Invalid({"answered": f"Die Frist zur Anhörung läuft bis {settlement.hearing_deadline:%d.%m.%Y}. "
                                       "Vorher nur, wenn die Stellungnahme vorliegt."})  # fmt: skip
        due = financing.refund_due(today)
        start = settlement.interest_from or default_interest_from(grant)
        try:
            interest = financing.interest(settlement.refund, start, max(start, due), await base_rates.all_rates(),
                                          margin, de_minimis)  # fmt: skip
        except ValueError as exc:
            raise Invalid(
                {"answered": "Für den Zinszeitraum ist kein Basiszinssatz hinterlegt."}
            ) from exc
        await _move(grant, version, target)
        await _update(settlement, settlement.version, {Settlement.refund_due_date: due, Settlement.interest_cents: interest.cents,
                                                       Settlement.refund_decided_at: clock.now()})  # fmt: skip
        decided = await _current(grant)
        letter = await render(DocumentKind.REFUND_LETTER, await _facts(
            grant, decided, principal, today, hearing_deadline=decided.hearing_deadline, refund_due=due))  # fmt: skip
        await _file(grant, DocumentKind.REFUND_LETTER, letter, principal)
        await _tell(grant, letter.title, f"Der Erstattungsbetrag von {decided.claim.format()} ist bis zum "
                                         f"{due:%d.%m.%Y} zu zahlen.")  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "grant.refund_set", "grant", grant.grant_id,
                           organisation=grant.organisation_id,
                           data={"refund_cents": decided.refund.cents, "interest_cents": interest.cents,
                                 "due": due.isoformat(), "answered": answered})  # fmt: skip


RECEIVABLE_PREFIX = "Rückforderung "
"""An incoming payment's Verwendungszweck: "Rückforderung <Aktenzeichen>" (as the letter asks)."""


@dataclass(frozen=True, slots=True)
class InterestTerms:
    """What the interest on a refund depends on besides the claim: the base rates, the
    de-minimis limit and the margin (loaded once per request by :func:`interest_terms`)."""

    base_rates: BaseRates
    de_minimis: Money
    margin_basis_points: int


async def interest_terms() -> InterestTerms:
    de_minimis, margin = refund_terms()
    return InterestTerms(await base_rates.all_rates(), de_minimis, margin)


@dataclass(frozen=True, slots=True)
class OpenClaim:
    """A refund decided and not yet repaid; it bears interest until it is repaid."""

    grant_id: int
    refund: Money
    interest_from: date | None
    late_use_interest: Money
    decided_interest: Money  # the refund decision's figure, up to the due date

    def interest_on(self, day: date, terms: InterestTerms) -> Money:
        """§ 49a Abs. 3 VwVfG NRW: interest on the refund from ``interest_from`` (counted) until
        ``day``, the repayment (not counted). Raises ``ValueError`` without a base rate."""
        if not self.refund or self.interest_from is None:
            return self.decided_interest
        return financing.interest(self.refund, self.interest_from, max(self.interest_from, day),
                                  terms.base_rates, terms.margin_basis_points, terms.de_minimis)  # fmt: skip

    def amount_on(self, day: date, terms: InterestTerms) -> Money:
        """What repays the claim in full on ``day``: refund, interest until then, late-use interest."""
        return self.refund + self.interest_on(day, terms) + self.late_use_interest


def _open_claim(r: dict[str, Any]) -> OpenClaim:
    return OpenClaim(grant_id=r["grant"], refund=Money(r["refund_cents"]), interest_from=r["interest_from"],
                     late_use_interest=Money(r["late_use_interest_cents"]),
                     decided_interest=Money(r["interest_cents"]))  # fmt: skip


CLAIM_COLUMNS = (Settlement.grant, Settlement.refund_cents, Settlement.interest_cents,
                 Settlement.late_use_interest_cents, Settlement.interest_from)  # fmt: skip
NO_BASE_RATE = "Für den Zinszeitraum ist kein Basiszinssatz hinterlegt."


async def open_claims(file_numbers: list[str]) -> dict[str, OpenClaim]:
    """Aktenzeichen → the refunds decided and not yet repaid."""
    if not file_numbers:
        return {}
    rows = await Settlement.select(
        *CLAIM_COLUMNS, Settlement.grant.application.file_number,  # type: ignore[union-attr]
    ).where((Settlement.grant.status == G.REFUND_SET) & Settlement.repaid_at.is_null()
            & Settlement.grant.application.file_number.is_in(file_numbers))  # type: ignore[union-attr]  # fmt: skip
    return {r["grant.application.file_number"]: _open_claim(r) for r in rows}


async def record_repayment(principal: Principal, grant_id: int, version: int, amount: Money | None,
                           repaid_on: date | None, cash_reference: str, request_id: str = "-") -> None:  # fmt: skip
    """Finance records that the receivable was paid in full (refund and interest); a partial
    payment is refused — it stays open until the whole claim is in."""
    if Role.FINANCE not in principal.roles:
        raise Forbidden("Zahlungseingänge verbucht die Finanzabteilung.")
    errors = payments.check_paid_input(repaid_on, cash_reference)
    if amount is None or amount <= Money(0):
        errors["amount"] = "Bitte den eingegangenen Betrag angeben."
    if errors or amount is None or repaid_on is None:
        raise Invalid(errors)
    async with db.transaction():
        await repaid(
            principal, grant_id, version, amount, repaid_on, cash_reference.strip(), request_id
        )


async def repaid(principal: Principal, grant_id: int, version: int | None, amount: Money, repaid_on: date,
                 cash_reference: str, request_id: str = "-", terms: InterestTerms | None = None) -> None:  # fmt: skip
    """Record the receivable as paid in full (``version`` None: as the grant is now, for the
    payment-confirmation import): ``amount`` must be the refund with its interest until
    ``repaid_on`` and the late-use interest; that interest is stored. Call inside a transaction."""
    row = await GrantAward.select(GrantAward.version, GrantAward.status,
                                  GrantAward.application.organisation).where(GrantAward.id == grant_id).first()  # fmt: skip
    if row is None:
        raise NotFound(grant_id)
    if row["status"] != G.REFUND_SET:
        raise Conflict("Für diese Zuwendung ist keine Forderung offen.")
    target = GrantStatus(advance(GRANT, "record_refund", G.REFUND_SET, principal.roles))
    found = await Settlement.select(*SETTLEMENT_COLUMNS).where(Settlement.grant == grant_id).order_by(
        Settlement.id, ascending=False).first()  # fmt: skip
    if found is None:
        raise NotFound(grant_id)
    settlement = _view(found)
    claim = OpenClaim(grant_id, settlement.refund, settlement.interest_from, settlement.late_use_interest,
                      settlement.interest)  # fmt: skip
    try:
        interest = claim.interest_on(repaid_on, terms or await interest_terms())
    except ValueError as exc:
        raise Invalid({"paid_on": NO_BASE_RATE}) from exc
    due = claim.refund + interest + claim.late_use_interest
    if amount != due:
        raise Invalid({"amount": f"Der Betrag {amount.format()} entspricht nicht der Forderung von "
                                 f"{due.format()} bei Eingang am {repaid_on:%d.%m.%Y} (Erstattung "
                                 f"{claim.refund.format()} und Zinsen bis dahin); Teilzahlungen werden "
                                 "nicht verbucht."})  # fmt: skip
    version = row["version"] if version is None else version
    done = await GrantAward.update({GrantAward.status: target, GrantAward.version: version + 1}).where(
        (GrantAward.id == grant_id) & (GrantAward.version == version)).returning(GrantAward.id)  # fmt: skip
    if not done:
        raise Conflict("Die Zuwendung wurde inzwischen geändert. Bitte laden Sie die Seite neu.")
    await _update(settlement, settlement.version, {
        Settlement.repaid_at: datetime.combine(repaid_on, datetime.min.time(), clock.BERLIN),
        Settlement.repaid_cents: amount.cents, Settlement.interest_cents: interest.cents,
        Settlement.cash_reference: cash_reference})  # fmt: skip
    await audit.record(Actor(principal.id, request_id), "grant.refunded", "grant", grant_id,
                       organisation=row["application.organisation"],
                       data={"amount_cents": amount.cents, "interest_cents": interest.cents,
                             "repaid_on": repaid_on.isoformat(),
                             "cash_reference": cash_reference})  # fmt: skip


async def close(
    principal: Principal, grant: GrantReport, version: int, request_id: str = "-"
) -> None:
    """Close a settled grant without refund (its Nachzahlung paid) or a repaid one."""
    target = _step("close", grant.grant_status, principal)
    async with db.transaction():
        settlement = await _current(grant)
        if grant.grant_status is G.SETTLED and settlement.claim:
            raise Conflict("Vor dem Abschluss ist die Erstattung anzuhören und festzusetzen.")
        if (
            settlement.subsequent_order_id
            and settlement.subsequent_order_status is not PaymentOrderStatus.PAID
        ):
            raise Conflict("Die Nachzahlung ist noch nicht ausgezahlt.")
        await _move(grant, version, target)
        await audit.record(Actor(principal.id, request_id), "grant.closed", "grant", grant.grant_id,
                           organisation=grant.organisation_id)  # fmt: skip


# -- receivables (finance) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receivable:
    grant_id: int
    grant_version: int
    file_number: str
    organisation: str
    refund: Money
    interest: Money  # as of today: § 49a Abs. 3 until today and the late-use interest
    claim: Money  # what repays it today
    due: date | None
    days_overdue: int


async def receivables(principal: Principal, page: int = 1) -> Page[Receivable]:
    """Refunds decided and not yet repaid, oldest due first (grants in „Rückforderung
    festgesetzt“, by the grant's status index), with the interest until today."""
    if not principal.roles & {Role.FINANCE, Role.REVIEWER, Role.APPROVER, Role.AUDITOR, Role.ADMIN}:
        raise Forbidden("Forderungen sehen Finanzen und KI.")
    limit, offset = window(page, PAGE_SIZE)
    rows = await Settlement.select(
        *CLAIM_COLUMNS, Settlement.grant.version, Settlement.grant.application.file_number,  # type: ignore[union-attr]
        Settlement.grant.application.organisation.legal_name, Settlement.refund_due_date,  # type: ignore[union-attr]
    ).where((Settlement.grant.status == G.REFUND_SET) & Settlement.repaid_at.is_null()).order_by(
        Settlement.refund_due_date).order_by(Settlement.id).limit(limit).offset(offset)  # fmt: skip
    today, terms = clock.today(), await interest_terms()
    result = []
    for r in rows:
        claim = _open_claim(r)
        try:
            interest = claim.interest_on(today, terms)
        except ValueError:  # no base rate for the period: the decision's figure
            interest = claim.decided_interest
        result.append(Receivable(
            grant_id=r["grant"], grant_version=r["grant.version"], file_number=r["grant.application.file_number"] or "",
            organisation=r["grant.application.organisation.legal_name"], refund=claim.refund,
            interest=interest + claim.late_use_interest, claim=claim.refund + interest + claim.late_use_interest,
            due=r["refund_due_date"],
            days_overdue=max(0, (today - r["refund_due_date"]).days) if r["refund_due_date"] else 0,
        ))  # fmt: skip
    return page_of(result, page, PAGE_SIZE)
