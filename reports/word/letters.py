"""The decision letters (Bescheide, DOMAIN.md §6) as Word documents, built from a :class:`Letter`.

One generator serves the four decision kinds: Zuwendungsbescheid, Teilbewilligungsbescheid,
Ablehnungsbescheid and Änderungsbescheid. Each letter has the sections I. and II. of its kind,
then III. Rechtsbehelfsbelehrung (Klage beim Verwaltungsgericht Köln; NRW has no objection
procedure) and the signature block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from babel.numbers import format_decimal
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from grants.deadlines import usage_report_due
from grants.money import LOCALE, Money
from grants.vocabulary import DecisionKind, DocumentKind, FinancingType, PaymentMode
from reports.word.documents import (
    Column,
    add_labelled,
    add_page_numbers,
    add_table,
    add_text,
    open_template,
    set_properties,
    to_bytes,
    xml_safe,
)
from reports.word.letter_parts import (
    Recipient,
    add_legal_remedy,
    add_letter_head,
    add_signature,
    date_text,
    document_filename,
    document_title,
    period_text,
    quoted,
)

T = TypeVar("T")
Reduction = tuple[str, Money, Money, str]
"""A cost line cut in a Teilbewilligung: label, requested, recognised, reason."""

GRANTING = frozenset({DecisionKind.APPROVAL, DecisionKind.PARTIAL_APPROVAL})
"""Kinds that grant money; their letters carry the Nebenbestimmungen and the ANBest-P as Anlage."""

_DOCUMENT_KINDS = {
    DecisionKind.APPROVAL: DocumentKind.GRANT_LETTER,
    DecisionKind.PARTIAL_APPROVAL: DocumentKind.PARTIAL_GRANT_LETTER,
    DecisionKind.REJECTION: DocumentKind.REJECTION_LETTER,
    DecisionKind.AMENDMENT: DocumentKind.AMENDMENT_LETTER,
}

DRAFT = "ENTWURF"
DRAFT_NOTE = "Vorschau ohne Rechtswirkung: nicht entschieden, nicht versandt, nicht gespeichert."
ANBEST_P = "Allgemeine Nebenbestimmungen für Zuwendungen zur Projektförderung (ANBest-P)"
CEILING = "Der Zuwendungsbetrag ist der Höchstbetrag."
BUDGET_RESERVATION = (
    "Die Bewilligung erfolgt unter dem Vorbehalt, dass der Rat der Stadt Köln die "
    "Haushaltsmittel bereitstellt. Bis die Haushaltssatzung in Kraft ist, werden Auszahlungen "
    "nur im Rahmen der vorläufigen Haushaltsführung (§ 82 GO NRW) geleistet."
)
PLAN_BINDING = (
    "Der Finanzierungsplan ist hinsichtlich des Gesamtergebnisses verbindlich. Einzelansätze "
    "dürfen um bis zu 20 v. H. überschritten werden, soweit die Überschreitung durch "
    "entsprechende Einsparungen bei anderen Einzelansätzen ausgeglichen wird (Nr. 1.2 ANBest-P)."
)
INTEREST = (
    "Die Zuwendung ist zu erstatten, soweit der Bescheid mit Wirkung für die Vergangenheit "
    "zurückgenommen oder widerrufen wird oder sonst unwirksam wird (§ 49a Abs. 1 VwVfG NRW). "
    "Der Erstattungsbetrag ist nach Maßgabe des § 49a Abs. 3 VwVfG NRW zu verzinsen. Wird die "
    "Zuwendung nicht innerhalb von zwei Monaten nach der Auszahlung für fällige Zahlungen "
    "verwendet, können für die Zeit von der Auszahlung bis zur zweckentsprechenden Verwendung "
    "Zinsen verlangt werden (§ 49a Abs. 4 VwVfG NRW)."
)
TWO_MONTH_RULE = (
    "Die Zuwendung wird auf Anforderung (Mittelabruf) über das Förderportal ausgezahlt. Sie "
    "darf nur insoweit und nicht eher angefordert werden, als sie innerhalb von zwei Monaten "
    "nach der Auszahlung für fällige Zahlungen benötigt wird (Nr. 1.4 ANBest-P)."
)
_DRAWING = {
    FinancingType.SHORTFALL: "erst, wenn die vorgesehenen eigenen und sonstigen Mittel "
    "verbraucht sind",
    FinancingType.FULL: "erst, wenn die vorgesehenen sonstigen Mittel verbraucht sind",
}
_PRO_RATA = "nur anteilig mit den vorgesehenen eigenen und sonstigen Mitteln"

YEAR_COLUMNS = (Column("Haushaltsjahr", Cm(5)), Column("Betrag", Cm(4), money=True))
INSTALMENT_COLUMNS = (
    Column("Rate", Cm(2.5)),
    Column("Fällig am", Cm(4)),
    Column("Betrag", Cm(4), money=True),
)
REDUCTION_COLUMNS = (  # 16 cm, the text width; an amount up to 999.999,99 € fits its cell
    Column("Ausgabeposition", Cm(4)),
    Column("Beantragt", Cm(2.7), money=True),
    Column("Anerkannt", Cm(2.7), money=True),
    Column("Kürzung", Cm(2.7), money=True),
    Column("Begründung", Cm(3.9)),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Letter:
    """Everything a decision letter says (DOMAIN.md §4 notation in the comments).

    ``share`` is a fraction (0.64 for 64 %). The fields of other financing types, kinds or
    payment modes may stay empty; a letter that needs a missing one raises ``ValueError``.
    """

    kind: DecisionKind
    file_number: str
    letter_date: date
    recipient: Recipient
    title: str
    period_start: date
    period_end: date
    financing_type: FinancingType
    eligible: Money  # A
    other_funding: Money  # D
    approved: Money  # Z
    requested: Money
    payment_mode: PaymentMode
    signer_name: str
    signer_title: str
    share: Decimal | None = None  # p
    cap: Money | None = None  # H
    fixed: Money | None = None  # F
    unit_rate: Money | None = None
    units: int | None = None
    years: Sequence[tuple[int, Money]] = ()
    payment_schedule: Sequence[tuple[date, Money]] = ()
    usage_report_due: date | None = None  # default: DOMAIN.md §5
    conditions: Sequence[tuple[str, str]] = ()  # chosen Nebenbestimmungen: (title, body)
    budget_reservation: bool = False
    reasons: str = ""
    reductions: Sequence[Reduction] = ()
    previous_approved: Money | None = None
    original_date: date | None = None  # of the decision an amendment changes
    changes: str = ""
    draft: bool = False  # a preview: marked ENTWURF on every page, decides nothing


def letter_title(kind: DecisionKind, file_number: str) -> str:
    """The document title, e.g. "Zuwendungsbescheid IKZ-2027-0004"."""
    return document_title(_DOCUMENT_KINDS[kind], file_number)


def letter_filename(kind: DecisionKind, file_number: str) -> str:
    """An ASCII file name, e.g. "Zuwendungsbescheid-IKZ-2027-0004.docx"."""
    return document_filename(_DOCUMENT_KINDS[kind], file_number)


def letter_document(letter: Letter) -> bytes:
    """The decision letter as a .docx file: head, sections I.–III., signature."""
    document = open_template()
    title = letter_title(letter.kind, letter.file_number)
    set_properties(document, f"{DRAFT} – {title}" if letter.draft else title)
    add_page_numbers(document)
    if letter.draft:
        _draft_marking(document)
    _head(document, letter)
    _BODIES[letter.kind](document, letter)
    add_legal_remedy(document, "III. Rechtsbehelfsbelehrung")
    add_signature(document, letter.signer_name, letter.signer_title)
    if letter.kind in GRANTING:
        add_labelled(document, "Anlage", ANBEST_P)
    return to_bytes(document)


class FinancingTerms(Protocol):
    """What the sentence on financing type and amount reads: a :class:`Letter`, or the terms a
    review proposes (to show the sentence before there is a letter)."""

    @property
    def financing_type(self) -> FinancingType: ...
    @property
    def eligible(self) -> Money: ...
    @property
    def other_funding(self) -> Money: ...
    @property
    def approved(self) -> Money: ...
    @property
    def share(self) -> Decimal | None: ...
    @property
    def fixed(self) -> Money | None: ...
    @property
    def unit_rate(self) -> Money | None: ...
    @property
    def units(self) -> int | None: ...


def financing_sentence(letter: FinancingTerms) -> str:
    """Financing type and amount in the legal wording; "höchstens" names Z, which is ≤ H."""
    return f"Die Zuwendung wird als {_FINANCING[letter.financing_type](letter)} gewährt."


def _share(letter: FinancingTerms) -> str:
    share = format_decimal(_required(letter.share, "share") * 100, locale=LOCALE)
    return (
        f"Anteilfinanzierung in Höhe von {share} v. H. der zuwendungsfähigen Gesamtausgaben "
        f"von {letter.eligible.format()}, höchstens {letter.approved.format()},"
    )


def _shortfall(letter: FinancingTerms) -> str:
    return (
        "Fehlbedarfsfinanzierung in Höhe des Fehlbedarfs zwischen den zuwendungsfähigen "
        f"Gesamtausgaben von {letter.eligible.format()} und den eigenen und sonstigen Mitteln "
        f"von {letter.other_funding.format()}, höchstens {letter.approved.format()},"
    )


def _full(letter: FinancingTerms) -> str:
    other = letter.other_funding
    less = f" abzüglich der sonstigen Mittel von {other.format()}" if other else ""
    return (
        f"Vollfinanzierung der zuwendungsfähigen Gesamtausgaben von {letter.eligible.format()}"
        f"{less}, höchstens {letter.approved.format()},"
    )


def _fixed(letter: FinancingTerms) -> str:
    fixed = _required(letter.fixed, "fixed").format()
    return (
        f"Festbetragsfinanzierung in Höhe von {fixed} zu den zuwendungsfähigen Gesamtausgaben "
        f"von {letter.eligible.format()}"
    )


def _per_unit(letter: FinancingTerms) -> str:
    rate = _required(letter.unit_rate, "unit_rate").format()
    units = _required(letter.units, "units")
    return (
        f"Festbetragsfinanzierung in Höhe von {rate} je Einheit für {units} "
        f"{'Einheit' if units == 1 else 'Einheiten'}, insgesamt {letter.approved.format()},"
    )


_FINANCING: dict[FinancingType, Callable[[FinancingTerms], str]] = {
    FinancingType.SHARE: _share,
    FinancingType.SHORTFALL: _shortfall,
    FinancingType.FULL: _full,
    FinancingType.FIXED: _fixed,
    FinancingType.PER_UNIT: _per_unit,
}


def _draft_marking(document: DocxDocument) -> None:
    """The word ENTWURF large and red in every page header and once above the letter."""
    for section in document.sections:
        _draft_paragraph(section.header.add_paragraph())
    _draft_paragraph(document.add_paragraph())
    document.add_paragraph(DRAFT_NOTE)


def _draft_paragraph(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(DRAFT)
    run.bold = True
    run.font.size = Pt(28)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _head(document: DocxDocument, letter: Letter) -> None:
    add_letter_head(
        document,
        letter.recipient,
        file_number=letter.file_number,
        letter_date=letter.letter_date,
        heading=_DOCUMENT_KINDS[letter.kind].label,
        project=letter.title,
    )
    document.add_paragraph(
        "zu Ihrer Zuwendung ergeht folgender Änderungsbescheid:"
        if letter.kind == DecisionKind.AMENDMENT
        else "auf Ihren Antrag ergeht folgender Bescheid:"
    )


def _grant(document: DocxDocument, letter: Letter) -> None:
    """I. Bewilligung and II. Nebenbestimmungen of a (partial) approval."""
    document.add_heading("I. Bewilligung", level=1)
    document.add_paragraph(_granted(letter))
    document.add_paragraph(
        f"Zuwendungszweck: Die Zuwendung ist ausschließlich für das Projekt "
        f"{quoted(letter.title)} im Bewilligungszeitraum zu verwenden."
    )
    _financing(document, letter)
    _eligible(document, letter)
    _fiscal_years(document, letter)
    _payment(document, letter)
    _usage_report(document, letter)
    _conditions(document, letter)


def _granted(letter: Letter) -> str:
    text = (
        f"Ich bewillige Ihnen für den Bewilligungszeitraum "
        f"{_period(letter)} eine Zuwendung in Höhe von {letter.approved.format()} als nicht "
        "rückzahlbaren Zuschuss."
    )
    if letter.kind == DecisionKind.PARTIAL_APPROVAL:
        text += (
            f" Beantragt waren {letter.requested.format()}; im Übrigen wird der Antrag abgelehnt."
        )
    return text


def _financing(document: DocxDocument, letter: Letter) -> None:
    document.add_heading("Finanzierungsart und Höhe", level=2)
    document.add_paragraph(financing_sentence(letter))
    document.add_paragraph(CEILING)


def _eligible(document: DocxDocument, letter: Letter) -> None:
    document.add_heading("Zuwendungsfähige Ausgaben", level=2)
    document.add_paragraph(
        f"Die zuwendungsfähigen Gesamtausgaben werden auf {letter.eligible.format()} "
        f"festgesetzt; ihnen stehen eigene und sonstige Mittel von "
        f"{letter.other_funding.format()} gegenüber."
    )
    if letter.reasons.strip():
        add_text(document, letter.reasons)
    if letter.reductions:
        document.add_paragraph(
            "Folgende Ausgaben wurden nicht oder nicht in voller Höhe als zuwendungsfähig "
            "anerkannt:"
        )
        _reduction_table(document, letter.reductions)
    document.add_paragraph(PLAN_BINDING)


def _reduction_table(document: DocxDocument, reductions: Sequence[Reduction]) -> None:
    requested = Money.total(row[1] for row in reductions)
    recognised = Money.total(row[2] for row in reductions)
    add_table(
        document,
        REDUCTION_COLUMNS,
        [_reduction_row(*row) for row in reductions],
        totals=[_reduction_row("Summe", requested, recognised, "")],
        caption="Kürzungen gegenüber dem Antrag",
    )


def _reduction_row(label: str, requested: Money, recognised: Money, reason: str) -> tuple[str, ...]:
    return (
        label,
        requested.format(),
        recognised.format(),
        (requested - recognised).format(),
        reason,
    )


def _fiscal_years(document: DocxDocument, letter: Letter) -> None:
    if not letter.years:
        return
    document.add_heading("Haushaltsjahre", level=2)
    document.add_paragraph("Die Zuwendung verteilt sich wie folgt auf die Haushaltsjahre:")
    add_table(
        document,
        YEAR_COLUMNS,
        [(str(year), amount.format()) for year, amount in letter.years],
        totals=[("Summe", Money.total(amount for _, amount in letter.years).format())],
        caption="Aufteilung auf Haushaltsjahre",
    )


def _payment(document: DocxDocument, letter: Letter) -> None:
    document.add_heading("Auszahlung", level=2)
    if letter.payment_mode == PaymentMode.INSTALMENTS:
        _instalments(document, letter.payment_schedule)
        return
    drawing = _DRAWING.get(letter.financing_type, _PRO_RATA)
    document.add_paragraph(f"{TWO_MONTH_RULE} Sie darf {drawing} angefordert werden.")


def _instalments(document: DocxDocument, schedule: Sequence[tuple[date, Money]]) -> None:
    document.add_paragraph(
        "Die Zuwendung wird ohne besondere Anforderung in folgenden Raten ausgezahlt:"
    )
    add_table(
        document,
        INSTALMENT_COLUMNS,
        [(f"{n}.", date_text(due), amount.format()) for n, (due, amount) in enumerate(schedule, 1)],
        totals=[("Summe", "", Money.total(amount for _, amount in schedule).format())],
        caption="Auszahlungsplan",
    )


def _usage_report(document: DocxDocument, letter: Letter) -> None:
    due = letter.usage_report_due or usage_report_due(letter.period_end)
    document.add_heading("Verwendungsnachweis", level=2)
    document.add_paragraph(
        f"Die Verwendung der Zuwendung ist bis zum {date_text(due)} nachzuweisen. Der "
        "Verwendungsnachweis besteht aus einem Sachbericht und einem zahlenmäßigen Nachweis mit "
        "Belegliste (Nr. 6 ANBest-P) und ist über das Förderportal einzureichen."
    )


def _conditions(document: DocxDocument, letter: Letter) -> None:
    document.add_heading("II. Nebenbestimmungen", level=1)
    document.add_heading("Allgemeine Nebenbestimmungen", level=2)
    document.add_paragraph(
        "Die beigefügten Allgemeinen Nebenbestimmungen für Zuwendungen zur Projektförderung "
        "(ANBest-P) sind Bestandteil dieses Bescheides."
    )
    if letter.conditions:
        document.add_heading("Besondere Nebenbestimmungen", level=2)
        for title, body in letter.conditions:
            document.add_paragraph().add_run(xml_safe(title)).bold = True
            add_text(document, body)
    document.add_heading("Erstattung und Verzinsung", level=2)
    document.add_paragraph(INTEREST)
    _budget_reservation(document, letter)


def _budget_reservation(document: DocxDocument, letter: Letter) -> None:
    if letter.budget_reservation:
        document.add_heading("Haushaltsvorbehalt", level=2)
        document.add_paragraph(BUDGET_RESERVATION)


def _rejection(document: DocxDocument, letter: Letter) -> None:
    """I. Ablehnung and II. Begründung."""
    document.add_heading("I. Ablehnung", level=1)
    document.add_paragraph(
        f"Ihren Antrag auf Gewährung einer Zuwendung in Höhe von {letter.requested.format()} "
        f"für das Projekt {quoted(letter.title)} lehne ich ab."
    )
    document.add_heading("II. Begründung", level=1)
    add_text(document, letter.reasons)


def _amendment(document: DocxDocument, letter: Letter) -> None:
    """I. Änderung (what changes, previous and new amount) and II. what stays in force."""
    document.add_heading("I. Änderung", level=1)
    document.add_paragraph(f"Der {_original(letter)} wird wie folgt geändert:")
    add_text(document, letter.changes)
    document.add_heading("Zuwendungsbetrag", level=2)
    document.add_paragraph(_amount_change(letter))
    document.add_paragraph(financing_sentence(letter))
    document.add_paragraph(CEILING)
    _fiscal_years(document, letter)
    if letter.reasons.strip():
        document.add_heading("Begründung", level=2)
        add_text(document, letter.reasons)
    document.add_heading("II. Fortgeltung des Zuwendungsbescheides", level=1)
    document.add_paragraph(
        f"Im Übrigen bleibt der {_original(letter)} einschließlich seiner Nebenbestimmungen "
        "unverändert wirksam."
    )
    _budget_reservation(document, letter)


def _original(letter: Letter) -> str:
    issued = f" vom {date_text(letter.original_date)}" if letter.original_date else ""
    return f"Zuwendungsbescheid{issued} (Aktenzeichen {xml_safe(letter.file_number)})"


def _amount_change(letter: Letter) -> str:
    previous = _required(letter.previous_approved, "previous_approved")
    new = letter.approved.format()
    if previous == letter.approved:
        return f"Die Zuwendung bleibt unverändert bei {new}."
    verb = "erhöht" if letter.approved > previous else "verringert"
    return f"Die Zuwendung wird von bisher {previous.format()} auf nunmehr {new} {verb}."


_BODIES: dict[DecisionKind, Callable[[DocxDocument, Letter], None]] = {
    DecisionKind.APPROVAL: _grant,
    DecisionKind.PARTIAL_APPROVAL: _grant,
    DecisionKind.REJECTION: _rejection,
    DecisionKind.AMENDMENT: _amendment,
}


def _period(letter: Letter) -> str:
    return period_text(letter.period_start, letter.period_end)


def _required(value: T | None, field: str) -> T:
    if value is None:
        raise ValueError(f"Letter.{field} is required for this letter")
    return value
