"""The cost and financing plan of a draft: expense and revenue lines, the requested grant.

A line's amount is either typed in or quantity × unit price (rounded half-up to the cent).
Lines keep their ``line_key`` for good, so a later usage report maps its actuals 1:1.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from piccolo.columns import Column

from grants import db
from grants.errors import Invalid, NotFound
from grants.money import Money
from grants.services import applications
from grants.services.applications import log_saved, touch
from grants.services.users import Principal
from grants.tables import Application, Call, LineAssessment, PlanLine
from grants.vocabulary import ExpenseCategory, FinancingType, PlanLineKind, RevenueType

MAX_FTE = Decimal(10)


@dataclass(frozen=True, slots=True)
class LineInput:
    kind: PlanLineKind
    category: str
    description: str
    amount: Money | None = None
    quantity: Decimal | None = None
    unit_price: Money | None = None
    staff_function: str = ""
    fte: Decimal | None = None
    pay_group: str = ""
    source: str = ""


def check_line(data: LineInput, allowed: list[str]) -> tuple[dict[str, str], Money]:
    """German messages per field, and the line's amount (pure)."""
    errors: dict[str, str] = {}
    categories = ExpenseCategory if data.kind is PlanLineKind.EXPENSE else RevenueType
    if data.category not in {c.value for c in categories}:
        errors["category"] = "Bitte eine Art wählen."
    elif data.kind is PlanLineKind.EXPENSE and allowed and data.category not in allowed:
        errors["category"] = "Diese Ausgabenart fördert das Programm nicht."
    if not data.description:
        errors["description"] = "Bitte beschreiben Sie den Posten."
    amount = data.amount or Money(0)
    if data.quantity is not None or data.unit_price is not None:
        if data.quantity is None or data.unit_price is None:
            errors["quantity"] = "Bitte Menge und Einzelpreis angeben – oder nur den Betrag."
        else:
            amount = Money.from_decimal(data.quantity * data.unit_price.to_decimal())
    elif data.amount is None:
        errors["amount"] = "Bitte einen Betrag angeben (oder Menge und Einzelpreis)."
    if not errors.get("amount") and not errors.get("quantity") and amount.cents <= 0:
        errors["amount"] = "Der Betrag muss größer als 0 sein."
    if data.category == ExpenseCategory.PERSONNEL.value:
        if not data.staff_function:
            errors["staff_function"] = "Bitte die Funktion angeben (keine Namen)."
        if data.fte is None or not Decimal(0) < data.fte <= MAX_FTE:
            errors["fte"] = "Bitte den Stellenanteil in VZÄ angeben, z. B. 0,5."
    if data.category == RevenueType.THIRD_PARTY.value and not data.source:
        errors["source"] = "Bitte angeben, wer die Drittmittel gibt."
    return errors, amount


async def _allowed_categories(call_id: int) -> list[str]:
    row = (
        await Call.select(Call.programme.cost_categories)
        .where(Call.id == call_id)
        .output(load_json=True)
        .first()
    )
    return list(row["programme.cost_categories"] or []) if row else []


async def save_line(principal: Principal, application_id: int, version: int, line_key: str | None,
                    data: LineInput, request_id: str = "-") -> str:  # fmt: skip
    """Add a line (``line_key`` None) or change one; returns its key."""
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        errors, amount = check_line(data, await _allowed_categories(app.call_id))
        if errors:
            raise Invalid(errors)
        values: dict[Column, Any] = {
            PlanLine.kind: data.kind, PlanLine.category: data.category, PlanLine.description: data.description,
            PlanLine.amount_cents: amount.cents,
            PlanLine.quantity_milli: int(data.quantity * 1000) if data.quantity is not None else None,
            PlanLine.unit_price_cents: data.unit_price.cents if data.unit_price else None,
            PlanLine.staff_function: data.staff_function if data.category == ExpenseCategory.PERSONNEL else "",
            PlanLine.fte_milli: int(data.fte * 1000) if data.fte is not None else None,
            PlanLine.pay_group: data.pay_group, PlanLine.source: data.source,
        }  # fmt: skip
        if line_key is None:
            line_key = str(uuid.uuid4())
            position = len(app.expenses if data.kind is PlanLineKind.EXPENSE else app.revenues)
            await PlanLine.insert(PlanLine(_data={
                **values, PlanLine.application: app.id, PlanLine.line_key: line_key, PlanLine.position: position,
            }))  # fmt: skip
        else:
            changed = (
                await PlanLine.update(
                    cast(dict[Column | str, Any], values) | {PlanLine.version: PlanLine.version + 1}
                )
                .where((PlanLine.application == app.id) & (PlanLine.line_key == line_key))
                .returning(PlanLine.id)
            )
            if not changed:
                raise NotFound(line_key)
        await touch(app.id, version)
        await log_saved(principal, app, "plan", request_id)
    return line_key


async def delete_line(principal: Principal, application_id: int, version: int, line_key: str,
                      request_id: str = "-") -> None:  # fmt: skip
    """Remove a line; after a Nachforderung also the review's assessment of it (the audit keeps it)."""
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        await LineAssessment.delete().where(LineAssessment.plan_line.is_in(PlanLine.select(PlanLine.id).where(
            (PlanLine.application == app.id) & (PlanLine.line_key == line_key))))  # fmt: skip
        removed = (
            await PlanLine.delete()
            .where((PlanLine.application == app.id) & (PlanLine.line_key == line_key))
            .returning(PlanLine.id)
        )
        if not removed:
            raise NotFound(line_key)
        await touch(app.id, version)
        await log_saved(principal, app, "plan", request_id)


async def save_financing(principal: Principal, application_id: int, version: int, requested: Money,
                         financing_type: FinancingType, request_id: str = "-") -> None:  # fmt: skip
    """The requested grant and financing type, within the programme's minimum and maximum."""
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        await _check_requested(app, requested)
        await touch(app.id, version, {Application.requested_cents: requested.cents,
                                      Application.financing_type: financing_type})  # fmt: skip
        await log_saved(principal, app, "financing", request_id)


async def take_over_gap(
    principal: Principal, application_id: int, version: int, request_id: str = "-"
) -> Money:
    """The requested grant becomes what the other revenue leaves open (expenses − revenues);
    returns it."""
    async with db.transaction():
        app = await applications.edit(principal, application_id, version)
        requested = app.shortfall
        if requested.cents <= 0:
            raise Invalid(
                {"requested": "Es gibt keinen Fehlbetrag: Die Einnahmen decken die Ausgaben."}
            )
        await _check_requested(app, requested)
        await touch(app.id, version, {Application.requested_cents: requested.cents})
        await log_saved(principal, app, "financing", request_id)
    return requested


async def _check_requested(app: applications.ApplicationView, requested: Money) -> None:
    """Refuses a grant of 0 or outside the programme's minimum and maximum."""
    limits = await Call.select(Call.programme.min_grant_cents, Call.programme.max_grant_cents).where(
        Call.id == app.call_id
    ).first()  # fmt: skip
    lowest = Money(limits["programme.min_grant_cents"] or 0) if limits else Money(0)
    highest = limits["programme.max_grant_cents"] if limits else None
    if requested.cents <= 0:
        raise Invalid({"requested": "Die beantragte Zuwendung muss größer als 0 sein."})
    if requested < lowest:
        raise Invalid({"requested": f"Das Programm fördert ab {lowest.format()}."})
    if highest is not None and requested > Money(highest):
        raise Invalid({"requested": f"Das Programm fördert höchstens {Money(highest).format()}."})
