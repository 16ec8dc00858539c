"""Fast rows for openpyxl's write-only worksheets: one XML string per row instead of one cell
object per value.

openpyxl's write-only mode streams rows to a temporary file with constant memory, but it builds
and serialises one cell object per value; at 100,000 rows × 26 columns that alone takes ~19 s.
Here a data row is rendered as a single ``<row>`` string (f-strings, inline strings, style ids
looked up once) and written straight into the worksheet's file: ~10× faster, same memory.
Everything else stays openpyxl's: the package, the styles, the sheet's views, column widths,
auto-filter, and rows of styled cells (titles, headers, totals), which still go through
``sheet.append``.

How it hooks in (openpyxl 3.1, see ``openpyxl/worksheet/_write_only.py`` and ``_writer.py``;
pinned ``>=3.1.5,<3.2`` in pyproject.toml, and ``tests/finance/test_fast_rows.py`` fails when an
upgrade breaks it):

- :class:`RowWriter` installs its own worksheet writer before the sheet's first row. It is
  openpyxl's ``WorksheetWriter``, except that lxml writes into a Python file object we hold, so
  after ``xf.flush()`` we may write bytes of our own between lxml's elements.
- It also installs its own row generator as ``sheet._rows``, a copy of openpyxl's
  ``WriteOnlyWorksheet._write_rows`` that keeps the row number across both kinds of rows. So
  ``sheet.append`` keeps working, and ``sheet.close()`` (called by ``workbook.save``) ends the
  rows, writes the tail and closes the file as before.
- Without lxml (or with ``OPENPYXL_LXML=False``) openpyxl writes through et_xmlfile, which
  cannot be flushed; the rows are then parsed and written as elements: slower, the same file.

What a rendered row guarantees, as :func:`reports.excel.workbooks.text_cell` does: control
characters are removed (a carriage return is kept); text starting with ``=``, ``+``, ``-`` or ``@`` stays text and gets the
``quotePrefix`` style (no formula injection); ``& < >`` are escaped; text with leading or
trailing blanks keeps them (``xml:space="preserve"``); amounts in cents become exact decimal
euros; dates become Excel serial numbers with the date format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any, Literal
from xml.sax.saxutils import escape

from openpyxl import LXML
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring, xmlfile

from grants.clock import BERLIN
from grants.money import Money

Kind = Literal["text", "money", "integer", "number", "date"]
"""money: cents shown as euros; integer: a count (1.234); number: a plain number (a year)."""
FORMULA_START = ("=", "+", "-", "@")
"""Text starting with these is a formula to Excel and LibreOffice; we store it as text."""
FORMULA_FIRST = frozenset("".join(FORMULA_START))
MAX_TEXT = 32_767  # characters Excel holds in one cell
NEEDS_CARE = re.compile(r"[\000-\010\013-\037&<>]")
"""A control character to remove (as ILLEGAL_CHARACTERS_RE), or a character to escape: ``& < >``
and the carriage return, which XML readers would turn into a line feed."""
ENTITIES = {"\r": "&#13;"}
PRESERVE = ' xml:space="preserve"'
PENDING_ROWS = 500  # rendered rows collected before one write
EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # serial 0 (1900 date system, after Feb 1900)
SECONDS_PER_DAY = 86_400


def clean(value: str) -> str:
    """Text without the control characters a workbook cannot hold (they break the file)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def cents_text(cents: int) -> str:
    """Cents as an exact decimal number of euros: ``-1234505`` → ``-12345.05``, ``700`` → ``7``."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d}" if rest else f"{sign}{euros}"


def serial(value: date) -> str:
    """A date (or a point in time, shown in Köln's time) as an Excel serial number."""
    if isinstance(value, datetime):
        local = value.astimezone(BERLIN) if value.tzinfo else value
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        days = local.toordinal() - EXCEL_EPOCH
        return str(days + Decimal(seconds) / SECONDS_PER_DAY) if seconds else str(days)
    return str(value.toordinal() - EXCEL_EPOCH)


class _FileWriter(WorksheetWriter):
    """openpyxl's worksheet writer, but lxml writes into a Python file object that we keep, so
    rows of our own can be written into the same file once lxml is flushed."""

    file: IO[bytes] | None = None
    sink: Any = None  # lxml's incremental writer inside <worksheet>

    def get_stream(self) -> Generator[Any, Any, None]:
        # As WorksheetWriter.get_stream (openpyxl 3.1), with a file object instead of a path.
        with (
            open(self.out, "wb") as self.file,
            xmlfile(self.file) as xf,
            xf.element("worksheet", xmlns=SHEET_MAIN_NS),
        ):
            self.sink = xf
            try:
                while True:
                    element = yield
                    if element is True:
                        yield xf
                    elif element is None:
                        continue
                    else:
                        xf.write(element)
            except GeneratorExit:
                pass

    def write_raw(self, xml: str) -> None:
        self.sink.flush()
        assert self.file is not None  # noqa: S101 — set when the stream started
        self.file.write(xml.encode("utf-8"))


class RowWriter:
    """Writes the rows of one write-only worksheet: styled rows through openpyxl, data rows as
    rendered XML. Create it before the sheet's first row, after freeze panes and widths."""

    def __init__(self, sheet: WriteOnlyWorksheet, *, raw: bool | None = None) -> None:
        if sheet._writer is not None or sheet._rows is not None:
            raise RuntimeError("RowWriter must be created before the sheet's first row")
        self.sheet = sheet
        self.raw = LXML if raw is None else raw  # raw XML needs lxml's flushable writer
        self.rows = 0  # rows written (or pending) so far; the next one is number rows + 1
        self._pending: list[str] = []
        self._sink: Any = None  # the xmlfile writer inside <sheetData>
        writer = _FileWriter(sheet) if self.raw else WorksheetWriter(sheet)
        writer.write_top()  # views (freeze panes) and column widths: must come before the rows
        sheet._writer = writer
        sheet._rows = self._row_generator()
        next(sheet._rows)  # opens <sheetData>

    def _row_generator(self) -> Generator[None, Any, None]:
        # As WriteOnlyWorksheet._write_rows (openpyxl 3.1), counting our rows too.
        writer = self.sheet._writer
        xf = self._sink = writer.xf.send(True)
        with xf.element("sheetData"):
            try:
                while True:
                    values = yield
                    self._flush()
                    self.rows += 1
                    writer.write_row(xf, self.sheet._values_to_row(values, self.rows), self.rows)
            except GeneratorExit:
                self._flush()
        writer.xf.send(None)

    def append(self, cells: Sequence[Any]) -> None:
        """A row of values or styled cells, written by openpyxl (``sheet.append`` does the same)."""
        self.sheet.append(list(cells))

    def xml(self, row_xml: str) -> None:
        """One ``<row>`` rendered for row number :attr:`rows` + 1."""
        self._pending.append(row_xml)
        self.rows += 1
        if len(self._pending) >= PENDING_ROWS:
            self._flush()

    def discard(self) -> None:
        """Give up a sheet that will not be saved: end its file properly and delete it."""
        if not self.sheet.closed:
            self.sheet.close()
        self.sheet._writer.cleanup()

    def _flush(self) -> None:
        if not self._pending:
            return
        xml = "".join(self._pending)
        self._pending.clear()
        if self.raw:
            self.sheet._writer.write_raw(xml)
            return
        for element in fromstring(f"<sheetData>{xml}</sheetData>"):
            self._sink.write(element)


class RowFormat:
    """Renders a row of values as ``<row>`` XML, each value typed by its column's kind.

    ``formats`` maps the kinds money, integer, number and date to number formats; their style ids are
    taken once from styled prototype cells, as is the style of quoted text (``quotePrefix``).
    A value that does not fit its column's kind is written as text (as ``TableSheet`` did);
    money needs :class:`~grants.money.Money` or integer cents.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, kinds: Sequence[Kind], formats: Mapping[str, str],
                 headers: Sequence[str] | None = None) -> None:  # fmt: skip
        self.kinds = list(kinds)
        self.headers = (
            list(headers) if headers is not None else [str(n) for n in range(1, len(kinds) + 1)]
        )
        self.letters = [get_column_letter(n) for n in range(1, len(self.kinds) + 1)]
        quoted = WriteOnlyCell(sheet, value="")
        quoted.quotePrefix = True
        self.quoted_style = quoted.style_id
        self._quoted = f' s="{self.quoted_style}"'
        styles = {}
        for kind, number_format in formats.items():
            prototype = WriteOnlyCell(sheet, value=0)
            prototype.number_format = number_format
            styles[kind] = prototype.style_id
        self._cells: list[Callable[[str, Any], str]] = [
            self._cell_function(kind, styles.get(kind, 0), header)
            for kind, header in zip(self.kinds, self.headers, strict=True)
        ]

    def render(self, number: int, values: Sequence[Any]) -> str:
        if len(values) != len(self.kinds):
            raise ValueError(f"{len(values)} values for {len(self.kinds)} columns")
        parts = [f'<row r="{number}">']
        suffix = str(number)
        for letter, cell, value in zip(self.letters, self._cells, values, strict=True):
            if value is not None:
                parts.append(cell(letter + suffix, value))
        parts.append("</row>")
        return "".join(parts)

    def text(self, ref: str, value: Any) -> str:
        text = value if isinstance(value, str) else str(value)
        special = NEEDS_CARE.search(text) is not None  # one scan; most texts need nothing
        if special:
            text = clean(text)
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
        if not text:
            return ""
        style = self._quoted if text[0] in FORMULA_FIRST else ""
        space = PRESERVE if text[0].isspace() or text[-1].isspace() else ""
        if special:
            text = escape(text, ENTITIES)
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def _cell_function(self, kind: Kind, style: int, header: str) -> Callable[[str, Any], str]:
        text = self.text
        if kind == "money":

            def money(ref: str, value: Any) -> str:
                if isinstance(value, Money):
                    value = value.cents
                elif not isinstance(value, int) or isinstance(value, bool):
                    raise TypeError(f"{header}: money needs Money or cents, got {value!r}")
                return f'<c r="{ref}" s="{style}" t="n"><v>{cents_text(value)}</v></c>'

            return money
        if kind == "date":

            def day(ref: str, value: Any) -> str:
                if not isinstance(value, date):
                    return text(ref, value)
                return f'<c r="{ref}" s="{style}" t="n"><v>{serial(value)}</v></c>'

            return day
        if kind in ("integer", "number"):

            def integer(ref: str, value: Any) -> str:
                if isinstance(value, bool) or not isinstance(value, int | Decimal):
                    return text(ref, value)
                number = format(value, "f") if isinstance(value, Decimal) else str(value)
                return f'<c r="{ref}" s="{style}" t="n"><v>{number}</v></c>'

            return integer
        return text


def write_rows(writer: RowWriter, form: RowFormat, rows: Iterable[Sequence[Any]]) -> int:
    """Render and write many rows; returns the number of the last row written."""
    for values in rows:
        writer.xml(form.render(writer.rows + 1, values))
    return writer.rows
