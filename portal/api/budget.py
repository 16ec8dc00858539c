"""The budget in the JSON API (read only): the budget lines of a fiscal year with their figures,
and one line with the grants behind them (:mod:`grants.services.budget`).

Mounted as a second router under ``/api/v1`` with the same conventions as :mod:`portal.api.v1`:
the portal's session, ``application/problem+json`` errors, money as decimal strings.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get
from litestar.params import FromPath, QueryParameter

from grants.services import budget
from grants.services.budget import Figures, GrantFigures, LineDetail, LineView
from grants.services.users import Principal
from portal import errors
from portal.api.schemas import Amount, euro
from portal.api.v1 import PROBLEMS
from portal.auth.access import access, roles
from portal.inputs import QueryNumber

READ = access(roles(*budget.READ_ROLES))

ApiRequest = Request[Principal, Any, Any]


class ProgrammeUseOut(msgspec.Struct):
    """A call that pays from the line, with its programme."""

    programme_id: int
    programme: str
    call_id: int
    call_title: str


class FiguresOut(msgspec.Struct):
    """``available`` = appropriation − committed; ``to_pay`` = committed − paid."""

    appropriation: Amount
    committed: Amount
    available: Amount
    paid: Amount
    to_pay: Amount
    refunds: Amount

    @classmethod
    def of(cls, figures: Figures) -> FiguresOut:
        return cls(euro(figures.appropriation), euro(figures.committed), euro(figures.available),
                   euro(figures.paid), euro(figures.to_pay), euro(figures.refunds))  # fmt: skip


class BudgetLineOut(msgspec.Struct):
    """A budget line (Haushaltsstelle) with its figures from the ledgers."""

    id: int
    version: int
    fiscal_year: int
    budget_in_force: bool
    product: str
    plan_line: str
    account: str
    cost_centre: str
    name: str
    figures: FiguresOut
    programmes: list[ProgrammeUseOut]

    @classmethod
    def of(cls, line: LineView) -> BudgetLineOut:
        return cls(
            id=line.id, version=line.version, fiscal_year=line.year, budget_in_force=line.budget_in_force,
            product=line.product, plan_line=line.plan_line, account=line.account, cost_centre=line.cost_centre,
            name=line.name, figures=FiguresOut.of(line.figures),
            programmes=[ProgrammeUseOut(u.programme_id, u.programme, u.call_id, u.call_title) for u in line.uses],
        )  # fmt: skip


class BudgetYearOut(msgspec.Struct):
    fiscal_year: int
    budget_in_force: bool
    lines: list[BudgetLineOut]
    totals: FiguresOut


class GrantOut(msgspec.Struct):
    """A grant behind a line's figures: committed, paid and refunded on this line."""

    grant_id: int
    application_id: int
    file_number: str | None
    organisation: str
    programme: str
    committed: Amount
    paid: Amount
    refunds: Amount

    @classmethod
    def of(cls, grant: GrantFigures) -> GrantOut:
        return cls(grant.grant_id, grant.application_id, grant.file_number, grant.organisation,
                   grant.programme, euro(grant.committed), euro(grant.paid), euro(grant.refunds))  # fmt: skip


class BudgetLineDetailOut(msgspec.Struct):
    """A line, one page of its grants (by file number) and their sums over all pages."""

    line: BudgetLineOut
    grants: list[GrantOut]
    grant_count: int
    grant_sums: FiguresOut
    page: int
    pages: int
    per_page: int

    @classmethod
    def of(cls, detail: LineDetail) -> BudgetLineDetailOut:
        return cls(BudgetLineOut.of(detail.line), [GrantOut.of(g) for g in detail.grants],
                   detail.grant_count, FiguresOut.of(detail.sums), detail.page, detail.pages,
                   detail.per_page)  # fmt: skip


@get("/budget-lines", opt=READ, responses=PROBLEMS)
async def budget_lines(
    request: ApiRequest,
    year: Annotated[int, QueryParameter(ge=budget.FIRST_YEAR, le=budget.LAST_YEAR)],
) -> BudgetYearOut:
    """The budget lines of a fiscal year with appropriation, committed, available, paid, still
    to pay and refunds, plus the year's totals."""
    overview = await budget.overview(request.user, year)
    return BudgetYearOut(
        overview.fiscal_year.year, overview.fiscal_year.budget_in_force,
        [BudgetLineOut.of(line) for line in overview.lines], FiguresOut.of(overview.totals),
    )  # fmt: skip


@get("/budget-lines/{budget_line_id:int}", opt=READ, responses=PROBLEMS)
async def budget_line(
    request: ApiRequest,
    budget_line_id: FromPath[int],
    page: QueryNumber = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=200)] = budget.PER_PAGE,
) -> BudgetLineDetailOut:
    """One budget line with its figures and a page of the grants behind them."""
    return BudgetLineDetailOut.of(
        await budget.line_detail(request.user, budget_line_id, page, per_page)
    )


ROUTES = [budget_lines, budget_line]


def router() -> Router:
    """A second router under ``/api/v1`` (GET only, so no CSRF check is needed)."""
    return Router(
        path="/api/v1", route_handlers=ROUTES, exception_handlers=errors.API_HANDLERS,
        include_in_schema=True, opt={"exclude_from_csrf": True},
    )  # fmt: skip
