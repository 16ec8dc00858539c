"""Shared building blocks of the Excel workbooks (openpyxl write-only mode, stack.md §5.1).

Every sheet has the same shape: a title row, a row describing the selection (filters), the
creation time, a blank row, then a bold header row with an auto-filter, frozen so it stays in
view, the data rows, and a totals row whose sums are ``SUM`` formulas over the data.

Write-only mode ignores freeze panes and column widths set after the first row, so
:class:`TableSheet` sets both when it is created. User text never becomes a formula: text
starting with ``=``, ``+``, ``-`` or ``@`` is stored as text (formula injection), and control
characters that XML cannot hold are removed.

Data rows are rendered as XML strings by :mod:`reports.excel.fast_rows` (about ten times
faster than one openpyxl cell per value, with the same guarantees); the title, header and
totals rows are styled openpyxl cells. :meth:`TableSheet.rows` writes many rows at once, e.g.
100,000 payment orders chunk by chunk.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from grants.clock import BERLIN
from grants.money import Money
from reports.excel.fast_rows import FORMULA_START, Kind, RowFormat, RowWriter, clean

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EUR = '#,##0.00 "€"'
DATE = "DD.MM.YYYY"
INTEGER = "#,##0"
PLAIN = "0"  # a number without separators, e.g. a year
NUMBER_FORMATS = {"money": EUR, "integer": INTEGER, "number": PLAIN, "date": DATE}
HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
TITLE_ROWS = 4  # title, selection, creation time, blank
MAX_SHEET_NAME = 31

Value = str | int | Decimal | Money | date | datetime | None


@dataclass(frozen=True, slots=True)
class Column:
    """A column: header, width in characters, and what it holds (money gets the euro format)."""

    header: str
    width: float
    kind: Kind = "text"
    total: bool = False  # a SUM in the totals row


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def text_cell(sheet: WriteOnlyWorksheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    """A cell that is always text, never a formula, whatever the user typed."""
    text = clean(value)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
    if bold:
        cell.font = Font(bold=True)
    return cell


def money_cell(
    sheet: WriteOnlyWorksheet, amount: Money | int | None, *, bold: bool = False
) -> WriteOnlyCell:
    """An amount in euros (from Money or cents) with the German euro format."""
    cents = amount.cents if isinstance(amount, Money) else amount
    cell = WriteOnlyCell(sheet, value=Decimal(cents) / 100 if cents is not None else None)
    cell.number_format = EUR
    if bold:
        cell.font = Font(bold=True)
    return cell


def formula_cell(
    sheet: WriteOnlyWorksheet, formula: str, number_format: str = EUR, *, bold: bool = True
) -> WriteOnlyCell:
    """A formula we wrote ourselves (never user text), e.g. ``=SUM(G6:G9)``."""
    if not formula.startswith("="):
        raise ValueError(f"not a formula: {formula!r}")
    cell = WriteOnlyCell(sheet, value=formula)
    cell.number_format = number_format
    cell.font = Font(bold=bold)
    return cell


def sum_formula(column: int, first_row: int, last_row: int) -> str:
    letter = get_column_letter(column)
    return f"=SUM({letter}{first_row}:{letter}{last_row})"


def created_text(moment: datetime) -> str:
    return f"Erstellt am {moment.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr"


class TableSheet:
    """One sheet of a write-only workbook: title rows, a bold frozen header with an
    auto-filter, data rows, a totals row with SUM formulas, and free rows below it."""

    def __init__(self, workbook: Workbook, name: str, columns: Sequence[Column], *, title: str,
                 selection: str, created_at: datetime) -> None:  # fmt: skip
        self.columns = list(columns)
        self.sheet: WriteOnlyWorksheet = workbook.create_sheet(_sheet_name(name))
        self.header_row = TITLE_ROWS + 1
        # Both MUST be set before the first row; later they are silently ignored.
        self.sheet.freeze_panes = f"A{self.header_row + 1}"
        for number, column in enumerate(self.columns, start=1):
            self.sheet.column_dimensions[get_column_letter(number)].width = column.width
        self._writer = RowWriter(self.sheet)
        self._format = RowFormat(self.sheet, [c.kind for c in self.columns], NUMBER_FORMATS,
                                 [c.header for c in self.columns])  # fmt: skip
        self.sheet.append([_title_cell(self.sheet, title)])
        self.sheet.append([text_cell(self.sheet, selection)])
        self.sheet.append([text_cell(self.sheet, created_text(created_at))])
        self.sheet.append([])
        self.sheet.append([self._header_cell(c.header) for c in self.columns])

    @property
    def last_row(self) -> int:
        """The number of the last row written so far."""
        return self._writer.rows

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def data_rows(self) -> int:
        return self.last_row - self.header_row

    def column_number(self, header: str) -> int:
        return next(n for n, c in enumerate(self.columns, start=1) if c.header == header)

    def row(self, values: Sequence[Value]) -> None:
        """One data row; values in column order, typed by their column."""
        self._writer.xml(self._format.render(self._writer.rows + 1, values))

    def rows(self, rows: Iterable[Sequence[Value]]) -> int:
        """Many data rows (e.g. one chunk of a long statement); returns the last row's number."""
        writer, render = self._writer, self._format.render
        for values in rows:
            writer.xml(render(writer.rows + 1, values))
        return writer.rows

    def totals(self, label: str) -> int:
        """The totals row: the label in the first column, a SUM under each total column.

        Seals the table: the auto-filter covers the header and the data rows. Returns the
        totals row's number (for formulas below it)."""
        cells: list[Any] = []
        for number, column in enumerate(self.columns, start=1):
            if number == 1:
                cells.append(text_cell(self.sheet, label, bold=True))
            elif not column.total:
                cells.append(None)
            elif self.data_rows == 0:  # a SUM over no rows would point at the totals row itself
                cells.append(formula_cell(self.sheet, "=0", _format(column)))
            else:
                formula = sum_formula(number, self.first_data_row, self.last_row)
                cells.append(formula_cell(self.sheet, formula, _format(column)))
        self.sheet.auto_filter.ref = (
            f"A{self.header_row}:{get_column_letter(len(self.columns))}{self.last_row}"
        )
        self.sheet.append(cells)
        return self.last_row

    def blank(self) -> None:
        self.sheet.append([])

    def labelled(self, label: str, value: Money | str, *, bold: bool = False) -> int:
        """A free row below the table: a label and a value (an amount or text). Returns its row."""
        shown = (
            money_cell(self.sheet, value, bold=bold)
            if isinstance(value, Money)
            else text_cell(self.sheet, value, bold=bold)
        )
        self.sheet.append([text_cell(self.sheet, label, bold=bold), shown])
        return self.last_row

    def discard(self) -> None:
        """Give up the sheet (its workbook will not be saved): close and delete its rows' file."""
        self._writer.discard()

    def _header_cell(self, text: str) -> WriteOnlyCell:
        cell = text_cell(self.sheet, text, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file (a write-only workbook saves once)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def save(workbook: Workbook, target: str | Path | IO[bytes]) -> None:
    """Write the .xlsx file to a path or a binary file object (a write-only workbook saves once);
    the rows are copied from their temporary file into the zip, never all held in memory."""
    workbook.save(target)


def _title_cell(sheet: WriteOnlyWorksheet, title: str) -> WriteOnlyCell:
    cell = text_cell(sheet, title)
    cell.font = Font(bold=True, size=14)
    return cell


def _format(column: Column) -> str:
    return EUR if column.kind == "money" else INTEGER


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in clean(name)).strip()
    return (cleaned or "Tabelle")[:MAX_SHEET_NAME]
