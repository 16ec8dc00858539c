"""The settlement documents of a usage report (DOMAIN.md §4–§6) as Word documents.

Four renderers, each ``(SettlementLetter) -> bytes``: the internal Prüfvermerk (audit memo), the
Anhörung before a refund (§ 28 VwVfG NRW, not a decision), the Rückforderungsbescheid (revocation,
refund and interest under §§ 49, 49a VwVfG NRW) and the Prüfungsmitteilung when nothing is
refunded. The figures are given; nothing is computed here but sums and differences to show them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from docx.document import Document as DocxDocument
from docx.shared import Cm, Pt

from grants.money import Money
from grants.vocabulary import DocumentKind, FinancingType, PlanLineKind
from reports.word.documents import (
    Column,
    add_bullets,
    add_labelled,
    add_page_numbers,
    add_table,
    moment_text,
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
    document_title,
    period_text,
    quoted,
)

T = TypeVar("T")
OFFICE = "Kommunales Integrationszentrum"
"""Signs the letters and is named with the contact person."""
RATE = "drei Prozentpunkten über dem Basiszinssatz jährlich"
CASH_OFFICE = (
    "Stadt Köln – Stadtkasse, Sparkasse KölnBonn, IBAN: [IBAN der Stadtkasse], BIC: COLSDE33"
)
"""The city's account for refunds; the Stadtkasse fills in its IBAN in the letter template."""
REVOCATION = "§ 49 Abs. 3 Satz 1 Nr. 1 VwVfG NRW"
SIGN_LINE = "Köln, den ____________________   Unterschrift ______________________________"

LINE_COLUMNS = (  # 16 cm, the text width
    Column("Position", Cm(3.5)),
    Column("Plan", Cm(2.7), money=True),
    Column("Ist", Cm(2.7), money=True),
    Column("Anerkannt", Cm(2.7), money=True),
    Column("Begründung", Cm(4.4)),
)
DEVIATION_COLUMNS = (
    Column("Position", Cm(3.6)),
    Column("Nachgewiesen", Cm(3), money=True),
    Column("Anerkannt", Cm(2.7), money=True),
    Column("Differenz", Cm(2.7), money=True),
    Column("Begründung", Cm(4)),
)
FIGURE_COLUMNS = (Column("Berechnung", Cm(11)), Column("Betrag", Cm(5), money=True))

_FINAL_RULE = {
    FinancingType.SHORTFALL: "Fehlbedarfsfinanzierung: Z′ = min(Z; max(0; A′ − D′)).",
    FinancingType.FULL: "Vollfinanzierung: Z′ = min(Z; max(0; A′ − D′)), wie beim Fehlbedarf.",
    FinancingType.SHARE: "Anteilfinanzierung: Z′ = min(H; p · A′) − p · max(0; D′ − D), "
    "nicht unter 0 und nicht über Z (Nr. 2.1 ANBest-P).",
    FinancingType.FIXED: "Festbetragsfinanzierung: Z′ = min(F; A′); Mehreinnahmen mindern die "
    "Zuwendung nicht.",
    FinancingType.PER_UNIT: "Festbetrag je Einheit: Z′ = Betrag je Einheit × min(erbrachte "
    "Einheiten; geplante Einheiten).",
}
_REDUCTION_REASON = {
    FinancingType.SHORTFALL: "Bei der Fehlbedarfsfinanzierung deckt die Zuwendung nur den "
    "Fehlbedarf zwischen den zuwendungsfähigen Ausgaben und den eigenen und sonstigen Mitteln. "
    "Verringern sich die Ausgaben oder erhöhen sich die Deckungsmittel, ermäßigt sich die "
    "Zuwendung um diesen Betrag (Nr. 2 ANBest-P).",
    FinancingType.FULL: "Bei der Vollfinanzierung deckt die Zuwendung die zuwendungsfähigen "
    "Ausgaben, soweit sie nicht durch sonstige Mittel gedeckt sind. Verringern sich die Ausgaben "
    "oder erhöhen sich die Deckungsmittel, ermäßigt sich die Zuwendung um diesen Betrag "
    "(Nr. 2 ANBest-P).",
    FinancingType.SHARE: "Bei der Anteilfinanzierung ermäßigt sich die Zuwendung anteilig, wenn "
    "sich die zuwendungsfähigen Ausgaben verringern oder die Deckungsmittel erhöhen "
    "(Nr. 2.1 ANBest-P).",
    FinancingType.FIXED: "Bei der Festbetragsfinanzierung ermäßigt sich die Zuwendung, soweit die "
    "anerkannten zuwendungsfähigen Ausgaben den Festbetrag unterschreiten.",
    FinancingType.PER_UNIT: "Der Festbetrag je Einheit steht nur für die tatsächlich erbrachten "
    "Einheiten zu.",
}


@dataclass(frozen=True, slots=True)
class SettledLine:
    """A line of the approved plan with its actual and what the KI recognised, and why."""

    label: str
    kind: PlanLineKind
    plan: Money
    actual: Money
    recognised: Money
    reason: str


@dataclass(frozen=True, slots=True)
class SettlementLetter:
    """Everything the settlement documents say (DOMAIN.md §4 notation in the comments)."""

    file_number: str
    letter_date: date
    recipient: Mapping[str, str]  # legal_name, street, postcode, city
    title: str
    decision_date: date  # of the Zuwendungsbescheid
    period_start: date
    period_end: date
    financing_type: FinancingType
    approved: Money  # Z
    paid: Money  # P
    recognised_expenses: Money  # A′
    recognised_other_funding: Money  # D′
    final: Money  # Z′
    refund: Money
    subsequent: Money
    interest: Money  # § 49a Abs. 3 VwVfG NRW, up to refund_due
    late_use_interest: Money  # § 49a Abs. 4 VwVfG NRW
    interest_from: date | None
    hearing_deadline: date | None
    refund_due: date | None
    lines: tuple[SettledLine, ...]
    checks: tuple[str, ...]  # the automatic checks' findings, as German sentences
    sample: Mapping[str, Any] | None  # UsageReport.sample
    reviewer_name: str
    signer_name: str


def audit_memo(letter: SettlementLetter) -> bytes:
    """Prüfvermerk über die Prüfung des Verwendungsnachweises (internal, for the file)."""
    document = _new(DocumentKind.AUDIT_MEMO, letter)
    document.add_heading("Prüfvermerk", level=0)
    document.add_paragraph("über die Prüfung des Verwendungsnachweises")
    add_labelled(document, "Aktenzeichen", letter.file_number)
    add_labelled(document, "Datum", date_text(letter.letter_date))
    add_labelled(document, "Zuwendungsempfänger", letter.recipient.get("legal_name", ""))
    add_labelled(document, "Projekt", quoted(letter.title))
    _memo_grant(document, letter)
    _memo_lines(document, letter)
    document.add_heading("3. Automatische Prüfungen", level=1)
    add_bullets(
        document, letter.checks, "Die automatischen Prüfungen ergaben keine Feststellungen."
    )
    _memo_sample(document, letter.sample)
    _memo_computation(document, letter)
    document.add_heading("6. Ergebnis", level=1)
    document.add_paragraph(_memo_result(letter))
    _memo_sign_off(document, letter)
    return to_bytes(document)


def hearing_letter(letter: SettlementLetter) -> bytes:
    """Anhörung gemäß § 28 VwVfG NRW before the refund: no decision, so no legal remedy."""
    deadline = _required(letter.hearing_deadline, "hearing_deadline")
    _require_claim(letter)
    document = _new(DocumentKind.HEARING_LETTER, letter)
    _head(document, letter, "Anhörung gemäß § 28 VwVfG NRW")
    document.add_paragraph(
        f"mit Bescheid vom {date_text(letter.decision_date)} habe ich Ihnen für das Projekt "
        f"{quoted(letter.title)} {_grant_terms(letter)} Ich habe Ihren Verwendungsnachweis "
        "geprüft. Bevor ich darüber entscheide, gebe ich Ihnen Gelegenheit, sich zu äußern."
    )
    document.add_heading("Beabsichtigte Entscheidung", level=1)
    if letter.refund:
        document.add_paragraph(
            f"Ich beabsichtige, den Zuwendungsbescheid vom {date_text(letter.decision_date)} "
            f"{_revocation(letter)} nach {REVOCATION} zu widerrufen, die Zuwendung auf "
            f"{letter.final.format()} festzusetzen und den überzahlten Betrag von "
            f"{letter.refund.format()} nach § 49a Abs. 1 VwVfG NRW zurückzufordern."
        )
        document.add_paragraph(_interest_intended(letter))
    if letter.late_use_interest:
        document.add_paragraph(
            "Für ausgezahlte Mittel, die Sie nicht innerhalb von zwei Monaten nach der Auszahlung "
            "für fällige Zahlungen verwendet haben, beabsichtige ich, Zinsen nach § 49a Abs. 4 "
            f"VwVfG NRW in Höhe von {letter.late_use_interest.format()} zu verlangen."
        )
    document.add_heading("Gründe", level=1)
    _reasons(document, letter)
    document.add_heading("Gelegenheit zur Stellungnahme", level=1)
    document.add_paragraph(
        "Nach § 28 Abs. 1 VwVfG NRW haben Sie Gelegenheit, sich zu den für die Entscheidung "
        f"erheblichen Tatsachen zu äußern. Bitte nehmen Sie bis zum {date_text(deadline)} "
        "schriftlich oder über das Förderportal Stellung und geben Sie dabei das Aktenzeichen an. "
        "Geht bis dahin keine Stellungnahme ein, entscheide ich nach Aktenlage."
    )
    if letter.refund:
        document.add_paragraph(
            "Von der Geltendmachung des Zinsanspruchs kann insbesondere dann abgesehen werden, "
            "wenn Sie die Umstände, die zum Widerruf geführt haben, nicht zu vertreten haben und "
            "den zu erstattenden Betrag innerhalb der festgesetzten Frist leisten (§ 49a Abs. 3 "
            "Satz 2 VwVfG NRW). Solche Umstände können Sie in Ihrer Stellungnahme darlegen."
        )
    document.add_paragraph(
        "Dieses Schreiben ist kein Bescheid. Über die Rückforderung entscheide ich erst nach "
        "Ablauf der Frist unter Berücksichtigung Ihrer Stellungnahme."
    )
    add_labelled(document, "Ansprechperson", f"{letter.reviewer_name}, {OFFICE}")
    add_signature(document, letter.signer_name, OFFICE)
    return to_bytes(document)


def refund_decision(letter: SettlementLetter) -> bytes:
    """Rückforderungsbescheid: I. Entscheidung, II. Begründung, III. Rechtsbehelfsbelehrung."""
    _require_claim(letter)
    due = _required(letter.refund_due, "refund_due")
    deadline = _required(letter.hearing_deadline, "hearing_deadline")
    document = _new(DocumentKind.REFUND_LETTER, letter)
    _head(document, letter, DocumentKind.REFUND_LETTER.label)
    document.add_paragraph("nach Prüfung Ihres Verwendungsnachweises ergeht folgender Bescheid:")
    document.add_heading("I. Entscheidung", level=1)
    for number, sentence in enumerate(_tenor(letter, due), 1):
        document.add_paragraph(f"{number}. {sentence}")
    _payment(document, letter, due)
    document.add_heading("II. Begründung", level=1)
    document.add_paragraph(
        f"Mit Bescheid vom {date_text(letter.decision_date)} habe ich Ihnen für das Projekt "
        f"{quoted(letter.title)} {_grant_terms(letter)}"
    )
    _reasons(document, letter)
    document.add_paragraph(
        "Vor dieser Entscheidung habe ich Ihnen Gelegenheit gegeben, sich bis zum "
        f"{date_text(deadline)} zu den für die Entscheidung erheblichen Tatsachen zu äußern "
        "(§ 28 Abs. 1 VwVfG NRW). Gesichtspunkte, die eine andere Entscheidung rechtfertigen, "
        "haben sich dabei nicht ergeben."
    )
    if letter.refund:
        document.add_paragraph(
            f"Rechtsgrundlage des Widerrufs ist {REVOCATION}: Die Zuwendung ist in Höhe von "
            f"{letter.refund.format()} nicht für den im Zuwendungsbescheid bestimmten Zweck "
            "verwendet worden; soweit sich die Zuwendung nach Nr. 2 ANBest-P bereits ermäßigt "
            "hat, ist der Bescheid insoweit unwirksam geworden. Der Widerruf steht in meinem "
            "Ermessen. Die Grundsätze der Wirtschaftlichkeit und Sparsamkeit gebieten es, nicht "
            "zweckentsprechend benötigte Zuwendungen zurückzufordern; besondere Umstände, die "
            "ein Absehen davon rechtfertigen, sind nicht ersichtlich. Die Frist des § 49 Abs. 3 "
            "Satz 2 in Verbindung mit § 48 Abs. 4 VwVfG NRW ist gewahrt."
        )
        document.add_paragraph(
            "Die Erstattungspflicht folgt aus § 49a Abs. 1 VwVfG NRW; der Erstattungsbetrag ist "
            "durch diesen Bescheid schriftlich festzusetzen. Nach § 49a Abs. 3 Satz 1 VwVfG NRW "
            f"ist er vom Eintritt der Unwirksamkeit an mit {RATE} zu verzinsen. Gründe, nach "
            "§ 49a Abs. 3 Satz 2 VwVfG NRW von der Zinsforderung abzusehen, liegen nicht vor."
        )
    if letter.late_use_interest:
        document.add_paragraph(
            "Ausgezahlte Mittel wurden nicht innerhalb von zwei Monaten nach der Auszahlung für "
            "fällige Zahlungen verwendet (Nr. 1.4 ANBest-P). Für die Zeit von der Auszahlung bis "
            "zur zweckentsprechenden Verwendung werden daher Zinsen nach § 49a Abs. 4 VwVfG NRW "
            f"in Verbindung mit Abs. 3 Satz 1 ({RATE}) verlangt."
        )
    add_legal_remedy(document, "III. Rechtsbehelfsbelehrung")
    add_signature(document, letter.signer_name, OFFICE)
    return to_bytes(document)


def audit_notice(letter: SettlementLetter) -> bytes:
    """Prüfungsmitteilung: the report is checked, nothing is refunded, the file is closed."""
    if letter.refund or letter.late_use_interest:
        raise ValueError("a refund or late-use interest needs a hearing and a refund decision")
    document = _new(DocumentKind.AUDIT_NOTICE, letter)
    _head(document, letter, DocumentKind.AUDIT_NOTICE.label)
    document.add_paragraph(
        f"ich habe den Verwendungsnachweis zu der Zuwendung aus meinem Bescheid vom "
        f"{date_text(letter.decision_date)} für den Bewilligungszeitraum "
        f"{period_text(letter.period_start, letter.period_end)} geprüft."
    )
    document.add_heading("Ergebnis der Prüfung", level=1)
    document.add_paragraph(_recognised_sentence(letter))
    document.add_paragraph(
        f"Die Zuwendung beträgt danach abschließend {letter.final.format()} (bewilligt: "
        f"{letter.approved.format()}, ausgezahlt: {letter.paid.format()})."
    )
    if letter.subsequent:
        document.add_paragraph(
            f"Ihnen steht noch ein Betrag von {letter.subsequent.format()} zu. Er wird Ihnen als "
            "Nachzahlung auf das im Antrag angegebene Konto überwiesen."
        )
    else:
        document.add_paragraph(
            "Die ausgezahlten Mittel wurden zweckentsprechend verwendet; ein Betrag ist weder "
            "zu erstatten noch nachzuzahlen."
        )
    _deviations(document, letter)
    document.add_paragraph("Die Prüfung des Verwendungsnachweises ist damit abgeschlossen.")
    document.add_heading("Hinweise", level=1)
    document.add_paragraph(
        "Bitte bewahren Sie die Belege und alle sonstigen mit der Förderung zusammenhängenden "
        "Unterlagen fünf Jahre nach Vorlage des Verwendungsnachweises auf, soweit nicht nach "
        "steuerrechtlichen oder anderen Vorschriften eine längere Aufbewahrungsfrist bestimmt ist "
        "(ANBest-P)."
    )
    document.add_paragraph(
        "Die Prüfungsrechte nach den ANBest-P, auch des Rechnungsprüfungsamtes der Stadt Köln, "
        "bleiben unberührt."
    )
    add_signature(document, letter.signer_name, OFFICE)
    return to_bytes(document)


def _new(kind: DocumentKind, letter: SettlementLetter) -> DocxDocument:
    document = open_template()
    set_properties(document, document_title(kind, letter.file_number))
    add_page_numbers(document)
    return document


def _head(document: DocxDocument, letter: SettlementLetter, heading: str) -> None:
    recipient = letter.recipient
    add_letter_head(
        document,
        Recipient(
            *(recipient.get(key, "") for key in ("legal_name", "street", "postcode", "city"))
        ),
        file_number=letter.file_number,
        letter_date=letter.letter_date,
        heading=heading,
        project=letter.title,
    )


def _grant_terms(letter: SettlementLetter) -> str:
    return (
        f"für den Bewilligungszeitraum {period_text(letter.period_start, letter.period_end)} eine "
        f"Zuwendung in Höhe von {letter.approved.format()} als "
        f"{letter.financing_type.label} bewilligt. Ausgezahlt wurden {letter.paid.format()}."
    )


def _revocation(letter: SettlementLetter) -> str:
    """E.g. "mit Wirkung vom 01.03.2026 teilweise"."""
    extent = "teilweise" if letter.final else "vollständig"
    if letter.interest_from:
        return f"mit Wirkung vom {date_text(letter.interest_from)} {extent}"
    return extent


def _interest_intended(letter: SettlementLetter) -> str:
    start = f" vom {date_text(letter.interest_from)} an" if letter.interest_from else ""
    text = f"Der Erstattungsbetrag wäre nach § 49a Abs. 3 Satz 1 VwVfG NRW{start} mit {RATE} zu "
    text += "verzinsen."
    if letter.refund_due and letter.interest:
        text += (
            f" Bei Zahlung bis zum {date_text(letter.refund_due)} betrügen die Zinsen "
            f"{letter.interest.format()}."
        )
    return text


def _tenor(letter: SettlementLetter, due: date) -> list[str]:
    tenor: list[str] = []
    if letter.refund:
        scope = (
            f", soweit die Zuwendung den Betrag von {letter.final.format()} übersteigt"
            if letter.final
            else ""
        )
        tenor += [
            f"Der Zuwendungsbescheid vom {date_text(letter.decision_date)} (Aktenzeichen "
            f"{xml_safe(letter.file_number)}) wird {_revocation(letter)} widerrufen{scope} "
            f"({REVOCATION}).",
            f"Die Zuwendung wird auf {letter.final.format()} festgesetzt.",
            f"Der zu erstattende Betrag wird auf {letter.refund.format()} festgesetzt "
            "(§ 49a Abs. 1 VwVfG NRW).",
            _interest_tenor(letter, due),
        ]
    if letter.late_use_interest:
        tenor.append(
            "Für ausgezahlte Mittel, die nicht innerhalb von zwei Monaten nach der Auszahlung "
            "verwendet wurden, werden für die Zeit von der Auszahlung bis zur "
            "zweckentsprechenden Verwendung Zinsen nach § 49a Abs. 4 VwVfG NRW in Höhe von "
            f"{letter.late_use_interest.format()} festgesetzt."
        )
    total = letter.refund + letter.interest + letter.late_use_interest
    tenor.append(f"Der Gesamtbetrag von {total.format()} ist bis zum {date_text(due)} zu zahlen.")
    return tenor


def _interest_tenor(letter: SettlementLetter, due: date) -> str:
    if not letter.interest:
        return "Von der Erhebung von Zinsen nach § 49a Abs. 3 VwVfG NRW wird abgesehen."
    start = date_text(_required(letter.interest_from, "interest_from"))
    return (
        f"Der Erstattungsbetrag ist vom {start} an mit {RATE} zu verzinsen (§ 49a Abs. 3 "
        f"Satz 1 VwVfG NRW). Die Zinsen betragen bis zum Fälligkeitstag {date_text(due)} "
        f"{letter.interest.format()}. Wird der Erstattungsbetrag später gezahlt, sind bis zum Tag "
        "der Zahlung weitere Zinsen zu entrichten; sie werden gesondert festgesetzt."
    )


def _payment(document: DocxDocument, letter: SettlementLetter, due: date) -> None:
    document.add_paragraph(
        f"Bitte überweisen Sie den Betrag bis zum {date_text(due)} unter Angabe des "
        "Kassenzeichens auf folgendes Konto:"
    )
    add_labelled(document, "Empfänger", CASH_OFFICE)
    add_labelled(document, "Kassenzeichen", letter.file_number)


def _reasons(document: DocxDocument, letter: SettlementLetter) -> None:
    """The recognised against the approved figures, the reduced lines, and why Z′ follows."""
    document.add_paragraph(_recognised_sentence(letter))
    _deviations(document, letter)
    if letter.refund:
        document.add_paragraph(
            f"{_REDUCTION_REASON[letter.financing_type]} Die Zuwendung ermäßigt sich daher von "
            f"{letter.approved.format()} auf {letter.final.format()}. Da Ihnen "
            f"{letter.paid.format()} ausgezahlt wurden, sind {letter.refund.format()} zu "
            "erstatten."
        )


def _recognised_sentence(letter: SettlementLetter) -> str:
    planned_expenses = _total(letter.lines, PlanLineKind.EXPENSE, "plan")
    planned_funding = _total(letter.lines, PlanLineKind.REVENUE, "plan")
    return (
        f"Als zuwendungsfähige Ausgaben erkenne ich {letter.recognised_expenses.format()} an "
        f"(Finanzierungsplan: {planned_expenses.format()}). Die eigenen und sonstigen Mittel "
        f"betragen {letter.recognised_other_funding.format()} (Finanzierungsplan: "
        f"{planned_funding.format()})."
    )


def _deviations(document: DocxDocument, letter: SettlementLetter) -> None:
    """The lines recognised other than shown in the usage report, with the reasons."""
    changed = [line for line in letter.lines if line.recognised != line.actual]
    if not changed:
        return
    document.add_paragraph("Folgende Positionen Ihres Nachweises habe ich abweichend anerkannt:")
    add_table(
        document,
        DEVIATION_COLUMNS,
        [
            (
                _line_label(line),
                line.actual.format(),
                line.recognised.format(),
                (line.recognised - line.actual).format(),
                line.reason,
            )
            for line in changed
        ],
        caption="Abweichend anerkannte Positionen",
    )


def _line_label(line: SettledLine) -> str:
    return line.label if line.kind == PlanLineKind.EXPENSE else f"{line.label} (Einnahme)"


def _memo_grant(document: DocxDocument, letter: SettlementLetter) -> None:
    document.add_heading("1. Zuwendung", level=1)
    add_labelled(document, "Zuwendungsbescheid vom", date_text(letter.decision_date))
    add_labelled(
        document, "Bewilligungszeitraum", period_text(letter.period_start, letter.period_end)
    )
    add_labelled(document, "Finanzierungsart", letter.financing_type.label)
    add_labelled(document, "Bewilligte Zuwendung (Z)", letter.approved.format())
    add_labelled(document, "Ausgezahlt (P)", letter.paid.format())


def _memo_lines(document: DocxDocument, letter: SettlementLetter) -> None:
    document.add_heading("2. Zahlenmäßiger Nachweis", level=1)
    for kind, heading in (
        (PlanLineKind.EXPENSE, "Ausgaben"),
        (PlanLineKind.REVENUE, "Eigene und sonstige Mittel"),
    ):
        document.add_heading(heading, level=2)
        lines = [line for line in letter.lines if line.kind == kind]
        add_table(
            document,
            LINE_COLUMNS,
            [
                (line.label, *(getattr(line, f).format() for f in _AMOUNTS), line.reason)
                for line in lines
            ],
            totals=[("Summe", *(_total(lines, kind, f).format() for f in _AMOUNTS), "")],
            caption=heading,
        )


_AMOUNTS = ("plan", "actual", "recognised")


def _total(lines: Sequence[SettledLine], kind: PlanLineKind, field: str) -> Money:
    return Money.total(getattr(line, field) for line in lines if line.kind == kind)


def _memo_sample(document: DocxDocument, sample: Mapping[str, Any] | None) -> None:
    document.add_heading("4. Stichprobe", level=1)
    if not sample:
        document.add_paragraph(
            "Keine Stichprobe: Belege wurden nicht zur vertieften Prüfung angefordert."
        )
        return
    document.add_paragraph(
        "Die vertiefte Prüfung wurde auf eine Stichprobe beschränkt (VV Nr. 11.1 zu § 44 LHO)."
    )
    numbers = ", ".join(str(number) for number in sample.get("numbers", ()))
    add_labelled(document, "Verfahren", str(sample.get("method", "")))
    add_labelled(document, "Startwert (Seed)", str(sample.get("seed", "")))
    threshold = Money(int(sample.get("threshold_cents", 0)))
    add_labelled(document, "Schwellenwert", f"Belege ab {threshold.format()} vollständig")
    add_labelled(document, "Umfang", f"{sample.get('size', '')} Belege")
    add_labelled(document, "Gezogene Belege (Nr.)", numbers)
    drawn = " am ".join(
        part
        for part in (str(sample.get("drawn_by_name") or ""), moment_text(sample.get("drawn_at")))
        if part
    )
    add_labelled(document, "Gezogen von", drawn)


def _memo_computation(document: DocxDocument, letter: SettlementLetter) -> None:
    document.add_heading("5. Berechnung", level=1)
    document.add_paragraph(_FINAL_RULE[letter.financing_type])
    rows = [
        ("Anerkannte zuwendungsfähige Ausgaben (A′)", letter.recognised_expenses),
        ("Anerkannte eigene und sonstige Mittel (D′)", letter.recognised_other_funding),
    ]
    if letter.financing_type in (FinancingType.SHORTFALL, FinancingType.FULL):
        shortfall = max(letter.recognised_expenses - letter.recognised_other_funding, Money(0))
        rows.append(("Fehlbedarf max(0; A′ − D′)", shortfall))
    rows += [
        ("Bewilligte Zuwendung (Z)", letter.approved),
        ("Festgesetzte Zuwendung (Z′)", letter.final),
        ("Ausgezahlt (P)", letter.paid),
        ("Rückforderung max(0; P − Z′)", letter.refund),
        ("Nachzahlung max(0; Z′ − P)", letter.subsequent),
        (_interest_label(letter), letter.interest),
        ("Zinsen nach § 49a Abs. 4 VwVfG NRW (verspätete Verwendung)", letter.late_use_interest),
    ]
    add_table(
        document,
        FIGURE_COLUMNS,
        [(label, amount.format()) for label, amount in rows],
        caption="Berechnung der Zuwendung",
    )
    document.add_paragraph(
        "Zinssatz nach § 49a Abs. 3 VwVfG NRW: drei Prozentpunkte über dem Basiszinssatz "
        "jährlich; Zinstage kalendergenau, das Jahr zu 365 Tagen (act/365), getrennt nach den "
        "Geltungszeiträumen des Basiszinssatzes."
    )


def _interest_label(letter: SettlementLetter) -> str:
    label = "Zinsen nach § 49a Abs. 3 VwVfG NRW"
    if letter.interest_from and letter.refund_due:
        label += f" {period_text(letter.interest_from, letter.refund_due)}"
    return label


def _memo_result(letter: SettlementLetter) -> str:
    result = (
        "Der Verwendungsnachweis wurde geprüft. Die Zuwendung wird auf "
        f"{letter.final.format()} festgesetzt."
    )
    if letter.refund:
        return (
            f"{result} Zurückzufordern sind {letter.refund.format()} zuzüglich Zinsen; vor dem "
            "Rückforderungsbescheid ist der Zuwendungsempfänger anzuhören (§ 28 VwVfG NRW)."
        )
    if letter.late_use_interest:
        return (
            f"{result} Zinsen für die verspätete Verwendung von "
            f"{letter.late_use_interest.format()} sind nach Anhörung (§ 28 VwVfG NRW) "
            "festzusetzen."
        )
    if letter.subsequent:
        return f"{result} Nachzuzahlen sind {letter.subsequent.format()}."
    return f"{result} Es ergibt sich weder eine Rückforderung noch eine Nachzahlung."


def _memo_sign_off(document: DocxDocument, letter: SettlementLetter) -> None:
    document.add_heading("7. Zeichnung", level=1)
    for role, name in (
        ("Geprüft (sachlich und rechnerisch richtig)", letter.reviewer_name),
        ("Mitgezeichnet (Vier-Augen-Prinzip)", letter.signer_name),
    ):
        add_labelled(document, role, name)
        line = document.add_paragraph(SIGN_LINE)
        line.paragraph_format.space_before = Pt(18)


def _require_claim(letter: SettlementLetter) -> None:
    if not (letter.refund or letter.late_use_interest):
        raise ValueError("nothing to claim: use audit_notice")


def _required(value: T | None, field: str) -> T:
    if value is None:
        raise ValueError(f"SettlementLetter.{field} is required for this document")
    return value
