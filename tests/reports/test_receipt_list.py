"""The receipt list template (Belegliste): generated for one grant, filled in with openpyxl as
a user would, read back exactly — and every bad file refused with German messages that name
row and column, nothing returned in part."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.workbook import Workbook as WorkbookType

from grants.money import Money
from grants.vocabulary import PlanLineKind
from reports.excel import receipt_import
from reports.excel.receipt_import import MAX_PROBLEMS
from reports.excel.receipt_list import (
    FIRST_ROW,
    HEADER_ROW,
    HEADERS,
    MAX_ROWS,
    ImportedReceipt,
    ReceiptListRefused,
    TemplateFacts,
    TemplateLine,
    read,
    template,
)
from tests.support.office import calc_resaved

E, R = PlanLineKind.EXPENSE, PlanLineKind.REVENUE


class Quoted(str):
    """Text typed with a leading apostrophe: text even when it starts with ``=``."""


LINES = (
    TemplateLine("personnel", "Personalkosten", E),
    TemplateLine("fees", "Honorare", E),
    TemplateLine("rent", "Miete", E),
    TemplateLine("own", "Eigenmittel", R),
    TemplateLine("donations", "Spenden", R),
    TemplateLine("fees2", "Honorare", E),  # a second line with the same label
)
FACTS = TemplateFacts(
    grant_id=41,
    file_number="IKZ-2026-00041",
    title="Begegnung & Beratung <60+>",
    organisation='=HYPERLINK("http://boese.example","Klick") e. V.',
    period_start=date(2026, 1, 1),
    period_end=date(2026, 12, 31),
    earliest_receipt=date(2026, 1, 1),
    lines=LINES,
)
GOOD = [
    (1, "Ausgabe", datetime(2026, 1, 31), "Anna Schmidt", "Gehalt Januar", 2500, "Personalkosten (Ausgabe)", date(2026, 1, 31)),
    (2, "Ausgabe", "31.12.2026", "Immobilien GmbH", "Miete Dezember", "1.234,50", "Miete (Ausgabe)", "31.12.2026"),
    (3, "Einnahme", "15.03.2026", "Förderverein", "Spende", "1234.5", "Spenden (Einnahme)", None),
    (4, "ausgabe", date(2026, 6, 1), "  Druckerei  ", "Flyer\nund Plakate", "1.234", " miete ", "02.06.2026"),
    (5, "Ausgabe", "1.7.2026", Quoted("=cmd|' /C calc'!A0"), "+Honorar", 99.99, "Honorare (Ausgabe) 2", None),
    (6, "Einnahme", "2026-07-01", 12345, 2026, "0,01", "Eigenmittel", None),
    (7, "Einnahme", "01.07.26", "Stadt Köln", "Zuschuss", "2.500 €", "Eigenmittel", None),
    (8, "Ausgabe", "02.07.2026", "Bahn", "Fahrkarte", "12.5 EUR", "Miete (Ausgabe)", None),
]  # fmt: skip


def fill(
    rows: Sequence[Sequence[Any]],
    facts: TemplateFacts = FACTS,
    *,
    start: int = FIRST_ROW,
    edit: Callable[[WorkbookType], None] | None = None,
) -> bytes:
    """The template, filled with openpyxl as a user (or a script) would."""
    workbook = load_workbook(io.BytesIO(template(facts)))
    sheet = workbook["Belege"]
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(start + offset, column, value)
            if isinstance(value, Quoted):
                cell.data_type, cell.quotePrefix = "s", True
    if edit:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refused(content: bytes, facts: TemplateFacts = FACTS) -> list[str]:
    with pytest.raises(ReceiptListRefused) as caught:
        read(content, facts)
    assert caught.value.problems, "refused without a reason"
    return caught.value.problems


def row(number: int = 1, **changes: Any) -> list[Any]:
    """A good row, with some columns changed (by their header's first word)."""
    values: list[Any] = [number, "Ausgabe", "10.02.2026", "Stadtwerke Köln", "Strom",
                         "100,00", "Miete (Ausgabe)", None]  # fmt: skip
    names = ["nr", "art", "datum", "empfaenger", "zweck", "betrag", "position", "bezahlt"]
    for name, value in changes.items():
        values[names.index(name)] = value
    return values


# -- the template -----------------------------------------------------------------------------


def test_template_sheets_header_block_and_identity() -> None:
    workbook = load_workbook(io.BytesIO(template(FACTS)))
    assert workbook.sheetnames == ["Belege", "Anleitung", "Positionen", "Vorlage"]
    states = {sheet.title: sheet.sheet_state for sheet in workbook.worksheets}
    assert states == {"Belege": "visible", "Anleitung": "visible", "Positionen": "hidden",
                      "Vorlage": "veryHidden"}  # fmt: skip
    assert workbook.security.lockStructure
    sheet = workbook["Belege"]
    block = {sheet.cell(r, 1).value: sheet.cell(r, 4).value for r in range(2, 6)}
    assert block == {
        "Aktenzeichen": "IKZ-2026-00041",
        "Vorhaben": "Begegnung & Beratung <60+>",
        "Träger": '=HYPERLINK("http://boese.example","Klick") e. V.',
        "Bewilligungszeitraum": "01.01.2026 bis 31.12.2026",
    }
    organisation = sheet.cell(4, 4)
    assert organisation.data_type == "s"
    assert organisation.quotePrefix
    assert [c.value for c in sheet[HEADER_ROW]] == list(HEADERS)
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    identity = [[c.value for c in r] for r in workbook["Vorlage"].iter_rows()]
    assert identity[:4] == [["Kennung", "Förderportal Köln – Belegliste", None],
                            ["Version", 1, None], ["Zuwendung", 41, None],
                            ["Aktenzeichen", "IKZ-2026-00041", None]]  # fmt: skip
    assert ["Position", "Honorare (Ausgabe) 2", "fees2"] in identity


def test_template_protects_the_header_opens_the_table_and_prints_landscape() -> None:
    sheet = load_workbook(io.BytesIO(template(FACTS)))["Belege"]
    assert sheet.protection.sheet
    assert not sheet.protection.insertRows
    assert not sheet.protection.formatColumns
    for r in range(1, HEADER_ROW + 1):
        assert all(cell.protection.locked for cell in sheet[r])
    columns = sheet.column_dimensions
    assert all(not columns[letter].protection.locked for letter in "ABCDEFGH")
    assert columns["C"].number_format == "DD.MM.YYYY" == columns["H"].number_format
    assert columns["F"].number_format == '#,##0.00 "€"'
    assert columns["D"].width == 34
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_template_drop_downs_and_checks_in_excel() -> None:
    workbook = load_workbook(io.BytesIO(template(FACTS)))
    rules = {str(v.sqref): v for v in workbook["Belege"].data_validations.dataValidation}
    last = FIRST_ROW + MAX_ROWS - 1
    kind, line = rules[f"B{FIRST_ROW}:B{last}"], rules[f"G{FIRST_ROW}:G{last}"]
    assert (kind.type, kind.formula1) == ("list", '"Ausgabe,Einnahme"')
    assert (line.type, line.formula1) == ("list", "Positionen!$A$2:$A$7")
    day = rules[f"C{FIRST_ROW}:C{last}"]
    assert (day.type, day.operator, day.formula1, day.formula2) == (
        "date",
        "between",
        "46023",
        "46387",
    )
    assert all(v.showErrorMessage and v.error for v in rules.values())
    labels = [r[0].value for r in workbook["Positionen"].iter_rows(min_row=2)]
    assert labels == ["Personalkosten (Ausgabe)", "Honorare (Ausgabe)", "Miete (Ausgabe)",
                      "Eigenmittel (Einnahme)", "Spenden (Einnahme)", "Honorare (Ausgabe) 2"]  # fmt: skip


def test_instructions_in_german() -> None:
    guide = "\n".join(
        str(r[0].value) for r in load_workbook(io.BytesIO(template(FACTS)))["Anleitung"].iter_rows()
    )
    for phrase in ("Anleitung zur Belegliste", "ab Zeile 8 jeden Beleg in eine eigene Zeile",
                   "Ausgaben und Einnahmen", "TT.MM.JJJJ", "1.234,50", "01.01.2026 bis 31.12.2026",
                   "keine Formeln", "Verändern Sie die Struktur nicht", "• Spenden (Einnahme)",
                   "höchstens 10.000 Belege"):  # fmt: skip
        assert phrase in guide


def test_early_start_is_shown_and_allowed() -> None:
    early = dataclasses.replace(FACTS, earliest_receipt=date(2025, 11, 1))
    sheet = load_workbook(io.BytesIO(template(early)))["Belege"]
    assert sheet.cell(5, 4).value == (
        "01.01.2026 bis 31.12.2026; vorzeitiger Maßnahmebeginn ab 01.11.2025"
    )
    receipts = read(fill([row(datum="01.11.2025")], early), early)
    assert receipts[0].receipt_date == date(2025, 11, 1)
    (problem,) = refused(fill([row(datum="31.10.2025")], early), early)
    assert problem == (
        "Zeile 8, Spalte „Belegdatum“: Der 31.10.2025 liegt vor dem genehmigten vorzeitigen "
        "Maßnahmebeginn (01.11.2025)."
    )


# -- the round trip ---------------------------------------------------------------------------


def test_round_trip_reads_every_value_exactly() -> None:
    content = fill([*GOOD, [None] * 8, ["", " ", None], [9], [10]])  # blank, or numbered only
    assert read(content, FACTS) == [
        ImportedReceipt(8, E, date(2026, 1, 31), "Anna Schmidt", "Gehalt Januar", Money(250_000), "personnel", date(2026, 1, 31), 1),
        ImportedReceipt(9, E, date(2026, 12, 31), "Immobilien GmbH", "Miete Dezember", Money(123_450), "rent", date(2026, 12, 31), 2),
        ImportedReceipt(10, R, date(2026, 3, 15), "Förderverein", "Spende", Money(123_450), "donations", None, 3),
        ImportedReceipt(11, E, date(2026, 6, 1), "Druckerei", "Flyer und Plakate", Money(123_400), "rent", date(2026, 6, 2), 4),
        ImportedReceipt(12, E, date(2026, 7, 1), "=cmd|' /C calc'!A0", "+Honorar", Money(9_999), "fees2", None, 5),
        ImportedReceipt(13, R, date(2026, 7, 1), "12345", "2026", Money(1), "own", None, 6),
        ImportedReceipt(14, R, date(2026, 7, 1), "Stadt Köln", "Zuschuss", Money(250_000), "own", None, 7),
        ImportedReceipt(15, E, date(2026, 7, 2), "Bahn", "Fahrkarte", Money(1_250), "rent", None, 8),
    ]  # fmt: skip


def test_rows_may_skip_blank_lines_and_header_rows_may_be_inserted() -> None:
    def insert_row(workbook: WorkbookType) -> None:
        workbook["Belege"].insert_rows(3)

    receipts = read(fill([row(1), [None] * 8, row(2)], edit=insert_row), FACTS)
    assert [(r.row, r.number) for r in receipts] == [(9, 1), (11, 2)]


@pytest.mark.office
def test_a_list_saved_by_libreoffice_reads_the_same() -> None:
    content = fill(GOOD)
    assert read(calc_resaved(content), FACTS) == read(content, FACTS)


def test_positions_map_by_the_templates_labels_after_the_plan_changed() -> None:
    content = fill([row(1, position="Miete (Ausgabe)"), row(2, position="Honorare (Ausgabe) 2")])
    renamed = dataclasses.replace(
        FACTS, lines=(TemplateLine("rent", "Raummiete", E), TemplateLine("fees", "Honorare", E))
    )
    problems = refused(content, renamed)
    assert problems == [
        "Zeile 9, Spalte „Position im Finanzplan“: Die Position „Honorare (Ausgabe) 2“ gehört "
        "nicht mehr zum Finanzplan dieser Zuwendung; bitte eine Position aus der Auswahlliste "
        "wählen."
    ]
    assert [r.line_key for r in read(fill([row(1)]), renamed)] == ["rent"]


# -- files that are not this grant's template -------------------------------------------------


def plain_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(list(HEADERS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"Nr.;Art;Belegdatum\n1;Ausgabe;01.02.2026\n", "Die Datei ist keine Excel-Datei (.xlsx) oder beschädigt."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Die Datei ist im alten Excel-Format (.xls) gespeichert"),
        (template(FACTS)[:3000], "Die Datei ist keine Excel-Datei (.xlsx) oder beschädigt."),
        (b"PK\x05\x06" + b"\0" * 18, "Die Excel-Datei ist beschädigt oder keine Excel-Arbeitsmappe"),
        (plain_workbook(), "Die Datei ist keine Belegliste-Vorlage des Förderportals."),
    ],
    ids=["empty", "csv", "xls", "truncated", "empty-zip", "foreign-workbook"],
)  # fmt: skip
def test_not_an_xlsx_or_not_our_template(content: bytes, message: str) -> None:
    (problem,) = refused(content)
    assert problem.startswith(message)


def test_another_grants_template_is_refused() -> None:
    other = dataclasses.replace(FACTS, grant_id=7, file_number="IKZ-2026-00007")
    (problem,) = refused(fill([row()], other))
    assert problem == (
        "Die Datei ist die Belegliste-Vorlage der Zuwendung IKZ-2026-00007, nicht der Zuwendung "
        "IKZ-2026-00041. Bitte laden Sie die Vorlage für IKZ-2026-00041 herunter."
    )


def test_an_old_template_version_is_refused() -> None:
    def make_old(workbook: WorkbookType) -> None:
        workbook["Vorlage"]["B2"] = 0

    (problem,) = refused(fill([row()], edit=make_old))
    assert problem.startswith(
        "Die Datei wurde mit einer älteren Version der Vorlage erstellt (Version 0, aktuell 1)."
    )


def test_extra_sheets_are_refused_with_the_rows_problems() -> None:
    def add_sheets(workbook: WorkbookType) -> None:
        workbook.security.lockStructure = False
        workbook.create_sheet("Notizen")
        workbook.create_sheet("Kasse 2026")

    problems = refused(fill([row(betrag="-5")], edit=add_sheets))
    assert problems == [
        "Die Datei enthält Blätter, die nicht zur Vorlage gehören: „Notizen“, „Kasse 2026“. "
        "Bitte tragen Sie die Belege nur im Blatt „Belege“ ein und löschen Sie die übrigen Blätter.",
        "Zeile 8, Spalte „Betrag (€)“: Der Betrag muss größer als 0 sein (eingetragen: -5,00\xa0€).",
    ]


def test_a_renamed_receipts_sheet_is_refused() -> None:
    def rename(workbook: WorkbookType) -> None:
        workbook["Belege"].title = "Ausgaben"

    problems = refused(fill([row()], edit=rename))
    assert problems == ["Das Blatt „Belege“ fehlt. Bitte laden Sie die Vorlage neu herunter."]


def test_a_changed_table_header_is_refused() -> None:
    def rename(workbook: WorkbookType) -> None:
        workbook["Belege"]["F7"] = "Betrag"

    (problem,) = refused(fill([row()], edit=rename))
    assert problem.startswith("Im Blatt „Belege“ fehlt die Kopfzeile der Tabelle (Nr., Art,")


# -- bad cells --------------------------------------------------------------------------------


def test_formulas_are_refused_naming_the_cell() -> None:
    problems = refused(fill([row(1), row(2, betrag="=100*2"), row(3, zweck='=A8&"x"')]))
    assert problems == [
        "Zeile 9, Spalte „Betrag (€)“: Die Zelle F9 enthält eine Formel (=100*2). Bitte tragen "
        "Sie nur Werte ein, keine Formeln.",
        'Zeile 10, Spalte „Zweck“: Die Zelle E10 enthält eine Formel (=A8&"x"). Bitte tragen '
        "Sie nur Werte ein, keine Formeln.",
    ]


def test_merged_cells_in_the_table_are_refused() -> None:
    def merge(workbook: WorkbookType) -> None:
        workbook["Belege"].merge_cells("D9:E9")

    problems = refused(fill([row(1), row(2)], edit=merge))
    assert problems == [  # Excel, too, keeps only the first cell's value
        "Zeile 9, Spalte „Zweck“: Die Angabe fehlt.",
        "Zeile 9: Die Zellen D9:E9 sind verbunden. Bitte heben Sie die Verbindung auf; jede "
        "Angabe gehört in ihre eigene Zelle.",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"betrag": -20}, "Spalte „Betrag (€)“: Der Betrag muss größer als 0 sein (eingetragen: -20,00\xa0€)."),
        ({"betrag": "0,00"}, "Spalte „Betrag (€)“: Der Betrag muss größer als 0 sein (eingetragen: 0,00\xa0€)."),
        ({"betrag": 12.345}, "Spalte „Betrag (€)“: Der Betrag 12.345 hat mehr als zwei Nachkommastellen."),
        ({"betrag": "12,345"}, "Spalte „Betrag (€)“: Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
        ({"betrag": "1,234.50"}, "Spalte „Betrag (€)“: „1,234.50“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ({"betrag": "zwölf"}, "Spalte „Betrag (€)“: „zwölf“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ({"betrag": None}, "Spalte „Betrag (€)“: Die Angabe fehlt."),
        ({"nr": None}, "Spalte „Nr.“: Die Angabe fehlt."),
        ({"nr": 1.5}, "Spalte „Nr.“: Bitte eine ganze Zahl von 1 bis 999.999 eintragen."),
        ({"art": "Spende"}, "Spalte „Art“: „Spende“: bitte „Ausgabe“ oder „Einnahme“ eintragen."),
        ({"art": " "}, "Spalte „Art“: Die Angabe fehlt."),
        ({"datum": None}, "Spalte „Belegdatum“: Die Angabe fehlt."),
        ({"datum": "31.02.2026"}, "Spalte „Belegdatum“: „31.02.2026“ ist kein Datum; bitte so eintragen: 31.12.2026."),
        ({"datum": 46100}, "Spalte „Belegdatum“: 46100 ist kein Datum; bitte so eintragen: 31.12.2026."),
        ({"datum": "31.12.2025"}, "Spalte „Belegdatum“: Der 31.12.2025 liegt vor dem Beginn des Bewilligungszeitraums (01.01.2026)."),
        ({"datum": datetime(2027, 1, 1)}, "Spalte „Belegdatum“: Der 01.01.2027 liegt nach dem Ende des Bewilligungszeitraums (31.12.2026)."),
        ({"bezahlt": "09.02.2026"}, "Spalte „bezahlt am“: Der Zahltag 09.02.2026 liegt vor dem Belegdatum 10.02.2026."),
        ({"bezahlt": "bald"}, "Spalte „bezahlt am“: „bald“ ist kein Datum; bitte so eintragen: 31.12.2026."),
        ({"empfaenger": ""}, "Spalte „Zahlungsempfänger/Einzahler“: Die Angabe fehlt."),
        ({"empfaenger": "x" * 201}, "Spalte „Zahlungsempfänger/Einzahler“: Der Text hat 201 Zeichen; höchstens 200 sind möglich."),
        ({"zweck": "y" * 301}, "Spalte „Zweck“: Der Text hat 301 Zeichen; höchstens 300 sind möglich."),
        ({"position": "Reisekosten"}, "Spalte „Position im Finanzplan“: „Reisekosten“ ist keine Position des Finanzplans dieser Zuwendung; bitte eine Position aus der Auswahlliste wählen."),
        ({"position": "Honorare"}, "Spalte „Position im Finanzplan“: „Honorare“ ist keine Position des Finanzplans dieser Zuwendung; bitte eine Position aus der Auswahlliste wählen."),
        ({"position": "Spenden (Einnahme)"}, "Spalte „Position im Finanzplan“: „Spenden“ ist eine Einnahmeposition; eine Ausgabe kann nicht darauf gebucht werden."),
        ({"betrag": "#DIV/0!"}, "Spalte „Betrag (€)“: Die Zelle enthält den Fehlerwert #DIV/0!."),
        ({"art": "Einnahme"}, "Spalte „Position im Finanzplan“: „Miete“ ist eine Ausgabeposition; eine Einnahme kann nicht darauf gebucht werden."),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else None,
)  # fmt: skip
def test_a_bad_cell_is_refused_naming_row_and_column(changes: dict[str, Any], message: str) -> None:
    problems = refused(fill([row(1), row(2, **changes), row(3)]))
    assert problems == [f"Zeile 9, {message}"]


def test_control_characters_are_refused_but_line_breaks_kept_as_spaces() -> None:
    receipts = read(fill([row(zweck="Miete\tJanuar\r\nund Februar")]), FACTS)
    assert receipts[0].purpose == "Miete Januar und Februar"


def test_duplicate_numbers_and_values_outside_the_table() -> None:
    problems = refused(fill([row(1), row(2), row(1), [*row(4), "Notiz"], [None] * 9 + ["Summe"]]))
    assert problems == [
        "Zeile 10, Spalte „Nr.“: Die Nr. 1 steht bereits in Zeile 8.",
        "Zeile 11: Die Spalte I liegt außerhalb der Tabelle; bitte nur die Spalten A bis H ausfüllen.",
        "Zeile 12: Die Spalte J liegt außerhalb der Tabelle; bitte nur die Spalten A bis H ausfüllen.",
    ]


def test_every_problem_of_every_row_is_listed_up_to_the_limit() -> None:
    bad = [row(n, betrag="-1", datum="2025-12-31") for n in range(1, 41)]
    problems = refused(fill(bad))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0] == (
        "Zeile 8, Spalte „Belegdatum“: Der 31.12.2025 liegt vor dem Beginn des "
        "Bewilligungszeitraums (01.01.2026)."
    )
    assert problems[1].startswith("Zeile 8, Spalte „Betrag (€)“: Der Betrag muss größer als 0")
    assert problems[2].startswith("Zeile 9, Spalte „Belegdatum“:")
    assert problems[-2].startswith("Zeile 32, ")
    assert problems[-1] == "… und 30 weitere Probleme."
    assert all(re.match(r"Zeile \d+, Spalte „", p) for p in problems[:-1])


def test_a_list_without_receipts_is_refused() -> None:
    (problem,) = refused(fill([[None] * 8, ["  ", None, ""]]))
    assert problem == (
        "Die Belegliste enthält keine Belege. Bitte tragen Sie ab Zeile 8 je Beleg eine Zeile ein."
    )


def test_more_than_max_rows_is_refused_with_the_number() -> None:
    (problem,) = refused(with_rows(template(FACTS), 50_000))
    assert problem == (
        "Die Belegliste enthält mehr als 10.000 ausgefüllte Zeilen (das Blatt reicht bis Zeile "
        "50.007); höchstens 10.000 Belege sind möglich."
    )


def test_max_rows_are_read_one_more_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipt_import, "MAX_ROWS", 30)
    receipts = read(with_rows(template(FACTS), 30), FACTS)
    assert len(receipts) == 30
    assert receipts[-1] == ImportedReceipt(FIRST_ROW + 29, E, date(2026, 3, 1), "Empfänger 30",
                                           "Zweck 30", Money(3_000), "rent", None, 30)  # fmt: skip
    (problem,) = refused(with_rows(template(FACTS), 31))
    assert problem.startswith("Die Belegliste enthält mehr als 30 ausgefüllte Zeilen")


def with_rows(content: bytes, count: int) -> bytes:
    """The template with ``count`` filled rows written straight into the sheet's XML (openpyxl
    would take minutes for 50,000 rows): text dates and amounts, as pasted text would be."""
    cells = (
        '<c r="A{n}"><v>{i}</v></c><c r="B{n}" t="inlineStr"><is><t>Ausgabe</t></is></c>'
        '<c r="C{n}" t="inlineStr"><is><t>01.03.2026</t></is></c>'
        '<c r="D{n}" t="inlineStr"><is><t>Empfänger {i}</t></is></c>'
        '<c r="E{n}" t="inlineStr"><is><t>Zweck {i}</t></is></c>'
        '<c r="F{n}" t="inlineStr"><is><t>{i},00</t></is></c>'
        '<c r="G{n}" t="inlineStr"><is><t>Miete (Ausgabe)</t></is></c>'
    )
    rows = "".join(
        f'<row r="{FIRST_ROW + i - 1}">' + cells.format(n=FIRST_ROW + i - 1, i=i) + "</row>"
        for i in range(1, count + 1)
    )
    return insert_rows_xml(content, rows, last_row=FIRST_ROW + count - 1)


def insert_rows_xml(content: bytes, rows: str, *, last_row: int = FIRST_ROW) -> bytes:
    """The rows written into the sheet „Belege“, with the sheet's extent as Excel writes it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>").replace(
                    b"<sheetViews>", f'<dimension ref="A1:H{last_row}"/><sheetViews>'.encode()
                )
            target.writestr(item, data)
    return buffer.getvalue()


def test_a_broken_sheet_is_refused() -> None:
    broken = insert_rows_xml(template(FACTS), f'<row r="{FIRST_ROW}"><c r="A{FIRST_ROW}"><v>1</v>')
    (problem,) = refused(broken)
    assert problem.startswith("Die Excel-Datei ist beschädigt")


def test_control_characters_from_a_raw_file_are_refused() -> None:
    raw = (
        f'<row r="{FIRST_ROW}"><c r="A{FIRST_ROW}"><v>1</v></c>'
        + "".join(
            f'<c r="{letter}{FIRST_ROW}" t="inlineStr"><is><t>{text}</t></is></c>'
            for letter, text in zip("BCDEFG", ("Ausgabe", "01.03.2026", "Bank_x001B_", "Zins", "5,00", "Miete (Ausgabe)"), strict=True)
        )
        + "</row>"
    )  # fmt: skip
    (problem,) = refused(insert_rows_xml(template(FACTS), raw))
    assert problem == (
        "Zeile 8, Spalte „Zahlungsempfänger/Einzahler“: Der Text enthält Steuerzeichen; bitte "
        "nur normalen Text eintragen."
    )
