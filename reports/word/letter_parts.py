"""What every letter of the KI shares: recipient block, file number and date, salutation, the
Rechtsbehelfsbelehrung (Klage beim Verwaltungsgericht Köln; NRW has no objection procedure),
the signature block, German dates, and the document's title and ASCII file name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from docx.document import Document as DocxDocument
from docx.shared import Pt

from grants.vocabulary import DocumentKind
from reports.word.documents import add_labelled, xml_safe

_UMLAUTS = str.maketrans(
    {"Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
)

SALUTATION = "Sehr geehrte Damen und Herren,"
LEGAL_REMEDY = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim "
    "Verwaltungsgericht Köln, Appellhofplatz, 50667 Köln, erhoben werden.",
    "Die Klage ist schriftlich oder zur Niederschrift der Urkundsbeamtin oder des "
    "Urkundsbeamten der Geschäftsstelle des Gerichts zu erheben. Sie kann auch als elektronisches "
    "Dokument nach Maßgabe des § 55a der Verwaltungsgerichtsordnung (VwGO) erhoben werden.",
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """The addressee: the organisation's exact legal name and postal address."""

    legal_name: str
    street: str
    postcode: str
    city: str


def document_title(kind: DocumentKind, file_number: str) -> str:
    """The document title, e.g. "Rückforderungsbescheid IKZ-2027-0004"."""
    return f"{kind.label} {file_number}"


def document_filename(kind: DocumentKind, file_number: str) -> str:
    """An ASCII file name, e.g. "Rueckforderungsbescheid-IKZ-2027-0004.docx"."""
    title = document_title(kind, file_number).translate(_UMLAUTS)
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-") + ".docx"


def add_letter_head(
    document: DocxDocument,
    recipient: Recipient,
    *,
    file_number: str,
    letter_date: date,
    heading: str,
    project: str,
) -> None:
    """Address, file number, date, the letter's heading (Title style), project and salutation."""
    for line in (recipient.legal_name, recipient.street, f"{recipient.postcode} {recipient.city}"):
        document.add_paragraph(xml_safe(line)).paragraph_format.space_after = Pt(0)
    document.add_paragraph()
    add_labelled(document, "Aktenzeichen", file_number)
    add_labelled(document, "Datum", date_text(letter_date))
    document.add_heading(heading, level=0)
    add_labelled(document, "Projekt", quoted(project))
    document.add_paragraph(SALUTATION)


def add_legal_remedy(document: DocxDocument, heading: str) -> None:
    """The Rechtsbehelfsbelehrung of a decision under its section heading."""
    document.add_heading(heading, level=1)
    for paragraph in LEGAL_REMEDY:
        document.add_paragraph(paragraph)


def add_signature(document: DocxDocument, name: str, title: str) -> None:
    """Closing, "Im Auftrag", room for the signature, name and function."""
    document.add_paragraph("Mit freundlichen Grüßen")
    document.add_paragraph("Im Auftrag")
    signer = document.add_paragraph(xml_safe(name))
    signer.paragraph_format.space_before = Pt(24)
    signer.paragraph_format.space_after = Pt(0)
    document.add_paragraph(xml_safe(title))


def date_text(day: date) -> str:
    """A date as the letters write it: 31.12.2026."""
    return f"{day:%d.%m.%Y}"


def period_text(start: date, end: date) -> str:
    """The period as the letters write it: "vom 01.01.2027 bis 31.12.2027"."""
    return f"vom {date_text(start)} bis {date_text(end)}"


def quoted(text: str) -> str:
    """Text in German quotation marks „…“."""
    return f"„{xml_safe(text)}“"
