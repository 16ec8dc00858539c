"""The budget: fiscal years (Haushaltsjahre), budget lines (Haushaltsstellen) and what is
committed, paid and refunded on them (DOMAIN.md §2, §4 "Budget", §7).

Finance staff (and admins) keep the budget: they open fiscal years, declare the budget in force
(Haushaltssatzung in Kraft — until then no payment may be made) and maintain the lines with
their appropriation (Ansatz). Every change runs in one transaction, expects the record's
``version`` and writes an audit event. An appropriation never drops below what is already
committed on its line; the check holds the line's lock, as a decision does when it commits.

The overview reads the figures straight from the ledgers, never from stored totals:

- committed: Σ ``budget_commitment.amount_cents`` on the line (bindings minus releases),
- paid: Σ ``payment_order.amount_cents`` on the line with status ``paid``,
- refunds: Σ ``settlement.refund_cents`` of repaid settlements (``repaid_at`` set), on the line
  of the grant's first commitment (the lowest id),
- available = appropriation − committed; still to pay = committed − paid.

All figures of a year come from one grouped query (GROUP BY budget line), whatever the number
of lines or grants; the drill-down of a line pages through its grants the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.services.users import Principal
from grants.tables import BudgetLine, Call, FiscalYear
from grants.vocabulary import ProvisionalRule, Role
from grants.workflow import PaymentOrderStatus

CHANGE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
READ_ROLES = frozenset({Role.FINANCE, Role.ADMIN, Role.APPROVER, Role.REVIEWER, Role.AUDITOR})
FIRST_YEAR, LAST_YEAR = 2000, 2100
LIMITS = {"product": 20, "plan_line": 10, "account": 20, "cost_centre": 20, "name": 200}
PER_PAGE = 50
PAID = PaymentOrderStatus.PAID.value
ZERO = Money(0)


# -- what the pages show ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """The money of a line (or of a year): exact cents, from the ledgers."""

    appropriation: Money = ZERO
    committed: Money = ZERO
    paid: Money = ZERO
    refunds: Money = ZERO

    @property
    def available(self) -> Money:
        """Ansatz − gebunden: what new decisions may still commit."""
        return self.appropriation - self.committed

    @property
    def to_pay(self) -> Money:
        """gebunden − ausgezahlt: what is still to be paid out of the commitments. Negative once
        settlements released less than was paid: the difference is being reclaimed."""
        return self.committed - self.paid

    @classmethod
    def total(cls, many: Iterable[Figures]) -> Figures:
        items = list(many)
        return cls(
            appropriation=Money.total(f.appropriation for f in items),
            committed=Money.total(f.committed for f in items),
            paid=Money.total(f.paid for f in items),
            refunds=Money.total(f.refunds for f in items),
        )


@dataclass(frozen=True, slots=True)
class FiscalYearView:
    id: int
    year: int
    budget_in_force: bool
    version: int
    line_count: int = 0
    provisional_rule: ProvisionalRule = ProvisionalRule.WAIT  # § 82 GO NRW, under reservation


@dataclass(frozen=True, slots=True)
class LineUse:
    """A call (and its programme) that pays from a line: the programme → line mapping."""

    programme_id: int
    programme: str
    call_id: int
    call_title: str


@dataclass(frozen=True, slots=True)
class LineView:
    """A budget line with its figures and the calls that use it."""

    id: int
    version: int
    fiscal_year_id: int
    year: int
    budget_in_force: bool
    product: str
    plan_line: str
    account: str
    cost_centre: str
    name: str
    figures: Figures
    uses: tuple[LineUse, ...] = ()

    @property
    def code(self) -> str:
        """``0504 / 15 / 53180000 / 1304IKZ`` (Teilplan/Produkt, Zeile, Sachkonto, Kostenstelle)."""
        return f"{self.product} / {self.plan_line} / {self.account} / {self.cost_centre}"

    @property
    def programmes(self) -> list[str]:
        return sorted({use.programme for use in self.uses})


@dataclass(frozen=True, slots=True)
class YearOverview:
    fiscal_year: FiscalYearView
    lines: list[LineView]
    created_at: datetime

    @property
    def totals(self) -> Figures:
        return Figures.total(line.figures for line in self.lines)


@dataclass(frozen=True, slots=True)
class GrantFigures:
    """One grant behind a line's figures: what it has committed, been paid and refunded there."""

    grant_id: int
    application_id: int
    file_number: str | None
    organisation: str
    programme: str
    committed: Money
    paid: Money
    refunds: Money


@dataclass(frozen=True, slots=True)
class LineDetail:
    """A line with one page of the grants behind its figures, and their sums over all pages."""

    line: LineView
    grants: list[GrantFigures]
    grant_count: int
    sums: Figures  # committed, paid and refunds summed over the grants (appropriation: the line's)
    page: int
    pages: int
    per_page: int


@dataclass(frozen=True, slots=True)
class LineData:
    """What finance enters for a line; ``None`` where no (readable) amount was given."""

    product: str
    plan_line: str
    account: str
    cost_centre: str
    name: str
    appropriation: Money | None


@dataclass(frozen=True, slots=True)
class LineRecord:
    id: int
    version: int
    fiscal_year_id: int
    year: int
    data: LineData
    committed: Money = ZERO


# -- permissions -----------------------------------------------------------------------------


def may_read(principal: Principal) -> bool:
    return not principal.roles.isdisjoint(READ_ROLES)


def may_change(principal: Principal) -> bool:
    return not principal.roles.isdisjoint(CHANGE_ROLES)


def _reader(principal: Principal) -> None:
    if not may_read(principal):
        raise Forbidden("Den Haushalt sehen Finanzen, Leitung, Sachbearbeitung, Administration und Prüfung.")  # fmt: skip


def _changer(principal: Principal) -> None:
    if not may_change(principal):
        raise Forbidden("Den Haushalt ändern nur Finanzen und Administration.")


def _actor(principal: Principal, request_id: str) -> Actor:
    return Actor(principal.id, request_id)


# -- fiscal years ----------------------------------------------------------------------------


async def fiscal_years(principal: Principal) -> list[FiscalYearView]:
    """All fiscal years, newest first, with the number of their lines (two queries)."""
    _reader(principal)
    rows = await FiscalYear.select(
        FiscalYear.id,
        FiscalYear.year,
        FiscalYear.budget_in_force,
        FiscalYear.version,
        FiscalYear.provisional_rule,
    ).order_by(FiscalYear.year, ascending=False)
    counts = await BudgetLine.select(BudgetLine.fiscal_year, Count(alias="n")).group_by(
        BudgetLine.fiscal_year
    )
    lines_of = {r["fiscal_year"]: r["n"] for r in counts}
    return [_year_view(r, lines_of.get(r["id"], 0)) for r in rows]


async def fiscal_year(principal: Principal, fiscal_year_id: int) -> FiscalYearView:
    _reader(principal)
    row = await FiscalYear.select().where(FiscalYear.id == fiscal_year_id).first()
    if row is None:
        raise NotFound(fiscal_year_id)
    return _year_view(row)


def _year_view(row: Mapping[str, Any], line_count: int = 0) -> FiscalYearView:
    return FiscalYearView(
        id=row["id"], year=row["year"], budget_in_force=bool(row["budget_in_force"]),
        version=row["version"], line_count=line_count,
        provisional_rule=ProvisionalRule(row["provisional_rule"]),
    )  # fmt: skip


def year_problems(year: int | None) -> dict[str, str]:
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        return {
            "year": f"Bitte ein Jahr zwischen {FIRST_YEAR} und {LAST_YEAR} angeben, z. B. 2028."
        }
    return {}


async def create_fiscal_year(principal: Principal, year: int | None, *, copy_lines: bool = False,
                             request_id: str = "-") -> int:  # fmt: skip
    """Open a fiscal year (not yet in force); with ``copy_lines`` it takes over the codes and
    names of the previous year's lines, each with an appropriation of 0 € to be entered."""
    _changer(principal)
    async with db.transaction():
        if year is None or year_problems(year):
            raise Invalid(year_problems(year))
        await db.lock("fiscal_year:create")
        if await FiscalYear.exists().where(FiscalYear.year == year):
            raise Invalid({"year": f"Das Haushaltsjahr {year} gibt es schon."})
        rows = await FiscalYear.insert(FiscalYear(year=year, budget_in_force=False)).returning(
            FiscalYear.id
        )
        fiscal_year_id = int(rows[0]["id"])
        copied: list[int] = []
        if copy_lines:
            copied = await _copy_lines(fiscal_year_id, year - 1)
        await audit.record(_actor(principal, request_id), "fiscal_year.created", "fiscal_year",
                           fiscal_year_id, data={"year": year, "copied_lines": len(copied)})  # fmt: skip
    return fiscal_year_id


async def _copy_lines(fiscal_year_id: int, previous_year: int) -> list[int]:
    previous = await BudgetLine.select(
        BudgetLine.product, BudgetLine.plan_line, BudgetLine.account, BudgetLine.cost_centre,
        BudgetLine.name,
    ).where(BudgetLine.fiscal_year.year == previous_year)  # fmt: skip
    if not previous:
        return []
    inserted = await BudgetLine.insert(
        *[BudgetLine(fiscal_year=fiscal_year_id, appropriation_cents=0, **row) for row in previous]
    ).returning(BudgetLine.id)
    return [int(r["id"]) for r in inserted]


async def set_budget_in_force(principal: Principal, fiscal_year_id: int, version: int, in_force: bool,
                              request_id: str = "-") -> bool:  # fmt: skip
    """Declare the year's budget (Haushaltssatzung) in force or not; payments depend on it.

    Returns whether anything changed (asking for the state the year already has changes
    nothing and records nothing)."""
    action = "budget_in_force_set" if in_force else "budget_in_force_unset"
    return await _update_year(principal, fiscal_year_id, version, FiscalYear.budget_in_force,
                              in_force, f"fiscal_year.{action}", {}, request_id)  # fmt: skip


async def set_provisional_rule(principal: Principal, fiscal_year_id: int, version: int,
                               rule: ProvisionalRule, request_id: str = "-") -> bool:  # fmt: skip
    """What grants decided under budget reservation may receive from this year while its budget
    is not in force (§ 82 GO NRW): nothing, or a monthly twelfth of the previous year's amount.
    Returns whether anything changed."""
    return await _update_year(principal, fiscal_year_id, version, FiscalYear.provisional_rule, rule,
                              "fiscal_year.provisional_rule_set", {"rule": rule.value}, request_id)  # fmt: skip


async def _update_year(principal: Principal, fiscal_year_id: int, version: int, column: Column, value: Any,
                       action: str, data: dict[str, Any], request_id: str) -> bool:  # fmt: skip
    """Set one column of a fiscal year at its version, with the audit event; False when it
    already holds the value."""
    _changer(principal)
    async with db.transaction():
        row = await FiscalYear.select().where(FiscalYear.id == fiscal_year_id).first()
        if row is None:
            raise NotFound(fiscal_year_id)
        if row["version"] != version:
            raise Conflict(f"fiscal_year {fiscal_year_id}: version {version}")
        if row[column._meta.name] == value:
            return False
        saved = (
            await FiscalYear.update({column: value, FiscalYear.version: FiscalYear.version + 1})
            .where((FiscalYear.id == fiscal_year_id) & (FiscalYear.version == version))
            .returning(FiscalYear.id)
        )
        if not saved:
            raise Conflict(f"fiscal_year {fiscal_year_id}: version {version}")
        await audit.record(_actor(principal, request_id), action, "fiscal_year", fiscal_year_id,
                           data={"year": row["year"], **data, "version": version + 1})  # fmt: skip
    return True


# -- budget lines ----------------------------------------------------------------------------


def line_problems(data: LineData) -> dict[str, str]:
    """The rules that need no database, in field order."""
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value: str = getattr(data, name)
        if not value.strip():
            errors[name] = "Bitte ausfüllen."
        elif len(value) > limit:
            errors[name] = f"Bitte höchstens {limit} Zeichen eingeben (jetzt {len(value)})."
    if data.appropriation is None:
        errors["appropriation"] = "Bitte den Ansatz eingeben (0 für noch keinen)."
    elif data.appropriation.cents < 0:
        errors["appropriation"] = "Bitte keinen negativen Betrag eingeben."
    return errors


def committed_message(appropriation: Money, committed: Money) -> str:
    return (
        f"Der Ansatz von {appropriation.format()} liegt unter den bereits gebundenen Mitteln "
        f"von {committed.format()}."
    )


async def get_line(principal: Principal, line_id: int) -> LineRecord:
    """A line as its form shows it, with what is committed on it (two queries)."""
    _reader(principal)
    row = await BudgetLine.select(
        *BudgetLine.all_columns(), BudgetLine.fiscal_year.year.as_alias("year")
    ).where(BudgetLine.id == line_id).first()  # fmt: skip
    if row is None:
        raise NotFound(line_id)
    return LineRecord(
        id=row["id"], version=row["version"], fiscal_year_id=row["fiscal_year"], year=row["year"],
        data=LineData(product=row["product"], plan_line=row["plan_line"], account=row["account"],
                      cost_centre=row["cost_centre"], name=row["name"],
                      appropriation=Money(row["appropriation_cents"])),
        committed=await _committed(line_id),
    )  # fmt: skip


async def _committed(line_id: int) -> Money:
    rows = await db.fetch(
        "SELECT COALESCE(SUM(amount_cents), 0) AS cents FROM budget_commitment "
        "WHERE budget_line = {}",
        line_id,
    )
    return Money(int(rows[0]["cents"]))


def _raise(found: dict[str, str], unreadable: Mapping[str, str] | None) -> None:
    """Raise :class:`Invalid` in form order; a parser's message wins over the service's."""
    errors = {**found, **(unreadable or {})}
    if errors:
        order = [f.name for f in fields(LineData)]
        raise Invalid(dict(sorted(errors.items(), key=lambda e: _position(order, e[0]))))


def _position(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


async def _duplicate(fiscal_year_id: int, data: LineData, line_id: int | None) -> dict[str, str]:
    same = BudgetLine.exists().where(
        (BudgetLine.fiscal_year == fiscal_year_id) & (BudgetLine.product == data.product)
        & (BudgetLine.plan_line == data.plan_line) & (BudgetLine.account == data.account)
        & (BudgetLine.cost_centre == data.cost_centre)
    )  # fmt: skip
    if line_id is not None:
        same = same.where(BudgetLine.id != line_id)
    if await same:
        code = f"{data.product} / {data.plan_line} / {data.account} / {data.cost_centre}"
        return {"product": f"Die Haushaltsstelle {code} gibt es in diesem Haushaltsjahr schon."}
    return {}


def _columns(data: LineData) -> dict[str, Any]:
    return {
        "product": data.product, "plan_line": data.plan_line, "account": data.account,
        "cost_centre": data.cost_centre, "name": data.name,
        "appropriation_cents": data.appropriation.cents if data.appropriation else 0,
    }  # fmt: skip


async def create_line(principal: Principal, fiscal_year_id: int, data: LineData, *,
                      unreadable: Mapping[str, str] | None = None, request_id: str = "-") -> int:  # fmt: skip
    """Add a line to a fiscal year; ``unreadable``: fields the caller could not parse."""
    _changer(principal)
    async with db.transaction():
        year = (
            await FiscalYear.select(FiscalYear.year).where(FiscalYear.id == fiscal_year_id).first()
        )
        if year is None:
            raise NotFound(fiscal_year_id)
        await db.lock(f"budget_line:create:{fiscal_year_id}")
        found = line_problems(data)
        if not found:
            found = await _duplicate(fiscal_year_id, data, None)
        _raise(found, unreadable)
        values = _columns(data)
        rows = await BudgetLine.insert(BudgetLine(fiscal_year=fiscal_year_id, **values)).returning(
            BudgetLine.id
        )
        line_id = int(rows[0]["id"])
        await audit.record(_actor(principal, request_id), "budget_line.created", "budget_line",
                           line_id, data={"year": year["year"], **values})  # fmt: skip
    return line_id


async def update_line(principal: Principal, line_id: int, version: int, data: LineData, *,
                      unreadable: Mapping[str, str] | None = None, request_id: str = "-") -> None:  # fmt: skip
    """Change a line still at ``version`` (else :class:`Conflict`). The appropriation may not
    fall below what is committed: the check holds the lock decisions take to commit."""
    _changer(principal)
    async with db.transaction():
        await db.lock(f"budget_line:{line_id}")
        current = await BudgetLine.select().where(BudgetLine.id == line_id).first()
        if current is None:
            raise NotFound(line_id)
        found = line_problems(data)
        if not found:
            found = await _duplicate(current["fiscal_year"], data, line_id)
        if data.appropriation is not None and "appropriation" not in found:
            committed = await _committed(line_id)
            if data.appropriation < committed:
                found["appropriation"] = committed_message(data.appropriation, committed)
        _raise(found, unreadable)
        if current["version"] != version:
            raise Conflict(f"budget_line {line_id}: version {version}")
        values = _columns(data)
        changed: dict[Any, Any] = {BudgetLine.version: BudgetLine.version + 1, **values}
        saved = await BudgetLine.update(changed).where(
            (BudgetLine.id == line_id) & (BudgetLine.version == version)
        ).returning(BudgetLine.id)  # fmt: skip
        if not saved:
            raise Conflict(f"budget_line {line_id}: version {version}")
        changes = {k: {"from": current[k], "to": v} for k, v in values.items() if current[k] != v}
        await audit.record(_actor(principal, request_id), "budget_line.updated", "budget_line",
                           line_id, data={"version": version + 1, "changes": changes})  # fmt: skip


# -- the figures -----------------------------------------------------------------------------

# Lines in scope: those of one fiscal year, or one line. Each branch pre-aggregates per line.
YEAR_SCOPE = "IN (SELECT id FROM budget_line WHERE fiscal_year = {})"
LINE_SCOPE = "= {}"
FIGURES_SQL = """
SELECT line, SUM(committed) AS committed, SUM(paid) AS paid, SUM(refunds) AS refunds FROM (
    SELECT budget_line AS line, SUM(amount_cents) AS committed, 0 AS paid, 0 AS refunds
    FROM budget_commitment WHERE budget_line {scope} GROUP BY budget_line
  UNION ALL
    SELECT budget_line, 0, SUM(amount_cents), 0
    FROM payment_order WHERE status = {{}} AND budget_line {scope} GROUP BY budget_line
  UNION ALL
    SELECT bc.budget_line, 0, 0, SUM(s.refund_cents)
    FROM budget_commitment bc JOIN settlement s ON s."grant" = bc."grant"
    WHERE bc.budget_line {scope} AND s.repaid_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM budget_commitment e WHERE e."grant" = bc."grant" AND e.id < bc.id)
    GROUP BY bc.budget_line
) figures GROUP BY line
"""
"""Committed, paid and refunds per line in one statement. Refunds count on the line of the
grant's first commitment (no earlier commitment of the same grant exists)."""

PER_GRANT_SQL = """
SELECT grant_id, SUM(committed) AS committed, SUM(paid) AS paid, SUM(refunds) AS refunds FROM (
    SELECT "grant" AS grant_id, SUM(amount_cents) AS committed, 0 AS paid, 0 AS refunds
    FROM budget_commitment WHERE budget_line = {} GROUP BY "grant"
  UNION ALL
    SELECT "grant", 0, SUM(amount_cents), 0
    FROM payment_order WHERE status = {} AND budget_line = {} GROUP BY "grant"
  UNION ALL
    SELECT bc."grant", 0, 0, SUM(s.refund_cents)
    FROM budget_commitment bc JOIN settlement s ON s."grant" = bc."grant"
    WHERE bc.budget_line = {} AND s.repaid_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM budget_commitment e WHERE e."grant" = bc."grant" AND e.id < bc.id)
    GROUP BY bc."grant"
) per_grant GROUP BY grant_id
"""
"""The same figures of one line, per grant (the drill-down)."""
DETAIL_SUMS_SQL = f"""
SELECT COUNT(*) AS n, SUM(committed) AS committed, SUM(paid) AS paid, SUM(refunds) AS refunds
FROM ({PER_GRANT_SQL}) per_line
"""  # noqa: S608 — constant SQL, values are bound
DETAIL_PAGE_SQL = f"""
SELECT f.grant_id, a.id AS application_id, a.file_number, o.legal_name, p.name AS programme,
       f.committed, f.paid, f.refunds
FROM ({PER_GRANT_SQL}) f
JOIN grant_award g ON g.id = f.grant_id
JOIN application a ON a.id = g.application
JOIN organisation o ON o.id = a.organisation
JOIN funding_call c ON c.id = a."call"
JOIN programme p ON p.id = c.programme
ORDER BY a.file_number, f.grant_id
LIMIT {{}} OFFSET {{}}
"""  # noqa: S608 — constant SQL, values are bound


def _cents(value: Any) -> Money:
    """A SUM from either engine (int on SQLite, Decimal on PostgreSQL) as Money."""
    return Money(int(value or 0))


async def _figures(scope: str, scope_value: int) -> dict[int, tuple[Money, Money, Money]]:
    """{line id: (committed, paid, refunds)} for the lines in scope (one query)."""
    sql = FIGURES_SQL.format(scope=scope)
    rows = await db.fetch(sql, scope_value, PAID, scope_value, scope_value)
    return {int(r["line"]): (_cents(r["committed"]), _cents(r["paid"]), _cents(r["refunds"]))
            for r in rows}  # fmt: skip


async def _uses(condition: Any) -> dict[int, list[LineUse]]:
    rows = await Call.select(
        Call.budget_line, Call.id, Call.title, Call.programme, Call.programme.name.as_alias("programme_name"),
    ).where(condition).order_by(Call.programme.name).order_by(Call.id)  # fmt: skip
    found: dict[int, list[LineUse]] = {}
    for r in rows:
        found.setdefault(r["budget_line"], []).append(
            LineUse(r["programme"], r["programme_name"], r["id"], r["title"])
        )
    return found


LINE_COLUMNS = (
    BudgetLine.id, BudgetLine.version, BudgetLine.fiscal_year, BudgetLine.product, BudgetLine.plan_line,
    BudgetLine.account, BudgetLine.cost_centre, BudgetLine.name, BudgetLine.appropriation_cents,
)  # fmt: skip


def _line_view(row: Mapping[str, Any], year: FiscalYearView,
               figures: dict[int, tuple[Money, Money, Money]], uses: dict[int, list[LineUse]]) -> LineView:  # fmt: skip
    committed, paid, refunds = figures.get(row["id"], (Money(0), Money(0), Money(0)))
    return LineView(
        id=row["id"], version=row["version"], fiscal_year_id=year.id, year=year.year,
        budget_in_force=year.budget_in_force, product=row["product"], plan_line=row["plan_line"],
        account=row["account"], cost_centre=row["cost_centre"], name=row["name"],
        figures=Figures(Money(row["appropriation_cents"]), committed, paid, refunds),
        uses=tuple(uses.get(row["id"], ())),
    )  # fmt: skip


async def overview(
    principal: Principal, year: int, known: Sequence[FiscalYearView] = ()
) -> YearOverview:
    """Every line of a fiscal year with its figures and the calls that use it (four queries,
    three when the year is among the ``known`` ones, however many lines, grants and payments
    there are)."""
    _reader(principal)
    fiscal = next((y for y in known if y.year == year), None)
    if fiscal is None:
        found = await FiscalYear.select().where(FiscalYear.year == year).first()
        if found is None:
            raise NotFound(year)
        fiscal = _year_view(found)
    lines = await BudgetLine.select(*LINE_COLUMNS).where(BudgetLine.fiscal_year == fiscal.id).order_by(
        BudgetLine.product).order_by(BudgetLine.plan_line).order_by(BudgetLine.account).order_by(
        BudgetLine.cost_centre)  # fmt: skip
    figures = await _figures(YEAR_SCOPE, fiscal.id)
    uses = await _uses(Call.budget_line.fiscal_year == fiscal.id)
    return YearOverview(
        fiscal_year=fiscal,
        lines=[_line_view(row, fiscal, figures, uses) for row in lines],
        created_at=clock.now(),
    )


def default_year(years: Sequence[FiscalYearView], today: int) -> int | None:
    """The fiscal year to show first: this calendar year if it exists, else the newest one."""
    known = {y.year for y in years}
    return today if today in known else max(known, default=None)


async def line(principal: Principal, line_id: int) -> LineView:
    """One line with its figures (three queries)."""
    _reader(principal)
    row = await BudgetLine.select(
        *LINE_COLUMNS, BudgetLine.fiscal_year.year.as_alias("year"),
        BudgetLine.fiscal_year.budget_in_force.as_alias("in_force"),
        BudgetLine.fiscal_year.version.as_alias("year_version"),
    ).where(BudgetLine.id == line_id).first()  # fmt: skip
    if row is None:
        raise NotFound(line_id)
    fiscal = FiscalYearView(
        row["fiscal_year"], row["year"], bool(row["in_force"]), row["year_version"]
    )
    figures = await _figures(LINE_SCOPE, line_id)
    uses = await _uses(Call.budget_line == line_id)
    return _line_view(row, fiscal, figures, uses)


async def line_detail(principal: Principal, line_id: int, page: int = 1,
                      per_page: int = PER_PAGE) -> LineDetail:  # fmt: skip
    """A line, one page of the grants behind its figures (by file number) and their sums over
    all grants (five queries)."""
    found = await line(principal, line_id)
    per_page = max(1, min(per_page, 200))
    args = (line_id, PAID, line_id, line_id)
    sums = (await db.fetch(DETAIL_SUMS_SQL, *args))[0]
    count = int(sums["n"] or 0)
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    rows = await db.fetch(DETAIL_PAGE_SQL, *args, per_page, (page - 1) * per_page)
    return LineDetail(
        line=found,
        grants=[GrantFigures(
            grant_id=r["grant_id"], application_id=r["application_id"], file_number=r["file_number"],
            organisation=r["legal_name"], programme=r["programme"], committed=_cents(r["committed"]),
            paid=_cents(r["paid"]), refunds=_cents(r["refunds"]),
        ) for r in rows],
        grant_count=count,
        sums=Figures(found.figures.appropriation, _cents(sums["committed"]), _cents(sums["paid"]),
                     _cents(sums["refunds"])),
        page=page, pages=pages, per_page=per_page,
    )  # fmt: skip
