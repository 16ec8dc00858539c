"""Payment confirmations from the cash office (CSV or Excel): each row names an exported order by
its Anordnungs-Nr. or Verwendungszweck, with amount, date and Kassenzeichen — or an incoming
refund by its Verwendungszweck "Rückforderung <Aktenzeichen>", which marks the receivable as
received when the amount is the whole claim (refund and interest, DOMAIN.md §8).

Every row is checked first — unknown order, amount differs, already paid, not yet exported,
twice in the file — and the file is applied only when all rows are right, all in one
transaction. Importing the same file again changes nothing: its rows are already paid.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Forbidden
from grants.money import MAX_AMOUNT, Money, MoneyFormatError
from grants.services import settlements
from grants.services.payments import record_payment
from grants.services.users import Principal
from grants.tables import PaymentOrder
from grants.vocabulary import Role
from grants.workflow import PaymentOrderStatus

P = PaymentOrderStatus
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS = 200
HEADERS = {  # normalised header → field
    "anordnungsnr": "order_number", "anordnungsnummer": "order_number", "anordnung": "order_number",
    "verwendungszweck": "purpose", "betrag": "amount", "betrageur": "amount", "datum": "paid_on",
    "zahlungsdatum": "paid_on", "buchungsdatum": "paid_on", "kassenzeichen": "cash_reference",
}  # fmt: skip


class ImportRejected(Exception):
    """The file cannot be applied; ``errors`` lists every problem, row by row, in German."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors[:3]))


@dataclass(frozen=True, slots=True)
class Confirmation:
    row: int  # as numbered in the file (the header is row 1)
    order_number: str
    purpose: str
    amount: Money
    paid_on: date
    cash_reference: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    payments: int
    total: Money
    sha256: str


# -- reading the file ------------------------------------------------------------------------


def read(filename: str, content: bytes) -> list[Confirmation]:
    """The file's rows, or :class:`ImportRejected` listing every row that cannot be read."""
    if not content:
        raise ImportRejected(["Die Datei ist leer."])
    if len(content) > MAX_BYTES:
        raise ImportRejected([f"Die Datei ist größer als {MAX_BYTES // (1024 * 1024)} MB."])
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise ImportRejected(["Bitte eine CSV- oder Excel-Datei (.csv, .xlsx) hochladen."])
    header = next(rows, None)
    if header is None:
        raise ImportRejected(["Die Datei enthält keine Zeilen."])
    fields = [HEADERS.get(_normalise(h)) for h in header]
    missing = [label for key, label in (("amount", "Betrag"), ("paid_on", "Datum"), ("cash_reference", "Kassenzeichen"))
               if key not in fields]  # fmt: skip
    if "order_number" not in fields and "purpose" not in fields:
        missing.insert(0, "Anordnungs-Nr. oder Verwendungszweck")
    if missing:
        raise ImportRejected([f"Spalte fehlt: {', '.join(missing)}. Erwartet: Anordnungs-Nr. oder "
                              "Verwendungszweck, Betrag, Datum, Kassenzeichen."])  # fmt: skip
    confirmations, errors = [], []
    for number, values in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise ImportRejected([f"Die Datei hat mehr als {MAX_ROWS} Zeilen."])
        record = {f: v for f, v in zip(fields, values, strict=False) if f}
        if all(_text(v) == "" for v in record.values()):
            continue
        try:
            confirmations.append(_confirmation(number, record))
        except ValueError as exc:
            errors.append(f"Zeile {number}: {exc}")
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS])
    if not confirmations:
        raise ImportRejected(["Die Datei enthält keine Zahlungen."])
    return confirmations


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportRejected(["Die Excel-Datei lässt sich nicht lesen."]) from exc
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield list(row)


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV" on German Windows
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _normalise(header: Any) -> str:
    return re.sub(r"[^a-zäöüß]", "", _text(header).lower())


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _confirmation(number: int, record: dict[str, Any]) -> Confirmation:
    order_number, purpose = _text(record.get("order_number")), _text(record.get("purpose"))
    if not order_number and not purpose:
        raise ValueError("Anordnungs-Nr. oder Verwendungszweck fehlt.")
    cash_reference = _text(record.get("cash_reference"))
    if not cash_reference:
        raise ValueError("Kassenzeichen fehlt.")
    if len(cash_reference) > 40:
        raise ValueError("Kassenzeichen ist länger als 40 Zeichen.")
    return Confirmation(number, order_number, purpose, _amount(record.get("amount")), _date(record.get("paid_on")),
                        cash_reference)  # fmt: skip


def _amount(value: Any) -> Money:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("Betrag fehlt.")
    if isinstance(value, int | float | Decimal):
        try:
            euros = Decimal(str(value))  # an Excel number: its shortest decimal form
        except InvalidOperation as exc:
            raise ValueError(f"Betrag „{value}“ ist keine Zahl.") from exc
        if not (euros.is_finite() and abs(euros) <= MAX_AMOUNT.to_decimal()):
            raise ValueError(f"Betrag {value} ist größer als {MAX_AMOUNT.format()}.")
        if euros != euros.quantize(Decimal("0.01")):
            raise ValueError(f"Betrag {value} hat mehr als zwei Nachkommastellen.")
        return Money.from_decimal(euros)
    text = _text(value).replace("EUR", "")
    try:
        return Money.parse(text)
    except MoneyFormatError as exc:
        raise ValueError(f"Betrag „{_text(value)}“: {exc}") from exc


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"Datum „{text}“ ist kein Datum (TT.MM.JJJJ)." if text else "Datum fehlt.")


# -- applying it -----------------------------------------------------------------------------


async def apply(
    principal: Principal, filename: str, content: bytes, request_id: str = "-"
) -> ImportResult:
    """Check every row against the orders, then record all payments or none."""
    if Role.FINANCE not in principal.roles:
        raise Forbidden("Zahlungsbestätigungen verbucht die Finanzabteilung.")
    confirmations = read(filename, content)
    sha256 = hashlib.sha256(content).hexdigest()
    async with db.transaction():
        await db.lock("payment_confirmations")  # one import at a time: a file twice is seen as paid
        incoming = [c for c in confirmations if _receivable(c)]
        outgoing = [c for c in confirmations if not _receivable(c)]
        orders = await _orders_for(outgoing)
        claims = await settlements.open_claims(sorted({_receivable(c) for c in incoming}))
        terms = await settlements.interest_terms()
        if errors := _problems(outgoing, orders) + _claim_problems(incoming, claims, terms):
            raise ImportRejected(sorted(errors, key=_row_of)[:MAX_ERRORS])
        for confirmation in outgoing:
            order = orders[_key(confirmation)][0]
            await record_payment(principal, order["id"], confirmation.paid_on, confirmation.cash_reference,
                                 request_id)  # fmt: skip
        for confirmation in incoming:
            claim = claims[_receivable(confirmation)]
            await settlements.repaid(principal, claim.grant_id, None, confirmation.amount, confirmation.paid_on,
                                     confirmation.cash_reference, request_id, terms)  # fmt: skip
        total = Money.total(c.amount for c in confirmations)
        await audit.record(Actor(principal.id, request_id), "payments.imported", "payment_confirmations", 0,
                           data={"file": filename[:200], "sha256": sha256, "payments": len(confirmations),
                                 "total_cents": total.cents})  # fmt: skip
    return ImportResult(len(confirmations), total, sha256)


def _receivable(confirmation: Confirmation) -> str:
    """The Aktenzeichen of a row that pays a refund back, else ""."""
    if confirmation.order_number or not confirmation.purpose.startswith(
        settlements.RECEIVABLE_PREFIX
    ):
        return ""
    return confirmation.purpose.removeprefix(settlements.RECEIVABLE_PREFIX).strip()


def _row_of(message: str) -> int:
    found = re.match(r"Zeile (\d+)", message)
    return int(found.group(1)) if found else 0


def _claim_problems(
    incoming: list[Confirmation],
    claims: dict[str, settlements.OpenClaim],
    terms: settlements.InterestTerms,
) -> list[str]:
    """Each refund row against its open claim: the refund with its interest until the row's date."""
    errors, seen = [], set()
    today = clock.today()
    for c in incoming:
        file_number = _receivable(c)
        if file_number not in claims:
            errors.append(f"Zeile {c.row}: Zu {file_number} ist keine Rückforderung offen.")
        elif file_number in seen:
            errors.append(
                f"Zeile {c.row}: Die Rückforderung {file_number} steht zweimal in der Datei."
            )
        elif c.paid_on > today:
            errors.append(
                f"Zeile {c.row}: Das Zahlungsdatum {c.paid_on:%d.%m.%Y} liegt in der Zukunft."
            )
        else:
            try:
                due = claims[file_number].amount_on(c.paid_on, terms)
            except ValueError:
                errors.append(f"Zeile {c.row}: {settlements.NO_BASE_RATE}")
            else:
                if c.amount != due:
                    errors.append(f"Zeile {c.row}: Der Betrag {c.amount.format()} entspricht nicht der Forderung zu "
                                  f"{file_number} am {c.paid_on:%d.%m.%Y} ({due.format()}: Erstattung mit Zinsen "
                                  "bis dahin); Teilzahlungen werden nicht verbucht.")  # fmt: skip
        seen.add(file_number)
    return errors


def _key(confirmation: Confirmation) -> tuple[str, str]:
    if confirmation.order_number:
        return ("order_number", confirmation.order_number)
    return ("purpose", confirmation.purpose)


async def _orders_for(
    confirmations: list[Confirmation],
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The orders each row names — by Anordnungs-Nr., else by Verwendungszweck (two queries)."""
    columns = (PaymentOrder.id, PaymentOrder.status, PaymentOrder.amount_cents, PaymentOrder.order_number,
               PaymentOrder.purpose, PaymentOrder.paid_on, PaymentOrder.cash_reference)  # fmt: skip
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    numbers = sorted({c.order_number for c in confirmations if c.order_number})
    purposes = sorted({c.purpose for c in confirmations if not c.order_number})
    for field, values, column in (("order_number", numbers, PaymentOrder.order_number),
                                  ("purpose", purposes, PaymentOrder.purpose)):  # fmt: skip
        for chunk in (values[i : i + 500] for i in range(0, len(values), 500)):
            rows = await PaymentOrder.select(*columns).where(
                column.is_in(chunk) & (PaymentOrder.status != P.CANCELLED)
            )  # fmt: skip
            for row in rows:
                found.setdefault((field, row[field]), []).append(row)
    return found


def _problems(
    confirmations: list[Confirmation], orders: dict[tuple[str, str], list[dict[str, Any]]]
) -> list[str]:
    errors: list[str] = []
    seen: dict[int, int] = {}
    today = clock.today()
    for c in confirmations:
        label = c.order_number or f"„{c.purpose}“"
        matches = orders.get(_key(c), [])
        if not matches:
            errors.append(f"Zeile {c.row}: Anordnung {label} ist unbekannt.")
            continue
        if len(matches) > 1:
            errors.append(f"Zeile {c.row}: Der Verwendungszweck {label} passt auf {len(matches)} Anordnungen; "
                          "bitte die Anordnungs-Nr. angeben.")  # fmt: skip
            continue
        order = matches[0]
        name = order["order_number"] or label
        if order["id"] in seen:
            errors.append(
                f"Zeile {c.row}: Anordnung {name} steht bereits in Zeile {seen[order['id']]}."
            )
            continue
        seen[order["id"]] = c.row
        if order["status"] == P.PAID:
            errors.append(f"Zeile {c.row}: Anordnung {name} ist bereits am {order['paid_on']:%d.%m.%Y} als "
                          f"ausgezahlt verbucht (Kassenzeichen {order['cash_reference']}).")  # fmt: skip
        elif order["status"] != P.EXPORTED:
            errors.append(f"Zeile {c.row}: Anordnung {name} wurde noch nicht an die Kasse übermittelt "
                          f"(Status „{P(order['status']).label}“).")  # fmt: skip
        elif c.amount.cents != order["amount_cents"]:
            errors.append(f"Zeile {c.row}: Der Betrag {c.amount.format()} weicht von der Anordnung {name} "
                          f"({Money(order['amount_cents']).format()}) ab.")  # fmt: skip
        elif c.paid_on > today:
            errors.append(
                f"Zeile {c.row}: Das Zahlungsdatum {c.paid_on:%d.%m.%Y} liegt in der Zukunft."
            )
    return errors
