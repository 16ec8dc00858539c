"""Grants and payments in the JSON API (read only), for the city's other systems.

Mounted as another router under ``/api/v1`` with the conventions of :mod:`portal.api.v1`: the
portal's session, ``application/problem+json`` errors, money as decimal strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get
from litestar.params import FromPath, QueryParameter

from grants.services import payments
from grants.services.payments import GrantPayments, OrderView
from grants.services.users import Principal
from grants.vocabulary import Role
from grants.workflow import PaymentOrderStatus
from portal import errors
from portal.api.schemas import Amount, euro
from portal.api.v1 import PROBLEMS
from portal.auth.access import access, roles
from portal.inputs import QueryNumber

STAFF = access(roles(Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.ADMIN, Role.AUDITOR))
READERS = access(roles(Role.MEMBER, Role.SIGNATORY, Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.ADMIN,
                       Role.AUDITOR))  # fmt: skip

ApiRequest = Request[Principal, Any, Any]


class PaymentOrderOut(msgspec.Struct):
    """An Auszahlungsanordnung with both certifications (four eyes) and its payment."""

    id: int
    kind: str
    status: str
    amount: Amount
    due_date: date | None
    purpose: str
    fiscal_year: int
    order_number: str | None
    batch: str | None
    certified_by: str | None
    certified_at: datetime | None
    released_by: str | None
    released_at: datetime | None
    paid_on: date | None
    cash_reference: str
    funds_request_id: int | None

    @classmethod
    def of(cls, order: OrderView) -> PaymentOrderOut:
        return cls(
            id=order.id, kind=order.kind.value, status=order.status.value, amount=euro(order.amount),
            due_date=order.due_date, purpose=order.purpose, fiscal_year=order.fiscal_year,
            order_number=order.order_number, batch=order.batch_number, certified_by=order.certified_by,
            certified_at=order.certified_at, released_by=order.released_by, released_at=order.released_at,
            paid_on=order.paid_on, cash_reference=order.cash_reference, funds_request_id=order.funds_request_id,
        )  # fmt: skip


class InstalmentOut(msgspec.Struct):
    number: int
    due: date
    amount: Amount
    order_id: int | None


class YearOut(msgspec.Struct):
    """What the grant binds on the budget line of one fiscal year."""

    year: int
    budget_line_id: int
    budget_in_force: bool
    committed: Amount
    ordered: Amount


class GrantOut(msgspec.Struct):
    """A grant with its approved amount, what was paid and ordered, and what is still open."""

    id: int
    status: str
    payments_suspended: bool
    application_id: int
    file_number: str
    organisation_id: int
    organisation: str
    title: str
    financing_type: str
    payment_mode: str
    period_start: date | None
    period_end: date | None
    approved: Amount
    paid: Amount
    pending: Amount
    open: Amount
    years: list[YearOut]
    instalments: list[InstalmentOut]
    orders: list[PaymentOrderOut]

    @classmethod
    def of(cls, grant: GrantPayments) -> GrantOut:
        return cls(
            id=grant.grant_id, status=grant.status.value, payments_suspended=grant.suspended,
            application_id=grant.application_id, file_number=grant.file_number,
            organisation_id=grant.organisation_id, organisation=grant.organisation, title=grant.title,
            financing_type=grant.parameters.financing_type.value, payment_mode=grant.payment_mode.value,
            period_start=grant.period_start, period_end=grant.period_end, approved=euro(grant.approved),
            paid=euro(grant.paid), pending=euro(grant.pending), open=euro(grant.open),
            years=[YearOut(y.year, y.budget_line_id, y.budget_in_force, euro(y.committed), euro(y.ordered))
                   for y in grant.years],
            instalments=[InstalmentOut(i.number, i.due, euro(i.amount), i.order.id if i.order else None)
                         for i in grant.instalments],
            orders=[PaymentOrderOut.of(o) for o in grant.orders],
        )  # fmt: skip


class DeskRowOut(msgspec.Struct):
    grant_id: int
    file_number: str
    organisation: str
    order: PaymentOrderOut


class PaymentOrderPageOut(msgspec.Struct):
    """One page (50) of the payment orders in one state. Open states (draft, certified,
    released, exported) come oldest due first with their counts, total and pages; paid and
    cancelled orders newest first, without total and pages (``has_next`` tells of more)."""

    status: str
    total: Amount | None
    counts: dict[str, int]
    page: int
    pages: int | None
    has_next: bool
    orders: list[DeskRowOut]


@get("/grants/{grant_id:int}", opt=READERS, responses=PROBLEMS)
async def grant(request: ApiRequest, grant_id: FromPath[int]) -> GrantOut:
    """A grant with its payment plan, bindings per fiscal year and payment orders; the
    association sees its own grants only."""
    return GrantOut.of(await payments.grant_payments(request.user, grant_id))


@get("/payment-orders", opt=STAFF, responses=PROBLEMS)
async def payment_orders(
    request: ApiRequest,
    status: Annotated[PaymentOrderStatus, QueryParameter()] = PaymentOrderStatus.CERTIFIED,
    page: QueryNumber = 1,
) -> PaymentOrderPageOut:
    """Payment orders in one state (draft, certified, released, exported, paid, cancelled)."""
    desk = await payments.desk(request.user, status, page)
    return PaymentOrderPageOut(
        status=desk.status.value, total=euro(desk.total) if desk.total is not None else None,
        counts={s.value: n for s, n in desk.counts.items()}, page=desk.page, pages=desk.pages,
        has_next=desk.has_next,
        orders=[DeskRowOut(r.grant_id, r.file_number, r.organisation, PaymentOrderOut.of(r.order)) for r in desk.rows],
    )  # fmt: skip


ROUTES = [grant, payment_orders]


def router() -> Router:
    """Another router under ``/api/v1`` (GET only, so no CSRF check is needed)."""
    return Router(
        path="/api/v1", route_handlers=ROUTES, exception_handlers=errors.API_HANDLERS,
        include_in_schema=True, opt={"exclude_from_csrf": True},
    )  # fmt: skip
