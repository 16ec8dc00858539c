"""Programmes and their calls: admins change them, KI staff read them, everyone sees open calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants.errors import Conflict, Invalid
from grants.money import Money
from grants.services import programmes, reviews
from grants.services.programmes import CallData, CallRecord, ProgrammeData, ProgrammeRecord
from grants.vocabulary import ExpenseCategory, FinancingType, PaymentMode, Role
from portal.admin.controllers import actor
from portal.auth.access import PUBLIC, access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.templating import BERLIN

CHANGE = access(roles(Role.ADMIN))
READ = access(roles(Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.APPROVER, Role.FINANCE))
DATES = ("%Y-%m-%d", "%d.%m.%Y")
TIMES = ("%H:%M", "%H.%M")
MOMENT_FORMAT = "Bitte ein gültiges Datum und eine Uhrzeit angeben, z. B. 31.01.2027 und 23:59."

# -- programmes -----------------------------------------------------------------------------


@get("/admin/programme", name="programmes:list", opt=READ)
async def programme_list(
    number: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """The programmes by name, a page at a time."""
    return Template("programmes/list.html.jinja2",
                    context={"programmes": await programmes.list_programmes(whole_number(number) or 1)})  # fmt: skip


@get("/admin/programme/neu", name="programmes:new", opt=CHANGE)
async def new_programme() -> Template:
    return await _programme_page(None, {"active": "true", "payment_mode": PaymentMode.INSTALMENTS.value,
                                        "instalments": "4"})  # fmt: skip


@post("/admin/programme/neu", name="programmes:create", opt=CHANGE)
async def create_programme(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = Form(await request.form())
    data = _read_programme(form)
    try:
        await programmes.create_programme(actor(request), data, unreadable=form.errors)
    except Invalid as exc:
        return await _programme_page(None, form.values, errors=exc.errors)
    flash(request, f"Programm „{data.name}“ angelegt.")
    return Redirect("/admin/programme", status_code=303)


@get("/admin/programme/{programme_id:int}", name="programmes:edit", opt=CHANGE)
async def edit_programme(programme_id: FromPath[int]) -> Template:
    record = await programmes.get_programme(programme_id)
    return await _programme_page(record, _programme_values(record))


@post("/admin/programme/{programme_id:int}", name="programmes:update", opt=CHANGE)
async def update_programme(
    request: Request[Any, Any, Any], programme_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = _read_programme(form)
    try:
        await programmes.update_programme(actor(request), programme_id, form.integer("version") or 0,
                                          data, unreadable=form.errors)  # fmt: skip
    except Invalid as exc:
        record = await programmes.get_programme(programme_id)
        return await _programme_page(record, form.values, errors=exc.errors)
    except Conflict:
        record = await programmes.get_programme(programme_id)
        return await _programme_page(
            record, {**form.values, "version": str(record.version)}, stale=True
        )
    flash(request, f"Programm „{data.name}“ gespeichert.")
    return Redirect("/admin/programme", status_code=303)


async def _programme_page(record: ProgrammeRecord | None, values: dict[str, Any],
                          errors: dict[str, str] | None = None, stale: bool = False) -> Template:  # fmt: skip
    return Template(
        "programmes/programme_form.html.jinja2",
        context={
            "programme": record, "values": values, "errors": errors or {}, "stale": stale,
            "financing_types": FinancingType.choices(), "categories": ExpenseCategory.choices(),
            "payment_modes": PaymentMode.choices(), "max_instalments": programmes.MAX_INSTALMENTS,
            "condition_options": [(b["key"], b["title"]) for b in await reviews.text_blocks()],
            "description_max": programmes.DESCRIPTION_MAX, "guideline_max": programmes.GUIDELINE_MAX,
        },
        status_code=409 if stale else 400 if errors else 200,
    )  # fmt: skip


def _read_programme(form: Form) -> ProgrammeData:
    """Parse what was typed; the service judges it (``required=False``: its rules decide)."""
    return ProgrammeData(
        name=form.text("name", required=False, max_length=programmes.NAME_MAX),
        short_name=form.text("short_name", required=False, max_length=programmes.SHORT_NAME_MAX),
        description=_long_text(form, "description", programmes.DESCRIPTION_MAX),
        guideline=_long_text(form, "guideline", programmes.GUIDELINE_MAX),
        financing_type=form.choice("financing_type", FinancingType, required=False),
        cost_categories=tuple(form.choices("cost_categories", ExpenseCategory)),
        min_grant=form.money("min_grant", required=False),
        max_grant=form.money("max_grant", required=False),
        indicator_set=form.text(
            "indicator_set", required=False, max_length=programmes.INDICATOR_SET_MAX
        ),
        interim_reports=form.flag("interim_reports"),
        active=form.flag("active"),
        payment_mode=form.choice("payment_mode", PaymentMode, required=False),
        instalments=form.integer("instalments"),
        standard_conditions=tuple(form.many("standard_conditions")),
    )


def _programme_values(record: ProgrammeRecord) -> dict[str, Any]:
    data = record.data
    return {
        "name": data.name, "short_name": data.short_name, "description": data.description,
        "guideline": data.guideline, "financing_type": data.financing_type or "",
        "cost_categories": [c.value for c in data.cost_categories],
        "min_grant": _amount(data.min_grant), "max_grant": _amount(data.max_grant),
        "indicator_set": data.indicator_set, "interim_reports": _checked(data.interim_reports),
        "active": _checked(data.active), "version": str(record.version),
        "payment_mode": data.payment_mode or "", "instalments": str(data.instalments or ""),
        "standard_conditions": list(data.standard_conditions),
    }  # fmt: skip


# -- calls ----------------------------------------------------------------------------------


@get("/admin/programme/{programme_id:int}/aufrufe", name="programmes:calls", opt=READ)
async def call_list(programme_id: FromPath[int],
                    number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """A programme's calls, a page at a time, the latest first."""
    return Template("programmes/calls.html.jinja2", context={
        "programme": await programmes.get_programme(programme_id),
        "calls": await programmes.programme_calls(programme_id, whole_number(number) or 1),
    })  # fmt: skip


@get("/admin/programme/{programme_id:int}/aufrufe/neu", name="programmes:new_call", opt=CHANGE)
async def new_call(programme_id: FromPath[int]) -> Template:
    programme = await programmes.get_programme(programme_id)
    return await _call_page(programme.id, programme.data.name, None,
                            {"opens_at_time": "00:00", "closes_at_time": "23:59"})  # fmt: skip


@post("/admin/programme/{programme_id:int}/aufrufe/neu", name="programmes:create_call", opt=CHANGE)
async def create_call(
    request: Request[Any, Any, Any], programme_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = _read_call(form)
    try:
        await programmes.create_call(actor(request), programme_id, data, unreadable=form.errors)
    except Invalid as exc:
        programme = await programmes.get_programme(programme_id)
        return await _call_page(programme.id, programme.data.name, None, form.values,
                                errors=exc.errors)  # fmt: skip
    flash(request, f"Förderaufruf „{data.title}“ angelegt.")
    return Redirect(f"/admin/programme/{programme_id}/aufrufe", status_code=303)


@get("/admin/aufrufe/{call_id:int}", name="programmes:edit_call", opt=CHANGE)
async def edit_call(call_id: FromPath[int]) -> Template:
    record = await programmes.get_call(call_id)
    return await _call_page(
        record.programme_id, record.programme_name, record, _call_values(record)
    )


@post("/admin/aufrufe/{call_id:int}", name="programmes:update_call", opt=CHANGE)
async def update_call(
    request: Request[Any, Any, Any], call_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = _read_call(form)
    try:
        programme_id = await programmes.update_call(actor(request), call_id, form.integer("version") or 0,
                                                    data, unreadable=form.errors)  # fmt: skip
    except Invalid as exc:
        record = await programmes.get_call(call_id)
        return await _call_page(record.programme_id, record.programme_name, record, form.values,
                                errors=exc.errors)  # fmt: skip
    except Conflict:
        record = await programmes.get_call(call_id)
        return await _call_page(record.programme_id, record.programme_name, record,
                                {**form.values, "version": str(record.version)}, stale=True)  # fmt: skip
    flash(request, f"Förderaufruf „{data.title}“ gespeichert.")
    return Redirect(f"/admin/programme/{programme_id}/aufrufe", status_code=303)


async def _call_page(programme_id: int, programme_name: str, record: CallRecord | None,
                     values: dict[str, Any], errors: dict[str, str] | None = None,
                     stale: bool = False) -> Template:  # fmt: skip
    choices = await programmes.budget_choices()
    return Template(
        "programmes/call_form.html.jinja2",
        context={
            "programme_id": programme_id, "programme_name": programme_name, "call": record,
            "values": values, "errors": errors or {}, "stale": stale,
            "description_max": programmes.DESCRIPTION_MAX,
            "fiscal_years": [("", "Bitte wählen"), *choices.fiscal_years],
            "budget_lines": [("", "Bitte wählen"), *choices.budget_lines],
        },
        status_code=409 if stale else 400 if errors else 200,
    )  # fmt: skip


def _read_call(form: Form) -> CallData:
    return CallData(
        fiscal_year=form.integer("fiscal_year"),
        budget_line=form.integer("budget_line"),
        title=form.text("title", required=False, max_length=programmes.NAME_MAX),
        description=_long_text(form, "description", programmes.DESCRIPTION_MAX),
        opens_at=_moment(form, "opens_at"),
        closes_at=_moment(form, "closes_at"),
        budget=form.money("budget", required=False),
    )


def _call_values(record: CallRecord) -> dict[str, Any]:
    data = record.data
    return {
        "fiscal_year": str(data.fiscal_year), "budget_line": str(data.budget_line),
        "title": data.title, "description": data.description,
        **_moment_values("opens_at", data.opens_at), **_moment_values("closes_at", data.closes_at),
        "budget": _amount(data.budget), "version": str(record.version),
    }  # fmt: skip


# -- what applicants see --------------------------------------------------------------------


@get("/foerderaufrufe", name="calls:open", opt=access(PUBLIC))
async def open_calls(
    number: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    """The open calls, a page at a time, the soonest deadline first."""
    return Template("programmes/open_calls.html.jinja2",
                    context={"calls": await programmes.published_calls(page=whole_number(number) or 1)})  # fmt: skip


@get("/foerderprogramme/{programme_id:int}", name="programmes:public", opt=access(PUBLIC))
async def public_programme(programme_id: FromPath[int],
                           number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """A programme with a page of its open calls."""
    programme, calls = await programmes.published_programme(programme_id, whole_number(number) or 1)
    return Template("programmes/programme.html.jinja2",
                    context={"programme": programme, "calls": calls})  # fmt: skip


# -- form helpers ---------------------------------------------------------------------------


def _long_text(form: Form, name: str, max_length: int) -> str:
    return form.text(name, required=False, max_length=max_length, multiline=True)


def _moment(form: Form, name: str) -> datetime | None:
    """``<name>_date`` and ``<name>_time`` as typed in Köln, as an aware UTC datetime."""
    day_text, time_text = form.raw(f"{name}_date").strip(), form.raw(f"{name}_time").strip()
    if not day_text and not time_text:
        return None
    day, at = _parse(day_text, DATES), _parse(time_text, TIMES)
    if day is None or at is None:
        form.error(name, MOMENT_FORMAT)
        return None
    return datetime.combine(day.date(), at.time(), tzinfo=BERLIN).astimezone(UTC)


def _parse(text: str, patterns: tuple[str, ...]) -> datetime | None:
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern)  # a wall-clock reading in Köln
        except ValueError:
            continue
    return None


def _moment_values(name: str, moment: datetime | None) -> dict[str, str]:
    local = moment.astimezone(BERLIN) if moment else None
    return {f"{name}_date": f"{local:%Y-%m-%d}" if local else "",
            f"{name}_time": f"{local:%H:%M}" if local else ""}  # fmt: skip


def _amount(amount: Money | None) -> str:
    return amount.format_plain() if amount is not None else ""


def _checked(flag: bool) -> str:
    return "true" if flag else ""


ROUTES = [
    programme_list, new_programme, create_programme, edit_programme, update_programme,
    call_list, new_call, create_call, edit_call, update_call, open_calls, public_programme,
]  # fmt: skip
