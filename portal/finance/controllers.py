"""The finance statements (Auszüge): one page with a GET form per statement, and the Excel
downloads. Thin: read the query, call :mod:`reports.excel.statements`, stream the file.

Each workbook is written chunk by chunk into an anonymous temporary file (rows from the
database in pages, each page written in a worker thread), then streamed to the browser from
that file, which disappears when the download ends or breaks off.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, Any

import anyio
from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Stream, Template

from grants import clock
from grants.errors import Invalid
from grants.services import statements
from grants.services.statements import DateBasis, PaymentSelection
from grants.vocabulary import Role
from portal.auth.access import access, roles
from portal.forms import Form
from portal.security import download_headers
from reports.excel import statements as workbooks
from reports.excel.workbooks import XLSX

READ = access(roles(*statements.READ_ROLES))
ACCOUNT = access(roles(*statements.READ_ROLES, Role.MEMBER, Role.SIGNATORY))
BLOCK = 256 * 1024  # bytes per chunk sent to the browser
FIELDS = ("von", "bis", "datum", "exportlauf", "rueckforderungen", "jahr", "traeger")
MATCHES = 20  # organisations listed for a search


async def _page(request: Request[Any, Any, Any], values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200,
                matches: list[tuple[int, str]] | None = None) -> Template:  # fmt: skip
    principal = request.user
    year = clock.today().year
    defaults = {"von": f"01.01.{year}", "bis": f"31.12.{year}", "datum": DateBasis.DUE.value,
                "jahr": str(year)}  # fmt: skip
    return Template("finance/statements.html.jinja2", context={
        "values": {**defaults, **(values or {})}, "errors": errors or {},
        "bases": DateBasis.choices(),
        "batches": [("", "kein Exportlauf (nur Zeitraum)")]
        + [(str(i), text) for i, text in await statements.batches(principal)],
        "years": [(str(y), str(y)) for y in await statements.fiscal_years(principal)],
        "matches": matches, "match_limit": MATCHES,
    }, status_code=status_code)  # fmt: skip


@get("/finanzen/auszuege", name="finance:statements", opt=READ)
async def statements_page(request: Request[Any, Any, Any]) -> Template:
    """Choose a period, an export batch, a year or an association, and download."""
    return await _page(request)


def read_payment_selection(form: Form) -> PaymentSelection:
    """The payment-order selection from the query; unreadable fields land in ``form.errors``."""
    start = form.date("von", required=False)
    end = form.date("bis", required=False)
    basis = form.choice("datum", DateBasis, required=False) or DateBasis.DUE
    batch_id = form.integer("exportlauf")
    if form.raw("exportlauf").strip() and batch_id is None:
        form.error("exportlauf", "Bitte einen der angebotenen Exportläufe wählen.")
    return PaymentSelection(start=start, end=end, basis=basis, batch_id=batch_id,
                            refunds=form.flag("rueckforderungen"))  # fmt: skip


@get("/finanzen/auszuege/auszahlungsanordnungen.xlsx", name="finance:payments_xlsx", opt=READ)
async def payments_xlsx(request: Request[Any, Any, Any]) -> Stream | Template:
    """The payment-order statement (DOMAIN.md §8); a bad selection shows the page again."""
    form = Form(request.query_params)
    selection = read_payment_selection(form)
    form.keep(FIELDS)
    if not form.ok:
        return await _page(request, form.values, form.errors, 400)
    try:
        statement = await statements.payment_statement(request.user, selection)
    except Invalid as exc:
        return await _page(request, form.values, exc.errors, 400)
    sheet = workbooks.payment_statement_sheet(statement)
    name = workbooks.file_name(selection, statement.batch_number)
    return await download(lambda file: sheet.fill(statement.chunks(), file), name)


@get("/finanzen/auszuege/foerderliste.xlsx", name="finance:grants_xlsx", opt=READ)
async def grants_xlsx(request: Request[Any, Any, Any]) -> Stream | Template:
    """The list of grants (Förderliste) of a fiscal year."""
    form = Form(request.query_params)
    year = form.integer("jahr")
    form.keep(FIELDS)
    if year is None:
        return await _page(request, form.values, {"jahr": "Bitte ein Haushaltsjahr wählen."}, 400)
    try:
        found = await statements.grant_list(request.user, year)
    except Invalid as exc:
        return await _page(request, form.values, exc.errors, 400)
    sheet = workbooks.StreamedSheet(
        f"Förderliste {year}", workbooks.GRANT_LIST_COLUMNS, title=f"Förderliste {year}",
        selection=found.description, created_at=found.created_at, values=workbooks.grant_values,
    )  # fmt: skip
    return await download(
        lambda file: sheet.fill(found.chunks(), file), f"Foerderliste_{year}.xlsx"
    )


@get("/finanzen/auszuege/kontoauszug", name="finance:account", opt=READ)
async def account_choice(request: Request[Any, Any, Any]) -> Template:
    """Staff find the association by (part of) its name; each match links to its statement,
    which has its own address."""
    form = Form(request.query_params)
    search = form.text("traeger", required=False, max_length=200)
    form.keep(FIELDS)
    if not search:
        errors = {"traeger": "Bitte den Namen des Trägers (oder einen Teil davon) eingeben."}
        return await _page(request, form.values, errors, 400)
    matches = await statements.organisations(request.user, search, MATCHES + 1)
    return await _page(request, form.values, matches=matches)


@get("/organisationen/{organisation_id:int}/kontoauszug.xlsx", name="finance:account_xlsx",
     opt=ACCOUNT)  # fmt: skip
async def account_xlsx(request: Request[Any, Any, Any], organisation_id: FromPath[int]) -> Stream:
    """An association's account statement (Kontoauszug): staff read any, its members their own."""
    account = await statements.account_statement(request.user, organisation_id)

    async def write(file: IO[bytes]) -> None:
        await anyio.to_thread.run_sync(workbooks.account_statement_workbook, account, file)

    name = f"Kontoauszug_{workbooks.ascii_name(account.legal_name)}_{clock.today():%Y-%m-%d}.xlsx"
    return await download(write, name)


async def download(write: Callable[[IO[bytes]], Awaitable[Any]], name: str) -> Stream:
    """Write the workbook into an anonymous temporary file, then stream it as an attachment."""
    file = tempfile.TemporaryFile(prefix="grants-statement-")  # noqa: SIM115 — closed by _send
    try:
        await write(file)
        size = file.seek(0, 2)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return Stream(_send(file), media_type=XLSX,
                  headers={**download_headers(name), "content-length": str(size)})  # fmt: skip


async def _send(file: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while block := file.read(BLOCK):
            yield block
    finally:
        file.close()


ROUTES = [statements_page, payments_xlsx, grants_xlsx, account_choice, account_xlsx]
