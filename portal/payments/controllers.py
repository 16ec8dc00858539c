"""Payment pages: a grant's payment plan and orders, requests for funds, the finance desk with
release, export to the cash office and payment confirmations. Thin: read, call, render."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants import clock
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.services import confirmations, funds_requests, payments
from grants.services.funds_requests import FundsRequestInput
from grants.vocabulary import PaymentMode, Role
from grants.workflow import PaymentOrderStatus
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.security import download_headers
from reports.excel.statements import batch_statement
from reports.excel.workbooks import XLSX

P = PaymentOrderStatus
READERS = access(roles(Role.MEMBER, Role.SIGNATORY, Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.ADMIN,
                       Role.AUDITOR))  # fmt: skip
APPLICANT = access(roles(Role.MEMBER, Role.SIGNATORY))
PREPARER = access(roles(Role.REVIEWER, Role.FINANCE))
FINANCE = access(roles(Role.FINANCE))
DESK = access(roles(Role.FINANCE, Role.REVIEWER, Role.APPROVER, Role.ADMIN, Role.AUDITOR))
DESK_TABS = (P.CERTIFIED, P.RELEASED, P.EXPORTED, P.PAID, P.DRAFT, P.CANCELLED)
CHOICE = "auswahl"  # form field: the ids of the released orders to send
CONFIRMATION_LIMIT = confirmations.MAX_BYTES + 64 * 1024
GRANT_PAGE = "payments/grant.html.jinja2"
FUNDS_REQUEST_PAGE = "payments/funds_request.html.jinja2"


# -- a grant's payments ----------------------------------------------------------------------


async def _grant_page(request: Request[Any, Any, Any], grant_id: int, errors: dict[str, str] | None = None,
                      values: dict[str, Any] | None = None, status_code: int = 200,
                      template: str = GRANT_PAGE) -> Template:  # fmt: skip
    principal = request.user
    grant = await payments.grant_payments(principal, grant_id)
    member = principal.role_in(grant.organisation_id) in (Role.MEMBER, Role.SIGNATORY)
    return Template(template, context={
        "grant": grant, "requests": await funds_requests.requests_of(grant_id), "errors": errors or {},
        "verdicts": await payments.grant_verdicts(grant, clock.today()),
        "values": values or {}, "user_id": principal.id,
        "may_prepare": bool(principal.roles & payments.PREPARERS) and grant.payable,
        "may_certify": bool(principal.roles & payments.PREPARERS),  # a draft, e.g. a settlement's Nachzahlung
        "may_release": Role.FINANCE in principal.roles,
        "may_request": member and grant.payable and grant.payment_mode is PaymentMode.ON_REQUEST,
        "may_report": member,
    }, status_code=status_code)  # fmt: skip


@get("/zuwendungen/{grant_id:int}/zahlungen", name="payments:grant", opt=READERS)
async def grant_page(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template:
    return await _grant_page(request, grant_id)


async def _act(request: Request[Any, Any, Any], grant_id: int, action: Callable[[], Awaitable[Any]], done: str,
               values: dict[str, Any] | None = None, template: str = GRANT_PAGE) -> Template | Redirect:  # fmt: skip
    """Run a payment action; refusals come back on the grant's page (or the given one) with
    their reason and what was typed."""
    try:
        await action()
    except Invalid as exc:
        return await _grant_page(request, grant_id, exc.errors, values, 400, template)
    except Conflict as exc:
        return await _grant_page(request, grant_id, {"version": str(exc)}, values, 409, template)
    except Forbidden as exc:
        return await _grant_page(request, grant_id, {"version": str(exc)}, values, 403, template)
    flash(request, done)
    return Redirect(f"/zuwendungen/{grant_id}/zahlungen", status_code=303)


@post("/zuwendungen/{grant_id:int}/raten/{number:int}", name="payments:prepare_instalment",
      opt=PREPARER)  # fmt: skip
async def prepare_instalment(request: Request[Any, Any, Any], grant_id: FromPath[int],
                             number: FromPath[int]) -> Template | Redirect:  # fmt: skip
    form = Form(await request.form())
    answer = await _act(request, grant_id, lambda: payments.prepare_instalment(
        request.user, grant_id, number, actor(request).request_id),
        f"Rate {number} angeordnet und als sachlich richtig gezeichnet.")  # fmt: skip
    if isinstance(answer, Redirect) and form.raw("back") == "desk":
        return Redirect("/finanzen/anordnungen", status_code=303)
    return answer


def _order_action(name: str, path: str, done: str, call: Callable[..., Awaitable[Any]],
                  rule: dict[str, Any]) -> Any:  # fmt: skip
    """A POST on one order of a grant: certify, release, cancel or record as paid."""

    @post(
        f"/zuwendungen/{{grant_id:int}}/anordnungen/{{order_id:int}}/{path}",
        name=f"payments:{name}",
        opt=rule,
    )
    async def handler(request: Request[Any, Any, Any], grant_id: FromPath[int],
                      order_id: FromPath[int]) -> Template | Redirect:  # fmt: skip
        form = Form(await request.form())
        await _belongs(request, grant_id, order_id)
        return await _act(
            request, grant_id, lambda: call(request, form, order_id), done, form.values
        )

    return handler


async def _belongs(request: Request[Any, Any, Any], grant_id: int, order_id: int) -> None:
    grant = await payments.grant_payments(request.user, grant_id)
    if all(o.id != order_id for o in grant.orders):
        raise NotFound


async def _certify(request: Request[Any, Any, Any], form: Form, order_id: int) -> None:
    await payments.certify(
        request.user, order_id, form.integer("version") or 0, actor(request).request_id
    )


async def _release(request: Request[Any, Any, Any], form: Form, order_id: int) -> None:
    await payments.release(
        request.user, order_id, form.integer("version") or 0, actor(request).request_id
    )


async def _cancel(request: Request[Any, Any, Any], form: Form, order_id: int) -> None:
    reason = form.text("reason", required=False, max_length=500)
    if not form.ok:
        raise Invalid(form.errors)
    await payments.cancel(
        request.user, order_id, form.integer("version") or 0, reason, actor(request).request_id
    )


async def _paid(request: Request[Any, Any, Any], form: Form, order_id: int) -> None:
    paid_on = form.date("paid_on", required=False)
    reference = form.text("cash_reference", required=False, max_length=40)
    if not form.ok:
        raise Invalid(form.errors)
    await payments.mark_paid(request.user, order_id, paid_on, reference, actor(request).request_id)


certify = _order_action(
    "certify", "zeichnen", "Als sachlich richtig gezeichnet.", _certify, PREPARER
)
release = _order_action("release", "freigeben", "Anordnung freigegeben.", _release, FINANCE)
cancel = _order_action("cancel", "stornieren", "Anordnung storniert.", _cancel, PREPARER)
paid = _order_action("paid", "ausgezahlt", "Zahlung verbucht.", _paid, FINANCE)


# -- requests for funds ----------------------------------------------------------------------


@get("/zuwendungen/{grant_id:int}/mittelabruf", name="payments:funds_request_form", opt=APPLICANT)
async def funds_request_form(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template:
    return await _grant_page(request, grant_id, template=FUNDS_REQUEST_PAGE)


@post("/zuwendungen/{grant_id:int}/mittelabruf", name="payments:funds_request", opt=APPLICANT)
async def submit_funds_request(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    data = FundsRequestInput(
        amount=form.money("amount", required=False), purpose=form.text("purpose", required=False, max_length=2000,
                                                                       multiline=True),
        due_within_two_months=form.money("due_within_two_months", required=False),
        own_funds_used=form.money("own_funds_used", required=False),
        third_party_used=form.money("third_party_used", required=False),
    )  # fmt: skip

    async def submit() -> None:
        if not form.ok:
            raise Invalid(form.errors)
        await funds_requests.submit(request.user, grant_id, data, actor(request).request_id)

    return await _act(request, grant_id, submit,
                      "Mittelabruf eingereicht. Die KI prüft ihn und ordnet die Zahlung an.",
                      form.values, FUNDS_REQUEST_PAGE)  # fmt: skip


@post("/zuwendungen/{grant_id:int}/mittelabrufe/{request_id:int}/anordnen", name="payments:order_request",
      opt=PREPARER)  # fmt: skip
async def order_request(request: Request[Any, Any, Any], grant_id: FromPath[int],
                        request_id: FromPath[int]) -> Template | Redirect:  # fmt: skip
    form = Form(await request.form())
    return await _act(request, grant_id, lambda: funds_requests.order(
        request.user, request_id, form.integer("version") or 0, actor(request).request_id),
        "Mittelabruf angeordnet und als sachlich richtig gezeichnet.")  # fmt: skip


@post("/zuwendungen/{grant_id:int}/mittelabrufe/{request_id:int}/ablehnen", name="payments:reject_request",
      opt=PREPARER)  # fmt: skip
async def reject_request(request: Request[Any, Any, Any], grant_id: FromPath[int],
                         request_id: FromPath[int]) -> Template | Redirect:  # fmt: skip
    form = Form(await request.form())
    reason = form.text("reason", required=False, max_length=2000, multiline=True)
    return await _act(request, grant_id, lambda: funds_requests.reject(
        request.user, request_id, form.integer("version") or 0, reason, actor(request).request_id),
        "Mittelabruf abgelehnt; der Träger wurde benachrichtigt.", form.values)  # fmt: skip


# -- the finance desk ------------------------------------------------------------------------


async def _desk(request: Request[Any, Any, Any], status: PaymentOrderStatus, page: int = 1,
                errors: dict[str, str] | None = None, status_code: int = 200, batch_page: int = 1) -> Template:  # fmt: skip
    principal = request.user
    batches, more_batches = await payments.batches(principal, batch_page)
    return Template("payments/desk.html.jinja2", context={
        "desk": await payments.desk(principal, status, page), "tabs": DESK_TABS, "errors": errors or {},
        "open_states": payments.PENDING, "batches": batches, "batch_page": batch_page, "more_batches": more_batches,
        "user_id": principal.id,
        "due": await payments.due_instalments(principal, clock.today()),
        "may_prepare": bool(principal.roles & payments.PREPARERS),
        "may_release": Role.FINANCE in principal.roles,
    }, status_code=status_code)  # fmt: skip


@get("/finanzen/anordnungen", name="payments:desk", opt=DESK)
async def desk(
    request: Request[Any, Any, Any],
    status: Annotated[str | None, QueryParameter(name="status")] = None,
    page: Annotated[str | None, QueryParameter(name="seite")] = None,
    batch_page: Annotated[str | None, QueryParameter(name="stapelseite")] = None,
) -> Template:
    chosen = next((s for s in DESK_TABS if s.value == status), P.CERTIFIED)
    return await _desk(
        request, chosen, whole_number(page) or 1, batch_page=whole_number(batch_page) or 1
    )


@post("/finanzen/anordnungen/{order_id:int}/freigeben", name="payments:desk_release", opt=FINANCE)
async def desk_release(
    request: Request[Any, Any, Any], order_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    try:
        await payments.release(
            request.user, order_id, form.integer("version") or 0, actor(request).request_id
        )
    except (Conflict, Forbidden, Invalid) as exc:
        message = " ".join(exc.errors.values()) if isinstance(exc, Invalid) else str(exc)
        return await _desk(request, P.CERTIFIED, errors={"version": message}, status_code=409)
    flash(request, "Anordnung freigegeben.")
    return Redirect("/finanzen/anordnungen?status=certified", status_code=303)


def _chosen(data: Any) -> list[int]:
    return [n for value in data.getall(CHOICE, []) if (n := whole_number(value)) is not None]


@post("/finanzen/anordnungen/auswahl", name="payments:export_confirm", opt=FINANCE)
async def export_confirm(request: Request[Any, Any, Any]) -> Template:
    """The chosen released orders with their count and sum, to confirm before sending."""
    rows = await payments.selection(request.user, _chosen(await request.form()))
    if not rows:
        return await _desk(request, P.RELEASED, status_code=400, errors={
            "version": "Bitte wählen Sie mindestens eine freigegebene Anordnung aus."})  # fmt: skip
    return Template("payments/export_confirm.html.jinja2", context={
        "rows": rows, "total": Money.total(row.order.amount for row in rows), "token": secrets.token_hex(16),
    })  # fmt: skip


@post("/finanzen/anordnungen/uebermitteln", name="payments:export", opt=FINANCE)
async def export(request: Request[Any, Any, Any]) -> Template | Response[bytes]:
    """Send the confirmed choice as one batch and answer with its Excel file right away."""
    data = await request.form()
    form = Form(data)
    chosen = payments.Selection(frozenset(_chosen(data)), form.integer("anzahl") or 0,
                                Money(form.integer("summe_cents") or 0))  # fmt: skip
    try:
        batch_id = await payments.export_released(
            request.user, form.raw("token"), lambda batch_id: batch_statement(request.user, batch_id),
            actor(request).request_id, chosen,
        )  # fmt: skip
    except (Conflict, Forbidden, Invalid) as exc:
        message = " ".join(exc.errors.values()) if isinstance(exc, Invalid) else str(exc)
        return await _desk(request, P.RELEASED, errors={"version": message}, status_code=409)
    return await _batch_download(request, batch_id)


@get("/finanzen/stapel/{batch_id:int}/anordnungen.xlsx", name="payments:batch_file", opt=DESK)
async def batch_file(request: Request[Any, Any, Any], batch_id: FromPath[int]) -> Response[bytes]:
    return await _batch_download(request, batch_id)


async def _batch_download(request: Request[Any, Any, Any], batch_id: int) -> Response[bytes]:
    """The batch's statement as it was sent, as a download."""
    number, content = await payments.batch_file(request.user, batch_id)
    name = f"Auszahlungsanordnungen-{number}.xlsx"
    return Response(content, media_type=XLSX, status_code=200, headers=download_headers(name))


# -- payment confirmations -------------------------------------------------------------------


@get("/finanzen/zahlungsbestaetigungen", name="payments:confirmations", opt=FINANCE)
async def confirmations_form(request: Request[Any, Any, Any]) -> Template:
    return Template("payments/confirmations.html.jinja2", context={"problems": [], "errors": {}})


@post("/finanzen/zahlungsbestaetigungen", name="payments:import", opt=FINANCE,
      request_max_body_size=CONFIRMATION_LIMIT)  # fmt: skip
async def import_confirmations(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await request.form()
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return Template("payments/confirmations.html.jinja2", context={
            "problems": [], "errors": {"file": "Bitte die Datei der Kasse auswählen (CSV oder Excel)."},
        }, status_code=400)  # fmt: skip
    try:
        result = await confirmations.apply(
            request.user, upload.filename, await upload.read(), actor(request).request_id
        )
    except confirmations.ImportRejected as exc:
        return Template("payments/confirmations.html.jinja2", context={
            "problems": exc.errors, "errors": {}, "filename": upload.filename,
        }, status_code=400)  # fmt: skip
    flash(request, f"{result.payments} Zahlungen über {result.total.format()} verbucht.")
    return Redirect("/finanzen/anordnungen?status=paid", status_code=303)


ROUTES = [grant_page, prepare_instalment, certify, release, cancel, paid, funds_request_form, submit_funds_request,
          order_request, reject_request, desk, desk_release, export_confirm, export, batch_file, confirmations_form,
          import_confirmations]  # fmt: skip
