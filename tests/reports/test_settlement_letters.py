"""The settlement documents as Word files: the DOMAIN.md §4 worked example to the cent."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from grants.money import Money
from grants.vocabulary import DocumentKind, FinancingType, PlanLineKind
from reports.word.documents import AUTHOR
from reports.word.letter_parts import LEGAL_REMEDY, document_filename
from reports.word.settlement_letters import (
    SettledLine,
    SettlementLetter,
    audit_memo,
    audit_notice,
    hearing_letter,
    refund_decision,
)
from tests.support.office import word_lines
from tests.support.word import (
    AMOUNT,
    body_text,
    eur,
    headings,
    printed,
    rows,
    table,
    texts,
    under,
)

ORGANISATION = "Jugend & Kultur <Köln-Mülheim> e. V."
PROJECT = "Begegnung & Beratung für Ältere <60+>"
EXPENSE, REVENUE = PlanLineKind.EXPENSE, PlanLineKind.REVENUE
SAMPLE = {
    "seed": 428193, "method": "Monetary-Unit-Sampling (größere Beträge mit höherer Wahrscheinlichkeit) "
    "zuzüglich aller Belege ab dem Schwellenwert", "threshold_cents": 250_000, "size": 5,
    "numbers": [3, 8, 14, 21, 40], "drawn_by_name": "Petra Prüfer", "drawn_at": "2026-03-10T09:30:00+00:00",
}  # fmt: skip


def line(label: str, kind: PlanLineKind, plan: int, actual: int, **changes: Any) -> SettledLine:
    euros = {"plan": plan, "actual": actual, "recognised": actual, **changes}
    amounts = {k: Money(v * 100) for k, v in euros.items() if k != "reason"}
    return SettledLine(label, kind, reason=changes.get("reason", ""), **amounts)


LINES = (  # DOMAIN.md §4: A = 50.000, A′ = 47.000; D = 18.000, D′ = 19.500
    line("Personalausgaben", EXPENSE, 30_000, 29_000), line("Honorare", EXPENSE, 8_000, 9_200),
    line("Miete", EXPENSE, 7_000, 7_000), line("Sachausgaben", EXPENSE, 3_000, 1_300),
    line("Öffentlichkeitsarbeit", EXPENSE, 2_000, 500),
    line("Eigenmittel", REVENUE, 5_000, 5_000), line("Landesmittel", REVENUE, 10_000, 10_000),
    line("Teilnahmebeiträge", REVENUE, 2_000, 2_800), line("Spenden", REVENUE, 1_000, 1_700),
)  # fmt: skip
CHECKS = (
    "Die Position „Honorare“ überschreitet den Ansatz um 1.200,00 € (15,0 %); die Überschreitung "
    "ist durch Einsparungen bei anderen Positionen gedeckt.",
    "Die eigenen und sonstigen Mittel übersteigen den Finanzierungsplan um 1.500,00 €.",
)


def shortfall(**changes: Any) -> SettlementLetter:
    """Fehlbedarf, H = 32.000 €: Z′ = 27.500 €, refund 4.500 €, interest 63,70 € (121 days)."""
    letter = SettlementLetter(
        file_number="IKZ-2025-0004", letter_date=date(2026, 5, 29),
        recipient={"legal_name": ORGANISATION, "street": "Frankfurter Straße 12", "postcode": "51065", "city": "Köln"},
        title=PROJECT, decision_date=date(2024, 12, 16), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        financing_type=FinancingType.SHORTFALL, approved=Money(3_200_000), paid=Money(3_200_000),
        recognised_expenses=Money(4_700_000), recognised_other_funding=Money(1_950_000), final=Money(2_750_000),
        refund=Money(450_000), subsequent=Money(0), interest=Money(6_370), late_use_interest=Money(0),
        interest_from=date(2026, 3, 1), hearing_deadline=date(2026, 5, 6), refund_due=date(2026, 6, 30),
        lines=LINES, checks=CHECKS, sample=SAMPLE, reviewer_name="Petra Prüfer", signer_name="Dr. Erika Mustermann",
    )  # fmt: skip
    return dataclasses.replace(letter, **changes)


def subsequent() -> SettlementLetter:
    """The same figures, but only 25.000 € paid out: 2.500 € are paid subsequently."""
    return shortfall(
        paid=Money(2_500_000), refund=Money(0), subsequent=Money(250_000), interest=Money(0),
        interest_from=None, hearing_deadline=None, refund_due=None, sample=None, checks=(),
    )  # fmt: skip


def reduced() -> SettlementLetter:
    """Fees of 9.700 € shown, 9.200 € recognised: A′ stays 47.000 €."""
    lines = tuple(
        line("Honorare", EXPENSE, 8_000, 9_700, recognised=9_200, reason="Honorar ohne Vertrag")
        if item.label == "Honorare"
        else item
        for item in LINES
    )
    return shortfall(lines=lines)


def reopen(render: Callable[[SettlementLetter], bytes], letter: SettlementLetter) -> DocxDocument:
    return docx.Document(io.BytesIO(render(letter)))


@pytest.fixture(scope="module")
def memo() -> DocxDocument:
    return reopen(audit_memo, shortfall(letter_date=date(2026, 4, 14)))


@pytest.fixture(scope="module")
def hearing() -> DocxDocument:
    return reopen(hearing_letter, shortfall(letter_date=date(2026, 4, 15)))


@pytest.fixture(scope="module")
def decision() -> DocxDocument:
    return reopen(refund_decision, shortfall())


@pytest.mark.parametrize(
    ("render", "kind"),
    [
        (audit_memo, DocumentKind.AUDIT_MEMO),
        (hearing_letter, DocumentKind.HEARING_LETTER),
        (refund_decision, DocumentKind.REFUND_LETTER),
        (audit_notice, DocumentKind.AUDIT_NOTICE),
    ],
)
def test_core_properties_page_numbers_and_file_name(render, kind):
    letter = subsequent() if render is audit_notice else shortfall()
    document = reopen(render, letter)
    assert document.core_properties.title == f"{kind.label} IKZ-2025-0004"
    assert document.core_properties.language == "de-DE"
    assert document.core_properties.author == AUTHOR
    footer = document.sections[0].footer
    assert [el.text.strip() for el in footer._element.iter(qn("w:instrText"))] == [
        "PAGE",
        "NUMPAGES",
    ]
    assert document_filename(DocumentKind.REFUND_LETTER, "IKZ-2025-0004") == (
        "Rueckforderungsbescheid-IKZ-2025-0004.docx"
    )
    assert document_filename(DocumentKind.AUDIT_NOTICE, "IKZ/2025 4") == (
        "Pruefungsmitteilung-IKZ-2025-4.docx"
    )


def test_memo_sections_in_order(memo):
    assert headings(memo) == [
        ("Title", "Prüfvermerk"),
        ("Heading 1", "1. Zuwendung"),
        ("Heading 1", "2. Zahlenmäßiger Nachweis"),
        ("Heading 2", "Ausgaben"),
        ("Heading 2", "Eigene und sonstige Mittel"),
        ("Heading 1", "3. Automatische Prüfungen"),
        ("Heading 1", "4. Stichprobe"),
        ("Heading 1", "5. Berechnung"),
        ("Heading 1", "6. Ergebnis"),
        ("Heading 1", "7. Zeichnung"),
    ]
    assert texts(memo)[1:6] == [
        "über die Prüfung des Verwendungsnachweises",
        "Aktenzeichen: IKZ-2025-0004",
        "Datum: 14.04.2026",
        f"Zuwendungsempfänger: {ORGANISATION}",
        f"Projekt: „{PROJECT}“",
    ]


def test_memo_grant_data(memo):
    assert under(memo, "1. Zuwendung") == [
        "Zuwendungsbescheid vom: 16.12.2024",
        "Bewilligungszeitraum: vom 01.01.2025 bis 31.12.2025",
        "Finanzierungsart: Fehlbedarfsfinanzierung",
        f"Bewilligte Zuwendung (Z): {eur('32.000,00')}",
        f"Ausgezahlt (P): {eur('32.000,00')}",
    ]


def test_memo_tables_of_expenses_and_revenues_with_totals():
    document = reopen(audit_memo, reduced())
    expenses = table(document, "Ausgaben")
    assert rows(expenses)[0] == ["Position", "Plan", "Ist", "Anerkannt", "Begründung"]
    assert expenses.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert rows(expenses)[2] == [
        "Honorare", eur("8.000,00"), eur("9.700,00"), eur("9.200,00"), "Honorar ohne Vertrag"
    ]  # fmt: skip
    assert rows(expenses)[-1] == [
        "Summe", eur("50.000,00"), eur("47.500,00"), eur("47.000,00"), ""
    ]  # fmt: skip
    revenues = rows(table(document, "Eigene und sonstige Mittel"))
    assert [row[0] for row in revenues[1:-1]] == [
        "Eigenmittel", "Landesmittel", "Teilnahmebeiträge", "Spenden"
    ]  # fmt: skip
    assert revenues[-1] == ["Summe", eur("18.000,00"), eur("19.500,00"), eur("19.500,00"), ""]


def test_memo_lists_the_automatic_checks(memo):
    assert under(memo, "3. Automatische Prüfungen") == list(CHECKS)
    bullets = [p for p in memo.paragraphs if p.text in CHECKS]
    assert {p.style.name for p in bullets} == {"List Bullet"}
    quiet = reopen(audit_memo, shortfall(checks=()))
    assert under(quiet, "3. Automatische Prüfungen") == [
        "Die automatischen Prüfungen ergaben keine Feststellungen."
    ]


def test_memo_records_the_sample(memo):
    assert under(memo, "4. Stichprobe") == [
        "Die vertiefte Prüfung wurde auf eine Stichprobe beschränkt (VV Nr. 11.1 zu § 44 LHO).",
        f"Verfahren: {SAMPLE['method']}",
        "Startwert (Seed): 428193",
        f"Schwellenwert: Belege ab {eur('2.500,00')} vollständig",
        "Umfang: 5 Belege",
        "Gezogene Belege (Nr.): 3, 8, 14, 21, 40",
        "Gezogen von: Petra Prüfer am 10.03.2026, 10:30 Uhr",  # Köln time
    ]


def test_memo_without_sample():
    for sample in (None, {}):
        document = reopen(audit_memo, shortfall(sample=sample))
        assert under(document, "4. Stichprobe") == [
            "Keine Stichprobe: Belege wurden nicht zur vertieften Prüfung angefordert."
        ]
        assert "Startwert" not in body_text(document)


def test_memo_computes_the_final_grant_refund_and_interest(memo):
    [rule, rate] = under(memo, "5. Berechnung")
    assert rule == "Fehlbedarfsfinanzierung: Z′ = min(Z; max(0; A′ − D′))."
    assert rate.startswith("Zinssatz nach § 49a Abs. 3 VwVfG NRW: drei Prozentpunkte über dem")
    assert rows(table(memo, "Berechnung der Zuwendung")) == [
        ["Berechnung", "Betrag"],
        ["Anerkannte zuwendungsfähige Ausgaben (A′)", eur("47.000,00")],
        ["Anerkannte eigene und sonstige Mittel (D′)", eur("19.500,00")],
        ["Fehlbedarf max(0; A′ − D′)", eur("27.500,00")],
        ["Bewilligte Zuwendung (Z)", eur("32.000,00")],
        ["Festgesetzte Zuwendung (Z′)", eur("27.500,00")],
        ["Ausgezahlt (P)", eur("32.000,00")],
        ["Rückforderung max(0; P − Z′)", eur("4.500,00")],
        ["Nachzahlung max(0; Z′ − P)", eur("0,00")],
        ["Zinsen nach § 49a Abs. 3 VwVfG NRW vom 01.03.2026 bis 30.06.2026", eur("63,70")],
        ["Zinsen nach § 49a Abs. 4 VwVfG NRW (verspätete Verwendung)", eur("0,00")],
    ]


def test_memo_result_and_four_eyes_sign_off(memo):
    assert under(memo, "6. Ergebnis") == [
        f"Der Verwendungsnachweis wurde geprüft. Die Zuwendung wird auf {eur('27.500,00')} "
        f"festgesetzt. Zurückzufordern sind {eur('4.500,00')} zuzüglich Zinsen; vor dem "
        "Rückforderungsbescheid ist der Zuwendungsempfänger anzuhören (§ 28 VwVfG NRW)."
    ]
    sign_off = under(memo, "7. Zeichnung")
    assert sign_off[0] == "Geprüft (sachlich und rechnerisch richtig): Petra Prüfer"
    assert sign_off[2] == "Mitgezeichnet (Vier-Augen-Prinzip): Dr. Erika Mustermann"
    assert sign_off[1] == sign_off[3]
    assert sign_off[1].startswith("Köln, den ___")
    paid_later = reopen(audit_memo, subsequent())
    assert under(paid_later, "6. Ergebnis")[0].endswith(f"Nachzuzahlen sind {eur('2.500,00')}.")


def test_hearing_says_what_is_intended_and_why(hearing):
    assert headings(hearing) == [
        ("Title", "Anhörung gemäß § 28 VwVfG NRW"),
        ("Heading 1", "Beabsichtigte Entscheidung"),
        ("Heading 1", "Gründe"),
        ("Heading 1", "Gelegenheit zur Stellungnahme"),
    ]
    assert texts(hearing)[:10] == [
        ORGANISATION, "Frankfurter Straße 12", "51065 Köln", "", "Aktenzeichen: IKZ-2025-0004",
        "Datum: 15.04.2026", "Anhörung gemäß § 28 VwVfG NRW", f"Projekt: „{PROJECT}“",
        "Sehr geehrte Damen und Herren,",
        f"mit Bescheid vom 16.12.2024 habe ich Ihnen für das Projekt „{PROJECT}“ für den "
        f"Bewilligungszeitraum vom 01.01.2025 bis 31.12.2025 eine Zuwendung in Höhe von "
        f"{eur('32.000,00')} als Fehlbedarfsfinanzierung bewilligt. Ausgezahlt wurden "
        f"{eur('32.000,00')}. Ich habe Ihren Verwendungsnachweis geprüft. Bevor ich darüber "
        "entscheide, gebe ich Ihnen Gelegenheit, sich zu äußern.",
    ]  # fmt: skip
    assert under(hearing, "Beabsichtigte Entscheidung") == [
        "Ich beabsichtige, den Zuwendungsbescheid vom 16.12.2024 mit Wirkung vom 01.03.2026 "
        "teilweise nach § 49 Abs. 3 Satz 1 Nr. 1 VwVfG NRW zu widerrufen, die Zuwendung auf "
        f"{eur('27.500,00')} festzusetzen und den überzahlten Betrag von {eur('4.500,00')} nach "
        "§ 49a Abs. 1 VwVfG NRW zurückzufordern.",
        "Der Erstattungsbetrag wäre nach § 49a Abs. 3 Satz 1 VwVfG NRW vom 01.03.2026 an mit drei "
        "Prozentpunkten über dem Basiszinssatz jährlich zu verzinsen. Bei Zahlung bis zum "
        f"30.06.2026 betrügen die Zinsen {eur('63,70')}.",
    ]
    reasons = under(hearing, "Gründe")
    assert reasons[0] == (
        f"Als zuwendungsfähige Ausgaben erkenne ich {eur('47.000,00')} an (Finanzierungsplan: "
        f"{eur('50.000,00')}). Die eigenen und sonstigen Mittel betragen {eur('19.500,00')} "
        f"(Finanzierungsplan: {eur('18.000,00')})."
    )
    assert reasons[1].startswith("Bei der Fehlbedarfsfinanzierung deckt die Zuwendung nur den")
    assert reasons[1].endswith(
        f"Die Zuwendung ermäßigt sich daher von {eur('32.000,00')} auf {eur('27.500,00')}. Da "
        f"Ihnen {eur('32.000,00')} ausgezahlt wurden, sind {eur('4.500,00')} zu erstatten."
    )


def test_hearing_sets_a_deadline_names_a_contact_and_is_no_decision(hearing):
    comment = under(hearing, "Gelegenheit zur Stellungnahme")
    assert (
        "Bitte nehmen Sie bis zum 06.05.2026 schriftlich oder über das Förderportal" in comment[0]
    )
    assert "§ 28 Abs. 1 VwVfG NRW" in comment[0]
    assert "§ 49a Abs. 3 Satz 2 VwVfG NRW" in comment[1]
    assert comment[2].startswith("Dieses Schreiben ist kein Bescheid.")
    assert "Ansprechperson: Petra Prüfer, Kommunales Integrationszentrum" in comment
    assert comment[-4:] == [
        "Mit freundlichen Grüßen", "Im Auftrag", "Dr. Erika Mustermann", "Kommunales Integrationszentrum"
    ]  # fmt: skip
    text = body_text(hearing)
    assert "Rechtsbehelfsbelehrung" not in text
    assert "Klage" not in text


def test_hearing_lists_the_reduced_lines_with_reasons():
    document = reopen(hearing_letter, reduced())
    assert rows(table(document, "Abweichend anerkannte Positionen")) == [
        ["Position", "Nachgewiesen", "Anerkannt", "Differenz", "Begründung"],
        ["Honorare", eur("9.700,00"), eur("9.200,00"), eur("-500,00"), "Honorar ohne Vertrag"],
    ]
    assert "Folgende Positionen Ihres Nachweises habe ich abweichend anerkannt:" in texts(document)
    assert reopen(hearing_letter, shortfall()).tables == []


def test_hearing_and_decision_need_their_dates_and_a_claim():
    with pytest.raises(ValueError, match="hearing_deadline"):
        hearing_letter(shortfall(hearing_deadline=None))
    with pytest.raises(ValueError, match="refund_due"):
        refund_decision(shortfall(refund_due=None))
    for render in (hearing_letter, refund_decision):
        with pytest.raises(ValueError, match="audit_notice"):
            render(
                dataclasses.replace(
                    subsequent(), hearing_deadline=date(2026, 5, 6), refund_due=date(2026, 6, 30)
                )
            )
    with pytest.raises(ValueError, match="refund"):
        audit_notice(shortfall())


def test_refund_decision_sections(decision):
    assert headings(decision) == [
        ("Title", "Rückforderungsbescheid"),
        ("Heading 1", "I. Entscheidung"),
        ("Heading 1", "II. Begründung"),
        ("Heading 1", "III. Rechtsbehelfsbelehrung"),
    ]
    assert texts(decision)[4:10] == [
        "Aktenzeichen: IKZ-2025-0004", "Datum: 29.05.2026", "Rückforderungsbescheid",
        f"Projekt: „{PROJECT}“", "Sehr geehrte Damen und Herren,",
        "nach Prüfung Ihres Verwendungsnachweises ergeht folgender Bescheid:",
    ]  # fmt: skip


def test_refund_decision_tenor_amount_interest_due_date_and_account(decision):
    assert under(decision, "I. Entscheidung") == [
        "1. Der Zuwendungsbescheid vom 16.12.2024 (Aktenzeichen IKZ-2025-0004) wird mit Wirkung "
        f"vom 01.03.2026 teilweise widerrufen, soweit die Zuwendung den Betrag von {eur('27.500,00')} "
        "übersteigt (§ 49 Abs. 3 Satz 1 Nr. 1 VwVfG NRW).",
        f"2. Die Zuwendung wird auf {eur('27.500,00')} festgesetzt.",
        f"3. Der zu erstattende Betrag wird auf {eur('4.500,00')} festgesetzt (§ 49a Abs. 1 VwVfG NRW).",
        "4. Der Erstattungsbetrag ist vom 01.03.2026 an mit drei Prozentpunkten über dem "
        "Basiszinssatz jährlich zu verzinsen (§ 49a Abs. 3 Satz 1 VwVfG NRW). Die Zinsen betragen "
        f"bis zum Fälligkeitstag 30.06.2026 {eur('63,70')}. Wird der Erstattungsbetrag später "
        "gezahlt, sind bis zum Tag der Zahlung weitere Zinsen zu entrichten; sie werden gesondert "
        "festgesetzt.",
        f"5. Der Gesamtbetrag von {eur('4.563,70')} ist bis zum 30.06.2026 zu zahlen.",
        "Bitte überweisen Sie den Betrag bis zum 30.06.2026 unter Angabe des Kassenzeichens auf "
        "folgendes Konto:",
        "Empfänger: Stadt Köln – Stadtkasse, Sparkasse KölnBonn, IBAN: [IBAN der Stadtkasse], BIC: COLSDE33",
        "Kassenzeichen: IKZ-2025-0004",
    ]  # fmt: skip


def test_refund_decision_gives_reasons_and_the_hearing(decision):
    reasons = under(decision, "II. Begründung")
    assert reasons[0].startswith("Mit Bescheid vom 16.12.2024 habe ich Ihnen für das Projekt")
    assert (
        f"eine Zuwendung in Höhe von {eur('32.000,00')} als Fehlbedarfsfinanzierung" in reasons[0]
    )
    assert reasons[1].startswith(f"Als zuwendungsfähige Ausgaben erkenne ich {eur('47.000,00')} an")
    assert reasons[2].endswith(f"sind {eur('4.500,00')} zu erstatten.")
    assert reasons[3].startswith(
        "Vor dieser Entscheidung habe ich Ihnen Gelegenheit gegeben, sich bis zum 06.05.2026"
    )
    assert "(§ 28 Abs. 1 VwVfG NRW)" in reasons[3]
    assert "Ermessen" in reasons[4]
    assert "§ 48 Abs. 4 VwVfG NRW" in reasons[4]
    assert "§ 49a Abs. 3 Satz 2 VwVfG NRW" in reasons[5]


def test_refund_decision_legal_remedy_and_signature(decision):
    remedy = under(decision, "III. Rechtsbehelfsbelehrung")
    assert remedy == [
        *LEGAL_REMEDY, "Mit freundlichen Grüßen", "Im Auftrag", "Dr. Erika Mustermann",
        "Kommunales Integrationszentrum",
    ]  # fmt: skip
    assert "Verwaltungsgericht Köln" in remedy[0]
    assert "Widerspruch" not in body_text(decision)


def test_refund_decision_with_late_use_interest():
    document = reopen(refund_decision, shortfall(late_use_interest=Money(12_050)))
    tenor = under(document, "I. Entscheidung")
    assert tenor[4] == (
        "5. Für ausgezahlte Mittel, die nicht innerhalb von zwei Monaten nach der Auszahlung "
        "verwendet wurden, werden für die Zeit von der Auszahlung bis zur zweckentsprechenden "
        f"Verwendung Zinsen nach § 49a Abs. 4 VwVfG NRW in Höhe von {eur('120,50')} festgesetzt."
    )
    assert (
        tenor[5] == f"6. Der Gesamtbetrag von {eur('4.684,20')} ist bis zum 30.06.2026 zu zahlen."
    )
    assert any("§ 49a Abs. 4 VwVfG NRW" in text for text in under(document, "II. Begründung"))


def test_late_use_interest_alone_is_heard_and_decided():
    late = dataclasses.replace(
        subsequent(), subsequent=Money(0), paid=Money(2_750_000), late_use_interest=Money(12_050),
        hearing_deadline=date(2026, 5, 6), refund_due=date(2026, 6, 30),
    )  # fmt: skip
    intended = under(reopen(hearing_letter, late), "Beabsichtigte Entscheidung")
    assert intended == [
        "Für ausgezahlte Mittel, die Sie nicht innerhalb von zwei Monaten nach der Auszahlung für "
        "fällige Zahlungen verwendet haben, beabsichtige ich, Zinsen nach § 49a Abs. 4 VwVfG NRW "
        f"in Höhe von {eur('120,50')} zu verlangen."
    ]
    tenor = under(reopen(refund_decision, late), "I. Entscheidung")
    assert tenor[0].startswith("1. Für ausgezahlte Mittel")
    assert tenor[1] == f"2. Der Gesamtbetrag von {eur('120,50')} ist bis zum 30.06.2026 zu zahlen."
    assert not any("widerrufen" in text for text in tenor)
    assert not any("§ 49a Abs. 3" in text for text in texts(reopen(hearing_letter, late)))
    with pytest.raises(ValueError, match="late-use interest"):
        audit_notice(late)


def test_full_revocation_and_waived_interest():
    document = reopen(
        refund_decision, shortfall(final=Money(0), refund=Money(3_200_000), interest=Money(0))
    )
    tenor = under(document, "I. Entscheidung")
    assert tenor[0] == (
        "1. Der Zuwendungsbescheid vom 16.12.2024 (Aktenzeichen IKZ-2025-0004) wird mit Wirkung "
        "vom 01.03.2026 vollständig widerrufen (§ 49 Abs. 3 Satz 1 Nr. 1 VwVfG NRW)."
    )
    assert tenor[3] == "4. Von der Erhebung von Zinsen nach § 49a Abs. 3 VwVfG NRW wird abgesehen."
    assert (
        tenor[4] == f"5. Der Gesamtbetrag von {eur('32.000,00')} ist bis zum 30.06.2026 zu zahlen."
    )


def test_audit_notice_with_subsequent_payment():
    document = reopen(audit_notice, subsequent())
    assert headings(document) == [
        ("Title", "Prüfungsmitteilung"),
        ("Heading 1", "Ergebnis der Prüfung"),
        ("Heading 1", "Hinweise"),
    ]
    assert texts(document)[9] == (
        "ich habe den Verwendungsnachweis zu der Zuwendung aus meinem Bescheid vom 16.12.2024 für "
        "den Bewilligungszeitraum vom 01.01.2025 bis 31.12.2025 geprüft."
    )
    assert under(document, "Ergebnis der Prüfung") == [
        f"Als zuwendungsfähige Ausgaben erkenne ich {eur('47.000,00')} an (Finanzierungsplan: "
        f"{eur('50.000,00')}). Die eigenen und sonstigen Mittel betragen {eur('19.500,00')} "
        f"(Finanzierungsplan: {eur('18.000,00')}).",
        f"Die Zuwendung beträgt danach abschließend {eur('27.500,00')} (bewilligt: "
        f"{eur('32.000,00')}, ausgezahlt: {eur('25.000,00')}).",
        f"Ihnen steht noch ein Betrag von {eur('2.500,00')} zu. Er wird Ihnen als Nachzahlung auf "
        "das im Antrag angegebene Konto überwiesen.",
        "Die Prüfung des Verwendungsnachweises ist damit abgeschlossen.",
    ]
    hints = under(document, "Hinweise")
    assert "fünf Jahre nach Vorlage des Verwendungsnachweises auf" in hints[0]
    assert "Rechnungsprüfungsamtes der Stadt Köln" in hints[1]
    assert hints[-2:] == ["Dr. Erika Mustermann", "Kommunales Integrationszentrum"]
    assert "Rechtsbehelfsbelehrung" not in body_text(document)


def test_audit_notice_when_everything_was_used_as_granted():
    fixed = subsequent()  # Festbetrag F = 27.500 €, all of it paid and used
    fixed = dataclasses.replace(
        fixed, financing_type=FinancingType.FIXED, approved=Money(2_750_000),
        paid=Money(2_750_000), subsequent=Money(0),
    )  # fmt: skip
    result = under(reopen(audit_notice, fixed), "Ergebnis der Prüfung")
    assert result[1] == (
        f"Die Zuwendung beträgt danach abschließend {eur('27.500,00')} (bewilligt: "
        f"{eur('27.500,00')}, ausgezahlt: {eur('27.500,00')})."
    )
    assert result[2] == (
        "Die ausgezahlten Mittel wurden zweckentsprechend verwendet; ein Betrag ist weder zu "
        "erstatten noch nachzuzahlen."
    )


def test_special_and_control_characters():
    letter = shortfall(title="Treff\x00punkt & <Kalk>", signer_name="Eva\x07 Muster")
    for render in (audit_memo, hearing_letter, refund_decision):
        text = body_text(reopen(render, letter))
        assert "„Treffpunkt & <Kalk>“" in text
        assert ORGANISATION in text
    assert "Eva Muster" in texts(reopen(refund_decision, letter))


@pytest.mark.office
@pytest.mark.parametrize(
    ("render", "make", "figures"),
    [
        (audit_memo, reduced, ["47.000,00", "19.500,00", "27.500,00", "4.500,00", "63,70"]),
        (hearing_letter, reduced, ["27.500,00", "4.500,00", "63,70", "9.700,00"]),
        (refund_decision, shortfall, ["27.500,00", "4.500,00", "63,70", "4.563,70"]),
        (audit_notice, subsequent, ["27.500,00", "2.500,00"]),
    ],
    ids=["memo", "hearing", "refund", "notice"],
)
def test_libreoffice_shows_the_figures_and_splits_no_amount_or_table_word(render, make, figures):
    data = render(make())
    document = docx.Document(io.BytesIO(data))
    cells = [printed(cell.text) for t in document.tables for row in t.rows for cell in row.cells]
    written = "\n".join([*map(printed, texts(document)), *cells])
    lines = [printed(line) for line in word_lines(data)]
    printed_text = "\n".join(lines)

    assert "Aktenzeichen: IKZ-2025-0004" in printed_text
    for amount in figures:
        assert printed(eur(amount)) in printed_text, amount
    assert Counter(AMOUNT.findall(printed_text)) == Counter(AMOUNT.findall(written))
    tokens = {token for line in lines for token in line.split()}
    split = {word for cell in cells for word in cell.split() if word not in tokens}
    assert not split, f"in den Tabellen umbrochen: {sorted(split)}"
