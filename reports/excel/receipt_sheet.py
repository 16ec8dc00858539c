"""The receipt list (Belegliste) of a usage report: what its template and its import share —
the facts of the grant, the table's columns and rows, the sheets, the limits, the receipts read
and the refusal (issue 12). The public API is :mod:`reports.excel.receipt_list`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from openpyxl.utils import get_column_letter

from grants.money import Money
from grants.vocabulary import PlanLineKind
from reports.excel.fast_rows import clean
from reports.excel.workbooks import Column

MARKER = "Förderportal Köln – Belegliste"
TEMPLATE_VERSION = 1
MAX_ROWS = 10_000
MAX_NUMBER = 999_999
MAX_PAYEE, MAX_PURPOSE = 200, 300  # grants.tables.usage_reports.Receipt

RECEIPTS, GUIDE, POSITIONS, IDENTITY = "Belege", "Anleitung", "Positionen", "Vorlage"
SHEETS = (RECEIPTS, GUIDE, POSITIONS, IDENTITY)
COLUMNS = (
    Column("Nr.", 7, "number"),
    Column("Art", 11),
    Column("Belegdatum", 12, "date"),
    Column("Zahlungsempfänger/Einzahler", 34),
    Column("Zweck", 44),
    Column("Betrag (€)", 15, "money"),
    Column("Position im Finanzplan", 44),
    Column("bezahlt am", 12, "date"),
)
HEADERS = tuple(c.header for c in COLUMNS)
NUMBER, KIND, RECEIPT_DATE, PAYEE, PURPOSE, AMOUNT, LINE, PAID_ON = range(len(COLUMNS))
WIDTH = len(COLUMNS)
LAST_LETTER = get_column_letter(WIDTH)
HEADER_ROW = 7
FIRST_ROW = HEADER_ROW + 1
LAST_ROW = FIRST_ROW + MAX_ROWS - 1


@dataclass(frozen=True, slots=True)
class TemplateLine:
    line_key: str
    label: str
    kind: PlanLineKind


@dataclass(frozen=True, slots=True)
class TemplateFacts:
    grant_id: int
    file_number: str
    title: str
    organisation: str
    period_start: date
    period_end: date
    earliest_receipt: date  # = the approved early start, or the period's start
    lines: tuple[TemplateLine, ...]


@dataclass(frozen=True, slots=True)
class ImportedReceipt:
    row: int  # the row in the sheet „Belege“
    kind: PlanLineKind
    receipt_date: date
    payee: str
    purpose: str
    amount: Money
    line_key: str
    paid_on: date | None
    number: int = 0  # the column „Nr.“: the association's receipt number (always set by read)


class ReceiptListRefused(Exception):
    """The file cannot be imported; ``problems`` lists every problem in German, each naming
    its row and column where it has one (the first 50, then how many more)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems[:3]))


def position_labels(lines: Iterable[TemplateLine]) -> dict[str, TemplateLine]:
    """The drop-down's label of each plan line, e.g. ``Miete (Ausgabe)``; unique (a second
    line with the same label and kind gets ``… 2``)."""
    labels: dict[str, TemplateLine] = {}
    for line in lines:
        base = f"{' '.join(clean(line.label).split())} ({line.kind.label})"
        label, copy = base, 1
        while label in labels:
            copy += 1
            label = f"{base} {copy}"
        labels[label] = line
    return labels


def german_number(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def period_text(facts: TemplateFacts) -> str:
    text = f"{facts.period_start:%d.%m.%Y} bis {facts.period_end:%d.%m.%Y}"
    if facts.earliest_receipt < facts.period_start:
        text += f"; vorzeitiger Maßnahmebeginn ab {facts.earliest_receipt:%d.%m.%Y}"
    return text
