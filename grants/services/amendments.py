"""Amendments (Änderungen) of a grant: the association asks for another period, plan or amount
within the cap; a reviewer recommends; an approver other than the reviewer decides. An
approval is an Änderungsbescheid — a new decision of the grant — and the committed budget
follows the difference, per fiscal year, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grants import audit, clock, db, notifications
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import Parameters, approved_grant
from grants.money import Money
from grants.services import applications, decisions, payments
from grants.services.users import Principal
from grants.tables import (
    Amendment,
    BudgetCommitment,
    Decision,
    FiscalYearShare,
    GrantAward,
    Organisation,
    PaymentOrder,
    User,
)
from grants.vocabulary import DecisionKind, ExpenseCategory, FinancingType, Role
from grants.workflow import GrantStatus, PaymentOrderStatus

OPEN_GRANT = (GrantStatus.APPROVED, GrantStatus.PAYING)
STATUS_LABELS = {"requested": "in Prüfung", "approved": "bewilligt", "rejected": "abgelehnt"}


@dataclass(frozen=True, slots=True)
class AmendmentInput:
    period_start: date
    period_end: date
    requested: Money
    plan: dict[str, Money]  # line_key → new amount of an expense line
    reason: str


@dataclass(frozen=True, slots=True)
class LineChange:
    """An expense line an amendment changes: its amount in force before, and the one asked for."""

    line_key: str
    label: str
    old: Money
    new: Money


@dataclass(frozen=True, slots=True)
class AmendmentView:
    id: int
    version: int
    status: str
    period_start: date | None
    period_end: date | None
    requested: Money
    changes: list[LineChange]
    reason: str
    requested_at: datetime
    reviewer_id: int | None
    recommendation: str
    decision_id: int | None
    approved: Money | None = None  # the grant the Änderungsbescheid sets
    previous: Money | None = None  # the grant in force before it

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


async def _grant(application_id: int) -> dict[str, Any]:
    row = (
        await GrantAward.select(*GrantAward.all_columns())
        .where(GrantAward.application == application_id)
        .first()
    )
    if row is None:
        raise NotFound(application_id)
    return row


async def _decision(decision_id: int) -> dict[str, Any]:
    row = await Decision.select().where(Decision.id == decision_id).first()
    if row is None:
        raise NotFound(decision_id)
    return row


async def _paid_or_ordered(grant_id: int) -> Money:
    """What the grant's live payment orders (not cancelled) have paid out or will pay."""
    rows = await PaymentOrder.select(PaymentOrder.amount_cents).where(
        (PaymentOrder.grant == grant_id) & (PaymentOrder.status != PaymentOrderStatus.CANCELLED)
    )  # fmt: skip
    return Money(sum(row["amount_cents"] for row in rows))


def _below_payments(out: Money) -> str:
    return (f"Ausgezahlt oder angeordnet sind schon {out.format()}; darunter kann die Zuwendung nicht "
            "sinken. Was zu viel gezahlt ist, fordert die Abrechnung des Verwendungsnachweises zurück.")  # fmt: skip


def _ceiling(decision: dict[str, Any]) -> Money:
    """What an amendment may ask for at most: the cap (or fixed amount), else the approved grant."""
    return Money(decision["cap_cents"] or decision["fixed_cents"] or decision["approved_cents"])


CATEGORY_LABELS = dict(ExpenseCategory.choices())


def _label(line: applications.LineView) -> str:
    category = CATEGORY_LABELS.get(line.category, line.category)
    return f"{category}: {line.description}" if line.description else category


def line_changes(
    app: applications.ApplicationView, rows: list[dict[str, Any]]
) -> dict[int, list[LineChange]]:
    """Per amendment (rows oldest first), each changed expense line with the amount in force
    before it — the plan's, or the one an earlier approved amendment set — and the new one."""
    lines = {line.line_key: line for line in app.expenses}
    in_force = {key: line.amount for key, line in lines.items()}
    found: dict[int, list[LineChange]] = {}
    for row in rows:
        asked = [(item["line_key"], Money(item["amount_cents"])) for item in row["plan"] or []
                 if item["line_key"] in lines]  # fmt: skip
        found[row["id"]] = [
            LineChange(key, _label(lines[key]), in_force[key], new) for key, new in asked
        ]
        if row["status"] == "approved":
            in_force.update(asked)
    return found


async def _rows(application_id: int) -> list[dict[str, Any]]:
    return await Amendment.select().where(Amendment.grant.application == application_id).order_by(
        Amendment.id
    ).output(load_json=True)  # fmt: skip


async def of_application(app: applications.ApplicationView) -> list[AmendmentView]:
    """The amendments of a loaded application's grant, oldest first, with their line changes."""
    rows = await _rows(app.id)
    if not rows:
        return []
    changes = line_changes(app, rows)
    numbered = await Decision.select(Decision.id, Decision.number, Decision.approved_cents).where(
        Decision.application == app.id)  # fmt: skip
    by_number = {r["number"]: Money(r["approved_cents"]) for r in numbered}
    totals = {
        r["id"]: (Money(r["approved_cents"]), by_number.get(r["number"] - 1)) for r in numbered
    }
    return [
        AmendmentView(r["id"], r["version"], r["status"], r["period_start"], r["period_end"],
                      Money(r["requested_cents"]), changes[r["id"]], r["reason"], r["requested_at"],
                      r["reviewer"], r["recommendation"], r["decision"],
                      *totals.get(r["decision"], (None, None)))
        for r in rows
    ]  # fmt: skip


async def request(
    principal: Principal, application_id: int, data: AmendmentInput, request_id: str = "-"
) -> int:
    """A signatory asks for a change of an approved grant."""
    app = await applications.get(principal, application_id)
    if principal.role_in(app.organisation_id) is not Role.SIGNATORY:
        raise Forbidden("Änderungen beantragt eine vertretungsberechtigte Person.")
    async with db.transaction():
        grant = await _grant(app.id)
        if GrantStatus(grant["status"]) not in OPEN_GRANT:
            raise Conflict("Für diese Zuwendung sind keine Änderungen mehr möglich.")
        if await Amendment.exists().where(
            (Amendment.grant == grant["id"]) & (Amendment.status == "requested")
        ):
            raise Conflict("Es gibt schon einen offenen Änderungsantrag.")
        current = await _decision(grant["current_decision"])
        errors: dict[str, str] = {}
        if data.period_end < data.period_start:
            errors["period_end"] = "Das Ende muss nach dem Beginn liegen."
        ceiling = _ceiling(current)
        out = await _paid_or_ordered(grant["id"])
        if not Money(0) < data.requested <= ceiling:
            errors["requested"] = (
                f"Bitte einen Betrag über 0 und höchstens {ceiling.format()} angeben."
            )
        elif data.requested < out:
            errors["requested"] = _below_payments(out)
        expense_keys = {line.line_key for line in app.expenses}
        if set(data.plan) - expense_keys or any(amount.cents <= 0 for amount in data.plan.values()):
            errors["plan"] = "Bitte für jede geänderte Ausgabe einen Betrag über 0 angeben."
        if not data.reason.strip():
            errors["reason"] = "Bitte begründen Sie die Änderung."
        if errors:
            raise Invalid(errors)
        row = await Amendment.insert(Amendment(
            grant=grant["id"], period_start=data.period_start, period_end=data.period_end,
            requested_cents=data.requested.cents, reason=data.reason.strip(), requested_by=principal.id,
            plan=[{"line_key": key, "amount_cents": amount.cents} for key, amount in sorted(data.plan.items())],
        )).returning(Amendment.id)  # fmt: skip
        amendment_id = int(row[0]["id"])
        reviewer = await User.select(User.email).where(User.id == (app.reviewer_id or 0)).first()
        if reviewer:
            await notifications.enqueue(reviewer["email"], f"Änderungsantrag zu {app.file_number}",
                                        f"Der Verein beantragt eine Änderung der Zuwendung „{app.title}“.\n")  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "amendment.requested", "application", app.id,
                           organisation=app.organisation_id, data={"amendment": amendment_id})  # fmt: skip
    return amendment_id


async def _open(
    principal: Principal, amendment_id: int, version: int
) -> tuple[dict[str, Any], Any]:
    row = await Amendment.select(*Amendment.all_columns(), Amendment.grant.application).where(
        Amendment.id == amendment_id
    ).output(load_json=True).first()  # fmt: skip
    if row is None:
        raise NotFound(amendment_id)
    app = await applications.get(principal, row["grant.application"])
    if row["status"] != "requested":
        raise Conflict("Über diesen Änderungsantrag ist schon entschieden.")
    if row["version"] != version:
        raise Conflict("Der Änderungsantrag wurde inzwischen geändert.")
    return row, app


async def recommend(
    principal: Principal, amendment_id: int, version: int, text: str, request_id: str = "-"
) -> None:
    """The reviewer's view of the amendment (who recommends does not decide)."""
    if Role.REVIEWER not in principal.roles:
        raise Forbidden("review")
    if not text.strip():
        raise Invalid({"recommendation": "Bitte eine Empfehlung schreiben."})
    async with db.transaction():
        _, app = await _open(principal, amendment_id, version)
        await Amendment.update({Amendment.reviewer: principal.id, Amendment.recommendation: text.strip(),
                                Amendment.version: version + 1}).where(Amendment.id == amendment_id)  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "amendment.recommended", "application", app.id,
                           organisation=app.organisation_id, data={"amendment": amendment_id})  # fmt: skip


def amended_parameters(
    current: dict[str, Any], changes: list[LineChange], requested: Money
) -> Parameters:
    """The current decision's parameters with the new plan amounts (A moves by their difference
    to the amounts in force)."""
    delta = Money.total(change.new - change.old for change in changes)
    financing_type = FinancingType(current["financing_type"])
    return Parameters(
        financing_type=financing_type, eligible=Money(current["eligible_cents"]) + delta,
        other_funding=Money(current["other_funding_cents"]),
        share=Money(current["share_basis_points"]).to_decimal() if current["share_basis_points"] else None,
        cap=requested if current["cap_cents"] is not None else None,
        fixed=requested if financing_type is FinancingType.FIXED else None,
        unit_rate=Money(current["unit_rate_cents"]) if current["unit_rate_cents"] else None,
        units_planned=current["units_planned"],
    )  # fmt: skip


async def decide(principal: Principal, amendment_id: int, version: int, approve: bool, reasons: str,
                 render_letter: decisions.LetterRenderer, request_id: str = "-") -> int | None:  # fmt: skip
    """Approve (Änderungsbescheid, new decision, budget moved) or refuse; four eyes."""
    if Role.APPROVER not in principal.roles:
        raise Forbidden("decide")
    async with db.transaction():
        row, app = await _open(principal, amendment_id, version)
        if principal.id in {row["reviewer"], app.reviewer_id}:
            raise Forbidden(
                "Vier-Augen-Prinzip: Wer die Änderung geprüft hat, entscheidet nicht über sie."
            )
        if row["reviewer"] is None:
            raise Conflict("Die Sachbearbeitung hat die Änderung noch nicht geprüft.")
        now = clock.now()
        if not approve:
            if not reasons.strip():
                raise Invalid({"reasons": "Bitte begründen Sie die Ablehnung."})
            await Amendment.update({Amendment.status: "rejected", Amendment.decided_at: now,
                                    Amendment.version: version + 1}).where(Amendment.id == amendment_id)  # fmt: skip
            await audit.record(Actor(principal.id, request_id), "amendment.rejected", "application", app.id,
                               organisation=app.organisation_id, data={"amendment": amendment_id})  # fmt: skip
            return None
        grant = await _grant(app.id)
        current = await _decision(grant["current_decision"])
        changes = line_changes(app, await _rows(app.id))[amendment_id]
        params = amended_parameters(current, changes, Money(row["requested_cents"]))
        approved = approved_grant(params)
        out = await _paid_or_ordered(grant["id"])
        if approved < out:
            raise Conflict(_below_payments(out))
        period_start, period_end = row["period_start"], row["period_end"]
        new_years = dict(decisions.split_by_years(approved, period_start, period_end))
        old_years = {r["year"]: Money(r["amount_cents"]) for r in await FiscalYearShare.select(
            FiscalYearShare.year, FiscalYearShare.amount_cents).where(FiscalYearShare.decision == current["id"])}  # fmt: skip
        call_line = await decisions.call_budget_line(app.call_id)
        deltas = {year: new_years.get(year, Money(0)) - old_years.get(year, Money(0))
                  for year in sorted(set(new_years) | set(old_years))}  # fmt: skip
        lines = {
            year: await decisions.line_for_year(call_line, year)
            for year, delta in deltas.items()
            if delta
        }
        for year, delta in deltas.items():
            if delta.cents > 0:
                await decisions.commit_budget(lines[year], delta)
        number = await Decision.count().where(Decision.application == app.id) + 1
        changed = _changes(current, row, changes, params.eligible, approved)
        decision_id = int((await Decision.insert(Decision(
            application=app.id, kind=DecisionKind.AMENDMENT, number=number, financing_type=params.financing_type,
            eligible_cents=params.eligible.cents, other_funding_cents=params.other_funding.cents,
            share_basis_points=current["share_basis_points"], cap_cents=params.cap.cents if params.cap else None,
            fixed_cents=params.fixed.cents if params.fixed else None, unit_rate_cents=current["unit_rate_cents"],
            units_planned=current["units_planned"], approved_cents=approved.cents, period_start=period_start,
            period_end=period_end, budget_reservation=current["budget_reservation"],
            payment_mode=current["payment_mode"], payment_schedule=current["payment_schedule"],
            usage_report_due=current["usage_report_due"], conditions=current["conditions"],
            reasons=reasons.strip() or changed, reviewer=row["reviewer"], decided_by=principal.id, decided_at=now,
        )).returning(Decision.id))[0]["id"])  # fmt: skip
        for year, amount in new_years.items():
            await FiscalYearShare.insert(
                FiscalYearShare(decision=decision_id, year=year, amount_cents=amount.cents)
            )
        for year, delta in deltas.items():
            if delta:
                await BudgetCommitment.insert(BudgetCommitment(
                    budget_line=lines[year]["id"], grant=grant["id"], decision=decision_id, amount_cents=delta.cents,
                    reason=DecisionKind.AMENDMENT.label, booked_by=principal.id, booked_at=now,
                ))  # fmt: skip
        await GrantAward.update(
            {GrantAward.current_decision: decision_id, GrantAward.version: GrantAward.version + 1}
        ).where(GrantAward.id == grant["id"])
        await payments.refresh_next_instalments(grant["id"])
        await Amendment.update({Amendment.status: "approved", Amendment.decision: decision_id, Amendment.decided_at: now,
                                Amendment.version: version + 1}).where(Amendment.id == amendment_id)  # fmt: skip
        organisation = await Organisation.select(Organisation.legal_name, Organisation.street, Organisation.postcode,
                                                 Organisation.city).where(Organisation.id == app.organisation_id).first()  # fmt: skip
        facts = decisions.LetterFacts(
            kind=DecisionKind.AMENDMENT, file_number=app.file_number or str(app.id),
            letter_date=now.astimezone(clock.BERLIN).date(),
            recipient={k: str(v) for k, v in (organisation or {}).items()}, title=app.title,
            period_start=period_start, period_end=period_end, financing_type=params.financing_type,
            eligible=params.eligible, other_funding=params.other_funding, share=params.share, cap=params.cap,
            fixed=params.fixed, unit_rate=params.unit_rate, units=params.units_planned, approved=approved,
            requested=app.requested, years=sorted(new_years.items()), payment_mode=current["payment_mode"],
            payment_schedule=[], usage_report_due=current["usage_report_due"], conditions=[],
            budget_reservation=current["budget_reservation"], reasons=reasons.strip(), reductions=[],
            signer_name=principal.display_name, previous_approved=Money(current["approved_cents"]),
            original_date=current["decided_at"].astimezone(clock.BERLIN).date(), changes=changed,
        )  # fmt: skip
        letter = await render_letter(facts)
        await decisions.store_letter(app, decision_id, DecisionKind.AMENDMENT, letter, principal)
        await audit.record(Actor(principal.id, request_id), "amendment.approved", "application", app.id,
                           organisation=app.organisation_id,
                           data={"amendment": amendment_id, "decision": decision_id, "approved_cents": approved.cents})  # fmt: skip
    return decision_id


def _changes(current: dict[str, Any], amendment: dict[str, Any], changes: list[LineChange],
             eligible: Money, approved: Money) -> str:  # fmt: skip
    """A sentence per change, for the letter: period, each plan line old → new, the new totals."""
    said = []
    if (amendment["period_start"], amendment["period_end"]) != (
        current["period_start"],
        current["period_end"],
    ):
        said.append(f"Der Bewilligungszeitraum wird auf {amendment['period_start']:%d.%m.%Y} bis "
                    f"{amendment['period_end']:%d.%m.%Y} geändert.")  # fmt: skip
    for change in changes:
        said.append(f"Ausgabeposition „{change.label}“: bisher {change.old.format()}, "
                    f"nunmehr {change.new.format()}.")  # fmt: skip
    if eligible.cents != current["eligible_cents"]:
        said.append(f"Die zuwendungsfähigen Ausgaben betragen nunmehr {eligible.format()} "
                    f"(bisher {Money(current['eligible_cents']).format()}).")  # fmt: skip
    if approved.cents != current["approved_cents"]:
        said.append(f"Die Zuwendung beträgt nun {approved.format()}.")
    return "\n".join(said) or "Der Bescheid wird wie beantragt geändert."
