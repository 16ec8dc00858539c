"""Budget pages: the overview per fiscal year with its Excel file and the drill-down of a line
(KI staff read them), and the fiscal years and budget lines finance maintains. Thin: read the
form, call :mod:`grants.services.budget`, render or redirect."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from grants import clock
from grants.errors import Conflict, Invalid, NotFound
from grants.money import Money
from grants.services import budget
from grants.services.budget import LineData, LineRecord
from grants.vocabulary import ProvisionalRule
from portal.admin.controllers import actor
from portal.api import budget as api
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.security import download_headers
from reports.excel.budget_overview import budget_overview_workbook
from reports.excel.workbooks import XLSX

READ = access(roles(*budget.READ_ROLES))
CHANGE = access(roles(*budget.CHANGE_ROLES))


# -- reading ---------------------------------------------------------------------------------


@get("/haushalt", name="budget:overview", opt=READ)
async def overview(
    request: Request[Any, Any, Any],
    year: Annotated[str | None, QueryParameter(name="jahr")] = None,
) -> Template:
    """The lines of one fiscal year with their figures; a GET form chooses the year."""
    principal = request.user
    years = await budget.fiscal_years(principal)
    chosen = whole_number(year) if year else budget.default_year(years, clock.today().year)
    if year and chosen is None:
        raise NotFound(year)
    found = await budget.overview(principal, chosen, years) if chosen is not None else None
    return Template("budget/overview.html.jinja2", context={
        "overview": found, "years": [(str(y.year), str(y.year)) for y in years],
        "chosen": {"jahr": str(chosen or "")}, "may_change": budget.may_change(principal),
    })  # fmt: skip


@get("/haushalt/stellen/{budget_line_id:int}", name="budget:line", opt=READ)
async def line_detail(
    request: Request[Any, Any, Any],
    budget_line_id: FromPath[int],
    page: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """The grants behind a line's figures, a page at a time, with their sums."""
    detail = await budget.line_detail(request.user, budget_line_id, whole_number(page) or 1)
    return Template("budget/line.html.jinja2", context={
        "detail": detail, "may_change": budget.may_change(request.user),
    })  # fmt: skip


@get("/haushalt/{year:int}/uebersicht.xlsx", name="budget:overview_xlsx", opt=READ)
async def overview_xlsx(request: Request[Any, Any, Any], year: FromPath[int]) -> Response[bytes]:
    found = await budget.overview(request.user, year)
    content = await anyio.to_thread.run_sync(budget_overview_workbook, found)
    name = f"Haushaltsübersicht {year}.xlsx"
    return Response(content, media_type=XLSX, headers=download_headers(name))


# -- fiscal years ----------------------------------------------------------------------------


async def _years_page(request: Request[Any, Any, Any], values: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None, stale: str = "",
                      status_code: int = 200) -> Template:  # fmt: skip
    return Template("budget/years.html.jinja2", context={
        "years": await budget.fiscal_years(request.user), "values": values or {}, "errors": errors or {},
        "stale": stale, "provisional_rules": ProvisionalRule.choices(),
    }, status_code=status_code)  # fmt: skip


@get("/haushalt/jahre", name="budget:years", opt=CHANGE)
async def years(request: Request[Any, Any, Any]) -> Template:
    """The fiscal years: open a new one, declare a budget in force."""
    return await _years_page(request, {"copy_lines": "true"})


@post("/haushalt/jahre", name="budget:create_year", opt=CHANGE)
async def create_year(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = Form(await request.form())
    text = form.text("year", required=False, max_length=10)
    copy_lines = form.flag("copy_lines")
    try:
        await budget.create_fiscal_year(request.user, whole_number(text), copy_lines=copy_lines,
                                        request_id=actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _years_page(request, form.values, exc.errors, status_code=400)
    flash(request, f"Haushaltsjahr {text} angelegt.")
    return Redirect("/haushalt/jahre", status_code=303)


@post("/haushalt/jahre/{fiscal_year_id:int}/in-kraft", name="budget:in_force", opt=CHANGE)
async def in_force(
    request: Request[Any, Any, Any], fiscal_year_id: FromPath[int]
) -> Template | Redirect:
    """Declare the budget (Haushaltssatzung) in force, or withdraw that (``in_force`` empty)."""
    form = Form(await request.form())
    wanted = form.flag("in_force")
    try:
        changed = await budget.set_budget_in_force(request.user, fiscal_year_id, form.integer("version") or 0,
                                                   wanted, actor(request).request_id)  # fmt: skip
    except Conflict:
        current = await budget.fiscal_year(request.user, fiscal_year_id)
        return await _years_page(request, stale=str(current.year), status_code=409)
    year = await budget.fiscal_year(request.user, fiscal_year_id)
    if changed:
        flash(request, f"Haushalt {year.year}: Haushaltssatzung in Kraft." if wanted else
              f"Haushalt {year.year}: Haushaltssatzung nicht mehr in Kraft – es gilt die vorläufige Haushaltsführung.")  # fmt: skip
    return Redirect("/haushalt/jahre", status_code=303)


@post("/haushalt/jahre/{fiscal_year_id:int}/vorlaeufige-haushaltsfuehrung", name="budget:provisional_rule",
      opt=CHANGE)  # fmt: skip
async def provisional_rule(
    request: Request[Any, Any, Any], fiscal_year_id: FromPath[int]
) -> Template | Redirect:
    """What grants under budget reservation may receive until the budget is in force."""
    form = Form(await request.form())
    rule = form.choice("provisional_rule", ProvisionalRule)
    if rule is None:
        return await _years_page(request, form.values, form.errors, status_code=400)
    try:
        changed = await budget.set_provisional_rule(request.user, fiscal_year_id, form.integer("version") or 0,
                                                    rule, actor(request).request_id)  # fmt: skip
    except Conflict:
        current = await budget.fiscal_year(request.user, fiscal_year_id)
        return await _years_page(request, stale=str(current.year), status_code=409)
    year = await budget.fiscal_year(request.user, fiscal_year_id)
    if changed:
        flash(request, f"Haushalt {year.year}, vorläufige Haushaltsführung: Zuwendungen unter "
                       f"Haushaltsvorbehalt – {rule.label}.")  # fmt: skip
    return Redirect("/haushalt/jahre", status_code=303)


# -- budget lines ----------------------------------------------------------------------------


def _line_page(year: int, fiscal_year_id: int, record: LineRecord | None, values: dict[str, Any],
               errors: dict[str, str] | None = None, stale: bool = False) -> Template:  # fmt: skip
    return Template("budget/line_form.html.jinja2", context={
        "year": year, "fiscal_year_id": fiscal_year_id, "record": record, "values": values,
        "errors": errors or {}, "stale": stale, "limits": budget.LIMITS,
    }, status_code=409 if stale else 400 if errors else 200)  # fmt: skip


def _read_line(form: Form) -> LineData:
    """What was typed; the service judges it (``required=False``: its rules decide)."""
    texts = {name: form.text(name, required=False, max_length=limit)
             for name, limit in budget.LIMITS.items()}  # fmt: skip
    return LineData(**texts, appropriation=form.money("appropriation", required=False))


def _line_values(record: LineRecord) -> dict[str, Any]:
    data = record.data
    return {
        "product": data.product, "plan_line": data.plan_line, "account": data.account,
        "cost_centre": data.cost_centre, "name": data.name,
        "appropriation": (data.appropriation or Money(0)).format_plain(), "version": str(record.version),
    }  # fmt: skip


@get("/haushalt/jahre/{fiscal_year_id:int}/stellen/neu", name="budget:new_line", opt=CHANGE)
async def new_line(request: Request[Any, Any, Any], fiscal_year_id: FromPath[int]) -> Template:
    year = await budget.fiscal_year(request.user, fiscal_year_id)
    return _line_page(year.year, year.id, None, {"plan_line": "15", "product": "0504"})


@post("/haushalt/jahre/{fiscal_year_id:int}/stellen/neu", name="budget:create_line", opt=CHANGE)
async def create_line(
    request: Request[Any, Any, Any], fiscal_year_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = _read_line(form)
    year = await budget.fiscal_year(request.user, fiscal_year_id)
    try:
        await budget.create_line(request.user, fiscal_year_id, data, unreadable=form.errors,
                                 request_id=actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return _line_page(year.year, year.id, None, form.values, exc.errors)
    flash(request, f"Haushaltsstelle „{data.name}“ für {year.year} angelegt.")
    return Redirect(f"/haushalt?jahr={year.year}", status_code=303)


@get("/haushalt/stellen/{budget_line_id:int}/bearbeiten", name="budget:edit_line", opt=CHANGE)
async def edit_line(request: Request[Any, Any, Any], budget_line_id: FromPath[int]) -> Template:
    record = await budget.get_line(request.user, budget_line_id)
    return _line_page(record.year, record.fiscal_year_id, record, _line_values(record))


@post("/haushalt/stellen/{budget_line_id:int}/bearbeiten", name="budget:update_line", opt=CHANGE)
async def update_line(
    request: Request[Any, Any, Any], budget_line_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = _read_line(form)
    try:
        await budget.update_line(request.user, budget_line_id, form.integer("version") or 0, data,
                                 unreadable=form.errors, request_id=actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        record = await budget.get_line(request.user, budget_line_id)
        return _line_page(record.year, record.fiscal_year_id, record, form.values, exc.errors)
    except Conflict:
        record = await budget.get_line(request.user, budget_line_id)
        return _line_page(record.year, record.fiscal_year_id, record,
                          {**form.values, "version": str(record.version)}, stale=True)  # fmt: skip
    record = await budget.get_line(request.user, budget_line_id)
    flash(request, f"Haushaltsstelle „{data.name}“ gespeichert.")
    return Redirect(f"/haushalt?jahr={record.year}", status_code=303)


ROUTES: list[ControllerRouterHandler] = [
    overview, line_detail, overview_xlsx, years, create_year, in_force, provisional_rule, new_line, create_line,
    edit_line, update_line, api.router(),
]  # fmt: skip
