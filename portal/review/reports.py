"""The KI's review of a usage report (/pruefung/nachweise/{grant_id}). Thin: read the form, call
the use case, render or redirect. The grant is loaded once per request and passed down."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from grants import indicators as catalogue
from grants.errors import Conflict, Forbidden, Invalid
from grants.money import Money
from grants.paging import Page
from grants.report_assessment import Assessed, Verdict, verdict_of
from grants.services import report_reviews, usage_reports
from grants.services.usage_reports import GrantReport, ReceiptRow
from grants.vocabulary import LineVerdict, Role, UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus
from portal.admin.controllers import actor
from portal.auth.access import access, roles
from portal.flash import flash
from portal.forms import Form, whole_number
from portal.security import download_headers

READERS = access(roles(Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.ADMIN, Role.AUDITOR))
REVIEWER = access(roles(Role.REVIEWER))
APPLICANT = access(roles(Role.MEMBER, Role.SIGNATORY))
COPY_READERS = access(roles(Role.MEMBER, Role.SIGNATORY, Role.REVIEWER, Role.APPROVER, Role.FINANCE, Role.ADMIN,
                            Role.AUDITOR))  # fmt: skip
SAMPLE_DEFAULTS = {
    "size": str(report_reviews.SAMPLE_SIZE),
    "threshold": report_reviews.SAMPLE_THRESHOLD.format_plain(),
}
UPLOAD_LIMIT = 21 * 1024 * 1024  # one file of 20 MB plus the form around it


def _address(grant_id: int, page: int = 1, anchor: str = "") -> str:
    return f"/pruefung/nachweise/{grant_id}" + (f"?seite={page}" if page > 1 else "") + anchor


def _assessment_values(
    prefix: str, item_id: int, verdict: LineVerdict, recognised: Money, reason: str
) -> dict[str, str]:
    return {f"{prefix}verdict-{item_id}": verdict.value, f"{prefix}reason-{item_id}": reason,
            f"{prefix}recognised-{item_id}": recognised.format_plain() if verdict is LineVerdict.PARTIAL else ""}  # fmt: skip


def _stored_values(proposed: dict[int, Assessed], receipts: Page[ReceiptRow]) -> dict[str, str]:
    """The forms as stored: the lines (or the 20 % rule's proposal where none is stored) and
    the receipts of the page (unassessed ones in full)."""
    values: dict[str, str] = {}
    for line_id, a in proposed.items():
        values |= _assessment_values("", line_id, a.verdict, a.recognised, a.reason)
    for r in receipts:
        recognised = r.amount if r.recognised is None else r.recognised
        values |= _assessment_values(
            "receipt-", r.id, verdict_of(r.amount, recognised), recognised, r.reason
        )
    return values


def _indicator_tables(
    counts: dict[tuple[str, str], int],
) -> list[tuple[str, list[tuple[str, str]], str | None]]:
    """The Sachbericht's counts, one table per indicator of the catalogue that has any, in its
    order: (title, [(dimension, count)], total or None); decimals (VZÄ) with their places."""
    tables = []
    for indicator in catalogue.INDICATORS:
        rows = [(d.label, _count(counts[(indicator.key, d.key)], d.places)) for d in indicator.dimensions
                if (indicator.key, d.key) in counts]  # fmt: skip
        if rows:
            total = catalogue.totals(counts).get(indicator.key)
            tables.append((indicator.label, rows, None if total is None else _count(total, 0)))
    return tables


def _count(value: int, places: int) -> str:
    return format(Decimal(value).scaleb(-places), "f").replace(".", ",") if places else str(value)


async def _workspace(request: Request[Any, Any, Any], grant: GrantReport, page: int = 1,
                     errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                     status_code: int = 200) -> Template:  # fmt: skip
    principal = request.user
    report = grant.report
    context: dict[str, Any] = {
        "grant": grant, "report": report, "errors": errors or {}, "verdicts": LineVerdict.choices(),
        "is_reviewer": report_reviews.is_reviewer(principal, grant),
        "may_start": Role.REVIEWER in principal.roles and report is not None
        and report.status is UsageReportStatus.SUBMITTED
        and (report.kind is UsageReportKind.INTERIM or grant.grant_status is GrantStatus.REPORT_SUBMITTED),
        "prompts": catalogue.PROMPTS, "lines": report_reviews.assessed_lines(grant), "deviations": {}, "receipts": None,
        "indicator_tables": [], "change_request": None, "values": values or {}, "checks": None, "sampled": [], "copies": {},
        "line_names": {line.actual_line_id: line.label for line in grant.lines if line.actual_line_id},
    }  # fmt: skip
    if report is not None:
        proposed = report_reviews.proposals(grant, await report_reviews.line_ceilings(report))
        receipts = await usage_reports.receipt_page(report, page)
        sampled = await report_reviews.sampled_receipts(report) if report.sample else []
        context |= {
            "deviations": {d.key: d for d in report_reviews.deviations(grant).lines}, "receipts": receipts,
            "indicator_tables": _indicator_tables(await usage_reports.indicators(report)),
            "change_request": await usage_reports.open_change_request(report),
            "sampled": sampled, "checks": await usage_reports.checks(grant),
            "copies": {s.receipt.id: s.copies for s in sampled},
            "values": {**_stored_values(proposed, receipts), **SAMPLE_DEFAULTS, **(values or {})},
        }  # fmt: skip
    return Template("review/usage_report.html.jinja2", context=context, status_code=status_code)


@get("/pruefung/nachweise/{grant_id:int}", name="report_review:workspace", opt=READERS)
async def workspace(
    request: Request[Any, Any, Any],
    grant_id: FromPath[int],
    page: Annotated[str | None, QueryParameter(name="seite")] = None,
) -> Template:
    grant = await usage_reports.get(request.user, grant_id)
    return await _workspace(request, grant, whole_number(page) or 1)


async def _act(request: Request[Any, Any, Any], grant: GrantReport, action: Callable[[], Awaitable[Any]], done: str,
               values: dict[str, Any] | None = None, page: int = 1, anchor: str = "") -> Template | Redirect:  # fmt: skip
    """Run a review action; refusals come back on the workspace with what was typed."""
    try:
        await action()
    except Invalid as exc:
        return await _workspace(request, grant, page, exc.errors, values, 400)
    except Conflict as exc:
        return await _workspace(request, grant, page, {"version": str(exc)}, values, 409)
    except Forbidden as exc:
        return await _workspace(request, grant, page, {"version": str(exc)}, values, 403)
    flash(request, done)
    return Redirect(_address(grant.grant_id, page, anchor), status_code=303)


@post("/pruefung/nachweise/{grant_id:int}/beginnen", name="report_review:start", opt=REVIEWER)
async def start(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    form = Form(await request.form())
    grant = await usage_reports.get(request.user, grant_id)
    return await _act(request, grant, lambda: report_reviews.start_review(
        request.user, grant, form.integer("version") or 0, actor(request).request_id),
        "Prüfung des Verwendungsnachweises begonnen.")  # fmt: skip


@post("/pruefung/nachweise/{grant_id:int}/annehmen", name="report_review:accept", opt=REVIEWER)
async def accept(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    """An interim report is accepted here; the final one by the settlement."""
    form = Form(await request.form())
    grant = await usage_reports.get(request.user, grant_id)
    return await _act(request, grant, lambda: report_reviews.accept_interim(
        request.user, grant, form.integer("version") or 0, actor(request).request_id),
        "Zwischennachweis als geprüft abgeschlossen.")  # fmt: skip


def _verdict(form: Form, item_id: int, prefix: str = "") -> Verdict:
    verdict = form.choice(f"{prefix}verdict-{item_id}", LineVerdict, required=False)
    recognised = form.money(f"{prefix}recognised-{item_id}", required=False)
    if verdict is not LineVerdict.PARTIAL:  # the amount counts only for a reduction
        form.errors.pop(f"{prefix}recognised-{item_id}", None)
    reason = form.text(f"{prefix}reason-{item_id}", required=False, max_length=1000, multiline=True)
    return Verdict(item_id, verdict, recognised, reason)


@post("/pruefung/nachweise/{grant_id:int}/zeilen", name="report_review:lines", opt=REVIEWER)
async def assess_lines(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    """Every actual line assessed in one form, saved all or nothing."""
    form = Form(await request.form())
    grant = await usage_reports.get(request.user, grant_id)
    inputs = [_verdict(form, line_id) for line_id in dict.fromkeys(
        n for n in (whole_number(x) for x in form.many("line")) if n is not None)]  # fmt: skip
    version = form.integer("version") or 0
    if not form.ok:  # amounts that are no amounts: shown with what the check finds
        return await _workspace(request, grant, 1, form.errors, form.values, 400)
    return await _act(request, grant, lambda: report_reviews.assess_lines(
        request.user, grant, version, inputs, actor(request).request_id),
        "Bewertung der Zeilen gespeichert.", form.values, anchor="#zeilen")  # fmt: skip


@post(
    "/pruefung/nachweise/{grant_id:int}/belege/{receipt_id:int}",
    name="report_review:receipt",
    opt=REVIEWER,
)
async def assess_receipt(request: Request[Any, Any, Any], grant_id: FromPath[int],
                         receipt_id: FromPath[int]) -> Template | Redirect:  # fmt: skip
    form = Form(await request.form())
    grant = await usage_reports.get(request.user, grant_id)
    verdict = _verdict(form, receipt_id, "receipt-")
    page = form.integer("seite") or 1
    if not form.ok:
        return await _workspace(request, grant, page, form.errors, form.values, 400)
    return await _act(request, grant, lambda: report_reviews.assess_receipt(
        request.user, grant, receipt_id, form.integer("receipt_version") or 0, verdict, actor(request).request_id),
        "Beleg bewertet.", form.values, page, f"#beleg-{receipt_id}")  # fmt: skip


@post(
    "/pruefung/nachweise/{grant_id:int}/nachforderung",
    name="report_review:request_changes",
    opt=REVIEWER,
)
async def request_changes(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    grant = await usage_reports.get(request.user, grant_id)
    points = form.text("points", max_length=5000, multiline=True)
    deadline = form.date("deadline")
    if not form.ok or deadline is None:
        return await _workspace(request, grant, 1, form.errors, form.values, 400)
    return await _act(request, grant, lambda: report_reviews.request_changes(
        request.user, grant, form.integer("version") or 0, points, deadline, actor(request).request_id),
        "Nachforderung an den Verein geschickt.", form.values)  # fmt: skip


@post("/pruefung/nachweise/{grant_id:int}/stichprobe", name="report_review:sample", opt=REVIEWER)
async def draw_sample(
    request: Request[Any, Any, Any], grant_id: FromPath[int]
) -> Template | Redirect:
    form = Form(await request.form())
    grant = await usage_reports.get(request.user, grant_id)
    size = form.number("size", maximum=Decimal(report_reviews.MAX_SAMPLE))
    threshold = form.money("threshold")
    if not form.ok or size is None or threshold is None:
        return await _workspace(request, grant, 1, form.errors, form.values, 400)
    return await _act(request, grant, lambda: report_reviews.draw_sample(
        request.user, grant, form.integer("version") or 0, int(size), threshold, request_id=actor(request).request_id),
        "Stichprobe gezogen; der Verein wird gebeten, die Belege hochzuladen.", form.values, anchor="#stichprobe")  # fmt: skip


# -- the association uploads the sampled receipts --------------------------------------------


async def _sample_page(request: Request[Any, Any, Any], grant: GrantReport, errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Template:  # fmt: skip
    report = grant.report
    return Template("review/report_sample.html.jinja2", context={
        "grant": grant, "errors": errors or {},
        "sampled": await report_reviews.sampled_receipts(report) if report else [],
        "open": report is not None and report.status in report_reviews.UPLOADING,
    }, status_code=status_code)  # fmt: skip


@get(
    "/zuwendungen/{grant_id:int}/verwendungsnachweis/stichprobe",
    name="report_review:sample_page",
    opt=APPLICANT,
)
async def sample_page(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template:
    return await _sample_page(request, await usage_reports.get(request.user, grant_id))


@post("/zuwendungen/{grant_id:int}/verwendungsnachweis/stichprobe", name="report_review:upload", opt=APPLICANT,
      request_max_body_size=UPLOAD_LIMIT)  # fmt: skip
async def upload(request: Request[Any, Any, Any], grant_id: FromPath[int]) -> Template | Redirect:
    data = await request.form()
    form = Form(data)
    grant = await usage_reports.get(request.user, grant_id)
    receipt_id = form.integer("receipt") or 0
    file = data.get(f"file-{receipt_id}")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _sample_page(
            request, grant, {f"file-{receipt_id}": "Bitte eine Datei auswählen."}, 400
        )
    try:
        await report_reviews.upload_copy(request.user, grant, receipt_id, file.filename, await file.read(),
                                         actor(request).request_id)  # fmt: skip
    except Invalid as exc:
        return await _sample_page(request, grant, exc.errors, 400)
    except (Conflict, Forbidden) as exc:
        return await _sample_page(
            request, grant, {"version": str(exc)}, 409 if isinstance(exc, Conflict) else 403
        )
    flash(request, f"„{file.filename}“ hochgeladen.")
    return Redirect(f"/zuwendungen/{grant_id}/verwendungsnachweis/stichprobe", status_code=303)


@get("/zuwendungen/{grant_id:int}/verwendungsnachweis/stichprobe/{attachment_id:int}",
     name="report_review:copy", opt=COPY_READERS)  # fmt: skip
async def copy(request: Request[Any, Any, Any], grant_id: FromPath[int],
               attachment_id: FromPath[int]) -> Response[bytes]:  # fmt: skip
    grant = await usage_reports.get(request.user, grant_id)
    file = await report_reviews.copy_download(grant, attachment_id)
    return Response(
        file.content, media_type=file.media_type, headers=download_headers(file.filename)
    )


ROUTES = [
    workspace,
    start,
    accept,
    assess_lines,
    assess_receipt,
    request_changes,
    draw_sample,
    sample_page,
    upload,
    copy,
]
