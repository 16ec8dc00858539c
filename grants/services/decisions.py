"""Decisions (Bescheide): an approver other than the reviewer decides; an approval commits its
amount on the budget line of each fiscal year it covers, in the same transaction, and never
beyond the line's appropriation — concurrent decisions included (KomHVO NRW § 31; DOMAIN §4).

The letter is rendered by a function the caller passes in (documents are not the domain's
business), stored under its hash with the decision, and announced to the association.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from grants import audit, clock, db, files, notifications
from grants.audit import Actor
from grants.deadlines import usage_report_due
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import approved_grant, check
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.services import applications, payments, reviews
from grants.services.applications import ApplicationView, touch
from grants.services.users import Principal
from grants.tables import (
    Application,
    BudgetCommitment,
    BudgetLine,
    Call,
    Decision,
    Document,
    FiscalYear,
    FiscalYearShare,
    GrantAward,
    Organisation,
    TextBlock,
)
from grants.vocabulary import (
    DecisionKind,
    DocumentKind,
    FinancingType,
    PaymentMode,
    ProvisionalRule,
    Recommendation,
    Role,
)
from grants.workflow import ApplicationStatus, GrantStatus

ACTIONS = {
    Recommendation.APPROVE: ("approve", DecisionKind.APPROVAL, "application.approved"),
    Recommendation.APPROVE_PARTLY: (
        "approve_partly",
        DecisionKind.PARTIAL_APPROVAL,
        "application.partly_approved",
    ),
    Recommendation.REJECT: ("reject", DecisionKind.REJECTION, "application.rejected"),
}
INTERNAL = frozenset(
    {DocumentKind.AUDIT_MEMO}
)  # the KI's own documents: not in the association's inbox
DOCUMENT_KINDS = {
    DecisionKind.APPROVAL: DocumentKind.GRANT_LETTER,
    DecisionKind.PARTIAL_APPROVAL: DocumentKind.PARTIAL_GRANT_LETTER,
    DecisionKind.REJECTION: DocumentKind.REJECTION_LETTER,
    DecisionKind.AMENDMENT: DocumentKind.AMENDMENT_LETTER,
}


@dataclass(frozen=True, slots=True)
class DecisionInput:
    outcome: Recommendation
    financing_type: FinancingType
    period_start: date
    period_end: date
    share: Decimal | None = None
    cap: Money | None = None
    fixed: Money | None = None
    unit_rate: Money | None = None
    units: int | None = None
    budget_reservation: bool = False
    payment_mode: PaymentMode = PaymentMode.INSTALMENTS
    instalments: int = 4
    usage_report_due: date | None = None
    conditions: tuple[str, ...] = ()
    reasons: str = ""
    conflict_of_interest: str = ""


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """Everything a decision letter says; the renderer turns it into a document."""

    kind: DecisionKind
    file_number: str
    letter_date: date
    recipient: dict[str, str]
    title: str
    period_start: date
    period_end: date
    financing_type: FinancingType
    eligible: Money
    other_funding: Money
    share: Decimal | None
    cap: Money | None
    fixed: Money | None
    unit_rate: Money | None
    units: int | None
    approved: Money
    requested: Money
    years: list[tuple[int, Money]]
    payment_mode: PaymentMode
    payment_schedule: list[tuple[date, Money]]
    usage_report_due: date | None
    conditions: list[tuple[str, str]]
    budget_reservation: bool
    reasons: str
    reductions: list[tuple[str, Money, Money, str]]
    signer_name: str
    previous_approved: Money | None = None  # amendments: the grant before
    original_date: date | None = None  # amendments: the date of the first decision
    changes: str = ""  # amendments: what changes
    draft: bool = False  # a preview of the form's values, marked ENTWURF


@dataclass(frozen=True, slots=True)
class RenderedLetter:
    title: str
    filename: str
    media_type: str
    content: bytes


LetterRenderer = Callable[[LetterFacts], Awaitable[RenderedLetter]]


@dataclass(frozen=True, slots=True)
class BudgetState:
    """A fiscal year's budget as the decision form needs it (§ 82 GO NRW)."""

    year: int
    in_force: bool
    rule: ProvisionalRule

    @property
    def hint(self) -> str:
        """Why the reservation is pre-ticked while the budget is not in force."""
        if self.in_force:
            return ""
        reserved = ("warten ihre Raten, bis der Haushalt in Kraft ist" if self.rule is ProvisionalRule.WAIT
                    else "erhalten sie bis dahin je Monat höchstens ein Zwölftel des Vorjahresbetrags")  # fmt: skip
        return (
            f"Die Haushaltssatzung {self.year} ist noch nicht in Kraft, daher ist der Haushaltsvorbehalt "
            "vorgeschlagen. Ohne Vorbehalt muss die Stadt die Raten auszahlen, sobald der Bescheid "
            f"bestandskräftig ist (vorläufige Haushaltsführung, § 82 GO NRW); unter Vorbehalt {reserved}."
        )


@dataclass(frozen=True, slots=True)
class ProgrammeDefaults:
    """What the decision form proposes from the programme: payout and standard conditions."""

    payment_mode: PaymentMode
    instalments: int
    conditions: tuple[str, ...]


async def programme_defaults(call_id: int) -> ProgrammeDefaults:
    """The payout and Nebenbestimmungen the programme of a call sets as its standard."""
    programme = Call.programme
    row = await Call.select(programme.payment_mode, programme.instalments, programme.standard_conditions).where(
        Call.id == call_id).output(load_json=True).first()  # fmt: skip
    if row is None:
        raise NotFound(call_id)
    return ProgrammeDefaults(PaymentMode(row["programme.payment_mode"]), int(row["programme.instalments"]),
                             tuple(row["programme.standard_conditions"] or ()))  # fmt: skip


async def budget_state(year: int) -> BudgetState:
    row = (
        await FiscalYear.select(FiscalYear.budget_in_force, FiscalYear.provisional_rule)
        .where(FiscalYear.year == year)
        .first()
    )
    if row is None:
        return BudgetState(year, False, ProvisionalRule.WAIT)
    return BudgetState(year, bool(row["budget_in_force"]), ProvisionalRule(row["provisional_rule"]))


# -- pure helpers ----------------------------------------------------------------------------


def split_by_years(amount: Money, start: date, end: date) -> list[tuple[int, Money]]:
    """Spread an amount over the fiscal years of a period, pro rata by days (remainder last)."""
    days = (end - start).days + 1
    years = list(range(start.year, end.year + 1))
    shares: list[tuple[int, Money]] = []
    for year in years[:-1]:
        first, last = max(start, date(year, 1, 1)), date(year, 12, 31)
        portion = Money.from_decimal(amount.to_decimal() * ((last - first).days + 1) / days)
        shares.append((year, portion))
    shares.append((years[-1], amount - Money.total(m for _, m in shares)))
    return shares


def instalment_schedule(
    amount: Money, start: date, end: date, count: int, today: date
) -> list[tuple[date, Money]]:
    """Equal instalments spread over the period (the first not before today); remainder last."""
    count = max(1, count)
    first = max(start, today)
    span = max(0, (end - first).days)
    dates = [first + timedelta(days=span * n // count) for n in range(count)]
    part = Money(amount.cents // count)
    return [
        (day, part if n < count - 1 else amount - part * (count - 1)) for n, day in enumerate(dates)
    ]


def budget_message(appropriation: Money, committed: Money, amount: Money) -> str:
    available = appropriation - committed
    return (f"Die Haushaltsmittel reichen nicht: Ansatz {appropriation.format()}, bereits gebunden "
            f"{committed.format()}, verfügbar {available.format()}, diese Entscheidung {amount.format()}.")  # fmt: skip


# -- the decision ----------------------------------------------------------------------------


async def call_budget_line(call_id: int) -> dict[str, Any]:
    """The codes of the budget line a call pays from."""
    row = await Call.select(*[getattr(Call.budget_line, column) for column in
                              ("id", "product", "plan_line", "account", "cost_centre")]).where(Call.id == call_id).first()  # fmt: skip
    return {key.split(".")[-1]: value for key, value in (row or {}).items()}


async def line_for_year(call_line: dict[str, Any], year: int) -> dict[str, Any]:
    """The call's budget line in ``year`` (same Teilplan, Zeile, Sachkonto, Kostenstelle)."""
    row = await BudgetLine.select(BudgetLine.id, BudgetLine.appropriation_cents).where(
        (BudgetLine.fiscal_year.year == year) & (BudgetLine.product == call_line["product"])
        & (BudgetLine.plan_line == call_line["plan_line"]) & (BudgetLine.account == call_line["account"])
        & (BudgetLine.cost_centre == call_line["cost_centre"])
    ).first()  # fmt: skip
    if row is None:
        raise Invalid(
            {"period_end": f"Für {year} gibt es noch keine Haushaltsstelle dieses Aufrufs."}
        )
    return row


async def commit_budget(line: dict[str, Any], amount: Money) -> None:
    """Refuse when the line cannot carry the amount; serialised per line (advisory lock).

    The appropriation is read again under the lock: finance may have lowered it meanwhile
    (:func:`grants.services.budget.update_line` takes the same lock)."""
    await db.lock(f"budget_line:{line['id']}")
    await check_budget(line, amount)


async def check_budget(line: dict[str, Any], amount: Money) -> None:
    """Refuse when the line cannot carry the amount next to what is bound on it already."""
    committed = Money(sum(r["amount_cents"] for r in await BudgetCommitment.select(
        BudgetCommitment.amount_cents).where(BudgetCommitment.budget_line == line["id"])))  # fmt: skip
    current = await BudgetLine.select(BudgetLine.appropriation_cents).where(BudgetLine.id == line["id"]).first()  # fmt: skip
    appropriation = Money((current or line)["appropriation_cents"])
    if committed + amount > appropriation:
        raise Invalid({"budget": budget_message(appropriation, committed, amount)})


def _parameters(
    app: ApplicationView, review: reviews.ReviewView | None, data: DecisionInput
) -> Any:
    return reviews.parameters_of(app, review, reviews.Proposal(
        recommendation=data.outcome, financing_type=data.financing_type, share=data.share, cap=data.cap,
        fixed=data.fixed, unit_rate=data.unit_rate, units=data.units,
    ))  # fmt: skip


def _check_input(app: ApplicationView, params: Any, data: DecisionInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.period_end < data.period_start:
        errors["period_end"] = "Das Ende des Bewilligungszeitraums muss nach dem Beginn liegen."
    if data.outcome is Recommendation.REJECT:
        if not data.reasons.strip():
            errors["reasons"] = "Bitte begründen Sie die Ablehnung."
        return errors
    errors |= check(params)
    approved = approved_grant(params) if not errors else Money(0)
    if not errors and approved.cents <= 0:
        errors["cap"] = "Nach diesen Parametern ergibt sich keine Zuwendung."
    if data.outcome is Recommendation.APPROVE_PARTLY and approved >= app.requested:
        errors["outcome"] = (
            "Bei einer Teilbewilligung liegt die Zuwendung unter dem beantragten Betrag."
        )
    if approved > app.requested:
        errors["cap"] = (
            f"Die Zuwendung darf den beantragten Betrag ({app.requested.format()}) nicht übersteigen."
        )
    return errors


@dataclass(frozen=True, slots=True)
class _Figures:
    """What a decision's input comes to: parameters, Z, its fiscal years, instalments, due date."""

    params: Any
    approved: Money
    years: list[tuple[int, Money]]
    lines: dict[int, dict[str, Any]]
    schedule: list[tuple[date, Money]]
    due: date


async def _decidable(principal: Principal, application_id: int, data: DecisionInput
                     ) -> tuple[ApplicationView, reviews.ReviewView | None, ApplicationStatus]:  # fmt: skip
    """The application and its review, if ``principal`` may decide it now (role, state, four eyes)."""
    app = await applications.get(principal, application_id)
    status = applications.advance_status(ACTIONS[data.outcome][0], app, principal)
    review = await reviews.current(app.id)
    if principal.id in {app.reviewer_id, review.reviewer_id if review else None}:
        raise Forbidden(
            "Vier-Augen-Prinzip: Wer den Antrag geprüft hat, entscheidet nicht über ihn."
        )
    return app, review, status


async def _figures(
    app: ApplicationView, review: reviews.ReviewView | None, data: DecisionInput
) -> _Figures:
    """Check the input and work out the amounts; reads only (the budget lines of the years)."""
    params = _parameters(app, review, data)
    if errors := _check_input(app, params, data):
        raise Invalid(errors)
    approved = approved_grant(params) if data.outcome is not Recommendation.REJECT else Money(0)
    years = split_by_years(approved, data.period_start, data.period_end) if approved else []
    call_line = await call_budget_line(app.call_id)
    lines = {year: await line_for_year(call_line, year) for year, _ in years}
    schedule = (instalment_schedule(approved, data.period_start, data.period_end, data.instalments, clock.today())
                if approved and data.payment_mode is PaymentMode.INSTALMENTS else [])  # fmt: skip
    due = data.usage_report_due or usage_report_due(data.period_end)
    return _Figures(params, approved, years, lines, schedule, due)


async def preview(principal: Principal, application_id: int, data: DecisionInput,
                  render_letter: LetterRenderer) -> RenderedLetter:  # fmt: skip
    """The letter ``data`` would give, marked as draft; decides, stores and records nothing.

    Checks what :func:`decide` checks except the version, and the budget without booking."""
    app, review, _ = await _decidable(principal, application_id, data)
    figures = await _figures(app, review, data)
    for year, amount in figures.years:
        await check_budget(figures.lines[year], amount)
    facts = await _facts(
        app, review, data, ACTIONS[data.outcome][1], figures, principal, clock.now()
    )
    return await render_letter(replace(facts, draft=True))


async def decide(principal: Principal, application_id: int, version: int, data: DecisionInput,
                 render_letter: LetterRenderer, request_id: str = "-") -> int:  # fmt: skip
    """Decide an application ready for decision; returns the decision's id."""
    _, kind, event = ACTIONS[data.outcome]
    async with db.transaction():
        app, review, status = await _decidable(principal, application_id, data)
        if app.version != version:
            raise Conflict(
                "Der Antrag wurde geändert, seit Sie ihn geöffnet haben. Bitte prüfen Sie ihn erneut."
            )
        figures = await _figures(app, review, data)
        params, approved, years, lines = (
            figures.params,
            figures.approved,
            figures.years,
            figures.lines,
        )
        schedule, due = figures.schedule, figures.due
        now = clock.now()
        for year, amount in years:
            await commit_budget(lines[year], amount)
        number = await Decision.count().where(Decision.application == app.id) + 1
        decision_id = int((await Decision.insert(Decision(
            application=app.id, kind=kind, number=number, financing_type=data.financing_type,
            eligible_cents=params.eligible.cents, other_funding_cents=params.other_funding.cents,
            share_basis_points=int(data.share * 10000) if data.share is not None else None,
            cap_cents=data.cap.cents if data.cap else None, fixed_cents=data.fixed.cents if data.fixed else None,
            unit_rate_cents=data.unit_rate.cents if data.unit_rate else None, units_planned=data.units,
            approved_cents=approved.cents, period_start=data.period_start, period_end=data.period_end,
            budget_reservation=data.budget_reservation, payment_mode=data.payment_mode,
            payment_schedule=[{"due": d.isoformat(), "cents": m.cents} for d, m in schedule],
            usage_report_due=due if approved else None, conditions=list(data.conditions), reasons=data.reasons.strip(),
            conflict_of_interest=data.conflict_of_interest.strip(), reviewer=review.reviewer_id if review else None,
            decided_by=principal.id, decided_at=now,
        )).returning(Decision.id))[0]["id"])  # fmt: skip
        if approved:
            grant = int((await GrantAward.insert(GrantAward(
                application=app.id, current_decision=decision_id, status=GrantStatus.APPROVED,
            )).returning(GrantAward.id))[0]["id"])  # fmt: skip
            for year, amount in years:
                await FiscalYearShare.insert(
                    FiscalYearShare(decision=decision_id, year=year, amount_cents=amount.cents)
                )
                await BudgetCommitment.insert(BudgetCommitment(
                    budget_line=lines[year]["id"], grant=grant, decision=decision_id, amount_cents=amount.cents,
                    reason=kind.label, booked_by=principal.id, booked_at=now,
                ))  # fmt: skip
            await payments.refresh_next_instalments(grant)
        await touch(app.id, version, {Application.status: status, Application.decided_at: now})
        facts = await _facts(app, review, data, kind, figures, principal, now)
        letter = await render_letter(facts)
        await store_letter(app, decision_id, kind, letter, principal)
        await audit.record(Actor(principal.id, request_id), event, "application", app.id,
                           organisation=app.organisation_id,
                           data={"decision": decision_id, "approved_cents": approved.cents})  # fmt: skip
    return decision_id


async def _facts(app: ApplicationView, review: reviews.ReviewView | None, data: DecisionInput, kind: DecisionKind,
                 figures: _Figures, principal: Principal, now: datetime) -> LetterFacts:  # fmt: skip
    organisation = await Organisation.select(Organisation.legal_name, Organisation.street, Organisation.postcode,
                                             Organisation.city).where(Organisation.id == app.organisation_id).first()  # fmt: skip
    blocks = {b["key"]: (b["title"], b["body"]) for b in await TextBlock.select(TextBlock.key, TextBlock.title,
                                                                                TextBlock.body)}  # fmt: skip
    reductions = []
    if review:
        for line in app.expenses:
            assessment = review.valid(line)
            if assessment and assessment.recognised < line.amount:
                reductions.append(
                    (line.description, line.amount, assessment.recognised, assessment.reason)
                )
    return LetterFacts(
        kind=kind, file_number=app.file_number or str(app.id), letter_date=now.astimezone(clock.BERLIN).date(),
        recipient={k: str(v) for k, v in (organisation or {}).items()}, title=app.title,
        period_start=data.period_start, period_end=data.period_end, financing_type=data.financing_type,
        eligible=figures.params.eligible, other_funding=figures.params.other_funding, share=data.share, cap=data.cap,
        fixed=data.fixed, unit_rate=data.unit_rate, units=data.units, approved=figures.approved,
        requested=app.requested, years=figures.years, payment_mode=data.payment_mode,
        payment_schedule=figures.schedule, usage_report_due=figures.due if figures.approved else None,
        conditions=[blocks[key] for key in data.conditions if key in blocks],
        budget_reservation=data.budget_reservation, reasons=data.reasons.strip(), reductions=reductions,
        signer_name=principal.display_name,
    )  # fmt: skip


async def store_letter(app: ApplicationView, decision_id: int, kind: DecisionKind, letter: RenderedLetter,
                        principal: Principal) -> None:  # fmt: skip
    digest = files.store(letter.content)
    document = await Document.insert(Document(
        organisation=app.organisation_id, application=app.id, kind=DOCUMENT_KINDS[kind], title=letter.title,
        filename=letter.filename, media_type=letter.media_type, sha256=digest, size_bytes=len(letter.content),
        created_by=principal.id,
    )).returning(Document.id)  # fmt: skip
    await Decision.update({Decision.letter: document[0]["id"]}).where(Decision.id == decision_id)
    recipient = (
        await Organisation.select(Organisation.email)
        .where(Organisation.id == app.organisation_id)
        .first()
    )
    if recipient and recipient["email"]:
        await notifications.enqueue(
            recipient["email"],
            f"{letter.title}",
            f"Guten Tag,\n\nzu Ihrem Antrag „{app.title}“ ({app.file_number}) liegt ein {kind.label} vor. "
            "Sie finden ihn im Förderportal unter „Bescheide“.\n",
        )


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    title: str
    filename: str
    created_at: datetime
    application_id: int | None
    file_number: str | None


async def documents(principal: Principal, organisation_id: int, page: int = 1) -> Page[DocumentRow]:
    """One page of the association's document inbox: its letters, newest first (one query)."""
    if not applications.is_staff(principal) and principal.role_in(organisation_id) is None:
        raise NotFound(organisation_id)
    limit, offset = window(page)
    rows = await Document.select(
        Document.id, Document.title, Document.filename, Document.created_at, Document.application,
        Document.application.file_number,
    ).where((Document.organisation == organisation_id) & (Document.kind.not_in(list(INTERNAL)))).order_by(
        Document.id, ascending=False).limit(
        limit).offset(offset)  # fmt: skip
    return page_of([DocumentRow(r["id"], r["title"], r["filename"], r["created_at"], r["application"],
                                r["application.file_number"]) for r in rows], page)  # fmt: skip


async def document(principal: Principal, document_id: int) -> tuple[dict[str, Any], bytes]:
    row = await Document.select().where(Document.id == document_id).first()
    if row is None or (not applications.is_staff(principal) and (
        principal.role_in(row["organisation"]) is None or row["kind"] in INTERNAL
    )):  # fmt: skip
        raise NotFound(document_id)
    return row, files.read(row["sha256"])


async def of_application(app: ApplicationView) -> list[dict[str, Any]]:
    """The decisions of a loaded application with their letters, oldest first."""
    return await Decision.select(
        Decision.id, Decision.kind, Decision.number, Decision.financing_type, Decision.approved_cents, Decision.decided_at,
        Decision.decided_by.display_name, Decision.reviewer.display_name, Decision.letter, Decision.letter.title,
    ).where(Decision.application == app.id).order_by(Decision.number)  # fmt: skip


def may_decide(
    principal: Principal, app: ApplicationView, review: reviews.ReviewView | None
) -> bool:
    return Role.APPROVER in principal.roles and principal.id not in {
        app.reviewer_id,
        review.reviewer_id if review else None,
    }
