"""The finance statements (Auszüge): the figures behind the Excel files of :mod:`reports.excel.
statements` (DOMAIN.md §7, §8).

1. **Payment-order statement** (Auszahlungsanordnungen) for a period — by due date or by paid
   date — and/or one export batch, with exactly the columns of DOMAIN.md §8; refunds may be
   added as rows of their own (kind "Rückforderung").
2. The budget overview is :mod:`grants.services.budget`.
3. **Account statement** (Kontoauszug) of one association: every grant with what was paid, the
   refund and interest claimed, whether they were repaid, and the balance; and the payments.
4. **List of grants** (Förderliste) of a fiscal year.

Long statements stream: :meth:`PaymentStatement.chunks` and :meth:`GrantList.chunks` page
through the rows by id (keyset, :data:`CHUNK` rows a page), **one query per page**, so memory
stays bounded whatever the number of rows; every figure of a row comes from that one query.

**"bisher ausgezahlt"** (paid before this order) of a payment order O of grant G is the sum of
the orders of G other than O that are *paid* (status ``paid``) and come before O, where orders
are ordered by (paid date, id) and an order that is not paid yet (or has no paid date) comes
after every paid one. So for a paid order: the paid orders of G with an earlier paid date, or
the same paid date and a lower id; for an order not paid yet: everything paid on G so far. For a
refund row: everything paid on the grant.

Who may read them: KI staff with one of :data:`READ_ROLES`; an association's members and
signatories read their own organisation's account statement (anything else is
:class:`NotFound`, never the data).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from grants import clock, db
from grants.clock import BERLIN
from grants.errors import Forbidden, Invalid, NotFound
from grants.services.users import Principal
from grants.tables import Organisation
from grants.vocabulary import District, FinancingType, Labelled, PaymentKind, Role
from grants.workflow import GrantStatus, PaymentOrderStatus

READ_ROLES = frozenset({Role.FINANCE, Role.ADMIN, Role.APPROVER, Role.REVIEWER, Role.AUDITOR})
ORGANISATION_ROLES = frozenset({Role.MEMBER, Role.SIGNATORY})
CHUNK = 2_000
PURPOSE_MAX = 140  # SEPA Verwendungszweck
REFUND_KIND = "Rückforderung"
PAID = PaymentOrderStatus.PAID
ORDERED = frozenset({PaymentOrderStatus.RELEASED, PaymentOrderStatus.EXPORTED, PAID})
"""Orders in a period statement by default: released (freigegeben) and after."""
FIRST_YEAR, LAST_YEAR = 2000, 2100


class DateBasis(Labelled):
    """Which date of a payment order a period applies to."""

    DUE = "due", "Fälligkeit"
    PAID = "paid", "Auszahlungsdatum"


def may_read(principal: Principal) -> bool:
    return not principal.roles.isdisjoint(READ_ROLES)


def _reader(principal: Principal) -> None:
    if not may_read(principal):
        raise Forbidden("Nur Finanzen, Leitung, Sachbearbeitung, Administration und Prüfung.")


def _cents(value: Any) -> int:
    """A SUM from either engine (int on SQLite, Decimal on PostgreSQL) as cents."""
    return int(value or 0)


def _day(value: Any) -> date | None:
    """A point in time (or a date) as the date in Köln."""
    if isinstance(value, datetime):
        return value.astimezone(BERLIN).date()
    return value if isinstance(value, date) else None


def _label(enum: type[Labelled], value: str | None) -> str:
    try:
        return enum(value or "").label
    except ValueError:
        return value or ""


def _in(values: list[str]) -> str:
    return ", ".join("{}" for _ in values)


def _de(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else "offen"


# -- 1. the payment-order statement ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentSelection:
    """Which orders: those of a period (by due or paid date) and/or of one export batch.

    ``statuses`` None means: for a batch every order in it; otherwise the released orders and
    after (:data:`ORDERED`) by due date, the paid ones by paid date. ``refunds`` adds the
    refunds (Rückforderungen) set in the period (by their due date, or by the day they were
    repaid) as rows of their own; a batch holds no refunds."""

    start: date | None = None
    end: date | None = None
    basis: DateBasis = DateBasis.DUE
    batch_id: int | None = None
    statuses: frozenset[PaymentOrderStatus] | None = None
    refunds: bool = False

    @property
    def has_period(self) -> bool:
        return self.start is not None or self.end is not None

    def problems(self) -> dict[str, str]:
        """German messages per form field; empty when the selection can be made."""
        found: dict[str, str] = {}
        if self.has_period and self.start is None:
            found["von"] = "Bitte auch den Beginn des Zeitraums angeben."
        if self.has_period and self.end is None:
            found["bis"] = "Bitte auch das Ende des Zeitraums angeben."
        if self.start and self.end and self.end < self.start:
            found["bis"] = "Das Ende des Zeitraums liegt vor seinem Beginn."
        if not self.has_period and self.batch_id is None:
            found["von"] = "Bitte einen Zeitraum oder einen Exportlauf auswählen."
        if self.statuses is not None and not self.statuses:
            found["status"] = "Bitte mindestens einen Status auswählen."
        return found

    def effective_statuses(self) -> frozenset[PaymentOrderStatus] | None:
        """The statuses filtered on (None: all)."""
        if self.statuses is not None:
            return self.statuses
        if self.has_period:
            return frozenset({PAID}) if self.basis is DateBasis.PAID else ORDERED
        return None


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One row of the payment-order statement (DOMAIN.md §8), amounts in cents.

    A payment order fills ``amount_cents`` and ``due_date``; a refund row (``kind`` is
    "Rückforderung") fills ``claim_cents``, ``interest_cents`` and ``claim_due`` instead."""

    id: int  # the order's (or the settlement's) id
    fiscal_year: int
    programme: str
    file_number: str
    decision_date: date | None  # Bescheiddatum
    recipient: str  # Empfänger: the organisation's legal name
    creditor_number: str
    iban: str
    bic: str
    account_holder: str
    purpose: str  # Verwendungszweck, at most 140 characters
    product: str  # Teilplan/Produkt
    plan_line: str  # Teilplanzeile
    account: str  # Sachkonto
    cost_centre: str  # Kostenstelle
    approved_cents: int  # bewilligt: the current decision's approved grant
    year_share_cents: int | None  # davon dieses Jahr: the decision's share of this fiscal year
    paid_before_cents: int  # bisher ausgezahlt (see the module's docstring)
    amount_cents: int | None  # diese Zahlung
    due_date: date | None  # Fälligkeit
    kind: str  # Zahlungsart: Rate, Abruf, Schlusszahlung, Nachzahlung – or Rückforderung
    certified_by: str  # sachlich richtig: who …
    certified_at: datetime | None  # … and when
    released_by: str  # freigegeben: who …
    released_at: datetime | None  # … and when
    order_number: str  # Anordnungs-Nr.
    claim_cents: int | None = None  # Forderung (refunds only)
    interest_cents: int | None = None  # Zinsen (refunds only)
    claim_due: date | None = None  # Fälligkeit der Forderung (refunds only)

    @property
    def is_refund(self) -> bool:
        return self.kind == REFUND_KIND


@dataclass(frozen=True, slots=True)
class PaymentStatement:
    """A selection that was checked, with its description; :meth:`chunks` streams the rows."""

    selection: PaymentSelection
    description: str  # German, for the workbook's selection row
    batch_number: str | None
    created_at: datetime
    chunk_size: int = CHUNK

    async def chunks(self) -> AsyncIterator[list[StatementRow]]:
        """The orders by id, then the refunds by id; one query per chunk of rows."""
        async for chunk in _keyset(_order_page, self.selection, self.chunk_size):
            yield chunk
        if self.selection.refunds and self.selection.has_period:
            async for chunk in _keyset(_refund_page, self.selection, self.chunk_size):
                yield chunk


async def payment_statement(
    principal: Principal, selection: PaymentSelection, *, chunk_size: int = CHUNK
) -> PaymentStatement:
    """Check the selection (:class:`Invalid` with German messages) and who asks; the rows
    come from :meth:`PaymentStatement.chunks`. One query when a batch is named, else none."""
    _reader(principal)
    if errors := selection.problems():
        raise Invalid(errors)
    batch_number = None
    if selection.batch_id is not None:
        rows = await db.fetch("SELECT number FROM export_batch WHERE id = {}", selection.batch_id)
        if not rows:
            raise NotFound(selection.batch_id)
        batch_number = str(rows[0]["number"])
    return PaymentStatement(selection, describe(selection, batch_number), batch_number,
                            clock.now(), chunk_size)  # fmt: skip


def describe(selection: PaymentSelection, batch_number: str | None) -> str:
    parts = []
    if selection.has_period:
        parts.append(f"{selection.basis.label} {_de(selection.start)}–{_de(selection.end)}")
    if batch_number:
        parts.append(f"Exportlauf {batch_number}")
    statuses = selection.effective_statuses()
    parts.append(
        "Status: " + ", ".join(s.label for s in PaymentOrderStatus if s in statuses)
        if statuses is not None
        else "alle Anordnungen des Exportlaufs"
    )
    if selection.refunds and selection.has_period:
        basis = "fällig" if selection.basis is DateBasis.DUE else "erstattet"
        parts.append(f"mit Rückforderungen ({basis} im Zeitraum)")
    parts.append("bisher ausgezahlt: ausgezahlte Anordnungen derselben Zuwendung vor dieser")
    return " · ".join(parts)


PAID_BEFORE_SQL = """(SELECT COALESCE(SUM(e.amount_cents), 0) FROM payment_order e
      WHERE e."grant" = o."grant" AND e.status = {} AND e.id <> o.id
        AND (o.status <> {} OR o.paid_on IS NULL OR e.paid_on < o.paid_on
             OR (e.paid_on = o.paid_on AND e.id < o.id)))"""
ORDERS_SQL = f"""
SELECT o.id, fy.year AS fiscal_year, p.name AS programme, a.file_number, d.decided_at,
       org.legal_name, org.creditor_number, org.iban, org.bic, org.account_holder, o.purpose,
       bl.product, bl.plan_line, bl.account, bl.cost_centre, d.approved_cents,
       share.amount_cents AS year_share_cents, {PAID_BEFORE_SQL} AS paid_before_cents,
       o.amount_cents, o.due_date, o.kind, cu.display_name AS certified_by, o.certified_at,
       ru.display_name AS released_by, o.released_at, o.order_number
FROM payment_order o
JOIN grant_award g ON g.id = o."grant"
JOIN decision d ON d.id = g.current_decision
JOIN application a ON a.id = g.application
JOIN organisation org ON org.id = a.organisation
JOIN funding_call c ON c.id = a."call"
JOIN programme p ON p.id = c.programme
JOIN budget_line bl ON bl.id = o.budget_line
JOIN fiscal_year fy ON fy.id = bl.fiscal_year
LEFT JOIN fiscal_year_share share ON share.decision = d.id AND share.year = fy.year
LEFT JOIN app_user cu ON cu.id = o.certified_by
LEFT JOIN app_user ru ON ru.id = o.released_by
WHERE o.id > {{}}{{where}}
ORDER BY o.id
LIMIT {{}}
"""  # noqa: S608 — constant SQL, values are bound


def _order_filter(selection: PaymentSelection) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if selection.batch_id is not None:
        where.append("o.batch = {}")
        args.append(selection.batch_id)
    if selection.has_period:
        column = "o.due_date" if selection.basis is DateBasis.DUE else "o.paid_on"
        where.append(f"{column} >= {{}} AND {column} <= {{}}")
        args += [selection.start, selection.end]
    statuses = selection.effective_statuses()
    if statuses is not None:
        values = sorted(s.value for s in statuses)
        where.append(f"o.status IN ({_in(values)})")
        args += values
    return "".join(f" AND {w}" for w in where), args


async def _order_page(selection: PaymentSelection, after: int, size: int) -> list[StatementRow]:
    where, args = _order_filter(selection)
    sql = ORDERS_SQL.replace("{where}", where)
    rows = await db.fetch(sql, PAID.value, PAID.value, after, *args, size)
    return [_order_row(r) for r in rows]


def _order_row(r: Mapping[str, Any]) -> StatementRow:
    share = r["year_share_cents"]
    return StatementRow(
        r["id"], r["fiscal_year"], r["programme"], r["file_number"] or "", _day(r["decided_at"]),
        r["legal_name"], r["creditor_number"], r["iban"], r["bic"], r["account_holder"],
        (r["purpose"] or "")[:PURPOSE_MAX], r["product"], r["plan_line"], r["account"],
        r["cost_centre"], r["approved_cents"], share if share is None else int(share),
        _cents(r["paid_before_cents"]), r["amount_cents"], r["due_date"],
        _label(PaymentKind, r["kind"]), r["certified_by"] or "", r["certified_at"],
        r["released_by"] or "", r["released_at"], r["order_number"] or "",
    )  # fmt: skip


REFUNDS_SQL = """
SELECT s.id, fy.year AS fiscal_year, p.name AS programme, a.file_number, d.decided_at,
       org.legal_name, org.creditor_number, org.iban, org.bic, org.account_holder,
       d.period_start, d.period_end, bl.product, bl.plan_line, bl.account, bl.cost_centre,
       d.approved_cents, share.amount_cents AS year_share_cents,
       (SELECT COALESCE(SUM(e.amount_cents), 0) FROM payment_order e
         WHERE e."grant" = s."grant" AND e.status = {}) AS paid_before_cents,
       su.display_name AS settled_by, s.created_at, s.refund_decided_at, s.refund_cents,
       s.interest_cents, s.refund_due_date
FROM settlement s
JOIN grant_award g ON g.id = s."grant"
JOIN decision d ON d.id = g.current_decision
JOIN application a ON a.id = g.application
JOIN organisation org ON org.id = a.organisation
JOIN funding_call c ON c.id = a."call"
JOIN programme p ON p.id = c.programme
JOIN budget_line bl ON bl.id = c.budget_line
JOIN fiscal_year fy ON fy.id = bl.fiscal_year
LEFT JOIN fiscal_year_share share ON share.decision = d.id AND share.year = fy.year
LEFT JOIN app_user su ON su.id = s.settled_by
WHERE s.id > {} AND s.refund_cents > 0 AND s.refund_decided_at IS NOT NULL AND {where}
ORDER BY s.id
LIMIT {}
"""


async def _refund_page(selection: PaymentSelection, after: int, size: int) -> list[StatementRow]:
    """Refunds set (festgesetzt) whose due date — or the day they were repaid — lies in the
    period; their budget line is the one of the grant's call."""
    if selection.start is None or selection.end is None:
        return []
    if selection.basis is DateBasis.DUE:
        where, args = (
            "s.refund_due_date >= {} AND s.refund_due_date <= {}",
            [selection.start, selection.end],
        )
    else:  # repaid in the period, in Köln's days
        where = "s.repaid_at >= {} AND s.repaid_at < {}"
        args = [_midnight(selection.start), _midnight(selection.end + timedelta(days=1))]
    rows = await db.fetch(REFUNDS_SQL.replace("{where}", where), PAID.value, after, *args, size)
    return [_refund_row(r) for r in rows]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def _refund_row(r: Mapping[str, Any]) -> StatementRow:
    share = r["year_share_cents"]
    period = (f" Zeitraum {r['period_start']:%m/%Y}-{r['period_end']:%m/%Y}"
              if r["period_start"] and r["period_end"] else "")  # fmt: skip
    return StatementRow(
        r["id"], r["fiscal_year"], r["programme"], r["file_number"] or "", _day(r["decided_at"]),
        r["legal_name"], r["creditor_number"], r["iban"], r["bic"], r["account_holder"],
        f"{r['file_number'] or ''} {REFUND_KIND}{period}".strip()[:PURPOSE_MAX], r["product"],
        r["plan_line"], r["account"], r["cost_centre"], r["approved_cents"],
        share if share is None else int(share), _cents(r["paid_before_cents"]), None, None,
        REFUND_KIND, r["settled_by"] or "", r["created_at"], "", r["refund_decided_at"], "",
        claim_cents=r["refund_cents"], interest_cents=r["interest_cents"], claim_due=r["refund_due_date"],
    )  # fmt: skip


async def _keyset(page: Any, selection: Any, size: int) -> AsyncIterator[list[Any]]:
    """Pages of rows by id: one query each, until a page comes back short."""
    after = 0
    while True:
        rows = await page(selection, after, size)
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = rows[-1].id


async def batches(principal: Principal, limit: int = 200) -> list[tuple[int, str]]:
    """The latest export batches (id, "AO-2026-0003 vom 10.03.2026"), for choosing one."""
    _reader(principal)
    rows = await db.fetch(
        "SELECT id, number, created_at FROM export_batch ORDER BY created_at DESC, id DESC LIMIT {}",
        limit,
    )
    return [(r["id"], f"{r['number']} vom {_de(_day(r['created_at']))}") for r in rows]


async def fiscal_years(principal: Principal) -> list[int]:
    _reader(principal)
    return [
        int(r["year"]) for r in await db.fetch("SELECT year FROM fiscal_year ORDER BY year DESC")
    ]


async def organisations(principal: Principal, search: str, limit: int) -> list[tuple[int, str]]:
    """Organisations (id, legal name) whose name contains ``search``, at most ``limit`` of them
    in name order, for staff choosing an account statement."""
    _reader(principal)
    if not (text := db.search_text(search)):
        return []
    rows = await Organisation.select(Organisation.id, Organisation.legal_name).where(
        db.contains(Organisation.legal_name, text)
    ).order_by(Organisation.legal_name).order_by(Organisation.id).limit(limit)  # fmt: skip
    return [(r["id"], r["legal_name"]) for r in rows]


# -- 3. the account statement of an association ----------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountGrant:
    """One grant of the association with its money (cents).

    balance (Saldo) = paid − refund − interest: what the association keeps once the claims are
    settled; open = refund + interest while they are not repaid."""

    id: int
    file_number: str
    programme: str
    fiscal_year: int
    title: str
    decision_date: date | None
    status: GrantStatus
    approved_cents: int
    paid_cents: int
    refund_cents: int
    interest_cents: int
    refund_due: date | None
    repaid_on: date | None

    @property
    def open_cents(self) -> int:
        return 0 if self.repaid_on else self.refund_cents + self.interest_cents

    @property
    def balance_cents(self) -> int:
        return self.paid_cents - self.refund_cents - self.interest_cents


@dataclass(frozen=True, slots=True)
class AccountPayment:
    """A paid order (Auszahlung) of one of the association's grants."""

    id: int
    paid_on: date | None
    file_number: str
    kind: str
    order_number: str
    cash_reference: str
    purpose: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class AccountStatement:
    organisation_id: int
    legal_name: str
    creditor_number: str
    iban: str
    created_at: datetime
    grants: list[AccountGrant] = field(default_factory=list)
    payments: list[AccountPayment] = field(default_factory=list)

    @property
    def paid_cents(self) -> int:
        return sum(g.paid_cents for g in self.grants)

    @property
    def balance_cents(self) -> int:
        return sum(g.balance_cents for g in self.grants)

    @property
    def open_cents(self) -> int:
        return sum(g.open_cents for g in self.grants)


def may_read_account(principal: Principal, organisation_id: int) -> bool:
    return may_read(principal) or principal.role_in(organisation_id) in ORGANISATION_ROLES


ACCOUNT_GRANTS_SQL = """
SELECT g.id, a.file_number, p.name AS programme, fy.year AS fiscal_year, a.title, d.decided_at,
       g.status, d.approved_cents,
       (SELECT COALESCE(SUM(e.amount_cents), 0) FROM payment_order e
         WHERE e."grant" = g.id AND e.status = {}) AS paid_cents,
       s.refund_cents, s.interest_cents, s.refund_due_date, s.repaid_at
FROM grant_award g
JOIN application a ON a.id = g.application
JOIN decision d ON d.id = g.current_decision
JOIN funding_call c ON c.id = a."call"
JOIN programme p ON p.id = c.programme
JOIN fiscal_year fy ON fy.id = c.fiscal_year
LEFT JOIN settlement s ON s.id = (SELECT MAX(x.id) FROM settlement x WHERE x."grant" = g.id)
WHERE a.organisation = {}
ORDER BY fy.year, a.file_number, g.id
"""
ACCOUNT_PAYMENTS_SQL = """
SELECT o.id, o.paid_on, a.file_number, o.kind, o.order_number, o.cash_reference, o.purpose,
       o.amount_cents
FROM payment_order o
JOIN grant_award g ON g.id = o."grant"
JOIN application a ON a.id = g.application
WHERE a.organisation = {} AND o.status = {}
ORDER BY o.paid_on, o.id
"""


async def account_statement(principal: Principal, organisation_id: int) -> AccountStatement:
    """The association's grants and payments (three queries, whatever their number). Staff
    read every association's, its members and signatories their own; others get NotFound."""
    if not may_read_account(principal, organisation_id):
        raise NotFound(organisation_id)
    found = await db.fetch(
        "SELECT id, legal_name, creditor_number, iban FROM organisation WHERE id = {}",
        organisation_id,
    )
    if not found:
        raise NotFound(organisation_id)
    grants = await db.fetch(ACCOUNT_GRANTS_SQL, PAID.value, organisation_id)
    payments = await db.fetch(ACCOUNT_PAYMENTS_SQL, organisation_id, PAID.value)
    org = found[0]
    return AccountStatement(
        organisation_id=org["id"], legal_name=org["legal_name"],
        creditor_number=org["creditor_number"], iban=org["iban"], created_at=clock.now(),
        grants=[AccountGrant(
            g["id"], g["file_number"] or "", g["programme"], g["fiscal_year"], g["title"],
            _day(g["decided_at"]), GrantStatus(g["status"]), g["approved_cents"], _cents(g["paid_cents"]),
            _cents(g["refund_cents"]), _cents(g["interest_cents"]), g["refund_due_date"], _day(g["repaid_at"]),
        ) for g in grants],
        payments=[AccountPayment(
            p["id"], p["paid_on"], p["file_number"] or "", _label(PaymentKind, p["kind"]),
            p["order_number"] or "", p["cash_reference"] or "", p["purpose"] or "", p["amount_cents"],
        ) for p in payments],
    )  # fmt: skip


# -- 4. the list of grants of a fiscal year ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class GrantListRow:
    id: int
    file_number: str
    organisation: str
    centre: str
    district: str  # label of the Stadtbezirk
    programme: str
    title: str
    decision_date: date | None
    financing_type: str  # label
    approved_cents: int
    paid_cents: int  # ausgezahlt bisher: Σ paid orders
    status: str  # label


@dataclass(frozen=True, slots=True)
class GrantList:
    """The grants of a fiscal year: those whose current decision has a share of the year, or
    whose call belongs to it. :meth:`chunks` streams them by id."""

    year: int
    created_at: datetime
    chunk_size: int = CHUNK

    @property
    def description(self) -> str:
        return (
            f"Haushaltsjahr {self.year} · alle Zuwendungen mit Mitteln dieses Jahres (Aufruf des "
            "Jahres oder Jahresanteil des Bescheids) · ausgezahlt: ausgezahlte Anordnungen"
        )

    async def chunks(self) -> AsyncIterator[list[GrantListRow]]:
        async for chunk in _keyset(_grant_page, self.year, self.chunk_size):
            yield chunk


GRANTS_SQL = """
SELECT g.id, a.file_number, org.legal_name, ce.name AS centre, a.district, p.name AS programme,
       a.title, d.decided_at, d.financing_type, d.approved_cents,
       (SELECT COALESCE(SUM(e.amount_cents), 0) FROM payment_order e
         WHERE e."grant" = g.id AND e.status = {}) AS paid_cents,
       g.status
FROM grant_award g
JOIN application a ON a.id = g.application
JOIN decision d ON d.id = g.current_decision
JOIN organisation org ON org.id = a.organisation
LEFT JOIN centre ce ON ce.id = a.centre
JOIN funding_call c ON c.id = a."call"
JOIN programme p ON p.id = c.programme
JOIN fiscal_year fy ON fy.id = c.fiscal_year
WHERE g.id > {} AND (fy.year = {} OR EXISTS (SELECT 1 FROM fiscal_year_share s
                                              WHERE s.decision = d.id AND s.year = {}))
ORDER BY g.id
LIMIT {}
"""


async def grant_list(principal: Principal, year: int, *, chunk_size: int = CHUNK) -> GrantList:
    _reader(principal)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid({"jahr": "Bitte ein Haushaltsjahr auswählen."})
    return GrantList(year, clock.now(), chunk_size)


async def _grant_page(year: int, after: int, size: int) -> list[GrantListRow]:
    rows = await db.fetch(GRANTS_SQL, PAID.value, after, year, year, size)
    return [
        GrantListRow(
            r["id"], r["file_number"] or "", r["legal_name"], r["centre"] or "",
            _label(District, r["district"]), r["programme"], r["title"], _day(r["decided_at"]),
            _label(FinancingType, r["financing_type"]), r["approved_cents"], _cents(r["paid_cents"]),
            _label(GrantStatus, r["status"]),
        )
        for r in rows
    ]  # fmt: skip
