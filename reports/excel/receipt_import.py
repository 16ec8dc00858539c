"""Reading a filled-in receipt list template back: the whole file is checked and every receipt
returned, or :class:`ReceiptListRefused` raised with every problem found (each a German sentence
naming row and column) — nothing is ever returned in part.

The sheet is streamed in openpyxl's read-only mode (bounded memory); its rows are parsed with
openpyxl's own worksheet parser (as ``ReadOnlyWorksheet`` does, pinned ``openpyxl>=3.1.5,<3.2``)
so that formulas — refused: values only — and merged cells are seen too. A list of more than
:data:`MAX_ROWS` filled rows is refused without reading further.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from grants.vocabulary import PlanLineKind
from reports.excel import cell_values
from reports.excel.cell_values import CellError, is_blank
from reports.excel.receipt_sheet import (
    AMOUNT,
    FIRST_ROW,
    HEADERS,
    IDENTITY,
    KIND,
    LAST_LETTER,
    LINE,
    MARKER,
    MAX_NUMBER,
    MAX_PAYEE,
    MAX_PURPOSE,
    MAX_ROWS,
    NUMBER,
    PAID_ON,
    PAYEE,
    PURPOSE,
    RECEIPT_DATE,
    RECEIPTS,
    SHEETS,
    TEMPLATE_VERSION,
    WIDTH,
    ImportedReceipt,
    ReceiptListRefused,
    TemplateFacts,
    german_number,
    position_labels,
)

MAX_PROBLEMS = 50
MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 250 * 1024 * 1024  # a zip bomb is refused before it is read
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, or an .xlsx encrypted with a password
MAX_IDENTITY_ROWS = 5_000  # the sheet „Vorlage“: four rows, then one per plan line
HEADER_SEARCH = 20  # rows in which the table's header is looked for (rows may be inserted)
KINDS = {kind.label.casefold(): kind for kind in PlanLineKind}
UNREADABLE = (
    "Die Excel-Datei ist beschädigt oder keine Excel-Arbeitsmappe (.xlsx) und lässt sich nicht "
    "lesen."
)
NOT_TEMPLATE = (
    "Die Datei ist keine Belegliste-Vorlage des Förderportals. Bitte laden Sie die Vorlage für "
    "diese Zuwendung im Portal herunter, tragen Sie die Belege dort ein und laden Sie sie hoch."
)


def read(content: bytes, facts: TemplateFacts) -> list[ImportedReceipt]:
    """Every receipt of a filled-in template of this grant, in the sheet's order; raises
    :class:`ReceiptListRefused` listing every problem when anything is wrong."""
    workbook = _open(content)
    try:
        positions = _identify(workbook, facts)
        problems = Problems()
        extra = [name for name in workbook.sheetnames if name not in SHEETS]
        if extra:
            names = ", ".join(f"„{name}“" for name in extra)
            problems.add(f"Die Datei enthält Blätter, die nicht zur Vorlage gehören: {names}. "
                         f"Bitte tragen Sie die Belege nur im Blatt „{RECEIPTS}“ ein und löschen "
                         "Sie die übrigen Blätter.")  # fmt: skip
        if RECEIPTS not in workbook.sheetnames:
            raise ReceiptListRefused([f"Das Blatt „{RECEIPTS}“ fehlt. Bitte laden Sie die "
                                      "Vorlage neu herunter."])  # fmt: skip
        sheet = workbook[RECEIPTS]
        assert isinstance(sheet, ReadOnlyWorksheet)  # noqa: S101 — opened read-only
        receipts = RowReader(facts, positions, problems).read(sheet)
    finally:
        workbook.close()
    if problems:
        raise ReceiptListRefused(problems.listed())
    if not receipts:
        raise ReceiptListRefused([f"Die Belegliste enthält keine Belege. Bitte tragen Sie ab "
                                  f"Zeile {FIRST_ROW} je Beleg eine Zeile ein."])  # fmt: skip
    return receipts


def _open(content: bytes) -> Workbook:
    if not content:
        raise ReceiptListRefused(["Die Datei ist leer."])
    if len(content) > MAX_BYTES:
        raise ReceiptListRefused([f"Die Datei ist größer als {MAX_BYTES // (1024 * 1024)} MB."])
    if content.startswith(OLE_MAGIC):
        raise ReceiptListRefused(["Die Datei ist im alten Excel-Format (.xls) gespeichert oder "
                                  "mit einem Kennwort verschlüsselt. Bitte speichern Sie sie "
                                  "ohne Kennwort als Excel-Arbeitsmappe (.xlsx)."])  # fmt: skip
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise ReceiptListRefused(["Die Datei ist keine Excel-Datei (.xlsx) oder beschädigt. "
                                  "Bitte laden Sie die ausgefüllte Vorlage hoch."]) from None  # fmt: skip
    if unpacked > MAX_UNPACKED:
        raise ReceiptListRefused(["Die Datei ist entpackt zu groß für eine Belegliste."])
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a broken or foreign file
        raise ReceiptListRefused([UNREADABLE]) from None


def _identify(workbook: Workbook, facts: TemplateFacts) -> dict[str, str]:
    """Checks that the file is this grant's template in the current version; returns its
    drop-down labels with their line keys."""
    if IDENTITY not in workbook.sheetnames:
        raise ReceiptListRefused([NOT_TEMPLATE])
    found: dict[str, Any] = {}
    positions: dict[str, str] = {}
    rows = workbook[IDENTITY].iter_rows(max_row=MAX_IDENTITY_ROWS, max_col=3, values_only=True)
    try:
        for key, value, line_key, *_ in rows:
            if key == "Position" and isinstance(value, str) and isinstance(line_key, str):
                positions[value] = line_key
            elif isinstance(key, str):
                found.setdefault(key, value)
    except Exception:  # a broken sheet (XML, shared strings)
        raise ReceiptListRefused([UNREADABLE]) from None
    if found.get("Kennung") != MARKER:
        raise ReceiptListRefused([NOT_TEMPLATE])
    if found.get("Version") != TEMPLATE_VERSION:
        raise ReceiptListRefused([f"Die Datei wurde mit einer älteren Version der Vorlage "
                                  f"erstellt (Version {found.get('Version')}, aktuell "
                                  f"{TEMPLATE_VERSION}). Bitte laden Sie die Vorlage neu herunter "
                                  "und übertragen Sie Ihre Belege."])  # fmt: skip
    if found.get("Zuwendung") != facts.grant_id:
        other = found.get("Aktenzeichen") or "einer anderen Zuwendung"
        raise ReceiptListRefused([f"Die Datei ist die Belegliste-Vorlage der Zuwendung {other}, "
                                  f"nicht der Zuwendung {facts.file_number}. Bitte laden Sie die "
                                  f"Vorlage für {facts.file_number} herunter."])  # fmt: skip
    return positions


class Problems:
    """The problems found, in the order found: at most :data:`MAX_PROBLEMS` listed."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, text: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(text)

    def at(self, row: int, column: int, text: str) -> None:
        self.add(f"Zeile {row}, Spalte „{HEADERS[column]}“: {text}")

    def listed(self) -> list[str]:
        more = self.count - len(self.items)
        return self.items + ([f"… und {german_number(more)} weitere Probleme."] if more else [])


class RowReader:
    """Reads the sheet „Belege“ row by row: the header, then one receipt per filled row."""

    def __init__(self, facts: TemplateFacts, positions: dict[str, str], problems: Problems) -> None:
        self.facts = facts
        self.problems = problems
        self.lines = {line.line_key: line for line in facts.lines}
        self.positions: dict[str, str] = {}  # normalised label → line key
        plain = [(line.label, line.line_key) for line in facts.lines]
        labelled = [(label, line.line_key) for label, line in position_labels(facts.lines).items()]
        for label, key in [*positions.items(), *labelled, *_unique(plain)]:
            self.positions.setdefault(_normalised(label), key)
        self.numbers: dict[int, int] = {}  # receipt number → its row
        self.receipts: list[ImportedReceipt] = []
        self.filled = 0  # rows with anything in them

    def read(self, sheet: ReadOnlyWorksheet) -> list[ImportedReceipt]:
        header_row = None
        rows = _SheetRows(sheet)
        for number, cells in rows:
            if header_row is None:
                self._formulas(number, cells, in_table=False)
                if _values(cells)[:WIDTH] == HEADERS:
                    header_row = number
                elif number >= HEADER_SEARCH:
                    break
                continue
            self._row(number, cells)
            if self.filled > MAX_ROWS:
                break  # refused for its length alone: read no further
        if header_row is None:
            raise ReceiptListRefused([f"Im Blatt „{RECEIPTS}“ fehlt die Kopfzeile der Tabelle "
                                      f"({', '.join(HEADERS)}) oder sie wurde verändert. Bitte "
                                      "verändern Sie die Struktur der Vorlage nicht."])  # fmt: skip
        if self.filled > MAX_ROWS:
            extent = (
                f" (das Blatt reicht bis Zeile {german_number(sheet.max_row)})"
                if sheet.max_row
                else ""
            )
            raise ReceiptListRefused([f"Die Belegliste enthält mehr als {german_number(MAX_ROWS)} "
                                      f"ausgefüllte Zeilen{extent}; höchstens "
                                      f"{german_number(MAX_ROWS)} Belege sind möglich."])  # fmt: skip
        for merged in rows.merged(header_row):
            self.problems.add(f"Zeile {merged[1]}: Die Zellen {merged[0]} sind verbunden. Bitte "
                              "heben Sie die Verbindung auf; jede Angabe gehört in ihre eigene "
                              "Zelle.")  # fmt: skip
        return self.receipts

    def _formulas(self, row: int, cells: list[dict[str, Any]], *, in_table: bool) -> list[int]:
        """Reports each formula of the row; returns their columns (0-based)."""
        found = []
        for cell in cells:
            if cell["data_type"] != "f":
                continue
            column = cell["column"] - 1
            where = f"{get_column_letter(column + 1)}{row}"
            text = (f"Die Zelle {where} enthält eine Formel ({cell['value']}). Bitte tragen Sie "
                    "nur Werte ein, keine Formeln.")  # fmt: skip
            if in_table and column < WIDTH:
                self.problems.at(row, column, text)
            else:
                self.problems.add(f"Zeile {row}: {text}")
            found.append(column)
        return found

    def _row(self, row: int, cells: list[dict[str, Any]]) -> None:
        values: list[Any] = [None] * WIDTH
        outside = []
        for cell in cells:
            column = cell["column"] - 1
            if column < WIDTH:
                values[column] = cell["value"]
            elif not is_blank(cell["value"]):
                outside.append(get_column_letter(column + 1))
        empty = all(is_blank(value) for value in values[NUMBER + 1 :])
        if empty and not outside:
            return  # empty, or numbered in advance and not filled in
        self.filled += 1
        if self.filled > MAX_ROWS:
            return
        if outside:
            self.problems.add(f"Zeile {row}: Die Spalte {', '.join(outside)} liegt außerhalb der "
                              f"Tabelle; bitte nur die Spalten A bis {LAST_LETTER} ausfüllen.")  # fmt: skip
        if empty:
            return  # a note beside the table, no receipt
        skip = set(self._formulas(row, cells, in_table=True))
        for cell in cells:
            if cell["data_type"] == "e" and cell["column"] <= WIDTH:
                self.problems.at(
                    row, cell["column"] - 1, f"Die Zelle enthält den Fehlerwert {cell['value']}."
                )
                skip.add(cell["column"] - 1)
        field = _Fields(row, values, skip, self.problems)
        number = field.read(NUMBER, lambda v: cell_values.whole_number(v, largest=MAX_NUMBER))
        kind = field.read(KIND, _kind)
        receipt_date = field.read(RECEIPT_DATE, self._receipt_date)
        payee = field.read(PAYEE, lambda v: cell_values.text(v, MAX_PAYEE))
        purpose = field.read(PURPOSE, lambda v: cell_values.text(v, MAX_PURPOSE))
        amount = field.read(AMOUNT, cell_values.amount)
        line_key = field.read(LINE, self._line_key)
        paid_on = field.read(PAID_ON, cell_values.day, required=False)
        if number is not None:
            if number in self.numbers:
                self.problems.at(
                    row, NUMBER, f"Die Nr. {number} steht bereits in Zeile {self.numbers[number]}."
                )
            else:
                self.numbers[number] = row
        if kind is not None and line_key is not None:
            line = self.lines[line_key]
            if line.kind is not kind:
                self.problems.at(row, LINE, f"„{line.label}“ ist eine {line.kind.label}position; "
                                            f"eine {kind.label} kann nicht darauf gebucht werden.")  # fmt: skip
        if receipt_date is not None and paid_on is not None and paid_on < receipt_date:
            self.problems.at(row, PAID_ON, f"Der Zahltag {paid_on:%d.%m.%Y} liegt vor dem "
                                           f"Belegdatum {receipt_date:%d.%m.%Y}.")  # fmt: skip
        if self.problems:
            return  # nothing will be returned: keep no receipts
        self.receipts.append(ImportedReceipt(row, kind, receipt_date, payee, purpose, amount,
                                             line_key, paid_on, number))  # fmt: skip

    def _receipt_date(self, value: Any) -> date:
        """A date inside the period, or after the approved early start."""
        receipt_date, facts = cell_values.day(value), self.facts
        if receipt_date < facts.earliest_receipt:
            start = (
                f"dem genehmigten vorzeitigen Maßnahmebeginn ({facts.earliest_receipt:%d.%m.%Y})"
                if facts.earliest_receipt < facts.period_start
                else f"dem Beginn des Bewilligungszeitraums ({facts.period_start:%d.%m.%Y})"
            )
            raise CellError(f"Der {receipt_date:%d.%m.%Y} liegt vor {start}.")
        if receipt_date > facts.period_end:
            raise CellError(f"Der {receipt_date:%d.%m.%Y} liegt nach dem Ende des "
                            f"Bewilligungszeitraums ({facts.period_end:%d.%m.%Y}).")  # fmt: skip
        return receipt_date

    def _line_key(self, value: Any) -> str:
        typed = cell_values.text(value, 1000)
        key = self.positions.get(_normalised(typed))
        if key is None:
            raise CellError(f"„{typed}“ ist keine Position des Finanzplans dieser Zuwendung; "
                            "bitte eine Position aus der Auswahlliste wählen.")  # fmt: skip
        if key not in self.lines:
            raise CellError(f"Die Position „{typed}“ gehört nicht mehr zum Finanzplan dieser "
                            "Zuwendung; bitte eine Position aus der Auswahlliste wählen.")  # fmt: skip
        return key


class _Fields:
    """Reads the cells of one row; a missing or unreadable value becomes a problem and None."""

    def __init__(self, row: int, values: list[Any], skip: set[int], problems: Problems) -> None:
        self.row, self.values, self.skip, self.problems = row, values, skip, problems

    def read(self, column: int, reader: Callable[[Any], Any], *, required: bool = True) -> Any:
        if column in self.skip:
            return None
        value = self.values[column]
        if is_blank(value):
            if required:
                self.problems.at(self.row, column, "Die Angabe fehlt.")
            return None
        try:
            return reader(value)
        except CellError as exc:
            self.problems.at(self.row, column, str(exc))
            return None


def _kind(value: Any) -> PlanLineKind:
    typed = cell_values.text(value, 100)
    kind = KINDS.get(typed.casefold())
    if kind is None:
        raise CellError(f"„{typed}“: bitte „Ausgabe“ oder „Einnahme“ eintragen.")
    return kind


def _normalised(label: str) -> str:
    return " ".join(label.split()).casefold()


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (label, key) pairs whose label no other pair has."""
    counts: dict[str, int] = {}
    for label, _ in pairs:
        counts[_normalised(label)] = counts.get(_normalised(label), 0) + 1
    return [(label, key) for label, key in pairs if counts[_normalised(label)] == 1]


def _values(cells: list[dict[str, Any]]) -> tuple[Any, ...]:
    values: list[Any] = [None] * WIDTH
    for cell in cells:
        if cell["column"] <= WIDTH:
            value = cell["value"]
            values[cell["column"] - 1] = value.strip() if isinstance(value, str) else value
    return tuple(values)


class _SheetRows:
    """The rows of a read-only sheet as openpyxl parses them (each cell a dict with row,
    column, value, data_type — ``f`` for a formula — and style_id); afterwards the sheet's
    merged ranges, which its XML lists after the rows."""

    def __init__(self, sheet: ReadOnlyWorksheet) -> None:
        self.sheet = sheet
        self.parser: WorkSheetParser | None = None

    def __iter__(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        workbook = self.sheet.parent
        with self.sheet._get_source() as source:
            self.parser = WorkSheetParser(
                source, self.sheet._shared_strings, data_only=False, epoch=workbook.epoch,
                date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats,
            )  # fmt: skip
            try:
                yield from self.parser.parse()
            except Exception:  # a broken sheet (XML, shared strings)
                raise ReceiptListRefused([UNREADABLE]) from None

    def merged(self, from_row: int) -> list[tuple[str, int]]:
        """Each merged range reaching row ``from_row`` or below, with its first such row."""
        found = []
        merged = getattr(self.parser, "merged_cells", None)
        for cell in getattr(merged, "mergeCell", []):
            _, top, _, bottom = range_boundaries(cell.ref)
            if bottom is not None and bottom >= from_row:
                found.append((cell.ref, max(top or from_row, from_row)))
        return found
