"""Requests for funds (Mittelabruf, ANBest-P Nr. 1.4; DOMAIN.md §4): a centre asks for what it
needs for payments due within two months; the KI checks it and orders the payment.

Fehlbedarf and Vollfinanzierung pay only once the own and third-party funds are used; Anteil,
Festbetrag and Pauschale pay pro rata. Nobody gets more than is still open on the grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from grants import audit, clock, db, notifications
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import BY_SHORTFALL, FIXED_AMOUNT, fixed_share, funds_request_limit
from grants.money import Money
from grants.services.payments import (
    PREPARERS,
    GrantPayments,
    create_order,
    grant_payments,
    payment_date,
)
from grants.services.users import Principal
from grants.tables import FundsRequest, Organisation, PaymentOrder
from grants.vocabulary import FinancingType, PaymentKind, Role
from grants.workflow import FundsRequestStatus

S = FundsRequestStatus
PURPOSE_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class FundsRequestInput:
    amount: Money | None
    purpose: str
    due_within_two_months: Money | None
    own_funds_used: Money | None
    third_party_used: Money | None


@dataclass(frozen=True, slots=True)
class FundsRequestView:
    id: int
    version: int
    status: FundsRequestStatus
    amount: Money
    purpose: str
    due_within_two_months: Money
    own_funds_used: Money
    third_party_used: Money
    submitted_at: datetime
    submitted_by: str | None
    rejection_reason: str
    order_id: int | None


def limit(grant: GrantPayments, data: FundsRequestInput) -> Money:
    """The most this request may ask for: the two-month rule by financing type, and what is open."""
    params = grant.parameters
    used = (data.own_funds_used or Money(0)) + (data.third_party_used or Money(0))
    ratio = None
    if params.financing_type in FIXED_AMOUNT:
        ratio = fixed_share(params) if params.eligible > Money(0) else Decimal(1)
    by_rule = funds_request_limit(params.financing_type, data.due_within_two_months or Money(0),
                                  params.share, params.other_funding - used, ratio)  # fmt: skip
    return min(by_rule, grant.open)


def check(grant: GrantPayments, data: FundsRequestInput) -> dict[str, str]:
    """German messages at the fields; empty when the request may be submitted."""
    errors: dict[str, str] = {}
    for name, value in (("amount", data.amount), ("due_within_two_months", data.due_within_two_months),
                        ("own_funds_used", data.own_funds_used), ("third_party_used", data.third_party_used)):  # fmt: skip
        if value is None:
            errors[name] = "Bitte einen Betrag angeben (z. B. 1.250,00)."
        elif value < Money(0):
            errors[name] = "Der Betrag darf nicht negativ sein."
    if not data.purpose.strip():
        errors["purpose"] = "Bitte angeben, wofür die Mittel gebraucht werden."
    elif len(data.purpose) > PURPOSE_LIMIT:
        errors["purpose"] = f"Höchstens {PURPOSE_LIMIT} Zeichen."
    if errors or data.amount is None or data.due_within_two_months is None:
        return errors
    if data.amount <= Money(0):
        return {"amount": "Bitte einen Betrag über 0 € angeben."}
    params = grant.parameters
    used = (data.own_funds_used or Money(0)) + (data.third_party_used or Money(0))
    if params.financing_type in BY_SHORTFALL and used < params.other_funding:
        return {"own_funds_used": (
            f"Bei {params.financing_type.label} werden Mittel erst abgerufen, wenn die Eigen- und Drittmittel "
            f"von {params.other_funding.format()} eingesetzt sind; eingesetzt sind {used.format()}."
        )}  # fmt: skip
    if data.amount > grant.open:
        return {"amount": f"Auf die Zuwendung sind nur noch {grant.open.format()} offen."}
    most = limit(grant, data)
    if data.amount > most:
        return {"amount": _too_much(grant, data, most)}
    return {}


def _too_much(grant: GrantPayments, data: FundsRequestInput, most: Money) -> str:
    due = data.due_within_two_months or Money(0)
    params = grant.parameters
    if params.financing_type is FinancingType.SHARE and params.share is not None:
        percent = f"{(params.share * 100).normalize():f}".replace(".", ",")
        rule = f"{percent} % der in den nächsten zwei Monaten fälligen Zahlungen von {due.format()}"
    elif params.financing_type in FIXED_AMOUNT:
        rule = f"der Anteil der Zuwendung an den in den nächsten zwei Monaten fälligen Zahlungen von {due.format()}"
    else:
        rule = f"die in den nächsten zwei Monaten fälligen Zahlungen von {due.format()}"
    return f"Abrufbar sind höchstens {most.format()}: {rule} (Nr. 1.4 ANBest-P)."


async def submit(
    principal: Principal, grant_id: int, data: FundsRequestInput, request_id: str = "-"
) -> int:
    """A member or signatory of the grant's association asks for funds."""
    async with db.transaction():
        await db.lock(f"grant_payments:{grant_id}")
        grant = await grant_payments(principal, grant_id)
        if principal.role_in(grant.organisation_id) not in (Role.MEMBER, Role.SIGNATORY):
            raise Forbidden("Mittel rufen Mitglieder des Trägers ab.")
        if not grant.payable:
            raise Conflict("Für diese Zuwendung können derzeit keine Mittel abgerufen werden.")
        if errors := check(grant, data):
            raise Invalid(errors)
        rows = await FundsRequest.insert(FundsRequest(
            grant=grant_id, amount_cents=_cents(data.amount), purpose=data.purpose.strip(),
            due_within_two_months_cents=_cents(data.due_within_two_months),
            own_funds_used_cents=_cents(data.own_funds_used), third_party_used_cents=_cents(data.third_party_used),
            submitted_by=principal.id, submitted_at=clock.now(), status=S.SUBMITTED,
        )).returning(FundsRequest.id)  # fmt: skip
        request = int(rows[0]["id"])
        await audit.record(Actor(principal.id, request_id), "funds_request.submitted", "funds_request", request,
                           organisation=grant.organisation_id, data={"grant": grant_id, "amount_cents": _cents(data.amount)})  # fmt: skip
    return request


def _cents(amount: Money | None) -> int:
    return amount.cents if amount is not None else 0


async def requests_of(grant_id: int) -> list[FundsRequestView]:
    rows = await FundsRequest.select(
        *FundsRequest.all_columns(), FundsRequest.submitted_by.display_name,
    ).where(FundsRequest.grant == grant_id).order_by(FundsRequest.id)  # fmt: skip
    orders = {
        o["funds_request"]: o["id"]
        for o in await PaymentOrder.select(PaymentOrder.id, PaymentOrder.funds_request).where(
            PaymentOrder.grant == grant_id
        )
        if o["funds_request"] is not None
    }  # fmt: skip
    return [FundsRequestView(
        id=r["id"], version=r["version"], status=S(r["status"]), amount=Money(r["amount_cents"]), purpose=r["purpose"],
        due_within_two_months=Money(r["due_within_two_months_cents"]), own_funds_used=Money(r["own_funds_used_cents"]),
        third_party_used=Money(r["third_party_used_cents"]), submitted_at=r["submitted_at"],
        submitted_by=r["submitted_by.display_name"], rejection_reason=r["rejection_reason"], order_id=orders.get(r["id"]),
    ) for r in rows]  # fmt: skip


async def _open_request(
    principal: Principal, request_id_: int, version: int
) -> tuple[dict, GrantPayments]:
    row = await FundsRequest.select().where(FundsRequest.id == request_id_).first()
    if row is None:
        raise NotFound
    await db.lock(f"grant_payments:{row['grant']}")
    grant = await grant_payments(principal, row["grant"])
    if not principal.roles & PREPARERS:
        raise Forbidden("Mittelabrufe prüfen Sachbearbeitung oder Finanzen.")
    row = await FundsRequest.select().where(FundsRequest.id == request_id_).first()
    if row is None:
        raise NotFound
    return row, grant


async def _close(request: dict, version: int, status: FundsRequestStatus, principal: Principal,
                 reason: str = "") -> None:  # fmt: skip
    done = await FundsRequest.update({
        FundsRequest.status: status, FundsRequest.reviewed_by: principal.id, FundsRequest.reviewed_at: clock.now(),
        FundsRequest.rejection_reason: reason, FundsRequest.version: version + 1,
    }).where((FundsRequest.id == request["id"]) & (FundsRequest.version == version)).returning(FundsRequest.id)  # fmt: skip
    if not done:
        raise Conflict(
            "Der Mittelabruf wurde inzwischen bearbeitet. Bitte laden Sie die Seite neu."
        )


async def order(principal: Principal, request_id_: int, version: int, request_id: str = "-") -> int:
    """Order the requested payment, certified by the caller; returns the order's id. The same
    request twice returns the same order."""
    async with db.transaction():
        request, grant = await _open_request(principal, request_id_, version)
        key = f"funds_request:{request['id']}"
        if request["status"] == S.ORDERED:
            existing = await PaymentOrder.select(PaymentOrder.id).where(
                PaymentOrder.funds_request == request["id"]
            ).order_by(PaymentOrder.id, ascending=False).first()  # fmt: skip
            if existing:
                return int(existing["id"])
        if request["status"] != S.SUBMITTED:
            raise Conflict(f"Der Mittelabruf ist bereits {S(request['status']).label}.")
        count = await FundsRequest.count().where(
            (FundsRequest.grant == grant.grant_id) & (FundsRequest.status == S.ORDERED)
        )  # fmt: skip
        order_id = await create_order(
            principal, grant, kind=PaymentKind.REQUEST, amount=Money(request["amount_cents"]),
            due=payment_date(grant, clock.today()),
            number=count + 1, idempotency_key=key, funds_request=request["id"], request_id=request_id,
        )  # fmt: skip
        await _close(request, version, S.ORDERED, principal)
        await audit.record(Actor(principal.id, request_id), "funds_request.ordered", "funds_request", request["id"],
                           organisation=grant.organisation_id, data={"grant": grant.grant_id, "order": order_id})  # fmt: skip
        await _tell(grant, f"Mittelabruf angeordnet: {grant.file_number}", (
            f"Ihr Mittelabruf über {Money(request['amount_cents']).format()} zu „{grant.title}“ "
            "wurde geprüft und zur Auszahlung angeordnet."
        ))  # fmt: skip
    return order_id


async def reject(
    principal: Principal, request_id_: int, version: int, reason: str, request_id: str = "-"
) -> None:
    reason = reason.strip()
    if not reason:
        raise Invalid(
            {"reason": "Bitte begründen Sie die Ablehnung; der Träger sieht die Begründung."}
        )
    async with db.transaction():
        request, grant = await _open_request(principal, request_id_, version)
        if request["status"] != S.SUBMITTED:
            raise Conflict(f"Der Mittelabruf ist bereits {S(request['status']).label}.")
        await _close(request, version, S.REJECTED, principal, reason[:2000])
        await audit.record(Actor(principal.id, request_id), "funds_request.rejected", "funds_request", request["id"],
                           organisation=grant.organisation_id, data={"grant": grant.grant_id})  # fmt: skip
        await _tell(grant, f"Mittelabruf abgelehnt: {grant.file_number}", (
            f"Ihr Mittelabruf über {Money(request['amount_cents']).format()} zu „{grant.title}“ wurde "
            f"abgelehnt.\n\nBegründung: {reason}"
        ))  # fmt: skip


async def _tell(grant: GrantPayments, subject: str, text: str) -> None:
    """Mail the association (its contact address), in the caller's transaction."""
    row = (
        await Organisation.select(Organisation.email)
        .where(Organisation.id == grant.organisation_id)
        .first()
    )
    if row and row["email"]:
        await notifications.enqueue(
            row["email"], subject, f"Guten Tag,\n\n{text}\n\nIhr Förderportal\n"
        )
