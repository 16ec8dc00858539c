"""Programmes (Förderprogramme) and their calls (Förderaufrufe), as KI admins maintain them.

Every change runs in one transaction, expects the record's ``version`` (optimistic locking) and
writes an audit event. Problems come back as :class:`~grants.errors.Invalid`, all at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from piccolo.columns import Column, Integer
from piccolo.query.functions.aggregate import Count
from piccolo.table import Table

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Conflict, Invalid, NotFound
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.services.calls import OpenCall, open_calls
from grants.tables import BudgetLine, Call, FiscalYear, Programme, TextBlock
from grants.vocabulary import ExpenseCategory, FinancingType, PaymentMode

NAME_MAX = 200
SHORT_NAME_MAX = 40
DESCRIPTION_MAX = 2000
GUIDELINE_MAX = 8000
INDICATOR_SET_MAX = 40
MAX_INSTALMENTS = 12  # fixed instalments a decision may spread its grant over
INDICATOR_SET = re.compile(rf"[a-z0-9_]{{1,{INDICATOR_SET_MAX}}}")


@dataclass(frozen=True, slots=True)
class ProgrammeData:
    """What an admin enters for a programme; ``None`` where no (readable) value was given."""

    name: str
    short_name: str
    description: str
    guideline: str
    financing_type: FinancingType | None
    cost_categories: tuple[ExpenseCategory, ...]
    min_grant: Money | None
    max_grant: Money | None
    indicator_set: str
    interim_reports: bool
    active: bool
    payment_mode: PaymentMode | None = PaymentMode.INSTALMENTS  # proposed in the decision form
    instalments: int | None = 4
    standard_conditions: tuple[str, ...] = ()  # TextBlock keys ticked in the decision form


@dataclass(frozen=True, slots=True)
class ProgrammeRecord:
    id: int
    version: int
    data: ProgrammeData


@dataclass(frozen=True, slots=True)
class ProgrammeSummary:
    """A row of the programme list."""

    id: int
    name: str
    short_name: str
    financing_type: FinancingType
    min_grant: Money
    max_grant: Money | None
    active: bool
    call_count: int


@dataclass(frozen=True, slots=True)
class CallData:
    """What an admin enters for a call: times are aware, ids ``None`` where none was chosen."""

    fiscal_year: int | None
    budget_line: int | None
    title: str
    description: str
    opens_at: datetime | None
    closes_at: datetime | None
    budget: Money | None


@dataclass(frozen=True, slots=True)
class CallRecord:
    id: int
    version: int
    programme_id: int
    programme_name: str
    data: CallData


@dataclass(frozen=True, slots=True)
class CallSummary:
    """A row of a programme's call list."""

    id: int
    title: str
    fiscal_year: int
    budget_line: str
    opens_at: datetime
    closes_at: datetime
    budget: Money

    @property
    def status(self) -> str:
        now = clock.now()
        if now < self.opens_at:
            return "geplant"
        return "offen" if now < self.closes_at else "beendet"


@dataclass(frozen=True, slots=True)
class BudgetChoices:
    """The fiscal years and budget lines a call may use, as (id, label) pairs."""

    fiscal_years: list[tuple[int, str]]
    budget_lines: list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class PublishedCall:
    """An open call with what applicants need to know of its programme."""

    call: OpenCall
    programme_id: int
    guideline: str


# -- programmes -----------------------------------------------------------------------------


async def list_programmes(page: int = 1) -> Page[ProgrammeSummary]:
    """One page of the programmes by name, each with the number of its calls (two queries)."""
    limit, offset = window(page)
    rows = await Programme.select(
        Programme.id, Programme.name, Programme.short_name, Programme.default_financing_type,
        Programme.min_grant_cents, Programme.max_grant_cents, Programme.active,
    ).order_by(Programme.name, Programme.id).limit(limit).offset(offset)  # fmt: skip
    counts = await Call.select(Call.programme, Count(alias="calls")).where(
        Call.programme.is_in([r["id"] for r in rows] or [0])
    ).group_by(Call.programme)  # fmt: skip
    calls_of = {r["programme"]: r["calls"] for r in counts}
    return page_of(
        [
            ProgrammeSummary(
                id=r["id"],
                name=r["name"],
                short_name=r["short_name"],
                financing_type=FinancingType(r["default_financing_type"]),
                min_grant=Money(r["min_grant_cents"]),
                max_grant=_money(r["max_grant_cents"]),
                active=bool(r["active"]),
                call_count=calls_of.get(r["id"], 0),
            )
            for r in rows
        ],
        page,
    )


async def get_programme(programme_id: int) -> ProgrammeRecord:
    row = await _row(Programme, programme_id)
    return ProgrammeRecord(
        id=row["id"],
        version=row["version"],
        data=ProgrammeData(
            name=row["name"],
            short_name=row["short_name"],
            description=row["description"],
            guideline=row["guideline"],
            financing_type=FinancingType(row["default_financing_type"]),
            cost_categories=tuple(ExpenseCategory(c) for c in row["cost_categories"]),
            min_grant=Money(row["min_grant_cents"]),
            max_grant=_money(row["max_grant_cents"]),
            indicator_set=row["indicator_set"],
            interim_reports=bool(row["interim_reports"]),
            active=bool(row["active"]),
            payment_mode=PaymentMode(row["payment_mode"]),
            instalments=row["instalments"],
            standard_conditions=tuple(row["standard_conditions"] or ()),
        ),
    )


async def create_programme(
    actor: Actor, data: ProgrammeData, *, unreadable: Mapping[str, str] | None = None
) -> int:
    """Add a programme; ``unreadable``: fields the caller could not parse, reported alongside."""
    async with db.transaction():
        _raise_problems(ProgrammeData, await _programme_problems(data), unreadable)
        values = _programme_columns(data)
        rows = await Programme.insert(Programme(**values)).returning(Programme.id)
        programme_id = int(rows[0]["id"])
        await audit.record(actor, "programme.created", "programme", programme_id,
                           data={k: _plain(v) for k, v in values.items()})  # fmt: skip
    return programme_id


async def update_programme(actor: Actor, programme_id: int, version: int, data: ProgrammeData,
                           *, unreadable: Mapping[str, str] | None = None) -> None:  # fmt: skip
    """Change a programme that is still at ``version``; otherwise :class:`Conflict`."""
    async with db.transaction():
        current = await _row(Programme, programme_id)
        _raise_problems(ProgrammeData, await _programme_problems(data, programme_id), unreadable)
        await _save(Programme, "programme", current, version, _programme_columns(data), actor)


def programme_problems(data: ProgrammeData) -> dict[str, str]:
    """The rules that need no database, in field order."""
    errors: dict[str, str] = {}
    _text(errors, "name", data.name, NAME_MAX)
    _text(errors, "short_name", data.short_name, SHORT_NAME_MAX)
    _text(errors, "description", data.description, DESCRIPTION_MAX)
    _text(errors, "guideline", data.guideline, GUIDELINE_MAX)
    if data.financing_type is None:
        errors["financing_type"] = "Bitte eine Finanzierungsart wählen."
    if not data.cost_categories:
        errors["cost_categories"] = "Bitte mindestens eine zuwendungsfähige Ausgabenart wählen."
    if data.min_grant is None:
        errors["min_grant"] = "Bitte einen Mindestbetrag eingeben (0 für keinen)."
    elif data.min_grant.cents < 0:
        errors["min_grant"] = "Bitte keinen negativen Betrag eingeben."
    elif data.max_grant is not None and data.min_grant > data.max_grant:
        errors["min_grant"] = "Der Mindestbetrag darf nicht über dem Höchstbetrag liegen."
    if data.max_grant is not None and data.max_grant.cents < 0:
        errors["max_grant"] = "Bitte keinen negativen Betrag eingeben."
    if not INDICATOR_SET.fullmatch(data.indicator_set):
        errors["indicator_set"] = (
            "Bitte eine Kennung aus Kleinbuchstaben, Ziffern und _ angeben, z. B. ikz."
        )
    if data.payment_mode is None:
        errors["payment_mode"] = "Bitte die Art der Auszahlung wählen."
    if data.instalments is None or not 1 <= data.instalments <= MAX_INSTALMENTS:
        errors["instalments"] = f"Bitte eine Zahl von 1 bis {MAX_INSTALMENTS} eingeben."
    return errors


async def _programme_problems(
    data: ProgrammeData, programme_id: int | None = None
) -> dict[str, str]:
    errors = programme_problems(data)
    others = Programme.exists().where(Programme.name == data.name)
    if programme_id is not None:
        others = others.where(Programme.id != programme_id)
    if "name" not in errors and await others:
        errors["name"] = (
            f"Ein Programm „{data.name}“ gibt es schon. Bitte einen anderen Namen wählen."
        )
    known = {row["key"] for row in await TextBlock.select(TextBlock.key)}
    if not set(data.standard_conditions) <= known:
        errors["standard_conditions"] = "Bitte nur angebotene Nebenbestimmungen wählen."
    return errors


def _programme_columns(data: ProgrammeData) -> dict[str, Any]:
    return {
        "name": data.name,
        "short_name": data.short_name,
        "description": data.description,
        "guideline": data.guideline,
        "default_financing_type": data.financing_type,
        "cost_categories": [c.value for c in data.cost_categories],
        "min_grant_cents": _cents(data.min_grant),
        "max_grant_cents": _cents(data.max_grant),
        "indicator_set": data.indicator_set,
        "interim_reports": data.interim_reports,
        "active": data.active,
        "payment_mode": data.payment_mode,
        "instalments": data.instalments,
        "standard_conditions": list(data.standard_conditions),
    }


# -- calls ----------------------------------------------------------------------------------


async def programme_calls(programme_id: int, page: int = 1) -> Page[CallSummary]:
    """One page of the calls of a programme, latest fiscal year and opening first (one query)."""
    limit, offset = window(page)
    rows = (
        await Call.select(
            Call.id, Call.title, Call.fiscal_year.year.as_alias("year"),
            Call.budget_line.name.as_alias("line"), Call.opens_at, Call.closes_at, Call.budget_cents,
        )
        .where(Call.programme == programme_id)
        .order_by(Call.fiscal_year.year, ascending=False)
        .order_by(Call.opens_at, Call.id, ascending=False)
        .limit(limit).offset(offset)
    )  # fmt: skip
    return page_of(
        [
            CallSummary(
                id=r["id"],
                title=r["title"],
                fiscal_year=r["year"],
                budget_line=r["line"],
                opens_at=r["opens_at"],
                closes_at=r["closes_at"],
                budget=Money(r["budget_cents"]),
            )
            for r in rows
        ],
        page,
    )


async def get_call(call_id: int) -> CallRecord:
    row = await (
        Call.select(*Call.all_columns(), Call.programme.name.as_alias("programme_name"))
        .where(Call.id == call_id)
        .first()
    )
    if row is None:
        raise NotFound(call_id)
    return CallRecord(
        id=row["id"],
        version=row["version"],
        programme_id=row["programme"],
        programme_name=row["programme_name"],
        data=CallData(
            fiscal_year=row["fiscal_year"],
            budget_line=row["budget_line"],
            title=row["title"],
            description=row["description"],
            opens_at=row["opens_at"],
            closes_at=row["closes_at"],
            budget=Money(row["budget_cents"]),
        ),
    )


async def budget_choices() -> BudgetChoices:
    """Fiscal years (newest first) and their budget lines with the appropriation (two queries)."""
    years = await FiscalYear.select(FiscalYear.id, FiscalYear.year).order_by(
        FiscalYear.year, ascending=False
    )
    lines = await BudgetLine.select(
        BudgetLine.id, BudgetLine.fiscal_year.year.as_alias("year"), BudgetLine.name,
        BudgetLine.product, BudgetLine.plan_line, BudgetLine.account, BudgetLine.cost_centre,
        BudgetLine.appropriation_cents,
    ).order_by(BudgetLine.fiscal_year.year, ascending=False).order_by(BudgetLine.name)  # fmt: skip
    return BudgetChoices(
        fiscal_years=[(y["id"], str(y["year"])) for y in years],
        budget_lines=[(line["id"], _line_label(line)) for line in lines],
    )


async def create_call(actor: Actor, programme_id: int, data: CallData,
                      *, unreadable: Mapping[str, str] | None = None) -> int:  # fmt: skip
    """Add a call to a programme; ``unreadable`` as in :func:`create_programme`."""
    async with db.transaction():
        await _row(Programme, programme_id)
        _raise_problems(CallData, await _call_problems(data), unreadable)
        values = {"programme": programme_id, **_call_columns(data)}
        rows = await Call.insert(Call(**values)).returning(Call.id)
        call_id = int(rows[0]["id"])
        await audit.record(actor, "call.created", "call", call_id,
                           data={k: _plain(v) for k, v in values.items()})  # fmt: skip
    return call_id


async def update_call(actor: Actor, call_id: int, version: int, data: CallData,
                      *, unreadable: Mapping[str, str] | None = None) -> int:  # fmt: skip
    """Change a call that is still at ``version`` (else :class:`Conflict`); returns its
    programme's id."""
    async with db.transaction():
        current = await _row(Call, call_id)
        _raise_problems(CallData, await _call_problems(data), unreadable)
        await _save(Call, "call", current, version, _call_columns(data), actor)
    return int(current["programme"])


def call_problems(data: CallData) -> dict[str, str]:
    """The rules that need no database, in field order."""
    errors: dict[str, str] = {}
    if data.fiscal_year is None:
        errors["fiscal_year"] = "Bitte ein Haushaltsjahr wählen."
    if data.budget_line is None:
        errors["budget_line"] = "Bitte eine Haushaltsstelle wählen."
    _text(errors, "title", data.title, NAME_MAX)
    _text(errors, "description", data.description, DESCRIPTION_MAX, required=False)
    if data.opens_at is None:
        errors["opens_at"] = "Bitte Datum und Uhrzeit angeben, ab wann Anträge möglich sind."
    if data.closes_at is None:
        errors["closes_at"] = "Bitte Datum und Uhrzeit der Antragsfrist angeben."
    elif data.opens_at is not None and data.closes_at <= data.opens_at:
        errors["closes_at"] = "Die Antragsfrist muss nach dem Beginn liegen."
    if data.budget is None:
        errors["budget"] = "Bitte die verfügbaren Mittel eingeben."
    elif data.budget.cents < 0:
        errors["budget"] = "Bitte keinen negativen Betrag eingeben."
    return errors


async def _call_problems(data: CallData) -> dict[str, str]:
    """Adds the budget rules: the line belongs to the fiscal year and covers the budget."""
    errors = call_problems(data)
    if data.fiscal_year is None or data.budget_line is None:
        return errors
    year = await FiscalYear.select(FiscalYear.year).where(FiscalYear.id == data.fiscal_year).first()
    line = await (
        BudgetLine.select(BudgetLine.fiscal_year, BudgetLine.fiscal_year.year.as_alias("year"),
                          BudgetLine.appropriation_cents)
        .where(BudgetLine.id == data.budget_line)
        .first()
    )  # fmt: skip
    if year is None:
        errors["fiscal_year"] = "Bitte ein Haushaltsjahr wählen."
    if line is None:
        errors["budget_line"] = "Bitte eine Haushaltsstelle wählen."
    elif line["fiscal_year"] != data.fiscal_year:
        errors["budget_line"] = (
            f"Diese Haushaltsstelle gehört zum Haushaltsjahr {line['year']}. Bitte eine "
            "Haushaltsstelle des gewählten Haushaltsjahres wählen."
        )
    elif data.budget is not None and data.budget.cents > line["appropriation_cents"]:
        appropriation = Money(line["appropriation_cents"]).format()
        errors.setdefault(
            "budget",
            f"Die Mittel dürfen den Ansatz der Haushaltsstelle ({appropriation}) nicht übersteigen.",
        )
    return errors


def _call_columns(data: CallData) -> dict[str, Any]:
    return {
        "fiscal_year": data.fiscal_year,
        "budget_line": data.budget_line,
        "title": data.title,
        "description": data.description,
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "budget_cents": _cents(data.budget),
    }


# -- what applicants see --------------------------------------------------------------------


async def published_calls(at: datetime | None = None, page: int = 1) -> Page[PublishedCall]:
    """One page of the open calls (see :func:`grants.services.calls.open_calls`) with their
    programme's guideline (two queries)."""
    found = await open_calls(at, page=page)
    if not found:
        return Page([], found.number)
    programmes = await Programme.select(Programme.id, Programme.name, Programme.guideline).where(
        Programme.name.is_in(sorted({c.programme for c in found}))
    )
    by_name = {p["name"]: p for p in programmes}
    return Page([PublishedCall(c, by_name[c.programme]["id"], by_name[c.programme]["guideline"])
                 for c in found], found.number, found.has_next)  # fmt: skip


async def published_programme(
    programme_id: int, page: int = 1
) -> tuple[ProgrammeRecord, Page[OpenCall]]:
    """A programme as applicants see it, with a page of its open calls."""
    return await get_programme(programme_id), await open_calls(programme_id=programme_id, page=page)


# -- shared ---------------------------------------------------------------------------------


def _money(cents: int | None) -> Money | None:
    return None if cents is None else Money(cents)


def _cents(amount: Money | None) -> int | None:
    return None if amount is None else amount.cents


def _plain(value: Any) -> Any:
    """A value as the audit trail keeps it (JSON)."""
    return value.isoformat() if isinstance(value, datetime) else value


def _text(errors: dict[str, str], name: str, value: str, max_length: int,
          *, required: bool = True) -> None:  # fmt: skip
    if required and not value.strip():
        errors[name] = "Bitte ausfüllen."
    elif len(value) > max_length:
        errors[name] = f"Bitte höchstens {max_length} Zeichen eingeben (jetzt {len(value)})."


def _raise_problems(
    shape: type, found: dict[str, str], unreadable: Mapping[str, str] | None
) -> None:
    """Raise :class:`Invalid` in the order of ``shape``'s fields; a parser's message wins."""
    errors = {**found, **(unreadable or {})}
    if errors:
        order = [f.name for f in fields(shape)]
        raise Invalid(dict(sorted(errors.items(), key=lambda e: _position(order, e[0]))))


def _position(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


async def _row(table: type[Table], record_id: int) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await table.select().where(table._meta.primary_key == record_id).output(load_json=True).first()
    )  # fmt: skip
    if row is None:
        raise NotFound(record_id)
    return row


async def _save(table: type[Table], entity: str, current: dict[str, Any], version: int,
                values: dict[str, Any], actor: Actor) -> None:  # fmt: skip
    """Write ``values`` if the row is still at ``version``; record what changed."""
    if current["version"] != version:
        raise Conflict(f"{entity} {current['id']}: version {version}")
    version_column = cast(Integer, table._meta.get_column_by_name("version"))
    changed: dict[Column | str, Any] = {version_column: version_column + 1}
    changed.update(values.items())
    saved = await (
        table.update(changed)
        .where((table._meta.primary_key == current["id"]) & (version_column == version))
        .returning(table._meta.primary_key)
    )
    if not saved:  # changed between our read and our write
        raise Conflict(f"{entity} {current['id']}: version {version}")
    changes = {
        k: {"from": _plain(current[k]), "to": _plain(v)}
        for k, v in values.items()
        if current[k] != v
    }
    await audit.record(actor, f"{entity}.updated", entity, current["id"],
                       data={"version": version + 1, "changes": changes})  # fmt: skip


def _line_label(line: dict[str, Any]) -> str:
    """``2027: Förderung … (0504/15, Sachkonto …, Kostenstelle …) – Ansatz 800.000,00 €``."""
    code = f"{line['product']}/{line['plan_line']}, Sachkonto {line['account']}"
    appropriation = Money(line["appropriation_cents"]).format()
    return (
        f"{line['year']}: {line['name']} ({code}, Kostenstelle {line['cost_centre']})"
        f" – Ansatz {appropriation}"
    )
