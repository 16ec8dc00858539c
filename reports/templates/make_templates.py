"""Build the Word template ``reports/templates/letter.docx`` from python-docx's default document.

Run once from the repository root, and again only after changing this script; commit the
resulting .docx together with it:

    .venv/bin/python -m reports.templates.make_templates

Starting from python-docx's default document guarantees that the styles the generators use
(``REQUIRED_STYLES``: Title, Heading 1, Heading 2, Table Grid, List Bullet) are defined in the
template; a Word-authored template may lack them (stack.md §5.2). The script adds A4 pages,
German as the proofing language, Arial as the font of every style, the letterhead line in the
header and neutral core properties.

Arial rather than the default theme fonts (Calibri, Cambria): LibreOffice, which the cash office
and many associations use, ships the metric-compatible Liberation Sans for it, so lines and table
cells break where Word breaks them; a substitute for Calibri is wider and splits amounts.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm

from grants import clock
from reports.word.documents import AUTHOR, LANGUAGE, REQUIRED_STYLES, TEMPLATE

FONT = "Arial"
HEADER_LINE = (
    "Stadt Köln · Die Oberbürgermeisterin · Amt für Integration und Vielfalt · "
    "Kommunales Integrationszentrum"
)


def letter() -> DocxDocument:
    """The letter template: A4, German, letterhead line, neutral core properties."""
    document = Document()
    missing = [name for name in REQUIRED_STYLES if name not in document.styles]
    if missing:
        raise SystemExit(f"python-docx's default document lacks the styles {missing}")
    _page_setup(document)
    _german(document)
    _font(document)
    document.sections[0].header.paragraphs[0].text = HEADER_LINE
    properties = document.core_properties
    properties.author = properties.last_modified_by = AUTHOR
    properties.title = properties.comments = properties.subject = properties.keywords = ""
    properties.language = LANGUAGE
    properties.created = properties.modified = clock.now()
    return document


def _page_setup(document: DocxDocument) -> None:
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
        section.header_distance = section.footer_distance = Cm(1.25)


def _font(document: DocxDocument) -> None:
    """``FONT`` for every script in the defaults and in every style, instead of theme fonts."""
    for fonts in document.styles.element.xpath(".//w:rFonts"):
        for name in list(fonts.attrib):
            if name.endswith("Theme") or name.endswith("theme"):
                del fonts.attrib[name]
        for script in ("ascii", "hAnsi", "cs", "eastAsia"):
            fonts.set(qn(f"w:{script}"), FONT)


def _german(document: DocxDocument) -> None:
    for lang in document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang.set(qn("w:val"), LANGUAGE)


def main() -> None:
    """Write the templates next to this script."""
    letter().save(str(Path(__file__).with_name(TEMPLATE)))


if __name__ == "__main__":
    main()
