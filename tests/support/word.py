"""Reading our Word documents back with python-docx: paragraphs, headings, sections, tables."""

from __future__ import annotations

import re

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table

AMOUNT = re.compile(r"-?\d{1,3}(?:\.\d{3})*,\d{2} €")
"""An amount as printed (after :func:`printed`)."""


def eur(amount: str) -> str:
    """An amount as :meth:`Money.format` writes it: "1.234,56" → "1.234,56\u00a0€"."""
    return f"{amount}\u00a0€"


def printed(text: str) -> str:
    """Text as the PDF shows it: a non-breaking space reads as a space."""
    return text.replace("\u00a0", " ")


def texts(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def headings(document: DocxDocument) -> list[tuple[str, str]]:
    return [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]


def under(document: DocxDocument, heading: str) -> list[str]:
    """The texts of the paragraphs after ``heading`` up to the next heading."""
    paragraphs = document.paragraphs
    start = [p.text for p in paragraphs].index(heading) + 1
    found: list[str] = []
    for paragraph in paragraphs[start:]:
        if paragraph.style.name.startswith("Heading"):
            break
        found.append(paragraph.text)
    return found


def rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def caption(table: Table) -> str:
    element = table._tbl.tblPr.find(qn("w:tblCaption"))
    return "" if element is None else element.get(qn("w:val"))


def table(document: DocxDocument, name: str) -> Table:
    [found] = [t for t in document.tables if caption(t) == name]
    return found


def body_text(document: DocxDocument) -> str:
    cells = (cell.text for t in document.tables for row in t.rows for cell in row.cells)
    return "\n".join([*texts(document), *cells])
