"""The decision letters as Word documents: legal wording, figures, structure, markers."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from grants.money import Money
from grants.vocabulary import DecisionKind, FinancingType, PaymentMode
from reports.word.documents import AUTHOR
from reports.word.letters import Letter, Recipient, letter_document, letter_filename, letter_title
from tests.support.office import word_lines, word_text
from tests.support.word import (
    AMOUNT,
    body_text,
    caption,
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
LEGAL_REMEDY = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim "
    "Verwaltungsgericht Köln, Appellhofplatz, 50667 Köln, erhoben werden."
)
RESERVATION = "unter dem Vorbehalt, dass der Rat der Stadt Köln die Haushaltsmittel bereitstellt"
CEILING = "Der Zuwendungsbetrag ist der Höchstbetrag."


def share_letter(**changes: Any) -> Letter:
    """The DOMAIN.md §4 worked example as Anteilfinanzierung: 64 % of 50.000 €, at most 32.000 €."""
    letter = Letter(
        kind=DecisionKind.APPROVAL, file_number="IKZ-2027-0004", letter_date=date(2026, 12, 15),
        recipient=Recipient(ORGANISATION, "Frankfurter Straße 12", "51065", "Köln"),
        title=PROJECT, period_start=date(2027, 1, 1), period_end=date(2027, 12, 31),
        financing_type=FinancingType.SHARE, eligible=Money(5_000_000), other_funding=Money(1_800_000),
        share=Decimal("0.64"), cap=Money(3_200_000), approved=Money(3_200_000), requested=Money(3_200_000),
        years=[(2027, Money(3_200_000))], payment_mode=PaymentMode.INSTALMENTS,
        payment_schedule=[
            (date(2027, 1, 15), Money(800_000)), (date(2027, 4, 15), Money(800_000)),
            (date(2027, 7, 15), Money(800_000)), (date(2027, 10, 15), Money(800_000)),
        ],
        usage_report_due=date(2028, 3, 31),
        conditions=[
            ("Öffentlichkeitsarbeit", "Auf die Förderung durch die Stadt Köln ist hinzuweisen."),
            ("Kooperation & Vernetzung", "Teilnahme am Netzwerk der IKZ < 4 Termine im Jahr ist zu begründen."),
        ],
        budget_reservation=True,
        reasons="Die Ausgaben wurden wie beantragt anerkannt.\nHonorare: 40 € je Stunde & Kurs.",
        signer_name="Dr. Erika Mustermann", signer_title="Leitung des Kommunalen Integrationszentrums",
    )  # fmt: skip
    return dataclasses.replace(letter, **changes)


def shortfall_letter() -> Letter:
    return share_letter(
        financing_type=FinancingType.SHORTFALL, share=None,
        payment_mode=PaymentMode.ON_REQUEST, payment_schedule=[], budget_reservation=False,
    )  # fmt: skip


def fixed_letter() -> Letter:
    return share_letter(
        financing_type=FinancingType.FIXED, share=None, cap=None, fixed=Money(3_200_000)
    )


def per_unit_letter() -> Letter:
    return share_letter(
        financing_type=FinancingType.PER_UNIT, share=None, cap=None, unit_rate=Money(40_000), units=12,
        eligible=Money(480_000), other_funding=Money(0), approved=Money(480_000), requested=Money(480_000),
        years=[(2027, Money(480_000))],
        payment_schedule=[(date(2027, 1, 15), Money(240_000)), (date(2027, 7, 15), Money(240_000))],
    )  # fmt: skip


def full_letter(other_funding: Money) -> Letter:
    """Vollfinanzierung (DOMAIN.md §4): A = 10.000 €, Z = A − D."""
    return share_letter(
        financing_type=FinancingType.FULL, share=None, eligible=Money(1_000_000),
        other_funding=other_funding, approved=Money(1_000_000) - other_funding,
    )  # fmt: skip


def partial_letter() -> Letter:
    """Fees and publicity cut: A = 47.000 €, 64 % → Z = 30.080 € of 32.000 € requested; two years."""
    return share_letter(
        kind=DecisionKind.PARTIAL_APPROVAL, eligible=Money(4_700_000), approved=Money(3_008_000),
        period_start=date(2027, 7, 1), period_end=date(2028, 6, 30), usage_report_due=None,
        years=[(2027, Money(1_504_000)), (2028, Money(1_504_000))],
        payment_schedule=[(date(2027, 7, 15), Money(1_504_000)), (date(2028, 1, 15), Money(1_504_000))],
        reasons="Honorare über 40 € je Stunde sind nicht zuwendungsfähig.",
        reductions=[
            ("Honorare", Money(800_000), Money(600_000), "Stundensatz 50 € > 40 € (Richtlinie Nr. 5)"),
            ("Öffentlichkeitsarbeit", Money(200_000), Money(100_000), "Druck & Versand nur zur Hälfte"),
        ],
    )  # fmt: skip


def rejection_letter() -> Letter:
    return share_letter(
        kind=DecisionKind.REJECTION, approved=Money(0), years=[], payment_schedule=[],
        conditions=[], budget_reservation=False,
        reasons="Das Zentrum ist nicht als Interkulturelles Zentrum anerkannt.\nDie Mittel des Aufrufs sind ausgeschöpft.",
    )  # fmt: skip


def amendment_letter(**changes: Any) -> Letter:
    """64 % of A = 47.000 € after the fees were cut: Z falls from 32.000 € to 30.080 €."""
    amendment: dict[str, Any] = dict(
        kind=DecisionKind.AMENDMENT, letter_date=date(2027, 6, 1), original_date=date(2026, 12, 15),
        eligible=Money(4_700_000), approved=Money(3_008_000), previous_approved=Money(3_200_000),
        years=[], budget_reservation=False,
        changes="Die Honorarausgaben sinken von 8.000,00 € auf 5.000,00 €.\nDer Bewilligungszeitraum bleibt unverändert.",
        reasons="Änderungsantrag vom 10.05.2027 (Kurs „Deutsch & Beruf“ entfällt).",
    )  # fmt: skip
    return share_letter(**{**amendment, **changes})


def reopen(letter: Letter) -> DocxDocument:
    return docx.Document(io.BytesIO(letter_document(letter)))


@pytest.fixture(scope="module")
def approval() -> DocxDocument:
    return reopen(share_letter())


@pytest.mark.parametrize(
    ("letter", "title"),
    [
        (share_letter(), "Zuwendungsbescheid IKZ-2027-0004"),
        (partial_letter(), "Teilbewilligungsbescheid IKZ-2027-0004"),
        (rejection_letter(), "Ablehnungsbescheid IKZ-2027-0004"),
        (amendment_letter(), "Änderungsbescheid IKZ-2027-0004"),
    ],
    ids=["approval", "partial", "rejection", "amendment"],
)
def test_core_properties_and_title(letter, title):
    document = reopen(letter)
    assert document.core_properties.title == title == letter_title(letter.kind, "IKZ-2027-0004")
    assert document.core_properties.language == "de-DE"
    assert document.core_properties.author == AUTHOR
    assert headings(document)[0] == ("Title", title.split()[0])


def test_filenames_are_ascii():
    assert (
        letter_filename(DecisionKind.APPROVAL, "IKZ-2027-0004")
        == "Zuwendungsbescheid-IKZ-2027-0004.docx"
    )
    assert (
        letter_filename(DecisionKind.AMENDMENT, "IKZ-2027-0004")
        == "Aenderungsbescheid-IKZ-2027-0004.docx"
    )
    assert (
        letter_filename(DecisionKind.REJECTION, "IKZ/2027 0004")
        == "Ablehnungsbescheid-IKZ-2027-0004.docx"
    )
    assert (
        letter_filename(DecisionKind.PARTIAL_APPROVAL, "../Ä") == "Teilbewilligungsbescheid-Ae.docx"
    )


def test_approval_headings_in_order(approval):
    assert headings(approval) == [
        ("Title", "Zuwendungsbescheid"),
        ("Heading 1", "I. Bewilligung"),
        ("Heading 2", "Finanzierungsart und Höhe"),
        ("Heading 2", "Zuwendungsfähige Ausgaben"),
        ("Heading 2", "Haushaltsjahre"),
        ("Heading 2", "Auszahlung"),
        ("Heading 2", "Verwendungsnachweis"),
        ("Heading 1", "II. Nebenbestimmungen"),
        ("Heading 2", "Allgemeine Nebenbestimmungen"),
        ("Heading 2", "Besondere Nebenbestimmungen"),
        ("Heading 2", "Erstattung und Verzinsung"),
        ("Heading 2", "Haushaltsvorbehalt"),
        ("Heading 1", "III. Rechtsbehelfsbelehrung"),
    ]


def test_head_recipient_file_number_date_and_salutation(approval):
    assert texts(approval)[:10] == [
        ORGANISATION, "Frankfurter Straße 12", "51065 Köln", "",
        "Aktenzeichen: IKZ-2027-0004", "Datum: 15.12.2026", "Zuwendungsbescheid",
        f"Projekt: „{PROJECT}“", "Sehr geehrte Damen und Herren,", "auf Ihren Antrag ergeht folgender Bescheid:",
    ]  # fmt: skip


def test_bewilligung_states_amount_period_and_purpose(approval):
    assert under(approval, "I. Bewilligung") == [
        f"Ich bewillige Ihnen für den Bewilligungszeitraum vom 01.01.2027 bis 31.12.2027 eine "
        f"Zuwendung in Höhe von {eur('32.000,00')} als nicht rückzahlbaren Zuschuss.",
        f"Zuwendungszweck: Die Zuwendung ist ausschließlich für das Projekt „{PROJECT}“ im "
        "Bewilligungszeitraum zu verwenden.",
    ]


@pytest.mark.parametrize(
    ("letter", "sentence"),
    [
        (
            share_letter(),
            f"Die Zuwendung wird als Anteilfinanzierung in Höhe von 64 v. H. der zuwendungsfähigen "
            f"Gesamtausgaben von {eur('50.000,00')}, höchstens {eur('32.000,00')}, gewährt.",
        ),
        (
            shortfall_letter(),
            "Die Zuwendung wird als Fehlbedarfsfinanzierung in Höhe des Fehlbedarfs zwischen den "
            f"zuwendungsfähigen Gesamtausgaben von {eur('50.000,00')} und den eigenen und sonstigen "
            f"Mitteln von {eur('18.000,00')}, höchstens {eur('32.000,00')}, gewährt.",
        ),
        (
            fixed_letter(),
            f"Die Zuwendung wird als Festbetragsfinanzierung in Höhe von {eur('32.000,00')} zu den "
            f"zuwendungsfähigen Gesamtausgaben von {eur('50.000,00')} gewährt.",
        ),
        (
            per_unit_letter(),
            f"Die Zuwendung wird als Festbetragsfinanzierung in Höhe von {eur('400,00')} je Einheit "
            f"für 12 Einheiten, insgesamt {eur('4.800,00')}, gewährt.",
        ),
        (
            full_letter(Money(0)),
            "Die Zuwendung wird als Vollfinanzierung der zuwendungsfähigen Gesamtausgaben von "
            f"{eur('10.000,00')}, höchstens {eur('10.000,00')}, gewährt.",
        ),
        (
            full_letter(Money(100_000)),
            "Die Zuwendung wird als Vollfinanzierung der zuwendungsfähigen Gesamtausgaben von "
            f"{eur('10.000,00')} abzüglich der sonstigen Mittel von {eur('1.000,00')}, höchstens "
            f"{eur('9.000,00')}, gewährt.",
        ),
    ],
    ids=["share", "shortfall", "fixed", "per_unit", "full", "full_less_other"],
)
def test_financing_in_legal_wording_and_ceiling(letter, sentence):
    assert under(reopen(letter), "Finanzierungsart und Höhe") == [sentence, CEILING]


def test_fractional_share_in_german_notation():
    document = reopen(share_letter(share=Decimal("0.625"), approved=Money(3_125_000)))
    [sentence, _] = under(document, "Finanzierungsart und Höhe")
    assert "in Höhe von 62,5 v. H. der zuwendungsfähigen" in sentence


def test_missing_financing_parameter_is_refused():
    with pytest.raises(ValueError, match="share"):
        letter_document(share_letter(share=None))
    with pytest.raises(ValueError, match="units"):
        letter_document(dataclasses.replace(per_unit_letter(), units=None))


def test_eligible_expenses_and_reasons(approval):
    assert under(approval, "Zuwendungsfähige Ausgaben")[:3] == [
        f"Die zuwendungsfähigen Gesamtausgaben werden auf {eur('50.000,00')} festgesetzt; ihnen "
        f"stehen eigene und sonstige Mittel von {eur('18.000,00')} gegenüber.",
        "Die Ausgaben wurden wie beantragt anerkannt.",
        "Honorare: 40 € je Stunde & Kurs.",
    ]
    assert "20 v. H." in under(approval, "Zuwendungsfähige Ausgaben")[-1]


def test_instalment_table_has_header_row_and_sums_to_the_grant(approval):
    instalments = table(approval, "Auszahlungsplan")
    header, *lines, total = rows(instalments)
    assert header == ["Rate", "Fällig am", "Betrag"]
    assert instalments.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr is None for row in instalments.rows[1:])
    assert lines[0] == ["1.", "15.01.2027", eur("8.000,00")]
    assert [line[1] for line in lines] == ["15.01.2027", "15.04.2027", "15.07.2027", "15.10.2027"]
    assert Money.total(Money.parse(line[2]) for line in lines) == Money(3_200_000)
    assert total == ["Summe", "", eur("32.000,00")]
    assert all(
        row.cells[2].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT for row in instalments.rows
    )


def test_payment_on_request_follows_the_two_month_rule():
    shortfall = under(reopen(shortfall_letter()), "Auszahlung")
    assert len(shortfall) == 1
    assert "innerhalb von zwei Monaten nach der Auszahlung" in shortfall[0]
    assert (
        "erst, wenn die vorgesehenen eigenen und sonstigen Mittel verbraucht sind" in shortfall[0]
    )
    share = reopen(share_letter(payment_mode=PaymentMode.ON_REQUEST, payment_schedule=[]))
    assert (
        "nur anteilig mit den vorgesehenen eigenen und sonstigen Mitteln"
        in under(share, "Auszahlung")[0]
    )
    assert "Auszahlungsplan" not in [caption(t) for t in share.tables]


def test_fiscal_year_split_sums_to_the_grant():
    split = rows(table(reopen(partial_letter()), "Aufteilung auf Haushaltsjahre"))
    assert split == [
        ["Haushaltsjahr", "Betrag"],
        ["2027", eur("15.040,00")],
        ["2028", eur("15.040,00")],
        ["Summe", eur("30.080,00")],
    ]


def test_usage_report_form_and_due_date(approval):
    [text] = under(approval, "Verwendungsnachweis")
    assert text.startswith("Die Verwendung der Zuwendung ist bis zum 31.03.2028 nachzuweisen.")
    assert "Sachbericht und einem zahlenmäßigen Nachweis mit Belegliste" in text
    [default] = under(reopen(share_letter(usage_report_due=None)), "Verwendungsnachweis")
    assert "bis zum 30.06.2028" in default  # DOMAIN.md §5: end of the 6th month after the period


def test_nebenbestimmungen(approval):
    assert under(approval, "Allgemeine Nebenbestimmungen") == [
        "Die beigefügten Allgemeinen Nebenbestimmungen für Zuwendungen zur Projektförderung "
        "(ANBest-P) sind Bestandteil dieses Bescheides."
    ]
    assert under(approval, "Besondere Nebenbestimmungen") == [
        "Öffentlichkeitsarbeit",
        "Auf die Förderung durch die Stadt Köln ist hinzuweisen.",
        "Kooperation & Vernetzung",
        "Teilnahme am Netzwerk der IKZ < 4 Termine im Jahr ist zu begründen.",
    ]
    titles = [p for p in approval.paragraphs if p.text == "Kooperation & Vernetzung"]
    assert titles[0].runs[0].bold is True
    [interest] = under(approval, "Erstattung und Verzinsung")
    assert "§ 49a Abs. 3 VwVfG NRW" in interest
    assert "§ 49a Abs. 4 VwVfG NRW" in interest
    assert texts(approval)[-1] == (
        "Anlage: Allgemeine Nebenbestimmungen für Zuwendungen zur Projektförderung (ANBest-P)"
    )


def test_no_special_conditions_no_heading():
    document = reopen(share_letter(conditions=[]))
    assert "Besondere Nebenbestimmungen" not in [h for _, h in headings(document)]


def test_budget_reservation_only_when_set(approval):
    assert RESERVATION in under(approval, "Haushaltsvorbehalt")[0]
    for letter in (share_letter(budget_reservation=False), shortfall_letter()):
        document = reopen(letter)
        assert RESERVATION not in body_text(document)
        assert "Haushaltsvorbehalt" not in [h for _, h in headings(document)]
    amendment = reopen(amendment_letter(budget_reservation=True))
    assert RESERVATION in under(amendment, "Haushaltsvorbehalt")[0]


@pytest.mark.parametrize(
    "letter",
    [share_letter(), partial_letter(), rejection_letter(), amendment_letter()],
    ids=["approval", "partial", "rejection", "amendment"],
)
def test_legal_remedy_and_signature_in_every_letter(letter):
    document = reopen(letter)
    remedy = under(document, "III. Rechtsbehelfsbelehrung")
    assert remedy[0] == LEGAL_REMEDY
    assert "Verwaltungsgericht Köln" in remedy[0]
    assert "innerhalb eines Monats" in remedy[0]
    assert "Widerspruch" not in body_text(document)
    assert remedy[2:6] == [
        "Mit freundlichen Grüßen",
        "Im Auftrag",
        "Dr. Erika Mustermann",
        "Leitung des Kommunalen Integrationszentrums",
    ]


def test_partial_approval_rejects_the_rest_and_lists_the_reductions():
    document = reopen(partial_letter())
    assert under(document, "I. Bewilligung")[0] == (
        "Ich bewillige Ihnen für den Bewilligungszeitraum vom 01.07.2027 bis 30.06.2028 eine "
        f"Zuwendung in Höhe von {eur('30.080,00')} als nicht rückzahlbaren Zuschuss. "
        f"Beantragt waren {eur('32.000,00')}; im Übrigen wird der Antrag abgelehnt."
    )
    assert under(document, "Finanzierungsart und Höhe")[0].endswith(
        f"von {eur('47.000,00')}, höchstens {eur('30.080,00')}, gewährt."
    )
    reductions = table(document, "Kürzungen gegenüber dem Antrag")
    assert rows(reductions) == [
        ["Ausgabeposition", "Beantragt", "Anerkannt", "Kürzung", "Begründung"],
        ["Honorare", eur("8.000,00"), eur("6.000,00"), eur("2.000,00"), "Stundensatz 50 € > 40 € (Richtlinie Nr. 5)"],
        ["Öffentlichkeitsarbeit", eur("2.000,00"), eur("1.000,00"), eur("1.000,00"), "Druck & Versand nur zur Hälfte"],
        ["Summe", eur("10.000,00"), eur("7.000,00"), eur("3.000,00"), ""],
    ]  # fmt: skip
    assert reductions.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert "bis zum 31.12.2028 nachzuweisen" in under(document, "Verwendungsnachweis")[0]


def test_rejection_gives_reasons_and_no_grant_terms():
    document = reopen(rejection_letter())
    assert headings(document) == [
        ("Title", "Ablehnungsbescheid"),
        ("Heading 1", "I. Ablehnung"),
        ("Heading 1", "II. Begründung"),
        ("Heading 1", "III. Rechtsbehelfsbelehrung"),
    ]
    assert under(document, "I. Ablehnung") == [
        f"Ihren Antrag auf Gewährung einer Zuwendung in Höhe von {eur('32.000,00')} für das "
        f"Projekt „{PROJECT}“ lehne ich ab."
    ]
    assert under(document, "II. Begründung") == [
        "Das Zentrum ist nicht als Interkulturelles Zentrum anerkannt.",
        "Die Mittel des Aufrufs sind ausgeschöpft.",
    ]
    assert CEILING not in texts(document)
    assert document.tables == []
    assert not texts(document)[-1].startswith("Anlage")


def test_amendment_states_previous_and_new_amount():
    document = reopen(amendment_letter())
    assert headings(document) == [
        ("Title", "Änderungsbescheid"),
        ("Heading 1", "I. Änderung"),
        ("Heading 2", "Zuwendungsbetrag"),
        ("Heading 2", "Begründung"),
        ("Heading 1", "II. Fortgeltung des Zuwendungsbescheides"),
        ("Heading 1", "III. Rechtsbehelfsbelehrung"),
    ]
    assert under(document, "I. Änderung") == [
        "Der Zuwendungsbescheid vom 15.12.2026 (Aktenzeichen IKZ-2027-0004) wird wie folgt geändert:",
        "Die Honorarausgaben sinken von 8.000,00 € auf 5.000,00 €.",
        "Der Bewilligungszeitraum bleibt unverändert.",
    ]
    assert under(document, "Zuwendungsbetrag") == [
        f"Die Zuwendung wird von bisher {eur('32.000,00')} auf nunmehr {eur('30.080,00')} verringert.",
        f"Die Zuwendung wird als Anteilfinanzierung in Höhe von 64 v. H. der zuwendungsfähigen "
        f"Gesamtausgaben von {eur('47.000,00')}, höchstens {eur('30.080,00')}, gewährt.",
        CEILING,
    ]
    assert under(document, "II. Fortgeltung des Zuwendungsbescheides") == [
        "Im Übrigen bleibt der Zuwendungsbescheid vom 15.12.2026 (Aktenzeichen IKZ-2027-0004) "
        "einschließlich seiner Nebenbestimmungen unverändert wirksam."
    ]
    assert texts(document)[9] == "zu Ihrer Zuwendung ergeht folgender Änderungsbescheid:"


def test_amendment_increase_unchanged_and_missing_previous():
    raised = reopen(amendment_letter(previous_approved=Money(2_500_000)))
    assert under(raised, "Zuwendungsbetrag")[0] == (
        f"Die Zuwendung wird von bisher {eur('25.000,00')} auf nunmehr {eur('30.080,00')} erhöht."
    )
    same = reopen(amendment_letter(previous_approved=Money(3_008_000)))
    assert (
        under(same, "Zuwendungsbetrag")[0]
        == f"Die Zuwendung bleibt unverändert bei {eur('30.080,00')}."
    )
    with pytest.raises(ValueError, match="previous_approved"):
        letter_document(amendment_letter(previous_approved=None))


def test_special_characters_survive(approval):
    text = body_text(approval)
    for expected in (
        ORGANISATION,
        PROJECT,
        "Kooperation & Vernetzung",
        "IKZ < 4 Termine",
        "Straße",
    ):
        assert expected in text
    assert "Druck & Versand" in body_text(reopen(partial_letter()))


def test_control_characters_are_dropped():
    document = reopen(
        share_letter(
            title="Treff\x00punkt\x0b Kalk",
            reasons="Wie\x1f beantragt.",
            signer_name="Eva\x07 Muster",
        )
    )
    assert "Projekt: „Treffpunkt Kalk“" in texts(document)
    assert "Wie beantragt." in texts(document)
    assert "Eva Muster" in texts(document)


def test_footer_numbers_the_pages(approval):
    footer = approval.sections[0].footer
    instructions = [el.text.strip() for el in footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.paragraphs[0].text.startswith("Seite ")
    assert " von " in footer.paragraphs[0].text
    assert approval.sections[0].header.paragraphs[0].text.startswith("Stadt Köln")


@pytest.mark.office
@pytest.mark.parametrize(
    ("make", "heading", "figures"),
    [
        (share_letter, "Zuwendungsbescheid", ["32.000,00", "50.000,00", "18.000,00", "8.000,00"]),
        (partial_letter, "Teilbewilligung", ["30.080,00", "47.000,00", "15.040,00", "6.000,00"]),
        (rejection_letter, "Ablehnungsbescheid", []),
        (amendment_letter, "Änderungsbescheid", ["30.080,00", "32.000,00", "47.000,00"]),
    ],
)
def test_each_letter_opens_in_libreoffice_with_its_figures(make, heading, figures):
    letter = make()
    text = word_text(letter_document(letter))
    assert heading in text
    assert f"Aktenzeichen: {letter.file_number}" in text
    assert ORGANISATION in text
    assert LEGAL_REMEDY in text
    for amount in figures:
        assert eur(amount) in text, amount


@pytest.mark.office
@pytest.mark.parametrize(
    "make", [share_letter, partial_letter, amendment_letter, per_unit_letter, shortfall_letter]
)
def test_libreoffice_splits_no_amount_and_no_word_of_a_table(make):
    data = letter_document(make())
    document = docx.Document(io.BytesIO(data))
    cells = [printed(cell.text) for t in document.tables for row in t.rows for cell in row.cells]
    written = "\n".join([*map(printed, texts(document)), *cells])
    lines = [printed(line) for line in word_lines(data)]

    assert Counter(AMOUNT.findall("\n".join(lines))) == Counter(AMOUNT.findall(written))
    tokens = {token for line in lines for token in line.split()}
    split = {word for cell in cells for word in cell.split() if word not in tokens}
    assert not split, f"in den Tabellen umbrochen: {sorted(split)}"
