"""The fast rows of the write-only sheets (reports.excel.fast_rows): what they write must read
back as openpyxl's own cells would — in openpyxl and in LibreOffice — and a change of openpyxl's
internals they rely on must fail here, not in a download."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter

from grants.money import Money
from reports.excel import fast_rows
from reports.excel.fast_rows import RowFormat, RowWriter, cents_text, serial
from reports.excel.workbooks import (
    DATE,
    EUR,
    INTEGER,
    NUMBER_FORMATS,
    PLAIN,
    Column,
    TableSheet,
    new_workbook,
    to_bytes,
)
from tests.support.office import calc_rows

EVIL = '=HYPERLINK("http://boese.example","Klick")\x0b e. V.'
COLUMNS = (
    Column("Text", 30),
    Column("Betrag", 14, "money", total=True),
    Column("Datum", 11, "date"),
    Column("Anzahl", 9, "integer", total=True),
    Column("Jahr", 8, "number"),
)
ROWS = [
    (EVIL, Money(123_456), date(2026, 1, 2), 5, 2026),
    ("Köln & Söhne <GmbH> \"Straße\" 'ß'", -5, date(2026, 12, 31), Decimal(7), 2027),
    ("  führende und folgende Leerzeichen  ", 1, "kein Datum", "keine Zahl", None),
    ("+49 221 12345", 0, None, None, None),
    ("-minus", 99_999_999_999, datetime(2026, 3, 29, 0, 30, tzinfo=UTC), 0, None),  # 01:30 in Köln
    ("@mention", None, None, None, None),
    (None, 10, None, None, None),
    ("", 100, None, None, None),
    ("Zeile\nzwei\r\ndrei", 12_345, None, None, None),
]


def workbook_bytes(rows=ROWS) -> bytes:
    workbook = new_workbook()
    sheet = TableSheet(workbook, "Test", COLUMNS, title="Titel", selection="Auswahl",
                       created_at=datetime(2026, 11, 25, 9, tzinfo=UTC))  # fmt: skip
    sheet.row(rows[0])
    sheet.rows(rows[1:])
    assert sheet.totals("Summe") == 5 + len(rows) + 1
    sheet.blank()
    sheet.labelled("danach", Money(42))
    return to_bytes(workbook)


def test_openpyxl_is_the_version_whose_internals_we_use():
    """fast_rows copies two pieces of openpyxl 3.1 (pinned >=3.1.5,<3.2): if these move, the
    pin must not be lifted before fast_rows is adapted."""
    major, minor, *_ = (int(part) for part in openpyxl.__version__.split(".")[:3])
    assert (major, minor) == (3, 1)
    assert openpyxl.LXML  # the fast path: lxml writes into our file, flushable
    for name in ("_write_rows", "_get_writer", "_values_to_row", "close"):
        assert callable(getattr(WriteOnlyWorksheet, name)), name
    assert {"_writer", "_rows"} <= set(dir(WriteOnlyWorksheet))
    for name in ("get_stream", "write_top", "write_row", "write_tail", "close", "cleanup"):
        assert callable(getattr(WorksheetWriter, name)), name
    assert WorksheetWriter.__init__.__code__.co_varnames[:3] == ("self", "ws", "out")


@pytest.mark.parametrize("raw", [True, False], ids=["raw-xml", "parsed-elements"])
def test_rows_read_back_as_written(raw, monkeypatch):
    """Both paths: rows written into the file (lxml) or parsed and written as elements
    (openpyxl without lxml)."""
    monkeypatch.setattr(fast_rows, "LXML", raw)
    sheet = load_workbook(io.BytesIO(workbook_bytes()))["Test"]
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == f"A5:E{5 + len(ROWS)}"
    assert sheet.column_dimensions["A"].width == 30
    assert [c.value for c in sheet[5]] == [c.header for c in COLUMNS]
    assert all(c.font.bold for c in sheet[5])
    cells = [list(row) for row in sheet.iter_rows(min_row=6, max_row=5 + len(ROWS))]
    text = [row[0] for row in cells]
    assert text[0].value == EVIL.replace("\x0b", "")  # no control character, no formula
    assert text[0].data_type == "s"
    assert [c.quotePrefix for c in text[:6]] == [True, False, False, True, True, True]
    assert text[1].value == "Köln & Söhne <GmbH> \"Straße\" 'ß'"
    assert text[2].value == "  führende und folgende Leerzeichen  "
    assert (text[6].value, text[7].value, text[8].value) == (None, None, "Zeile\nzwei\r\ndrei")
    money = [row[1] for row in cells]
    assert [c.value for c in money] == [
        1234.56,
        -0.05,
        0.01,
        0,
        999_999_999.99,
        None,
        0.1,
        1,
        123.45,
    ]
    assert all(c.number_format == EUR for c in money if c.value is not None)
    days = [row[2] for row in cells]
    assert days[0].value == datetime(2026, 1, 2)
    assert days[0].number_format == DATE
    assert days[1].value == datetime(2026, 12, 31)
    assert (days[2].value, days[2].data_type) == ("kein Datum", "s")
    assert days[4].value == datetime(2026, 3, 29, 1, 30)  # Köln time, as a serial with a fraction
    counts = [row[3] for row in cells]
    assert [c.value for c in counts[:5]] == [5, 7, "keine Zahl", None, 0]
    assert counts[0].number_format == INTEGER
    assert cells[0][4].value == 2026
    assert cells[0][4].number_format == PLAIN
    totals = sheet[6 + len(ROWS)]
    assert totals[0].value == "Summe"
    assert totals[0].font.bold
    assert totals[1].value == f"=SUM(B6:B{5 + len(ROWS)})"
    assert totals[1].number_format == EUR
    assert totals[3].value == f"=SUM(D6:D{5 + len(ROWS)})"
    assert (sheet.cell(8 + len(ROWS), 1).value, sheet.cell(8 + len(ROWS), 2).value) == (
        "danach",
        0.42,
    )


def test_the_sheet_is_well_formed_xml_with_numbered_rows():
    with zipfile.ZipFile(io.BytesIO(workbook_bytes())) as archive:
        root = etree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    numbers = [int(r.get("r")) for r in root.iterfind("m:sheetData/m:row", ns)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == len(numbers)
    assert numbers[-1] == 8 + len(ROWS)
    for row in root.iterfind("m:sheetData/m:row", ns):
        for cell in row.iterfind("m:c", ns):
            assert cell.get("r").endswith(row.get("r"))
    tags = [e.tag.split("}")[1] for e in root]
    assert (
        tags.index("sheetViews")
        < tags.index("cols")
        < tags.index("sheetData")
        < tags.index("autoFilter")
    )


@pytest.mark.office
def test_libreoffice_reads_the_rows_and_calculates_the_totals():
    table = calc_rows(workbook_bytes())
    assert table[0][0] == "Titel"
    assert table[4][:5] == [c.header for c in COLUMNS]
    data = table[5 : 5 + len(ROWS)]
    assert data[0][0] == EVIL.replace("\x0b", "")
    assert data[1][0] == "Köln & Söhne <GmbH> \"Straße\" 'ß'"
    assert data[3][0] == "+49 221 12345"
    assert data[4][0] == "-minus"
    assert data[5][0] == "@mention"
    totals = table[5 + len(ROWS)]
    assert totals[0] == "Summe"
    expected = sum(r[1].cents if isinstance(r[1], Money) else (r[1] or 0) for r in ROWS)
    assert Decimal(totals[1]) == Decimal(expected) / 100
    assert Decimal(totals[3]) == 12


def test_money_and_dates_are_exact():
    assert [cents_text(c) for c in (0, 1, -1, 100, -100, 123_456, -1_234_505, 10**15 + 7)] == [
        "0", "0.01", "-0.01", "1", "-1", "1234.56", "-12345.05", "10000000000000.07",
    ]  # fmt: skip
    assert serial(date(1900, 3, 1)) == "61"
    assert serial(date(2026, 1, 1)) == "46023"
    with pytest.raises(TypeError, match="Betrag: money needs Money or cents"):
        RowFormat(new_workbook().create_sheet("x"), ["money"], NUMBER_FORMATS, ["Betrag"]).render(
            1, [1.5]
        )


def test_rows_are_checked_and_the_writer_comes_first():
    workbook = new_workbook()
    sheet = TableSheet(
        workbook, "x", COLUMNS, title="t", selection="s", created_at=datetime.now(UTC)
    )
    with pytest.raises(ValueError, match="4 values for 5 columns"):
        sheet.row(("a", 1, None, None))
    path = sheet.sheet._writer.out
    sheet.discard()  # a sheet given up: its file is complete, then gone
    assert not os.path.exists(path)
    late = workbook.create_sheet("y")
    late.append(["schon eine Zeile"])
    with pytest.raises(RuntimeError, match="before the sheet's first row"):
        RowWriter(late)
    late.close()
    late._writer.cleanup()


def test_long_texts_are_cut_to_what_a_cell_holds():
    sheet = load_workbook(io.BytesIO(workbook_bytes([("x" * 40_000, 1, None, None, None)])))["Test"]
    assert len(sheet["A6"].value) == fast_rows.MAX_TEXT


def test_the_quick_check_finds_every_character_that_needs_care():
    """Text without these is written as it is; with one, it is cleaned and escaped."""
    for code in range(0x80):
        char = chr(code)
        wanted = bool(ILLEGAL_CHARACTERS_RE.search(char)) or char in "&<>\r"
        assert bool(fast_rows.NEEDS_CARE.search(char)) == wanted, code
