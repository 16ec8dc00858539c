"""The submitted application as a Word document: content, structure and accessibility markers."""

from __future__ import annotations

import io
from importlib.resources import files
from typing import Any

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table

from grants.money import Money
from reports.word.application import application_document
from reports.word.documents import AUTHOR, REQUIRED_STYLES, TEMPLATE

ORGANISATION = "Jugend & Kultur <Köln-Mülheim> e. V."
TITLE = "Begegnung & Beratung für Ältere <60+>"


def plan_line(key: int, kind: str, category: str, cents: int, **extra: Any) -> dict[str, Any]:
    return {
        "line_key": f"4b0a2c1e-0000-4000-8000-{key:012d}", "kind": kind, "category": category,
        "description": f"Zeile {key}", "quantity_milli": None, "unit_price_cents": None,
        "amount_cents": cents, "staff_function": "", "fte_milli": None, "pay_group": "", "source": "",
        "position": key, **extra,
    }  # fmt: skip


def snapshot() -> dict[str, Any]:
    return {
        "application": {
            "file_number": "IKZ-2027-0004", "title": TITLE,
            "summary": "Offener Treff & Beratung für Familien.\n\nSprachmittlung auf Türkisch.",
            "goals": "Zugänge zu Regelangeboten öffnen; Deutschkenntnisse < B1 verbessern.",
            "target_groups": ["families", "seniors"], "planned_offers": ["social_counselling", "open_meeting", "culture"],
            "languages": ["tr", "ar"], "district": "muelheim", "period_start": "2027-01-01", "period_end": "2027-12-31",
            "early_start_requested": True, "early_start_reason": "Kurse beginnen im Januar.",
            "financing_type": "shortfall", "requested_cents": 3_200_000,
            "declarations": {"no_early_start": False, "input_tax_deduction": False, "truthful": True, "privacy_notice": True},
        },
        "organisation": {
            "legal_name": ORGANISATION, "legal_form": "ev", "street": "Frankfurter Straße 12",
            "postcode": "51065", "city": "Köln", "iban": "DE89370400440532013000", "account_holder": ORGANISATION,
        },
        "centre": {"name": "Interkulturelles Zentrum Mülheim"},
        "call": {"title": "Förderaufruf IKZ 2027", "programme": "Förderung der Interkulturellen Zentren", "fiscal_year": 2027},
        "lines": [
            plan_line(1, "expense", "personnel", 3_000_000, staff_function="Sozialarbeiter:in (Beratung)",
                      fte_milli=500, pay_group="TVöD SuE S 12"),
            plan_line(2, "expense", "fees", 800_000, quantity_milli=200_000, unit_price_cents=4_000),
            plan_line(3, "expense", "rent", 700_000),
            plan_line(4, "expense", "material", 123_456),
            plan_line(5, "expense", "publicity", 376_544),
            plan_line(6, "revenue", "own_funds", 500_000),
            plan_line(7, "revenue", "third_party", 1_000_000, source="Land NRW (KOMM-AN)"),
            plan_line(8, "revenue", "fees_income", 300_000),
        ],
        "attachments": [
            {"kind": "statutes", "filename": "Satzung Jugend & Kultur.pdf", "size_bytes": 245_760, "sha256": "a" * 64},
            {"kind": "tax_exemption", "filename": "freistellung.pdf", "size_bytes": 80_000, "sha256": "b" * 64},
        ],
        "submitted_at": "2026-10-15T09:30:00+00:00",
        "version": 2,
    }  # fmt: skip


def reopen(snap: dict[str, Any]) -> DocxDocument:
    return docx.Document(io.BytesIO(application_document(snap)))


@pytest.fixture(scope="module")
def document() -> DocxDocument:
    return reopen(snapshot())


def table_texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def body_text(document: DocxDocument) -> str:
    cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def test_core_properties(document):
    properties = document.core_properties
    assert properties.title == f"Antrag auf Zuwendung – IKZ-2027-0004 – {TITLE}"
    assert properties.language == "de-DE"
    assert properties.author == AUTHOR


def test_title_and_headings_use_real_styles_in_order(document):
    assert document.paragraphs[0].style.name == "Title"
    assert document.paragraphs[0].text == "Antrag auf Zuwendung"
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [
        ("Heading 1", "Antragsteller"),
        ("Heading 2", "Träger"),
        ("Heading 2", "Bankverbindung"),
        ("Heading 2", "Zentrum"),
        ("Heading 1", "Projekt"),
        ("Heading 2", "Vorhaben"),
        ("Heading 2", "Kurzbeschreibung"),
        ("Heading 2", "Ziele"),
        ("Heading 2", "Zielgruppen"),
        ("Heading 2", "Geplante Angebote"),
        ("Heading 1", "Kosten- und Finanzierungsplan"),
        ("Heading 2", "Ausgaben"),
        ("Heading 2", "Einnahmen"),
        ("Heading 2", "Finanzierung"),
        ("Heading 1", "Anlagen"),
        ("Heading 1", "Erklärungen"),
    ]


def test_file_number_and_submission_time_in_koeln_time(document):
    texts = [p.text for p in document.paragraphs]
    assert "Aktenzeichen: IKZ-2027-0004" in texts
    assert "Eingereicht am: 15.10.2026, 11:30 Uhr" in texts


def test_plan_tables_have_repeated_header_rows(document):
    expenses, revenues = document.tables
    for table in (expenses, revenues):
        header = table.rows[0]._tr
        assert header.trPr is not None
        assert header.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None for row in table.rows[1:])
    assert table_texts(expenses)[0] == [
        "Kategorie", "Beschreibung", "Menge × Einzelpreis", "Personal: Funktion, VZÄ, Entgeltgruppe", "Betrag",
    ]  # fmt: skip
    assert table_texts(revenues)[0] == ["Art", "Beschreibung", "Mittelgeber", "Betrag"]


def test_expense_rows_show_labels_calculation_and_personnel(document):
    rows = table_texts(document.tables[0])
    assert rows[1] == [
        "Personalausgaben",
        "Zeile 1",
        "",
        "Sozialarbeiter:in (Beratung), 0,5 VZÄ, TVöD SuE S 12",
        "30.000,00\u00a0€",
    ]
    assert rows[2] == ["Honorare", "Zeile 2", "200 × 40,00\u00a0€", "", "8.000,00\u00a0€"]
    assert rows[4][4] == "1.234,56\u00a0€"
    assert table_texts(document.tables[1])[2] == [
        "Drittmittel",
        "Zeile 7",
        "Land NRW (KOMM-AN)",
        "10.000,00\u00a0€",
    ]


def test_money_cells_are_right_aligned(document):
    for table in document.tables:
        for row in table.rows:
            assert row.cells[-1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
            assert row.cells[0].paragraphs[0].alignment is None


def test_totals_equal_the_sum_of_the_lines(document):
    for table, label in zip(document.tables, ("Summe Ausgaben", "Summe Einnahmen"), strict=True):
        *lines, total = table_texts(table)[1:]
        assert total[0] == label
        assert Money.parse(total[-1]) == Money.total(Money.parse(row[-1]) for row in lines)
    assert table_texts(document.tables[0])[-1][-1] == "50.000,00\u00a0€"
    assert table_texts(document.tables[1])[-1][-1] == "18.000,00\u00a0€"


def test_financing_and_balance(document):
    texts = [p.text for p in document.paragraphs]
    assert "Beantragte Zuwendung: 32.000,00\u00a0€" in texts
    assert "Finanzierungsart: Fehlbedarfsfinanzierung" in texts
    assert (
        "Der Kosten- und Finanzierungsplan ist ausgeglichen: Gesamtausgaben 50.000,00\u00a0€ "
        "= Einnahmen 18.000,00\u00a0€ + beantragte Zuwendung 32.000,00\u00a0€."
    ) in texts


def test_an_unbalanced_plan_is_not_called_balanced():
    snap = snapshot()
    snap["application"]["requested_cents"] = 3_000_000
    texts = [p.text for p in reopen(snap).paragraphs]
    assert any("ist nicht ausgeglichen" in t and "Differenz 2.000,00\u00a0€" in t for t in texts)


def test_project_details_in_german(document):
    texts = [p.text for p in document.paragraphs]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert "Stadtbezirk: Mülheim" in texts
    assert "Sprachen: Türkisch, Arabisch" in texts
    assert "Durchführungszeitraum: 01.01.2027 bis 31.12.2027" in texts
    assert "Vorzeitiger Maßnahmebeginn beantragt: ja" in texts
    assert "Rechtsform: eingetragener Verein (e. V.)" in texts
    assert "IBAN: DE89 3704 0044 0532 0130 00" in texts
    assert bullets[:5] == [
        "Familien",
        "Senior:innen",
        "Soziale Beratung",
        "Offener Treff",
        "Kultur/Freizeit",
    ]


def test_attachments_and_declarations(document):
    texts = [p.text for p in document.paragraphs]
    assert "Satzung: Satzung Jugend & Kultur.pdf (240 KB)" in texts
    assert "Freistellungsbescheid: freistellung.pdf (78 KB)" in texts
    assert texts[-4:] == [
        "Mit dem Vorhaben wurde noch nicht begonnen: nein.",
        "Der Träger ist zum Vorsteuerabzug berechtigt: nein.",
        "Die Angaben sind vollständig und richtig: ja.",
        "Die Datenschutzhinweise wurden zur Kenntnis genommen: ja.",
    ]


def test_special_characters_survive(document):
    text = body_text(document)
    for expected in (
        ORGANISATION,
        TITLE,
        "Deutschkenntnisse < B1",
        "Offener Treff & Beratung",
        "Türkisch",
    ):
        assert expected in text


def test_control_characters_are_dropped():
    snap = snapshot()
    snap["application"]["title"] = "Treff\x00punkt\x0b Kalk"
    snap["lines"][0]["description"] = "Beratung\x1f"
    document = reopen(snap)
    assert "Titel: Treffpunkt Kalk" in [p.text for p in document.paragraphs]
    assert document.tables[0].rows[1].cells[1].text == "Beratung"


def test_footer_numbers_the_pages(document):
    footer = document.sections[0].footer
    instructions = [el.text.strip() for el in footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.paragraphs[0].text.startswith("Seite ")
    assert " von " in footer.paragraphs[0].text


def test_header_comes_from_the_template(document):
    assert (
        document.sections[0]
        .header.paragraphs[0]
        .text.startswith("Stadt Köln · Die Oberbürgermeisterin")
    )


def test_minimal_snapshot_still_renders():
    document = reopen({"application": {"title": "Ohne Angaben"}, "centre": None})
    texts = [p.text for p in document.paragraphs]
    assert "Keine Anlagen." in texts
    assert "Zentrum" not in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert table_texts(document.tables[0])[-1] == ["Summe Ausgaben", "", "", "", "0,00\u00a0€"]
    assert "Mit dem Vorhaben wurde noch nicht begonnen: keine Angabe." in texts


def test_template_defines_the_required_styles_and_german():
    template = docx.Document(io.BytesIO((files("reports") / "templates" / TEMPLATE).read_bytes()))
    names = {style.name for style in template.styles}
    assert set(REQUIRED_STYLES) <= names
    [lang] = template.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    assert lang.get(qn("w:val")) == "de-DE"
    assert template.sections[0].page_width.cm == pytest.approx(21, abs=0.01)
