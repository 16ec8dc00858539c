"""Pages of an application. Thin: read the form, call the use case, render or redirect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants import clock
from grants.errors import Conflict, Invalid
from grants.money import Money
from grants.services import (
    amendments,
    attachments,
    decisions,
    messages,
    payments,
    plans,
    signatures,
)
from grants.services import applications as apps
from grants.services.applications import ApplicationView, ProjectInput
from grants.services.calls import open_calls
from grants.tables import Centre
from grants.vocabulary import (
    LANGUAGES,
    ORGANISATION_ROLES,
    STAFF_ROLES,
    AttachmentKind,
    District,
    ExpenseCategory,
    FinancingType,
    OfferType,
    PlanLineKind,
    RevenueType,
    Role,
    TargetGroup,
)
from portal import forms
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.security import download_headers

APPLICANT = access(roles(Role.MEMBER))
SIGNATORY = access(roles(Role.SIGNATORY))
READER = access(roles(*ORGANISATION_ROLES, *STAFF_ROLES))
UPLOAD_LIMIT = 21 * 1024 * 1024  # one file of 20 MB plus the form around it
CONFLICT = ("Der Antrag wurde inzwischen von jemand anderem geändert. Ihre Eingaben sind unten erhalten – "
            "bitte prüfen Sie sie und speichern Sie erneut.")  # fmt: skip
KIND_PATHS = {"ausgabe": PlanLineKind.EXPENSE, "einnahme": PlanLineKind.REVENUE}


def page(
    name: str, app: ApplicationView | None = None, *, status_code: int = 200, **context: Any
) -> Template:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return Template(
        f"applications/{name}.html.jinja2", context={"app": app, **context}, status_code=status_code
    )


saved_or_again = partial(forms.saved_or_again, conflict=CONFLICT)


async def editable(request: Request[Any, Any, Any], application_id: int) -> ApplicationView:
    """The application, if this user may change it now; otherwise back to its overview."""
    app = await apps.get(request.user, application_id)
    if not app.editable or request.user.role_in(app.organisation_id) is None:
        raise NotEditable(application_id)
    return app


class NotEditable(Exception):
    """A step page of an application that cannot be changed (any more)."""

    def __init__(self, application_id: int) -> None:
        self.application_id = application_id


def not_editable(request: Request[Any, Any, Any], exc: NotEditable) -> Redirect:
    flash(request, "Dieser Antrag kann zurzeit nicht geändert werden.")
    return Redirect(f"/antraege/{exc.application_id}", status_code=303)


def version_of(form: Form) -> int:
    return form.integer("version") or 0


# -- list and start --------------------------------------------------------------------------


@get("/antraege", name="applications:list", opt=APPLICANT)
async def application_list(request: Request[Any, Any, Any],
                           number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """The organisations' applications, a page at a time, newest first."""
    return page("list", applications=await apps.listing(request.user, whole_number(number) or 1),
                calls=await open_calls())  # fmt: skip


@get("/antraege/neu", name="applications:new", opt=APPLICANT)
async def new_form(request: Request[Any, Any, Any],
                   call_id: Annotated[int | None, QueryParameter(name="aufruf")] = None,
                   number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """The open calls to apply to, a page at a time; ``aufruf`` preselects one."""
    return page("new", calls=await open_calls(page=whole_number(number) or 1), values={"call": str(call_id or "")},
                organisations=[(a.organisation_id, a.organisation_name) for a in request.user.affiliations])  # fmt: skip


@post("/antraege/neu", name="applications:start", opt=APPLICANT)
async def start(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = Form(await request.form())
    call = form.integer("call")
    organisations = [a.organisation_id for a in request.user.affiliations]
    organisation = form.integer("organisation") or (
        organisations[0] if len(organisations) == 1 else None
    )
    if call is None:
        form.error("call", "Bitte einen Förderaufruf wählen.")
    if organisation not in organisations:
        form.error("organisation", "Bitte die Organisation wählen, für die Sie beantragen.")
    if form.ok and call is not None and organisation is not None:
        try:
            app_id = await apps.start(request.user, call, organisation, actor(request).request_id)
        except Invalid as exc:
            form.errors.update(exc.errors)
        else:
            return Redirect(f"/antraege/{app_id}", status_code=303)
    return page("new", calls=await open_calls(), values=form.values, errors=form.errors, status_code=400,
                organisations=[(a.organisation_id, a.organisation_name) for a in request.user.affiliations])  # fmt: skip


# -- overview --------------------------------------------------------------------------------


@get("/antraege/{application_id:int}", name="applications:overview", opt=READER)
async def overview(request: Request[Any, Any, Any], application_id: FromPath[int],
                   number: Annotated[str | None, QueryParameter(name="seite")] = None) -> Template:  # fmt: skip
    """The application with its state, history and a page of its messages, the latest first."""
    principal = request.user
    app = await apps.get(principal, application_id)
    return page(
        "overview", app,
        tasks=await apps.task_list(principal, app) if app.editable else [],
        timeline=await apps.timeline(app),
        change_request=await apps.open_change_request(app.id),
        thread=await messages.thread(principal, app, whole_number(number) or 1),
        versions=await apps.versions(app),
        decisions=await decisions.of_application(app),
        amendments=await amendments.of_application(app),
        grant_id=await payments.grant_of(app.id),
        is_member=principal.role_in(app.organisation_id) is not None,
        is_signatory=principal.role_in(app.organisation_id) is Role.SIGNATORY,
        signatories=await signatures.signatories(app.organisation_id),
        is_staff=apps.is_staff(principal),
    )  # fmt: skip


@post("/antraege/{application_id:int}/nachrichten", name="applications:message", opt=READER,
      request_max_body_size=UPLOAD_LIMIT)  # fmt: skip
async def post_message(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    data = await request.form()
    form = Form(data)
    body = form.text("body", required=False, max_length=messages.MAX_BODY, multiline=True)
    upload = data.get("attachment")
    file = (
        (upload.filename, await upload.read())
        if isinstance(upload, UploadFile) and upload.filename
        else None
    )
    try:
        if not form.ok:  # a message is sent whole or not at all
            raise Invalid(form.errors)
        await messages.post(request.user, application_id, body, internal=form.flag("internal"), upload=file,
                            request_id=actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        app = await apps.get(request.user, application_id)
        return page("message_error", app, errors=exc.errors, values=form.values, status_code=400)
    flash(request, "Nachricht gesendet.")
    return Redirect(f"/antraege/{application_id}#nachrichten", status_code=303)


# -- step 1: applicant and centre ------------------------------------------------------------


async def _centres(app: ApplicationView) -> list[tuple[int, str]]:
    rows = (
        await Centre.select(Centre.id, Centre.name)
        .where(Centre.organisation == app.organisation_id)
        .order_by(Centre.name)
    )
    return [(r["id"], r["name"]) for r in rows]


@get("/antraege/{application_id:int}/antragsteller", name="applications:applicant", opt=APPLICANT)
async def applicant_form(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template:
    app = await editable(request, application_id)
    return page("applicant", app, centres=await _centres(app),
                values={"centre": str(app.centre_id or ""), "version": app.version})  # fmt: skip


@post(
    "/antraege/{application_id:int}/antragsteller",
    name="applications:save_applicant",
    opt=APPLICANT,
)
async def save_applicant(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    centre = form.integer("centre")
    if centre is None:
        form.error("centre", "Bitte ein Zentrum wählen.")

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("applicant", app, centres=await _centres(app), errors=errors, status_code=status,
                    values={**form.values, "version": app.version})  # fmt: skip

    return await saved_or_again(
        request, form, lambda: apps.save_applicant(request.user, application_id, version_of(form), centre,
                                                   actor(request).request_id),
        again, f"/antraege/{application_id}",
    )  # fmt: skip


# -- step 2: project -------------------------------------------------------------------------


def _project_values(app: ApplicationView) -> dict[str, Any]:
    return {
        "title": app.title, "summary": app.summary, "goals": app.goals, "target_groups": app.target_groups,
        "planned_offers": app.planned_offers, "languages": app.languages, "district": app.district,
        "period_start": app.period_start.isoformat() if app.period_start else "",
        "period_end": app.period_end.isoformat() if app.period_end else "",
        "early_start_requested": "true" if app.early_start_requested else "",
        "early_start_reason": app.early_start_reason, "version": app.version,
    }  # fmt: skip


def _project_options() -> dict[str, Any]:
    return {"target_groups": TargetGroup.choices(), "offers": OfferType.choices(), "districts": District.choices(),
            "languages": sorted(LANGUAGES.items(), key=lambda item: item[1]), "limits": apps.LIMITS}  # fmt: skip


@get("/antraege/{application_id:int}/projekt", name="applications:project", opt=APPLICANT)
async def project_form(request: Request[Any, Any, Any], application_id: FromPath[int]) -> Template:
    app = await editable(request, application_id)
    return page("project", app, values=_project_values(app), **_project_options())


@post("/antraege/{application_id:int}/projekt", name="applications:save_project", opt=APPLICANT)
async def save_project(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = ProjectInput(
        title=form.text("title", max_length=apps.LIMITS["title"]),
        summary=form.text("summary", max_length=apps.LIMITS["summary"], multiline=True),
        goals=form.text("goals", max_length=apps.LIMITS["goals"], multiline=True),
        target_groups=form.choices("target_groups", TargetGroup),
        planned_offers=form.choices("planned_offers", OfferType, required=True),
        languages=[code for code in form.many("languages") if code in LANGUAGES],
        district=form.choice("district", District) or District.INNENSTADT,
        period_start=form.date("period_start") or date.min,
        period_end=form.date("period_end") or date.min,
        early_start_requested=form.flag("early_start_requested"),
        early_start_reason=form.text("early_start_reason", required=False, multiline=True,
                                     max_length=apps.LIMITS["early_start_reason"]),
    )  # fmt: skip

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("project", app, errors=errors, status_code=status,
                    values={**form.values, "version": app.version}, **_project_options())  # fmt: skip

    return await saved_or_again(
        request, form, lambda: apps.save_project(request.user, application_id, version_of(form), data,
                                                 actor(request).request_id),
        again, f"/antraege/{application_id}",
    )  # fmt: skip


# -- step 3: cost and financing plan ---------------------------------------------------------


@get("/antraege/{application_id:int}/finanzplan", name="applications:plan", opt=APPLICANT)
async def plan_page(request: Request[Any, Any, Any], application_id: FromPath[int]) -> Template:
    app = await editable(request, application_id)
    return page("plan", app, financing_types=FinancingType.choices(), labels=_category_labels(),
                values={"requested": app.requested.format_plain() if app.requested else "",
                        "financing_type": app.financing_type.value, "version": app.version})  # fmt: skip


def _category_labels() -> dict[str, str]:
    return {c.value: c.label for c in (*ExpenseCategory, *RevenueType)}


@post(
    "/antraege/{application_id:int}/finanzplan", name="applications:save_financing", opt=APPLICANT
)
async def save_financing(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    requested = form.money("requested")
    financing_type = form.choice("financing_type", FinancingType)

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("plan", app, financing_types=FinancingType.choices(), labels=_category_labels(),
                    errors=errors, values={**form.values, "version": app.version}, status_code=status)  # fmt: skip

    return await saved_or_again(
        request, form, lambda: plans.save_financing(request.user, application_id, version_of(form),
                                                    requested or Money(0), financing_type or FinancingType.SHORTFALL,
                                                    actor(request).request_id),
        again, f"/antraege/{application_id}/finanzplan",
    )  # fmt: skip


@post("/antraege/{application_id:int}/finanzplan/fehlbetrag", name="applications:take_over_gap",
      opt=APPLICANT)  # fmt: skip
async def take_over_gap(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    """The requested grant becomes the Fehlbetrag (expenses − other revenue)."""
    form = Form(await request.form())

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("plan", app, financing_types=FinancingType.choices(), labels=_category_labels(), errors=errors,
                    status_code=status, values={"requested": app.requested.format_plain() if app.requested else "",
                                                "financing_type": app.financing_type.value, "version": app.version})  # fmt: skip

    return await saved_or_again(
        request, form, lambda: plans.take_over_gap(request.user, application_id, version_of(form),
                                                   actor(request).request_id),
        again, f"/antraege/{application_id}/finanzplan", "Der Fehlbetrag ist als beantragte Zuwendung übernommen.",
    )  # fmt: skip


def _line_values(app: ApplicationView, line_key: str | None) -> dict[str, Any]:
    line = next((x for x in app.lines if x.line_key == line_key), None)
    if line is None:
        return {"version": app.version}
    return {
        "category": line.category, "description": line.description, "staff_function": line.staff_function,
        "pay_group": line.pay_group, "source": line.source, "version": app.version,
        "amount": "" if line.quantity_milli is not None else line.amount.format_plain(),
        "quantity": _decimal_text(line.quantity_milli), "fte": _decimal_text(line.fte_milli),
        "unit_price": line.unit_price.format_plain() if line.unit_price else "",
    }  # fmt: skip


def _decimal_text(milli: int | None) -> str:
    if milli is None:
        return ""
    return format(Decimal(milli) / 1000, "f").rstrip("0").rstrip(".").replace(".", ",")


def _line_options(kind: PlanLineKind) -> dict[str, Any]:
    categories = ExpenseCategory if kind is PlanLineKind.EXPENSE else RevenueType
    return {"kind": kind, "categories": categories.choices(),
            "kind_path": "ausgabe" if kind is PlanLineKind.EXPENSE else "einnahme"}  # fmt: skip


async def _line_form(request: Request[Any, Any, Any], application_id: int, kind: PlanLineKind,
                     line_key: str | None) -> Template:  # fmt: skip
    app = await editable(request, application_id)
    return page(
        "line", app, line_key=line_key, values=_line_values(app, line_key), **_line_options(kind)
    )


@get(
    "/antraege/{application_id:int}/finanzplan/neu/{kind_path:str}",
    name="applications:new_line",
    opt=APPLICANT,
)
async def new_line(
    request: Request[Any, Any, Any], application_id: FromPath[int], kind_path: FromPath[str]
) -> Template:
    if kind_path not in KIND_PATHS:
        raise NotFoundException()
    return await _line_form(request, application_id, KIND_PATHS[kind_path], None)


@get(
    "/antraege/{application_id:int}/finanzplan/posten/{line_key:str}",
    name="applications:line",
    opt=APPLICANT,
)
async def edit_line(
    request: Request[Any, Any, Any], application_id: FromPath[int], line_key: FromPath[str]
) -> Template:
    app = await editable(request, application_id)
    line = next((x for x in app.lines if x.line_key == line_key), None)
    if line is None:
        raise NotFoundException()
    return page(
        "line",
        app,
        line_key=line_key,
        values=_line_values(app, line_key),
        **_line_options(line.kind),
    )


@post(
    "/antraege/{application_id:int}/finanzplan/posten", name="applications:save_line", opt=APPLICANT
)
async def save_line(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    kind = KIND_PATHS.get(form.raw("kind_path"), PlanLineKind.EXPENSE)
    line_key = form.raw("line_key") or None
    personnel = form.raw("category") == ExpenseCategory.PERSONNEL.value
    data = plans.LineInput(
        kind=kind, category=form.raw("category"), description=form.text("description", max_length=300),
        amount=form.money("amount", required=False), quantity=form.number("quantity", places=3, required=False),
        unit_price=form.money("unit_price", required=False),
        staff_function=form.text("staff_function", required=False, max_length=200) if personnel else "",
        fte=form.number("fte", places=3, required=False, maximum=Decimal(10)) if personnel else None,
        pay_group=form.text("pay_group", required=False, max_length=20) if personnel else "",
        source=form.text("source", required=False, max_length=200),
    )  # fmt: skip

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("line", app, line_key=line_key, errors=errors, status_code=status,
                    values={**form.values, "version": app.version}, **_line_options(kind))  # fmt: skip

    return await saved_or_again(
        request, form, lambda: plans.save_line(request.user, application_id, version_of(form), line_key, data,
                                               actor(request).request_id),
        again, f"/antraege/{application_id}/finanzplan", "Posten gespeichert.",
    )  # fmt: skip


@post("/antraege/{application_id:int}/finanzplan/posten/{line_key:str}/loeschen", name="applications:delete_line",
      opt=APPLICANT)  # fmt: skip
async def delete_line(
    request: Request[Any, Any, Any], application_id: FromPath[int], line_key: FromPath[str]
) -> Redirect:
    form = Form(await request.form())
    try:
        await plans.delete_line(
            request.user, application_id, version_of(form), line_key, actor(request).request_id
        )
    except Conflict:
        flash(
            request,
            "Der Antrag wurde inzwischen geändert; der Posten wurde nicht gelöscht. Bitte erneut versuchen.",
        )
    else:
        flash(request, "Posten gelöscht.")
    return Redirect(f"/antraege/{application_id}/finanzplan", status_code=303)


# -- step 4: attachments ---------------------------------------------------------------------


async def _attachments_page(request: Request[Any, Any, Any], application_id: int, errors: dict[str, str] | None = None,
                            values: dict[str, Any] | None = None, status_code: int = 200) -> Template:  # fmt: skip
    app = await apps.get(request.user, application_id)
    return page("attachments", app, kinds=AttachmentKind.choices(), errors=errors or {},
                values={**(values or {}), "version": app.version}, status_code=status_code)  # fmt: skip


@get("/antraege/{application_id:int}/anlagen", name="applications:attachments", opt=APPLICANT)
async def attachments_page(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template:
    return await _attachments_page(request, application_id)


@post("/antraege/{application_id:int}/anlagen", name="applications:upload", opt=APPLICANT,
      request_max_body_size=UPLOAD_LIMIT)  # fmt: skip
async def upload(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    data = await request.form()
    form = Form(data)
    kind = form.choice("kind", AttachmentKind)
    file = data.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        form.error("file", "Bitte eine Datei auswählen.")
    if not form.ok or kind is None or not isinstance(file, UploadFile):
        return await _attachments_page(request, application_id, form.errors, form.values, 400)
    content = await file.read()
    try:
        await attachments.upload(request.user, application_id, version_of(form), kind, file.filename, content,
                                 actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _attachments_page(request, application_id, exc.errors, form.values, 400)
    except Conflict:
        return await _attachments_page(
            request, application_id, {"version": CONFLICT}, form.values, 409
        )
    flash(request, f"„{file.filename}“ hochgeladen.")
    return Redirect(f"/antraege/{application_id}/anlagen", status_code=303)


@post("/antraege/{application_id:int}/anlagen/{attachment_id:int}/loeschen", name="applications:remove_attachment",
      opt=APPLICANT)  # fmt: skip
async def remove_attachment(request: Request[Any, Any, Any], application_id: FromPath[int],
                            attachment_id: FromPath[int]) -> Redirect:  # fmt: skip
    form = Form(await request.form())
    try:
        await attachments.remove(request.user, application_id, version_of(form), attachment_id,
                                 actor(request).request_id)  # fmt: skip
    except Conflict:
        flash(request, "Der Antrag wurde inzwischen geändert; bitte erneut versuchen.")
    else:
        flash(request, "Anlage entfernt.")
    return Redirect(f"/antraege/{application_id}/anlagen", status_code=303)


@get(
    "/antraege/{application_id:int}/anlagen/{attachment_id:int}",
    name="applications:download",
    opt=READER,
)
async def download(request: Request[Any, Any, Any], application_id: FromPath[int],
                   attachment_id: FromPath[int]) -> Response[bytes]:  # fmt: skip
    file = await attachments.download(request.user, application_id, attachment_id)
    return Response(
        file.content, media_type=file.media_type, headers=download_headers(file.filename)
    )


# -- step 5: declarations --------------------------------------------------------------------

DECLARATIONS = ("no_early_start", "truthful", "privacy_notice")


@get("/antraege/{application_id:int}/erklaerungen", name="applications:declarations", opt=APPLICANT)
async def declarations_form(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template:
    app = await editable(request, application_id)
    values: dict[str, Any] = {k: "true" if app.declarations.get(k) else "" for k in DECLARATIONS}
    if "input_tax_deduction" in app.declarations:
        values["input_tax_deduction"] = "ja" if app.declarations["input_tax_deduction"] else "nein"
    return page("declarations", app, values={**values, "version": app.version})


@post(
    "/antraege/{application_id:int}/erklaerungen",
    name="applications:save_declarations",
    opt=APPLICANT,
)
async def save_declarations(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    chosen = {name: form.flag(name) for name in DECLARATIONS}
    tax = form.raw("input_tax_deduction")
    if tax not in {"ja", "nein"}:
        form.error(
            "input_tax_deduction", "Bitte angeben, ob Sie zum Vorsteuerabzug berechtigt sind."
        )

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("declarations", app, errors=errors, status_code=status,
                    values={**form.values, **{k: "true" if v else "" for k, v in chosen.items()},
                            "version": app.version})  # fmt: skip

    return await saved_or_again(
        request, form, lambda: apps.save_declarations(request.user, application_id, version_of(form),
                                                      {**chosen, "input_tax_deduction": tax == "ja"},
                                                      actor(request).request_id),
        again, f"/antraege/{application_id}",
    )  # fmt: skip


# -- step 6: check and submit; withdraw ------------------------------------------------------


async def _check_page(request: Request[Any, Any, Any], application_id: int, errors: dict[str, str] | None = None,
                      status_code: int = 200) -> Template:  # fmt: skip
    principal = request.user
    app = await apps.get(principal, application_id)
    organisation = await apps.organisation_of(app)
    change_request = await apps.open_change_request(app.id)
    until = change_request["deadline"] if change_request else None
    return page("check", app, errors=errors or {}, status_code=status_code, labels=_category_labels(),
                problems=apps.submission_problems(app, organisation, clock.now(), until),
                change_request=change_request,
                is_signatory=principal.role_in(app.organisation_id) is Role.SIGNATORY,
                signatories=await signatures.signatories(app.organisation_id),
                offers=dict(OfferType.choices()), target_groups=dict(TargetGroup.choices()),
                districts=dict(District.choices()), languages=LANGUAGES, values={"version": app.version})  # fmt: skip


@get("/antraege/{application_id:int}/pruefen", name="applications:check", opt=APPLICANT)
async def check(request: Request[Any, Any, Any], application_id: FromPath[int]) -> Template:
    await editable(request, application_id)
    return await _check_page(request, application_id)


@post("/antraege/{application_id:int}/einreichen", name="applications:submit", opt=SIGNATORY)
async def submit(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    try:
        number = await apps.submit(
            request.user, application_id, version_of(form), actor(request).request_id
        )
    except Invalid as exc:
        return await _check_page(request, application_id, exc.errors, 400)
    except Conflict as exc:
        return await _check_page(request, application_id, {"version": str(exc)}, 409)
    flash(
        request,
        f"Der Antrag ist eingereicht (Fassung {number}). Eine Bestätigung kommt per E-Mail.",
    )
    return Redirect(f"/antraege/{application_id}", status_code=303)


@get(
    "/antraege/{application_id:int}/zurueckziehen", name="applications:withdraw_form", opt=SIGNATORY
)
async def withdraw_form(request: Request[Any, Any, Any], application_id: FromPath[int]) -> Template:
    app = await apps.get(request.user, application_id)
    return page("withdraw", app, values={"version": app.version})


@post("/antraege/{application_id:int}/zurueckziehen", name="applications:withdraw", opt=SIGNATORY)
async def withdraw(
    request: Request[Any, Any, Any], application_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    reason = form.text("reason", max_length=apps.LIMITS["reason"], multiline=True)

    async def again(errors: dict[str, str], status: int) -> Template:
        app = await apps.get(request.user, application_id)
        return page("withdraw", app, errors=errors, values={**form.values, "version": app.version},
                    status_code=status)  # fmt: skip

    return await saved_or_again(
        request, form, lambda: apps.withdraw(request.user, application_id, version_of(form), reason,
                                             actor(request).request_id),
        again, f"/antraege/{application_id}", "Der Antrag ist zurückgezogen.",
    )  # fmt: skip


ROUTES = [
    application_list, new_form, start, overview, post_message, applicant_form, save_applicant, project_form,
    save_project, plan_page, save_financing, take_over_gap, new_line, edit_line, save_line, delete_line, attachments_page,
    upload, remove_attachment, download, declarations_form, save_declarations, check, submit, withdraw_form,
    withdraw,
]  # fmt: skip
