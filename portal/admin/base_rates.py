"""The Basiszinssatz table (§ 247 BGB): admins see the rates and add the next one."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from grants.errors import Invalid
from grants.services import base_rates
from grants.services.base_rates import BaseRateData
from portal.admin.controllers import ADMIN, actor
from portal.flash import flash
from portal.forms import Form, whole_number

FIELD_NAMES = {"valid_from": "Gültig ab", "rate_basis_points": "Basiszinssatz", "note": "Quelle"}
PERCENT_LIMIT = Decimal(100)  # beyond it the form reader refuses; the service's range decides


@get("/admin/basiszinssatz", name="base_rates:list", opt=ADMIN)
async def base_rate_list(
    number: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """The rates, newest first, with the form for the next one."""
    return await _page(whole_number(number) or 1, {})


@post("/admin/basiszinssatz", name="base_rates:add", opt=ADMIN)
async def add_base_rate(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = Form(await request.form())
    valid_from = form.date("valid_from", required=False)
    rate = form.number("rate_basis_points", places=2, required=False,
                       minimum=-PERCENT_LIMIT, maximum=PERCENT_LIMIT)  # fmt: skip
    data = BaseRateData(
        valid_from=valid_from,
        rate_basis_points=None if rate is None else int(rate * 100),
        note=form.text("note", required=False, max_length=base_rates.NOTE_MAX),
    )
    try:
        await base_rates.add_rate(actor(request), data, unreadable=form.errors)
    except Invalid as exc:
        return await _page(1, form.values, exc.errors)
    flash(request, f"Basiszinssatz ab {valid_from:%d.%m.%Y} eingetragen: "
                   f"{base_rates.percent(data.rate_basis_points or 0)}.")  # fmt: skip
    return Redirect("/admin/basiszinssatz", status_code=303)


async def _page(
    number: int, values: dict[str, Any], errors: dict[str, str] | None = None
) -> Template:
    return Template(
        "admin/base_rates.html.jinja2",
        context={"rates": await base_rates.listing(number), "values": values, "errors": errors or {},
                 "names": FIELD_NAMES, "percent": base_rates.percent},
        status_code=400 if errors else 200,
    )  # fmt: skip


ROUTES = [base_rate_list, add_base_rate]
