"""A grant's settlement in the JSON API (``GET /api/v1/grants/{grant_id}/settlement``): the
figures of the Abrechnung for the association and the KI, with the conventions of
:mod:`portal.api.v1` (session, problem bodies, money as decimal strings). Read only."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Request, Router, get
from litestar.params import FromPath

from grants.errors import NotFound
from grants.services import settlements, usage_reports
from grants.services.payments import STAFF
from grants.services.users import Principal
from grants.vocabulary import Role
from portal import errors
from portal.api.schemas import Amount, euro
from portal.api.v1 import PROBLEMS
from portal.auth.access import access, roles

READERS = access(roles(Role.MEMBER, Role.SIGNATORY, *STAFF))


class SettlementOut(msgspec.Struct):
    """Z′ from the recognised A′ and D′, what was paid, and the refund or Nachzahlung with the
    interest under § 49a Abs. 3 and 4 VwVfG NRW; dates as ISO dates."""

    grant_id: int
    file_number: str
    grant_status: str
    financing_type: str
    approved: Amount
    recognised_expenses: Amount
    recognised_other_funding: Amount
    final: Amount
    paid: Amount
    refund: Amount
    subsequent: Amount
    interest: Amount
    late_use_interest: Amount
    claim: Amount
    interest_from: date | None
    hearing_deadline: date | None
    refund_due: date | None
    repaid: Amount
    settled_on: date


@get("/grants/{grant_id:int}/settlement", opt=READERS, responses=PROBLEMS)
async def settlement(
    request: Request[Principal, Any, Any], grant_id: FromPath[int]
) -> SettlementOut:
    """The grant's settlement; 404 while it is not settled or for whoever may not see the grant."""
    grant = await usage_reports.get(request.user, grant_id)
    found = await settlements.settlement_of(grant)
    if found is None:
        raise NotFound(grant_id)
    return SettlementOut(
        grant_id=grant.grant_id, file_number=grant.file_number, grant_status=grant.grant_status.value,
        financing_type=grant.parameters.financing_type.value, approved=euro(grant.approved),
        recognised_expenses=euro(found.recognised_expenses), recognised_other_funding=euro(found.recognised_revenues),
        final=euro(found.final), paid=euro(found.paid), refund=euro(found.refund), subsequent=euro(found.subsequent),
        interest=euro(found.interest), late_use_interest=euro(found.late_use_interest), claim=euro(found.claim),
        interest_from=found.interest_from, hearing_deadline=found.hearing_deadline, refund_due=found.refund_due,
        repaid=euro(found.repaid), settled_on=found.settled_at.date(),
    )  # fmt: skip


def router() -> Router:
    """Another read-only router under ``/api/v1``."""
    return Router(path="/api/v1", route_handlers=[settlement], exception_handlers=errors.API_HANDLERS,
                  include_in_schema=True)  # fmt: skip
