"""Payments of a grant (DOMAIN.md §3, §4): payment orders along the decision's schedule or for a
request for funds, certified "sachlich richtig" by one person and released by another, exported
to the cash office in numbered batches, and recorded as paid exactly once.

Every order is checked against what is still open on the grant and what is bound for its fiscal
year; nothing is released while the grant's payments are suspended, and while the year's budget
is not in force only what provisional budget management allows (§ 82 GO NRW,
:mod:`grants.budget_rules`): instalments of a final decision without budget reservation, and of
one under reservation at most what the fiscal year's setting grants. Writers of one grant are
serialised (``db.lock``), and orders created from a plan carry an idempotency key, so a double click or a retried request never pays twice.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from grants import audit, clock, db, files
from grants.audit import Actor
from grants.budget_rules import (
    ProvisionalCase,
    Verdict,
    notification_date,
    provisional_verdict,
)
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import Parameters
from grants.money import Money
from grants.services.users import Principal
from grants.tables import (
    BudgetCommitment,
    Decision,
    ExportBatch,
    FiscalYear,
    GrantAward,
    PaymentOrder,
)
from grants.vocabulary import FinancingType, PaymentKind, PaymentMode, ProvisionalRule, Role
from grants.workflow import (
    GRANT,
    PAYMENT_ORDER,
    GrantStatus,
    PaymentOrderStatus,
    TransitionNotAllowed,
    advance,
)

P = PaymentOrderStatus
STAFF = frozenset({Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.ADMIN, Role.AUDITOR})
PREPARERS = frozenset({Role.REVIEWER, Role.FINANCE})
PAYABLE = frozenset({GrantStatus.APPROVED, GrantStatus.PAYING, GrantStatus.REPORT_DUE})
PENDING = frozenset({P.DRAFT, P.CERTIFIED, P.RELEASED, P.EXPORTED})
GONE_OUT = frozenset({P.RELEASED, P.EXPORTED, P.PAID})  # released: counts against a twelfth
NOT_YET_OUT = frozenset({P.DRAFT, P.CERTIFIED, P.RELEASED})  # § 82 GO NRW still decides these
PURPOSE_LENGTH = 140  # SEPA Verwendungszweck


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    version: int
    kind: PaymentKind
    status: PaymentOrderStatus
    amount: Money
    due_date: date | None
    purpose: str
    fiscal_year: int
    order_number: str | None
    batch_number: str | None
    certified_by_id: int | None
    certified_by: str | None
    certified_at: datetime | None
    released_by: str | None
    released_at: datetime | None
    paid_on: date | None
    cash_reference: str
    funds_request_id: int | None


@dataclass(frozen=True, slots=True)
class Instalment:
    """One instalment of the decision's schedule and the order made for it, if any."""

    number: int
    due: date
    amount: Money
    order: OrderView | None


@dataclass(frozen=True, slots=True)
class YearBinding:
    """What the grant binds on the budget line of one fiscal year."""

    year: int
    budget_line_id: int
    budget_line: str
    budget_in_force: bool
    committed: Money
    ordered: Money  # orders on the line that are not cancelled


@dataclass(frozen=True, slots=True)
class GrantPayments:
    grant_id: int
    version: int
    status: GrantStatus
    suspended: bool
    application_id: int
    organisation_id: int
    organisation: str
    file_number: str
    title: str
    decision_id: int
    parameters: Parameters
    approved: Money
    payment_mode: PaymentMode
    period_start: date | None
    period_end: date | None
    orders: list[OrderView]
    schedule: list[tuple[date, Money]]
    years: list[YearBinding]
    instalment_orders: dict[int, int]  # instalment number → its live order (same due date)
    paid: Money = field(init=False)
    pending: Money = field(init=False)

    def __post_init__(self) -> None:
        live = [o for o in self.orders if o.status is not P.CANCELLED]
        object.__setattr__(self, "paid", Money.total(o.amount for o in live if o.status is P.PAID))
        object.__setattr__(
            self, "pending", Money.total(o.amount for o in live if o.status in PENDING)
        )

    @property
    def open(self) -> Money:
        """What may still be ordered: Z − paid − ordered and not yet paid."""
        return self.approved - self.paid - self.pending

    @property
    def payable(self) -> bool:
        return self.status in PAYABLE and not self.suspended

    @property
    def instalments(self) -> list[Instalment]:
        orders = {o.id: o for o in self.orders}
        return [
            Instalment(number, due, amount, orders.get(self.instalment_orders.get(number, 0)))
            for number, (due, amount) in enumerate(self.schedule, start=1)
        ]


ORDER_COLUMNS = (
    PaymentOrder.id, PaymentOrder.version, PaymentOrder.kind, PaymentOrder.status, PaymentOrder.amount_cents,
    PaymentOrder.due_date, PaymentOrder.purpose, PaymentOrder.order_number, PaymentOrder.batch.number,
    PaymentOrder.budget_line.fiscal_year.year, PaymentOrder.certified_by, PaymentOrder.certified_by.display_name,  # type: ignore[union-attr]
    PaymentOrder.certified_at, PaymentOrder.released_by.display_name, PaymentOrder.released_at,
    PaymentOrder.paid_on, PaymentOrder.cash_reference, PaymentOrder.funds_request, PaymentOrder.idempotency_key,
)  # fmt: skip


def order_view(row: dict[str, Any]) -> OrderView:
    return OrderView(
        id=row["id"], version=row["version"], kind=PaymentKind(row["kind"]), status=P(row["status"]),
        amount=Money(row["amount_cents"]), due_date=row["due_date"], purpose=row["purpose"],
        fiscal_year=row["budget_line.fiscal_year.year"], order_number=row["order_number"],
        batch_number=row["batch.number"], certified_by_id=row["certified_by"],
        certified_by=row["certified_by.display_name"], certified_at=row["certified_at"],
        released_by=row["released_by.display_name"], released_at=row["released_at"], paid_on=row["paid_on"],
        cash_reference=row["cash_reference"], funds_request_id=row["funds_request"],
    )  # fmt: skip


async def grant_payments(principal: Principal, grant_id: int) -> GrantPayments:
    """The grant's payment plan, orders and bindings — for staff and the association."""
    grant = await GrantAward.select(
        GrantAward.id, GrantAward.version, GrantAward.status, GrantAward.payments_suspended,
        GrantAward.application, GrantAward.application.organisation, GrantAward.application.organisation.legal_name,  # type: ignore[union-attr]
        GrantAward.application.file_number, GrantAward.application.title, GrantAward.current_decision,
    ).where(GrantAward.id == grant_id).first()  # fmt: skip
    if grant is None or not _may_see(principal, grant["application.organisation"]):
        raise NotFound
    decision = await Decision.select().where(Decision.id == grant["current_decision"]).first()
    if decision is None:
        raise NotFound
    orders = (
        await PaymentOrder.select(*ORDER_COLUMNS)
        .where(PaymentOrder.grant == grant_id)
        .order_by(PaymentOrder.id)
    )
    schedule = schedule_of(decision["payment_schedule"])
    ordered = {o["due_date"]: o["id"] for o in orders
               if o["kind"] == PaymentKind.INSTALMENT and o["status"] != P.CANCELLED}  # fmt: skip
    instalment_orders = {
        n: ordered[due] for n, (due, _) in enumerate(schedule, start=1) if due in ordered
    }
    return GrantPayments(
        grant_id=grant["id"], version=grant["version"], status=GrantStatus(grant["status"]),
        suspended=grant["payments_suspended"], application_id=grant["application"],
        organisation_id=grant["application.organisation"], organisation=grant["application.organisation.legal_name"],
        file_number=grant["application.file_number"] or str(grant["application"]), title=grant["application.title"],
        decision_id=decision["id"], parameters=parameters_of(decision), approved=Money(decision["approved_cents"]),
        payment_mode=PaymentMode(decision["payment_mode"]), period_start=decision["period_start"],
        period_end=decision["period_end"], orders=[order_view(o) for o in orders],
        schedule=schedule, years=await _bindings(grant_id, orders), instalment_orders=instalment_orders,
    )  # fmt: skip


def schedule_of(stored: str | list[dict[str, Any]]) -> list[tuple[date, Money]]:
    """A decision's instalments ``(due, amount)`` from its JSON column (text on SQLite)."""
    items = json.loads(stored) if isinstance(stored, str) else stored
    return [(date.fromisoformat(item["due"]), Money(item["cents"])) for item in items]


def next_instalment_due(
    schedule: Sequence[tuple[date, Money]], ordered: set[date], pays_instalments: bool
) -> date | None:
    """The earliest instalment without a live order, while the grant pays out in instalments."""
    if not pays_instalments:
        return None
    return min((due for due, _ in schedule if due not in ordered), default=None)


async def refresh_next_instalments(*grant_ids: int) -> None:
    """Recompute ``grant_award.next_instalment_due`` of these grants (of all without ids): call
    it in the transaction that changes a grant's schedule, status or instalment orders."""
    query = GrantAward.select(
        GrantAward.id, GrantAward.status, GrantAward.payments_suspended, GrantAward.next_instalment_due,
        GrantAward.current_decision.payment_schedule, GrantAward.current_decision.payment_mode,
    )  # fmt: skip
    orders = PaymentOrder.select(PaymentOrder.grant, PaymentOrder.due_date).where(
        (PaymentOrder.kind == PaymentKind.INSTALMENT) & (PaymentOrder.status != P.CANCELLED)
    )  # fmt: skip
    if grant_ids:
        query = query.where(GrantAward.id.is_in(list(grant_ids)))
        orders = orders.where(PaymentOrder.grant.is_in(list(grant_ids)))
    ordered: dict[int, set[date]] = {}
    for order in await orders:
        ordered.setdefault(order["grant"], set()).add(order["due_date"])
    for grant in await query:
        due = next_instalment_due(
            schedule_of(grant["current_decision.payment_schedule"]),
            ordered.get(grant["id"], set()),
            GrantStatus(grant["status"]) in PAYABLE and not grant["payments_suspended"]
            and grant["current_decision.payment_mode"] == PaymentMode.INSTALMENTS,
        )  # fmt: skip
        if due != grant["next_instalment_due"]:
            await GrantAward.update({GrantAward.next_instalment_due: due}).where(
                GrantAward.id == grant["id"]
            )


async def grant_of(application_id: int) -> int | None:
    """The id of the application's grant, if it was approved."""
    row = (
        await GrantAward.select(GrantAward.id)
        .where(GrantAward.application == application_id)
        .first()
    )
    return int(row["id"]) if row else None


def parameters_of(decision: dict[str, Any]) -> Parameters:
    share = decision["share_basis_points"]
    return Parameters(
        financing_type=FinancingType(decision["financing_type"]),
        eligible=Money(decision["eligible_cents"]), other_funding=Money(decision["other_funding_cents"]),
        share=Decimal(share) / 10_000 if share is not None else None,
        cap=_money(decision["cap_cents"]), fixed=_money(decision["fixed_cents"]),
        unit_rate=_money(decision["unit_rate_cents"]), units_planned=decision["units_planned"],
    )  # fmt: skip


def _money(cents: int | None) -> Money | None:
    return Money(cents) if cents is not None else None


async def _bindings(grant_id: int, orders: Sequence[dict[str, Any]]) -> list[YearBinding]:
    rows = await BudgetCommitment.select(
        BudgetCommitment.budget_line, BudgetCommitment.amount_cents, BudgetCommitment.budget_line.fiscal_year.year,  # type: ignore[union-attr]
        BudgetCommitment.budget_line.fiscal_year.budget_in_force, BudgetCommitment.budget_line.product,  # type: ignore[union-attr]
        BudgetCommitment.budget_line.plan_line, BudgetCommitment.budget_line.name,
    ).where(BudgetCommitment.grant == grant_id)  # fmt: skip
    ordered: dict[int, int] = {}
    for order in orders:
        if order["status"] != P.CANCELLED:
            year = order["budget_line.fiscal_year.year"]
            ordered[year] = ordered.get(year, 0) + order["amount_cents"]
    years: dict[int, YearBinding] = {}
    for row in rows:
        year = row["budget_line.fiscal_year.year"]
        before = years.get(year)
        years[year] = YearBinding(
            year=year, budget_line_id=row["budget_line"],
            budget_line=f"{row['budget_line.product']} / {row['budget_line.plan_line']} – {row['budget_line.name']}",
            budget_in_force=row["budget_line.fiscal_year.budget_in_force"],
            committed=(before.committed if before else Money(0)) + Money(row["amount_cents"]),
            ordered=Money(ordered.get(year, 0)),
        )  # fmt: skip
    return sorted(years.values(), key=lambda b: b.year)


def _may_see(principal: Principal, organisation_id: int) -> bool:
    return bool(principal.roles & STAFF) or organisation_id in principal.organisation_ids


# -- creating orders -------------------------------------------------------------------------


def purpose(file_number: str, kind: PaymentKind, number: int, start: date | None,
            end: date | None) -> str:  # fmt: skip
    """The SEPA Verwendungszweck with file number and period, at most 140 characters."""
    period = f" Zeitraum {start:%m/%Y}-{end:%m/%Y}" if start and end else ""
    return f"{file_number} {kind.label} {number}{period}"[:PURPOSE_LENGTH]


def check_order(
    grant: GrantPayments,
    year: int,
    amount: Money,
    *,
    excluding: int | None = None,
    kind: PaymentKind | None = None,
) -> None:
    """Refuse an order the grant cannot carry: state, suspension, Z, and the year's binding.
    A settled grant takes only its Nachzahlung."""
    settled = kind is PaymentKind.SUBSEQUENT and grant.status is GrantStatus.SETTLED
    if grant.status not in PAYABLE and not settled:
        raise Conflict(
            f"Für eine Zuwendung im Status „{grant.status.label}“ wird nichts ausgezahlt."
        )
    if grant.suspended:
        raise Conflict("Die Auszahlungen für diese Zuwendung sind ausgesetzt.")
    if amount <= Money(0):
        raise Invalid({"amount": "Bitte einen Betrag über 0 € angeben."})
    counted = next(
        (o.amount for o in grant.orders if o.id == excluding and o.status is not P.CANCELLED),
        Money(0),
    )
    still_open = grant.open + counted
    if amount > still_open:
        raise Invalid({"amount": (
            f"Die Zahlung von {amount.format()} übersteigt, was auf die Zuwendung noch offen ist: "
            f"{still_open.format()} (bewilligt {grant.approved.format()}, ausgezahlt {grant.paid.format()}, "
            f"angeordnet {(grant.pending - counted).format()})."
        )})  # fmt: skip
    binding = next((b for b in grant.years if b.year == year), None)
    if binding is None:
        raise Invalid(
            {
                "amount": f"Für das Haushaltsjahr {year} sind für diese Zuwendung keine Mittel gebunden."
            }
        )
    rest = binding.committed - binding.ordered + counted
    if amount > rest:
        raise Invalid({"amount": (
            f"Im Haushaltsjahr {year} sind für diese Zuwendung {binding.committed.format()} gebunden, davon "
            f"sind {(binding.ordered - counted).format()} angeordnet; {amount.format()} passen nicht mehr hinein."
        )})  # fmt: skip


def payment_date(grant: GrantPayments, today: date) -> date:
    """When a payment asked for today falls due: today, or — for a grant bound only on later
    fiscal years — the first day of the earliest of them."""
    years = sorted(b.year for b in grant.years if b.committed > b.ordered)
    if not years or today.year in years or years[0] < today.year:
        return today
    return date(years[0], 1, 1)


def binding_for(grant: GrantPayments, year: int) -> YearBinding:
    binding = next((b for b in grant.years if b.year == year), None)
    if binding is None:
        raise Invalid(
            {
                "amount": f"Für das Haushaltsjahr {year} sind für diese Zuwendung keine Mittel gebunden."
            }
        )
    return binding


async def create_order(principal: Principal, grant: GrantPayments, *, kind: PaymentKind, amount: Money,
                       due: date, number: int, idempotency_key: str, funds_request: int | None = None,
                       request_id: str = "-", budget_year: int | None = None, draft: bool = False) -> int:  # fmt: skip
    """Insert an order certified "sachlich richtig" by its author. Call inside a transaction that
    holds the grant's lock; an order with the same key is returned instead of a second one.

    ``budget_year``: the fiscal year charged (default: the due date's). ``draft``: the order of a
    settlement's Nachzahlung, which someone else certifies and finance releases."""
    existing = await PaymentOrder.select(PaymentOrder.id).where(
        PaymentOrder.idempotency_key == idempotency_key
    ).first()  # fmt: skip
    if existing:
        return int(existing["id"])
    if not draft and not principal.roles & PREPARERS:
        raise Forbidden("Zahlungen ordnen Sachbearbeitung oder Finanzen an.")
    year = budget_year or due.year
    check_order(grant, year, amount, kind=kind)
    now = clock.now()
    rows = await PaymentOrder.insert(PaymentOrder(
        grant=grant.grant_id, budget_line=binding_for(grant, year).budget_line_id, funds_request=funds_request,
        kind=kind, status=P.DRAFT if draft else P.CERTIFIED, amount_cents=amount.cents, due_date=due,
        purpose=purpose(grant.file_number, kind, number, grant.period_start, grant.period_end),
        idempotency_key=idempotency_key, created_by=principal.id, created_at=now,
        certified_by=None if draft else principal.id, certified_at=None if draft else now,
    )).returning(PaymentOrder.id)  # fmt: skip
    order_id = int(rows[0]["id"])
    if kind is PaymentKind.INSTALMENT:
        await refresh_next_instalments(grant.grant_id)
    await audit.record(Actor(principal.id, request_id), "payment_order.created" if draft else "payment_order.certified", "payment_order", order_id,
                       organisation=grant.organisation_id,
                       data={"grant": grant.grant_id, "amount_cents": amount.cents, "kind": kind.value})  # fmt: skip
    return order_id


async def prepare_instalment(
    principal: Principal, grant_id: int, number: int, request_id: str = "-"
) -> int:
    """Order instalment ``number`` of the decision's schedule, certified by the caller."""
    async with db.transaction():
        await db.lock(f"grant_payments:{grant_id}")
        grant = await grant_payments(principal, grant_id)
        if not 1 <= number <= len(grant.schedule):
            raise NotFound
        if number in grant.instalment_orders:
            return grant.instalment_orders[number]  # ordered already: a double click
        due, amount = grant.schedule[number - 1]
        return await create_order(
            principal, grant, kind=PaymentKind.INSTALMENT, amount=amount, due=due, number=number,
            idempotency_key=f"instalment:{grant_id}:{due.isoformat()}", request_id=request_id,
        )  # fmt: skip


# -- the four-eyes steps ---------------------------------------------------------------------


async def _order(order_id: int) -> dict[str, Any]:
    row = await PaymentOrder.select(
        PaymentOrder.id, PaymentOrder.version, PaymentOrder.status, PaymentOrder.grant, PaymentOrder.amount_cents,
        PaymentOrder.kind, PaymentOrder.certified_by, PaymentOrder.released_by, PaymentOrder.paid_on, PaymentOrder.cash_reference,
        PaymentOrder.budget_line.fiscal_year.year, PaymentOrder.budget_line.fiscal_year.budget_in_force,  # type: ignore[union-attr]
    ).where(PaymentOrder.id == order_id).first()  # fmt: skip
    if row is None:
        raise NotFound
    return row


ACTION_LABELS = {"certify": "sachlich richtig zeichnen", "release": "freigeben", "export": "übermitteln",
                 "mark_paid": "als ausgezahlt verbuchen", "cancel": "stornieren"}  # fmt: skip


def _step(action: str, state: PaymentOrderStatus, principal: Principal) -> PaymentOrderStatus:
    try:
        return P(advance(PAYMENT_ORDER, action, state, principal.roles))
    except TransitionNotAllowed as exc:
        label = ACTION_LABELS[action]
        if exc.role_missing:
            raise Forbidden(f"Ihre Rolle darf Anordnungen nicht {label}.") from exc
        raise Conflict(f"Eine Anordnung im Stand „{state.label}“ kann man nicht {label}.") from exc


async def _transition(principal: Principal, order: dict[str, Any], version: int, action: str,
                      changes: dict[Any, Any], event: str, request_id: str, organisation: int,
                      data: dict[str, Any] | None = None) -> None:  # fmt: skip
    target = _step(action, P(order["status"]), principal)
    done = await PaymentOrder.update({
        **changes, PaymentOrder.status: target, PaymentOrder.version: version + 1,
    }).where((PaymentOrder.id == order["id"]) & (PaymentOrder.version == version)).returning(PaymentOrder.id)  # fmt: skip
    if not done:
        raise Conflict("Die Anordnung wurde inzwischen geändert. Bitte laden Sie die Seite neu.")
    await audit.record(Actor(principal.id, request_id), event, "payment_order", order["id"],
                       organisation=organisation, data={"grant": order["grant"], **(data or {})})  # fmt: skip


async def _locked(principal: Principal, order_id: int) -> tuple[dict[str, Any], GrantPayments]:
    """The order and its grant, with the grant's payments serialised until the transaction ends."""
    order = await _order(order_id)
    await db.lock(f"grant_payments:{order['grant']}")
    order = await _order(order_id)  # as it is now that we hold the lock
    return order, await grant_payments(principal, order["grant"])


async def certify(principal: Principal, order_id: int, version: int, request_id: str = "-") -> None:
    """A draft becomes "sachlich richtig" (Sachbearbeitung or Finanzen)."""
    async with db.transaction():
        order, grant = await _locked(principal, order_id)
        check_order(
            grant,
            order["budget_line.fiscal_year.year"],
            Money(order["amount_cents"]),
            excluding=order_id,
            kind=PaymentKind(order["kind"]),
        )
        now = clock.now()
        await _transition(principal, order, version, "certify",
                          {PaymentOrder.certified_by: principal.id, PaymentOrder.certified_at: now},
                          "payment_order.certified", request_id, grant.organisation_id)  # fmt: skip


async def release(principal: Principal, order_id: int, version: int, request_id: str = "-") -> None:
    """Finance releases ("rechnerisch richtig, freigegeben") — never the person who certified."""
    async with db.transaction():
        order, grant = await _locked(principal, order_id)
        if order["status"] == P.RELEASED and order["released_by"] == principal.id:
            return  # the same request once more: already done
        if order["certified_by"] == principal.id:
            raise Forbidden("Vier-Augen-Prinzip: Sie haben diese Anordnung als sachlich richtig gezeichnet. "
                            "Freigeben muss eine andere Person.")  # fmt: skip
        check_order(
            grant,
            order["budget_line.fiscal_year.year"],
            Money(order["amount_cents"]),
            excluding=order_id,
            kind=PaymentKind(order["kind"]),
        )
        await _require_provisional(order, clock.today())
        await _transition(principal, order, version, "release",
                          {PaymentOrder.released_by: principal.id, PaymentOrder.released_at: clock.now()},
                          "payment_order.released", request_id, grant.organisation_id)  # fmt: skip


async def cancel(
    principal: Principal, order_id: int, version: int, reason: str, request_id: str = "-"
) -> None:
    reason = reason.strip()
    if not reason:
        raise Invalid({"reason": "Bitte den Grund der Stornierung angeben."})
    async with db.transaction():
        order, grant = await _locked(principal, order_id)
        # The key is freed: a cancelled instalment or request can be ordered anew.
        await _transition(principal, order, version, "cancel", {PaymentOrder.idempotency_key: None},
                          "payment_order.cancelled", request_id, grant.organisation_id, {"reason": reason[:500]})  # fmt: skip
        await refresh_next_instalments(grant.grant_id)


# -- provisional budget management (§ 82 GO NRW) --------------------------------------------


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment (an order, or an instalment not yet ordered) to judge under § 82 GO NRW."""

    key: Any
    grant_id: int
    year: int
    amount: Money
    released: bool = False  # the order is already counted among the year's released orders


async def provisional_verdicts(items: Sequence[Payment], today: date) -> dict[Any, Verdict]:
    """Whether each payment may go out of its fiscal year now, and why (see
    :func:`grants.budget_rules.provisional_verdict`). At most five queries for any number of
    payments: bounded by the page that asks, never by the history."""
    if not items:
        return {}
    years = {r["year"]: r for r in await FiscalYear.select(
        FiscalYear.year, FiscalYear.budget_in_force, FiscalYear.provisional_rule,
    ).where(FiscalYear.year.is_in(sorted({i.year for i in items})))}  # fmt: skip
    open_items = [i for i in items if not years.get(i.year, {}).get("budget_in_force", False)]
    verdicts = {i.key: Verdict(True, "", provisional=False) for i in items}
    if not open_items:
        return verdicts
    grant_ids = sorted({i.grant_id for i in open_items})
    grants = {g["id"]: g for g in await GrantAward.select(
        GrantAward.id, GrantAward.application.organisation, GrantAward.current_decision.budget_reservation,
        GrantAward.current_decision.notified_at, GrantAward.current_decision.decided_at,
    ).where(GrantAward.id.is_in(grant_ids))}  # fmt: skip
    released: dict[tuple[int, int], int] = {}
    for order in await PaymentOrder.select(
        PaymentOrder.grant, PaymentOrder.amount_cents, PaymentOrder.budget_line.fiscal_year.year,  # type: ignore[union-attr]
    ).where(PaymentOrder.grant.is_in(grant_ids) & PaymentOrder.status.is_in(list(GONE_OUT))):  # fmt: skip
        key = (order["grant"], order["budget_line.fiscal_year.year"])
        released[key] = released.get(key, 0) + order["amount_cents"]
    previous = await _previous_year_amounts(
        [i for i in open_items if grants[i.grant_id]["current_decision.budget_reservation"]
         and years.get(i.year, {}).get("provisional_rule") == ProvisionalRule.TWELFTH], grants,
    )  # fmt: skip
    for item in open_items:
        grant, year = grants[item.grant_id], years.get(item.year, {})
        decided = grant["current_decision.decided_at"].astimezone(clock.BERLIN).date()
        notified = grant["current_decision.notified_at"]
        counted = released.get((item.grant_id, item.year), 0) - (
            item.amount.cents if item.released else 0
        )
        case = ProvisionalCase(
            year=item.year, budget_in_force=False,
            rule=ProvisionalRule(year.get("provisional_rule", ProvisionalRule.WAIT)),
            reservation=bool(grant["current_decision.budget_reservation"]),
            notified_on=notification_date(notified.astimezone(clock.BERLIN).date() if notified else None, decided),
            previous_year=Money(previous.get((item.grant_id, item.year), 0)), released=Money(counted),
        )  # fmt: skip
        verdicts[item.key] = provisional_verdict(case, item.amount, today)
    return verdicts


async def _previous_year_amounts(
    items: Sequence[Payment], grants: dict[int, dict[str, Any]]
) -> dict[tuple[int, int], int]:
    """Per (grant, year): what the grant's association had committed in the year before on the
    budget line with the same code (Teilplan, Zeile, Sachkonto, Kostenstelle) — "the previous
    year's amount" a monthly twelfth is taken of."""
    if not items:
        return {}
    code = (BudgetCommitment.budget_line.product, BudgetCommitment.budget_line.plan_line,
            BudgetCommitment.budget_line.account, BudgetCommitment.budget_line.cost_centre)  # fmt: skip
    names = (
        "budget_line.product",
        "budget_line.plan_line",
        "budget_line.account",
        "budget_line.cost_centre",
    )
    lines = {(r["grant"], r["budget_line.fiscal_year.year"]): tuple(r[n] for n in names) for r in await BudgetCommitment.select(
        BudgetCommitment.grant, BudgetCommitment.budget_line.fiscal_year.year, *code,  # type: ignore[union-attr]
    ).where(BudgetCommitment.grant.is_in(sorted({i.grant_id for i in items})))}  # fmt: skip
    organisations = sorted({grants[i.grant_id]["application.organisation"] for i in items})
    amounts: dict[tuple[int, int, tuple[str, ...]], int] = {}
    for row in await BudgetCommitment.select(
        BudgetCommitment.amount_cents, BudgetCommitment.grant.application.organisation,  # type: ignore[union-attr]
        BudgetCommitment.budget_line.fiscal_year.year, *code,  # type: ignore[union-attr]
    ).where(BudgetCommitment.grant.application.organisation.is_in(organisations)  # type: ignore[union-attr]
            & BudgetCommitment.budget_line.fiscal_year.year.is_in(sorted({i.year - 1 for i in items}))):  # type: ignore[union-attr]  # fmt: skip
        key = (
            row["grant.application.organisation"],
            row["budget_line.fiscal_year.year"],
            tuple(row[n] for n in names),
        )
        amounts[key] = amounts.get(key, 0) + row["amount_cents"]
    result = {}
    for item in items:
        line = lines.get((item.grant_id, item.year))
        organisation = grants[item.grant_id]["application.organisation"]
        result[item.grant_id, item.year] = max(
            0, amounts.get((organisation, item.year - 1, line or ()), 0)
        )
    return result


async def grant_verdicts(grant: GrantPayments, today: date) -> dict[tuple[str, int], Verdict]:
    """For a grant's page: ``("order", id)`` for its orders not yet exported and
    ``("instalment", number)`` for its instalments not yet ordered — only where provisional
    budget management applies, with whether the payment may go out now and why."""
    items = [Payment(("order", o.id), grant.grant_id, o.fiscal_year, o.amount, released=o.status in GONE_OUT)
             for o in grant.orders if o.status in NOT_YET_OUT]  # fmt: skip
    items += [Payment(("instalment", i.number), grant.grant_id, i.due.year, i.amount)
              for i in grant.instalments if i.order is None]  # fmt: skip
    verdicts = await provisional_verdicts(items, today)
    return {key: verdict for key, verdict in verdicts.items() if verdict.provisional}


async def _require_provisional(order: dict[str, Any], today: date) -> None:
    """Refuse, with the reason, a payment that provisional budget management does not allow."""
    if order["budget_line.fiscal_year.budget_in_force"]:
        return
    item = Payment(order["id"], order["grant"], order["budget_line.fiscal_year.year"],
                   Money(order["amount_cents"]), released=order["status"] in GONE_OUT)  # fmt: skip
    verdict = (await provisional_verdicts([item], today))[order["id"]]
    if verdict.waits:
        raise Conflict(verdict.reason)


# -- export to the cash office and payment ---------------------------------------------------

StatementWriter = Callable[[int], Awaitable[bytes]]
"""Writes the payment-order statement of an export batch (its id) as an .xlsx file."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The released orders finance chose to send, with the count and sum it confirmed."""

    order_ids: frozenset[int]
    count: int
    total: Money


async def selection(principal: Principal, order_ids: Iterable[int]) -> list[DeskRow]:
    """The chosen orders that are released, as rows to confirm (one query)."""
    if Role.FINANCE not in principal.roles:
        raise Forbidden("Anordnungen übermittelt die Finanzabteilung.")
    rows = await PaymentOrder.select(
        *ORDER_COLUMNS, PaymentOrder.grant, PaymentOrder.grant.application.file_number,  # type: ignore[union-attr]
        PaymentOrder.grant.application.organisation.legal_name,  # type: ignore[union-attr]
    ).where((PaymentOrder.status == P.RELEASED) & PaymentOrder.id.is_in(sorted(set(order_ids)) or [0])).order_by(
        PaymentOrder.id
    )  # fmt: skip
    return [DeskRow(order_view(r), r["grant"], r["grant.application.file_number"] or "",
                    r["grant.application.organisation.legal_name"]) for r in rows]  # fmt: skip


async def export_released(principal: Principal, token: str, write_statement: StatementWriter,
                          request_id: str = "-", chosen: Selection | None = None) -> int:  # fmt: skip
    """Send the chosen released orders (all of them without a choice) to the cash office as one
    numbered batch; returns its id. A choice is refused when its orders, count or sum are no
    longer what finance confirmed.

    ``token`` comes from the form: the same token again returns the same batch (a double click).
    """
    if Role.FINANCE not in principal.roles:
        raise Forbidden("Anordnungen übermittelt die Finanzabteilung.")
    if not token or len(token) > 64:
        raise Invalid({"token": "Das Formular ist unvollständig. Bitte laden Sie die Seite neu."})
    async with db.transaction():
        await db.lock("export_batch")
        existing = (
            await ExportBatch.select(ExportBatch.id)
            .where(ExportBatch.idempotency_key == token)
            .first()
        )
        if existing:
            return int(existing["id"])
        orders = await PaymentOrder.select(
            PaymentOrder.id, PaymentOrder.version, PaymentOrder.status, PaymentOrder.grant, PaymentOrder.amount_cents,
            PaymentOrder.grant.application.organisation, PaymentOrder.budget_line.fiscal_year.year,  # type: ignore[union-attr]
            PaymentOrder.budget_line.fiscal_year.budget_in_force, PaymentOrder.grant.payments_suspended,  # type: ignore[union-attr]
        ).where(PaymentOrder.status == P.RELEASED).order_by(PaymentOrder.id)  # fmt: skip
        if chosen is not None:
            orders = [o for o in orders if o["id"] in chosen.order_ids]
            if (len(orders), Money.total(Money(o["amount_cents"]) for o in orders)) != (
                chosen.count,
                chosen.total,
            ):
                raise Conflict(
                    "Die Auswahl hat sich inzwischen geändert: Bitte prüfen Sie Anzahl und Summe neu."
                )
        if not orders:
            raise Invalid({"token": "Es gibt keine freigegebenen Anordnungen zu übermitteln."})
        waiting = await provisional_verdicts([
            Payment(o["id"], o["grant"], o["budget_line.fiscal_year.year"], Money(o["amount_cents"]), released=True)
            for o in orders if not o["budget_line.fiscal_year.budget_in_force"]
        ], clock.today())  # fmt: skip
        for order in orders:
            if (verdict := waiting.get(order["id"])) and verdict.waits:
                raise Conflict(
                    f"Anordnung {order['id']}: {verdict.reason} Bitte stornieren Sie sie zuerst."
                )
            if order["grant.payments_suspended"]:
                raise Conflict("Eine freigegebene Anordnung gehört zu einer Zuwendung mit ausgesetzten "
                               "Auszahlungen. Bitte stornieren Sie sie zuerst.")  # fmt: skip
        now = clock.now()
        year = now.astimezone(clock.BERLIN).year
        number = await _next_batch_number(year)
        batch_id = int((await ExportBatch.insert(ExportBatch(
            number=number, created_by=principal.id, created_at=now, idempotency_key=token,
        )).returning(ExportBatch.id))[0]["id"])  # fmt: skip
        for position, order in enumerate(orders, start=1):
            await _transition(principal, order, order["version"], "export",
                              {PaymentOrder.batch: batch_id, PaymentOrder.order_number: f"{number}-{position:03d}"},
                              "payment_order.exported", request_id, order["grant.application.organisation"],
                              {"batch": number})  # fmt: skip
        content = await write_statement(batch_id)
        await ExportBatch.update({ExportBatch.file_sha256: files.store(content)}).where(
            ExportBatch.id == batch_id
        )
        await audit.record(Actor(principal.id, request_id), "export_batch.created", "export_batch", batch_id,
                           data={"number": number, "orders": len(orders)})  # fmt: skip
    return batch_id


async def _next_batch_number(year: int) -> str:
    """AO-2027-0001, AO-2027-0002, … per calendar year; call under the ``export_batch`` lock."""
    prefix = f"AO-{year}-"
    taken = await ExportBatch.select(ExportBatch.number).where(
        ExportBatch.number.like(f"{prefix}%")
    )
    last = max(
        (int(n) for r in taken if (n := r["number"].removeprefix(prefix)).isdigit()), default=0
    )
    return f"{prefix}{last + 1:04d}"


async def record_payment(principal: Principal, order_id: int, paid_on: date, cash_reference: str,
                         request_id: str = "-") -> bool:  # fmt: skip
    """Record that the cash office paid an exported order; returns False when it already was,
    with the same date and Kassenzeichen (a retried request). Call inside a transaction."""
    cash_reference = cash_reference.strip()
    order, grant = await _locked(principal, order_id)
    if order["status"] == P.PAID:
        if (order["paid_on"], order["cash_reference"]) == (paid_on, cash_reference):
            return False
        raise Conflict(f"Die Anordnung ist bereits am {order['paid_on']:%d.%m.%Y} als ausgezahlt verbucht "
                       f"(Kassenzeichen {order['cash_reference']}).")  # fmt: skip
    await _transition(principal, order, order["version"], "mark_paid",
                      {PaymentOrder.paid_on: paid_on, PaymentOrder.cash_reference: cash_reference},
                      "payment_order.paid", request_id, grant.organisation_id,
                      {"paid_on": paid_on.isoformat(), "cash_reference": cash_reference})  # fmt: skip
    if grant.status is GrantStatus.APPROVED:
        status = advance(GRANT, "pay", grant.status, {Role.FINANCE})  # the cash office paid
        await GrantAward.update({GrantAward.status: status, GrantAward.version: GrantAward.version + 1}).where(
            GrantAward.id == grant.grant_id
        )  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "grant.paying", "grant", grant.grant_id,
                           organisation=grant.organisation_id)  # fmt: skip
    return True


def check_paid_input(paid_on: date | None, cash_reference: str) -> dict[str, str]:
    errors = {}
    if paid_on is None:
        errors["paid_on"] = "Bitte das Zahlungsdatum angeben (TT.MM.JJJJ)."
    elif paid_on > clock.today():
        errors["paid_on"] = "Das Zahlungsdatum liegt in der Zukunft."
    if not cash_reference.strip():
        errors["cash_reference"] = "Bitte das Kassenzeichen angeben."
    elif len(cash_reference.strip()) > 40:
        errors["cash_reference"] = "Das Kassenzeichen ist zu lang (höchstens 40 Zeichen)."
    return errors


async def mark_paid(principal: Principal, order_id: int, paid_on: date | None, cash_reference: str,
                    request_id: str = "-") -> bool:  # fmt: skip
    """Finance records one payment by hand; the same request twice records it once."""
    errors = check_paid_input(paid_on, cash_reference)
    if errors or paid_on is None:
        raise Invalid(errors)
    async with db.transaction():
        return await record_payment(principal, order_id, paid_on, cash_reference, request_id)


# -- the finance desk ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeskRow:
    order: OrderView
    grant_id: int
    file_number: str
    organisation: str


@dataclass(frozen=True, slots=True)
class Desk:
    """One page of the orders in one state. The open states (work to do) come oldest due first
    with their counts and the sum of the chosen one; paid and cancelled orders are history:
    newest first, without counts or sums, which would grow with the years."""

    status: PaymentOrderStatus
    rows: list[DeskRow]
    counts: dict[PaymentOrderStatus, int]  # of the open states
    total: Money | None  # of the chosen open state
    page: int
    pages: int | None  # of an open state
    has_next: bool
    # § 82 GO NRW: for orders not yet exported from a year whose budget is not in force, whether
    # they may go out now and why (by order id; absent: nothing provisional about it)
    verdicts: dict[int, Verdict] = field(default_factory=dict)


PAGE_SIZE = 50


async def desk(principal: Principal, status: PaymentOrderStatus, page: int = 1) -> Desk:
    """Payment orders in one state, one page (see :class:`Desk`)."""
    if not principal.roles & STAFF:
        raise Forbidden("Nur für Mitarbeitende des KI und der Finanzen.")
    counts = {P(r["status"]): r["count"] for r in await PaymentOrder.select(
        PaymentOrder.status, Count(PaymentOrder.id, alias="count")
    ).where(PaymentOrder.status.is_in(list(PENDING))).group_by(PaymentOrder.status)}  # fmt: skip
    history = status not in PENDING
    pages = None if history else max(1, -(-counts.get(status, 0) // PAGE_SIZE))
    page = max(1, min(page, pages or page))
    rows = await PaymentOrder.select(
        *ORDER_COLUMNS, PaymentOrder.grant, PaymentOrder.grant.application.file_number,  # type: ignore[union-attr]
        PaymentOrder.grant.application.organisation.legal_name,  # type: ignore[union-attr]
    ).where(PaymentOrder.status == status).order_by(PaymentOrder.due_date, ascending=not history).order_by(
        PaymentOrder.id, ascending=not history
    ).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)  # fmt: skip
    total = None
    if not history:
        found = await PaymentOrder.select(Sum(PaymentOrder.amount_cents, alias="total")).where(
            PaymentOrder.status == status
        ).first()  # fmt: skip
        total = Money(int((found or {}).get("total") or 0))
    shown = [DeskRow(order_view(r), r["grant"], r["grant.application.file_number"] or "",
                     r["grant.application.organisation.legal_name"]) for r in rows[:PAGE_SIZE]]  # fmt: skip
    verdicts = await provisional_verdicts([
        Payment(row.order.id, row.grant_id, row.order.fiscal_year, row.order.amount,
                released=row.order.status in GONE_OUT)
        for row in shown if row.order.status in NOT_YET_OUT
    ], clock.today())  # fmt: skip
    return Desk(
        status=status, counts=counts, page=page, pages=pages, total=total, has_next=len(rows) > PAGE_SIZE,
        rows=shown, verdicts={k: v for k, v in verdicts.items() if v.provisional},
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class DueInstalment:
    grant_id: int
    file_number: str
    organisation: str
    number: int
    due: date
    amount: Money
    verdict: Verdict | None = None  # § 82 GO NRW while the year's budget is not in force


DUE_AHEAD_DAYS = 31


async def due_instalments(
    principal: Principal, today: date, limit: int = 100
) -> list[DueInstalment]:
    """Instalments of payable grants due within a month (or overdue) and not yet ordered.

    The grants come by their maintained ``next_instalment_due`` (an index range), at most
    ``limit`` of them: the first ``limit`` instalments by due date lie among those grants."""
    if not principal.roles & STAFF:
        raise Forbidden("Nur für Mitarbeitende des KI und der Finanzen.")
    until = date.fromordinal(today.toordinal() + DUE_AHEAD_DAYS)
    grants = await GrantAward.select(
        GrantAward.id, GrantAward.application.file_number, GrantAward.application.organisation.legal_name,  # type: ignore[union-attr]
        GrantAward.current_decision.payment_schedule,
    ).where(GrantAward.next_instalment_due <= until).order_by(GrantAward.next_instalment_due).order_by(
        GrantAward.id
    ).limit(limit)  # fmt: skip
    if not grants:
        return []
    ordered = {(o["grant"], o["due_date"]) for o in await PaymentOrder.select(
        PaymentOrder.grant, PaymentOrder.due_date,
    ).where(PaymentOrder.grant.is_in([g["id"] for g in grants]) & (PaymentOrder.kind == PaymentKind.INSTALMENT)
            & (PaymentOrder.status != P.CANCELLED))}  # fmt: skip
    due = []
    for grant in grants:
        schedule = schedule_of(grant["current_decision.payment_schedule"])
        for number, (day, amount) in enumerate(schedule, start=1):
            if day <= until and (grant["id"], day) not in ordered:
                due.append(DueInstalment(grant["id"], grant["application.file_number"] or "",
                                         grant["application.organisation.legal_name"], number, day,
                                         amount))  # fmt: skip
    due = sorted(due, key=lambda d: (d.due, d.file_number))[:limit]
    verdicts = await provisional_verdicts(
        [Payment(n, d.grant_id, d.due.year, d.amount) for n, d in enumerate(due)], today
    )
    return [
        replace(d, verdict=verdicts[n]) if verdicts[n].provisional else d for n, d in enumerate(due)
    ]


@dataclass(frozen=True, slots=True)
class BatchRow:
    id: int
    number: str
    created_at: datetime
    created_by: str
    orders: int
    total: Money
    paid: int


BATCH_PAGE = 20


async def batches(principal: Principal, page: int = 1) -> tuple[list[BatchRow], bool]:
    """One page of the export batches, newest first, with their figures (two queries), and
    whether an older page follows."""
    if not principal.roles & STAFF:
        raise Forbidden("Nur für Mitarbeitende des KI und der Finanzen.")
    found = await ExportBatch.select(
        ExportBatch.id, ExportBatch.number, ExportBatch.created_at, ExportBatch.created_by.display_name,
    ).order_by(ExportBatch.id, ascending=False).limit(BATCH_PAGE + 1).offset((max(page, 1) - 1) * BATCH_PAGE)  # fmt: skip
    rows = found[:BATCH_PAGE]
    if not rows:
        return [], False
    figures = await PaymentOrder.select(
        PaymentOrder.batch, PaymentOrder.status, Count(PaymentOrder.id, alias="count"),
        Sum(PaymentOrder.amount_cents, alias="total"),
    ).where(PaymentOrder.batch.is_in([r["id"] for r in rows])).group_by(PaymentOrder.batch, PaymentOrder.status)  # fmt: skip
    result = []
    for row in rows:
        mine = [f for f in figures if f["batch"] == row["id"]]
        result.append(BatchRow(
            id=row["id"], number=row["number"], created_at=row["created_at"], created_by=row["created_by.display_name"],
            orders=sum(f["count"] for f in mine), total=Money(sum(int(f["total"] or 0) for f in mine)),
            paid=sum(f["count"] for f in mine if f["status"] == P.PAID),
        ))  # fmt: skip
    return result, len(found) > BATCH_PAGE


async def batch_file(principal: Principal, batch_id: int) -> tuple[str, bytes]:
    """The statement sent with a batch, as it was sent (stored under its hash)."""
    if not principal.roles & STAFF:
        raise NotFound
    row = await ExportBatch.select(ExportBatch.number, ExportBatch.file_sha256).where(
        ExportBatch.id == batch_id
    ).first()  # fmt: skip
    if row is None or not row["file_sha256"]:
        raise NotFound
    return row["number"], files.read(row["file_sha256"])
