"""The finance statements (Auszüge) as Excel workbooks (DOMAIN.md §7, §8):

- :func:`write_payment_order_statement` / :func:`payment_order_statement` — the payment orders
  of a period and/or an export batch with the columns of DOMAIN.md §8; :func:`batch_statement`
  for the file of an export batch;
- :func:`account_statement_workbook` — an association's Kontoauszug;
- :func:`write_grant_list` — the Förderliste of a fiscal year.

Long statements stream: the rows come chunk by chunk from :mod:`grants.services.statements`
and each chunk is written in a worker thread (:func:`anyio.to_thread.run_sync`), so neither
all rows nor the whole file are ever held in memory and the event loop is never blocked for
long. The sheets have the shape of :class:`reports.excel.workbooks.TableSheet`; their totals
are SUM formulas over the rows.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import anyio

from grants.clock import BERLIN
from grants.services import statements
from grants.services.statements import (
    AccountGrant,
    AccountPayment,
    AccountStatement,
    GrantList,
    GrantListRow,
    PaymentSelection,
    PaymentStatement,
    StatementRow,
)
from grants.services.users import Principal
from reports.excel.workbooks import Column, TableSheet, Value, new_workbook, save, to_bytes

Target = str | Path | IO[bytes]
Row = TypeVar("Row")

PAYMENT_TITLE = "Auszahlungsanordnungen"
PAYMENT_COLUMNS = (
    Column("Haushaltsjahr", 9, "number"),
    Column("Programm", 28),
    Column("Aktenzeichen", 16),
    Column("Bescheiddatum", 11, "date"),
    Column("Empfänger", 34),
    Column("Kreditor-Nr.", 11),
    Column("IBAN", 25),
    Column("BIC", 12),
    Column("Kontoinhaber", 30),
    Column("Verwendungszweck", 48),
    Column("Teilplan/Produkt", 9),
    Column("Teilplanzeile", 8),
    Column("Sachkonto", 10),
    Column("Kostenstelle", 12),
    Column("bewilligt", 14, "money"),
    Column("davon dieses Jahr", 14, "money"),
    Column("bisher ausgezahlt", 14, "money"),
    Column("diese Zahlung", 14, "money", total=True),
    Column("Fälligkeit", 11, "date"),
    Column("Zahlungsart", 14),
    Column("sachlich richtig (wer, wann)", 30),
    Column("freigegeben (wer, wann)", 30),
    Column("Anordnungs-Nr.", 18),
    Column("Forderung", 14, "money", total=True),
    Column("Zinsen", 12, "money", total=True),
    Column("Fälligkeit der Forderung", 11, "date"),
)


def who_when(name: str, moment: datetime | None) -> str | None:
    """``Julia Becker, 15.01.2027 10:00`` (Köln time); None when neither is known."""
    if moment is None:
        return name or None
    local = moment.astimezone(BERLIN)
    when = "%02d.%02d.%d %02d:%02d" % (local.day, local.month, local.year, local.hour, local.minute)  # noqa: UP031 — twice as fast as strftime
    return f"{name}, {when}" if name else when


def payment_values(row: StatementRow) -> tuple[Value, ...]:
    """A statement row in the order of :data:`PAYMENT_COLUMNS`."""
    return (
        row.fiscal_year, row.programme, row.file_number, row.decision_date, row.recipient,
        row.creditor_number, row.iban, row.bic, row.account_holder, row.purpose, row.product,
        row.plan_line, row.account, row.cost_centre, row.approved_cents, row.year_share_cents,
        row.paid_before_cents, row.amount_cents, row.due_date, row.kind,
        who_when(row.certified_by, row.certified_at), who_when(row.released_by, row.released_at),
        row.order_number, row.claim_cents, row.interest_cents, row.claim_due,
    )  # fmt: skip


class StreamedSheet:
    """A one-sheet workbook filled chunk by chunk (in worker threads) and saved once."""

    def __init__(self, name: str, columns: Sequence[Column], *, title: str, selection: str,
                 created_at: datetime, values: Callable[[Any], Sequence[Value]]) -> None:  # fmt: skip
        self.workbook = new_workbook()
        self.table = TableSheet(self.workbook, name, columns, title=title, selection=selection,
                                created_at=created_at)  # fmt: skip
        self.values = values
        self.rows = 0

    def add(self, rows: Sequence[Any]) -> None:
        self.table.rows(map(self.values, rows))
        self.rows += len(rows)

    def finish(self, target: Target) -> None:
        self.table.totals("Summe")
        save(self.workbook, target)

    async def fill(self, chunks: AsyncIterator[Sequence[Any]], target: Target) -> int:
        """Write every chunk, then the totals, then the file; returns the number of rows."""
        try:
            async for chunk in chunks:
                await anyio.to_thread.run_sync(self.add, chunk)
        except BaseException:
            self.table.discard()
            raise
        await anyio.to_thread.run_sync(self.finish, target)
        return self.rows


def payment_statement_sheet(statement: PaymentStatement) -> StreamedSheet:
    title = PAYMENT_TITLE + (
        f" – Exportlauf {statement.batch_number}" if statement.batch_number else ""
    )
    return StreamedSheet("Auszahlungsanordnungen", PAYMENT_COLUMNS, title=title,
                         selection=statement.description, created_at=statement.created_at,
                         values=payment_values)  # fmt: skip


async def write_payment_order_statement(
    principal: Principal, selection: PaymentSelection, target: Target
) -> PaymentStatement:
    """The payment-order statement as an .xlsx file written to ``target`` (a path or a binary
    file object), streamed: any number of orders with bounded memory. Raises what
    :func:`grants.services.statements.payment_statement` raises (Invalid, NotFound, Forbidden)
    before anything is written."""
    statement = await statements.payment_statement(principal, selection)
    await payment_statement_sheet(statement).fill(statement.chunks(), target)
    return statement


async def payment_order_statement(principal: Principal, selection: PaymentSelection) -> bytes:
    """The payment-order statement as bytes — for an export batch's file (e.g. to store it and
    its SHA-256); for long periods prefer :func:`write_payment_order_statement` into a file."""
    buffer = io.BytesIO()
    await write_payment_order_statement(principal, selection, buffer)
    return buffer.getvalue()


async def batch_statement(principal: Principal, batch_id: int) -> bytes:
    """The statement of one export batch — every order in it, whatever its status — as the
    bytes of its .xlsx file (title "Auszahlungsanordnungen – Exportlauf <number>"). Runs in the
    caller's transaction, so a batch created in it is seen before the commit."""
    return await payment_order_statement(principal, PaymentSelection(batch_id=batch_id))


def file_name(selection: PaymentSelection, batch_number: str | None) -> str:
    """An ASCII file name: ``Auszahlungsanordnungen_AO-2026-0003.xlsx`` or
    ``Auszahlungsanordnungen_Faelligkeit_2026-01-01_2026-03-31.xlsx``."""
    parts = ["Auszahlungsanordnungen"]
    if batch_number:
        parts.append(ascii_name(batch_number))
    if selection.start and selection.end:
        basis = "Faelligkeit" if selection.basis is statements.DateBasis.DUE else "ausgezahlt"
        parts += [basis, f"{selection.start:%Y-%m-%d}", f"{selection.end:%Y-%m-%d}"]
    return "_".join(parts) + ".xlsx"


SPELLED = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def ascii_name(text: str) -> str:
    """Letters, digits and ``-`` only (umlauts spelled out): safe in any file name."""
    spelled = text.translate(SPELLED)
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "-" for ch in spelled)
    return "-".join(filter(None, kept.split("-")))[:60] or "Datei"


# -- the account statement --------------------------------------------------------------------

ACCOUNT_COLUMNS = (
    Column("Aktenzeichen", 16),
    Column("Programm", 28),
    Column("Haushaltsjahr", 9, "number"),
    Column("Vorhaben", 40),
    Column("Bescheiddatum", 11, "date"),
    Column("Status", 18),
    Column("bewilligt", 14, "money", total=True),
    Column("ausgezahlt", 14, "money", total=True),
    Column("Rückforderung", 14, "money", total=True),
    Column("Zinsen", 12, "money", total=True),
    Column("Forderung fällig am", 11, "date"),
    Column("erstattet am", 11, "date"),
    Column("offen", 14, "money", total=True),
    Column("Saldo", 14, "money", total=True),
)
ACCOUNT_PAYMENT_COLUMNS = (
    Column("Auszahlungsdatum", 11, "date"),
    Column("Aktenzeichen", 16),
    Column("Zahlungsart", 14),
    Column("Anordnungs-Nr.", 18),
    Column("Kassenzeichen", 16),
    Column("Verwendungszweck", 48),
    Column("Betrag", 14, "money", total=True),
)


def account_values(grant: AccountGrant) -> tuple[Value, ...]:
    return (
        grant.file_number, grant.programme, grant.fiscal_year, grant.title, grant.decision_date,
        grant.status.label, grant.approved_cents, grant.paid_cents, grant.refund_cents,
        grant.interest_cents, grant.refund_due, grant.repaid_on, grant.open_cents,
        grant.balance_cents,
    )  # fmt: skip


def account_payment_values(payment: AccountPayment) -> tuple[Value, ...]:
    return (payment.paid_on, payment.file_number, payment.kind, payment.order_number,
            payment.cash_reference, payment.purpose, payment.amount_cents)  # fmt: skip


def account_selection(account: AccountStatement) -> str:
    creditor = account.creditor_number or "noch nicht vergeben"
    return (
        f"Träger: {account.legal_name} · Kreditor-Nr. {creditor} · IBAN {account.iban} · alle "
        "Zuwendungen · ausgezahlt: ausgezahlte Anordnungen · offen: Rückforderung und Zinsen, "
        "solange nicht erstattet · Saldo = ausgezahlt − Rückforderung − Zinsen"
    )


def account_statement_workbook(account: AccountStatement, target: Target | None = None) -> bytes:
    """The Kontoauszug: the grants with their balance, then the payments on a second sheet.
    Returns the bytes, or writes to ``target`` and returns ``b""``."""
    workbook = new_workbook()
    title = f"Kontoauszug – {account.legal_name}"
    grants = TableSheet(workbook, "Zuwendungen", ACCOUNT_COLUMNS, title=title,
                        selection=account_selection(account), created_at=account.created_at)  # fmt: skip
    grants.rows(map(account_values, account.grants))
    grants.totals("Summe")
    payments = TableSheet(workbook, "Auszahlungen", ACCOUNT_PAYMENT_COLUMNS, title=f"{title}: Auszahlungen",
                          selection=account_selection(account), created_at=account.created_at)  # fmt: skip
    payments.rows(map(account_payment_values, account.payments))
    payments.totals("Summe")
    if target is None:
        return to_bytes(workbook)
    save(workbook, target)
    return b""


# -- the list of grants -----------------------------------------------------------------------

GRANT_LIST_COLUMNS = (
    Column("Aktenzeichen", 16),
    Column("Träger", 34),
    Column("Zentrum", 30),
    Column("Stadtbezirk", 14),
    Column("Programm", 28),
    Column("Vorhaben", 40),
    Column("Bescheiddatum", 11, "date"),
    Column("Finanzierungsart", 22),
    Column("bewilligt", 14, "money", total=True),
    Column("ausgezahlt", 14, "money", total=True),
    Column("Status", 18),
)


def grant_values(row: GrantListRow) -> tuple[Value, ...]:
    return (row.file_number, row.organisation, row.centre, row.district, row.programme,
            row.title, row.decision_date, row.financing_type, row.approved_cents, row.paid_cents,
            row.status)  # fmt: skip


async def write_grant_list(principal: Principal, year: int, target: Target) -> GrantList:
    """The Förderliste of a fiscal year as an .xlsx file, streamed like the payment orders."""
    found = await statements.grant_list(principal, year)
    sheet = StreamedSheet(f"Förderliste {year}", GRANT_LIST_COLUMNS, title=f"Förderliste {year}",
                          selection=found.description, created_at=found.created_at,
                          values=grant_values)  # fmt: skip
    await sheet.fill(found.chunks(), target)
    return found
