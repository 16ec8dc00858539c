"""Shared building blocks of the Word documents (python-docx, stack.md §5.2).

Every document starts from a packaged template, carries a title, the language ``de-DE`` and
the author in its core properties, numbers its pages in the footer ("Seite X von Y"), uses
real heading styles, and repeats table header rows on each page (quality.md §4.2 item 10).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from grants import clock
from grants.clock import BERLIN

TEMPLATE = "letter.docx"
AUTHOR = "Stadt Köln – Kommunales Integrationszentrum"
LANGUAGE = "de-DE"
TABLE_FONT_SIZE = Pt(10)
REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "Table Grid", "List Bullet")
"""Styles the generators use; each must be defined in the template."""

# XML 1.0 allows tab, newline and carriage return but no other control characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: header text, width, and whether it holds amounts (right-aligned)."""

    header: str
    width: Length
    money: bool = False


def open_template(name: str = TEMPLATE) -> DocxDocument:
    """A new document from a template packaged in ``reports/templates``."""
    data = (files("reports") / "templates" / name).read_bytes()
    return Document(io.BytesIO(data))


def set_properties(document: DocxDocument, title: str) -> None:
    """Core properties: title, language, author, and creation time now."""
    properties = document.core_properties
    now = clock.now()
    properties.title = xml_safe(title)
    properties.language = LANGUAGE
    properties.author = properties.last_modified_by = AUTHOR
    properties.created = properties.modified = now
    properties.revision = 1


def add_page_numbers(document: DocxDocument) -> None:
    """Write "Seite X von Y" with PAGE and NUMPAGES fields, centred, into every footer."""
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run("Seite ")
        add_field(paragraph, "PAGE")
        paragraph.add_run(" von ")
        add_field(paragraph, "NUMPAGES")


def add_field(paragraph: Paragraph, instruction: str) -> None:
    """Append a Word field (python-docx has no API for it): begin, code, result, end."""
    for tag, attributes, text in (
        ("w:fldChar", {"w:fldCharType": "begin"}, ""),
        ("w:instrText", {"xml:space": "preserve"}, f" {instruction} "),
        ("w:fldChar", {"w:fldCharType": "separate"}, ""),
        ("w:t", {}, "1"),
        ("w:fldChar", {"w:fldCharType": "end"}, ""),
    ):
        element = OxmlElement(tag, attrs={qn(k): v for k, v in attributes.items()})
        element.text = text or None
        paragraph.add_run()._r.append(element)


def repeat_as_header(row: _Row) -> None:
    """Mark a table row as header row, repeated at the top of each page (``w:tblHeader``)."""
    header = OxmlElement("w:tblHeader", attrs={qn("w:val"): "true"})
    row._tr.get_or_add_trPr().append(header)


def add_table(
    document: DocxDocument,
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    *,
    totals: Iterable[Sequence[str]] = (),
    caption: str = "",
) -> Table:
    """A "Table Grid" table: a repeated bold header row, the rows, then bold totals rows."""
    table = document.add_table(rows=0, cols=len(columns), style="Table Grid")
    table.autofit = False
    width = table._tbl.tblPr.find(qn("w:tblW"))  # fixed, so no reader widens a column
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(Length(sum(column.width for column in columns)).twips))
    for grid_column, column in zip(table.columns, columns, strict=True):
        grid_column.width = column.width
    header = _add_row(table, columns, [c.header for c in columns], bold=True)
    repeat_as_header(header)
    for values in rows:
        _add_row(table, columns, values)
    for values in totals:
        _add_row(table, columns, values, bold=True)
    if caption:
        table._tbl.tblPr.append(OxmlElement("w:tblCaption", attrs={qn("w:val"): caption}))
    return table


def add_labelled(document: DocxDocument, label: str, value: str) -> Paragraph:
    """A paragraph "Label: value" with the label in bold; an empty value shows as "–"."""
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(xml_safe(value) or "–")
    return paragraph


def add_text(document: DocxDocument, text: str, empty: str = "–") -> None:
    """Free text as paragraphs, one per non-blank line; ``empty`` when there is none."""
    lines = [line.strip() for line in xml_safe(text).splitlines() if line.strip()]
    for line in lines or [empty]:
        document.add_paragraph(line)


def add_bullets(document: DocxDocument, items: Iterable[str], empty: str = "–") -> None:
    """A bulleted list ("List Bullet"); the paragraph ``empty`` when there are no items."""
    texts = [xml_safe(item) for item in items]
    for text in texts:
        document.add_paragraph(text, style="List Bullet")
    if not texts:
        document.add_paragraph(empty)


def to_bytes(document: DocxDocument) -> bytes:
    """The document as the bytes of a .docx file."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def moment_text(value: Any) -> str:
    """An ISO date-time (or datetime) as "dd.mm.yyyy, HH:MM Uhr" in Köln time; naive values
    count as UTC; anything else as its text, nothing as ""."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr"


def xml_safe(text: str) -> str:
    """Text without the control characters XML cannot hold (they would break the file)."""
    return _NOT_XML.sub("", text)


def _add_row(
    table: Table, columns: Sequence[Column], values: Sequence[str], *, bold: bool = False
) -> _Row:
    row = table.add_row()
    for cell, column, value in zip(row.cells, columns, values, strict=True):
        _write_cell(cell, column, value, bold=bold)
    return row


def _write_cell(cell: _Cell, column: Column, value: str, *, bold: bool) -> None:
    cell.width = column.width
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    if column.money:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(xml_safe(value))
    run.font.size = TABLE_FONT_SIZE
    if bold:
        run.bold = True
