"""The receipt list template of one grant (openpyxl, write-only): the sheet „Belege“ with a
protected header block (file number, title, organisation, approval period) above a table whose
cells are open to the user, with drop-downs for the kind and the plan position, checks on
numbers, dates and lengths, German date and amount formats and a frozen header; the sheet
„Anleitung“ explains it; the hidden sheet „Positionen“ is the drop-down's source; the very
hidden sheet „Vorlage“ identifies the template (marker, version, grant) and maps each label back
to its plan line. The workbook's structure is locked: no sheets added, removed or unhidden."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from reports.excel.fast_rows import serial
from reports.excel.receipt_sheet import (
    AMOUNT,
    COLUMNS,
    FIRST_ROW,
    GUIDE,
    HEADER_ROW,
    HEADERS,
    IDENTITY,
    KIND,
    LAST_ROW,
    LINE,
    MARKER,
    MAX_NUMBER,
    MAX_PAYEE,
    MAX_PURPOSE,
    MAX_ROWS,
    NUMBER,
    PAID_ON,
    PAYEE,
    POSITIONS,
    PURPOSE,
    RECEIPT_DATE,
    RECEIPTS,
    TEMPLATE_VERSION,
    WIDTH,
    TemplateFacts,
    TemplateLine,
    german_number,
    period_text,
    position_labels,
)
from reports.excel.workbooks import HEADER_FILL, NUMBER_FORMATS, new_workbook, text_cell, to_bytes

BLOCK_FILL = PatternFill("solid", fgColor="F2F2F2")  # the protected header block


def template(facts: TemplateFacts) -> bytes:
    """The receipt list template of one grant as the bytes of an .xlsx file."""
    workbook = new_workbook()
    positions = position_labels(facts.lines)
    _receipts_sheet(workbook.create_sheet(RECEIPTS), facts, len(positions))
    _guide_sheet(workbook.create_sheet(GUIDE), facts, positions)
    _positions_sheet(workbook.create_sheet(POSITIONS), positions)
    _identity_sheet(workbook.create_sheet(IDENTITY), facts, positions)
    workbook.security = WorkbookProtection(lockStructure=True)  # no sheets added or unhidden
    return to_bytes(workbook)


def _receipts_sheet(sheet: WriteOnlyWorksheet, facts: TemplateFacts, positions: int) -> None:
    sheet.freeze_panes = f"A{FIRST_ROW}"  # these three before the first row (write-only mode)
    _print_setup(sheet)
    for number, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(number)]
        dimension.width = column.width
        dimension.protection = Protection(locked=False)  # the table's cells: open to the user
        if column.kind != "text":
            dimension.number_format = NUMBER_FORMATS[column.kind]
    title = text_cell(sheet, "Belegliste zum Verwendungsnachweis")
    title.font = Font(bold=True, size=14)
    _block_row(sheet, [title])
    for label, value in (("Aktenzeichen", facts.file_number), ("Vorhaben", facts.title),
                         ("Träger", facts.organisation),
                         ("Bewilligungszeitraum", period_text(facts))):  # fmt: skip
        _block_row(sheet, [text_cell(sheet, label, bold=True), None, None,
                           text_cell(sheet, value)])  # fmt: skip
    hint = f"Ab Zeile {FIRST_ROW} eine Zeile je Beleg eintragen; Hinweise im Blatt „{GUIDE}“."
    _block_row(sheet, [text_cell(sheet, hint)])
    header = []
    for text in HEADERS:
        cell = text_cell(sheet, text, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for validation in _validations(facts, positions):
        sheet.data_validations.append(validation)
    _protect(sheet)


def _print_setup(sheet: WriteOnlyWorksheet) -> None:
    """Printed landscape, one page wide, the table's header on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _block_row(sheet: WriteOnlyWorksheet, cells: Sequence[WriteOnlyCell | None]) -> None:
    """A row of the header block: every cell of the table's width filled (so it is written,
    and locked: only empty cells take the open style of their column)."""
    row = []
    for index in range(WIDTH):
        cell = cells[index] if index < len(cells) else None
        if cell is None:
            cell = WriteOnlyCell(sheet, value=None)
        cell.fill = BLOCK_FILL
        row.append(cell)
    sheet.append(row)


def _validations(facts: TemplateFacts, positions: int) -> list[DataValidation]:
    first, last = serial(facts.earliest_receipt), serial(facts.period_end)
    shown = f"{facts.earliest_receipt:%d.%m.%Y} bis {facts.period_end:%d.%m.%Y}"
    rules = [
        (NUMBER, DataValidation(type="whole", operator="between", formula1="1", formula2=str(MAX_NUMBER)),
         f"Bitte Ihre Belegnummer eintragen: eine ganze Zahl von 1 bis {german_number(MAX_NUMBER)}."),
        (KIND, DataValidation(type="list", formula1='"Ausgabe,Einnahme"'),
         "Bitte „Ausgabe“ oder „Einnahme“ wählen."),
        (RECEIPT_DATE, DataValidation(type="date", operator="between", formula1=first, formula2=last),
         f"Bitte das Datum des Belegs eintragen (TT.MM.JJJJ), von {shown}."),
        (PAYEE, DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(MAX_PAYEE)),
         f"Bitte höchstens {MAX_PAYEE} Zeichen eintragen."),
        (PURPOSE, DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(MAX_PURPOSE)),
         f"Bitte höchstens {MAX_PURPOSE} Zeichen eintragen."),
        (AMOUNT, DataValidation(type="decimal", operator="greaterThan", formula1="0"),
         "Bitte den Betrag in Euro eintragen, größer als 0, z. B. 1.234,50."),
        (PAID_ON, DataValidation(type="date", operator="greaterThanOrEqual", formula1=first),
         "Bitte den Tag der Zahlung eintragen (TT.MM.JJJJ), nicht vor dem Belegdatum."),
    ]  # fmt: skip
    if positions:
        source = f"{POSITIONS}!$A$2:$A${positions + 1}"
        rules.append((LINE, DataValidation(type="list", formula1=source),
                      "Bitte eine Position des Finanzplans aus der Liste wählen."))  # fmt: skip
    validations = []
    for index, validation, message in rules:
        letter = get_column_letter(index + 1)
        validation.sqref = f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}"
        validation.allow_blank = True
        validation.showErrorMessage = True
        validation.showInputMessage = True
        validation.errorTitle = "Ungültige Eingabe"
        validation.error = message
        validation.promptTitle = HEADERS[index]
        validation.prompt = message
        validations.append(validation)
    return validations


def _protect(sheet: WriteOnlyWorksheet) -> None:
    """Locked cells stay as they are; columns may be widened, rows inserted, deleted, sorted."""
    protection = sheet.protection
    protection.sheet = True
    for allowed in (
        "formatColumns",
        "formatRows",
        "insertRows",
        "deleteRows",
        "sort",
        "autoFilter",
    ):
        setattr(protection, allowed, False)  # False: not protected, i.e. allowed


def _guide_sheet(
    sheet: WriteOnlyWorksheet, facts: TemplateFacts, positions: dict[str, TemplateLine]
) -> None:
    sheet.column_dimensions["A"].width = 110
    paragraphs = [
        f"Zuwendung {facts.file_number}: {facts.title} ({facts.organisation})",
        f"Bewilligungszeitraum: {period_text(facts)}",
        "",
        f"1. Tragen Sie im Blatt „{RECEIPTS}“ ab Zeile {FIRST_ROW} jeden Beleg in eine eigene "
        "Zeile ein – Ausgaben und Einnahmen in derselben Liste, höchstens "
        f"{german_number(MAX_ROWS)} Belege. Leere Zeilen und Zeilen, in denen nur die Nr. "
        "steht, werden übergangen.",
        "2. Die Spalten:",
        "• Nr.: Ihre Belegnummer, eine ganze Zahl, jede nur einmal. Unter dieser Nummer fordern "
        "wir Belege einer Stichprobe an; bitte vermerken Sie sie auf dem Beleg.",
        "• Art: „Ausgabe“ oder „Einnahme“ (Auswahlliste).",
        "• Belegdatum: das Datum des Belegs als TT.MM.JJJJ, z. B. 31.12.2026; von "
        f"{facts.earliest_receipt:%d.%m.%Y} bis {facts.period_end:%d.%m.%Y}.",
        f"• Zahlungsempfänger/Einzahler: an wen Sie gezahlt haben oder von wem das Geld kam "
        f"(höchstens {MAX_PAYEE} Zeichen).",
        f"• Zweck: wofür (höchstens {MAX_PURPOSE} Zeichen).",
        "• Betrag (€): der Betrag in Euro, immer größer als 0 und mit höchstens zwei "
        "Nachkommastellen, z. B. 1.234,50 – auch bei Einnahmen ohne Minuszeichen.",
        "• Position im Finanzplan: die Zeile des bewilligten Finanzplans (Auswahlliste); "
        "Ausgaben nur auf Ausgabe-, Einnahmen nur auf Einnahmepositionen.",
        "• bezahlt am: der Tag der Zahlung als TT.MM.JJJJ, nicht vor dem Belegdatum; leer, "
        "wenn noch nicht bezahlt.",
        "3. Tragen Sie nur Werte ein, keine Formeln. Werte aus einer anderen Datei fügen Sie "
        "mit „Inhalte einfügen – Werte“ ein.",
        "4. Verändern Sie die Struktur nicht: keine Spalten einfügen oder löschen, keine Zellen "
        "verbinden, keine Blätter hinzufügen oder umbenennen.",
        f"5. Die Datei gehört nur zur Zuwendung {facts.file_number}. Laden Sie sie im Portal im "
        "Verwendungsnachweis unter „Belege“ hoch. Das Portal prüft jede Zeile; ist etwas nicht "
        "in Ordnung, wird nichts übernommen und Sie sehen, welche Zeilen Sie korrigieren müssen.",
        "",
        "Positionen Ihres Finanzplans:",
        *(f"• {label}" for label in positions),
    ]
    title = text_cell(sheet, "Anleitung zur Belegliste")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for paragraph in paragraphs:
        cell = text_cell(sheet, paragraph)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.append([cell])
    sheet.protection.sheet = True


def _positions_sheet(sheet: WriteOnlyWorksheet, positions: dict[str, TemplateLine]) -> None:
    sheet.sheet_state = "hidden"  # the drop-down's source; the Anleitung lists the positions
    sheet.column_dimensions["A"].width = 60
    sheet.append([text_cell(sheet, "Position im Finanzplan", bold=True),
                  text_cell(sheet, "Art", bold=True)])  # fmt: skip
    for label, line in positions.items():
        sheet.append([text_cell(sheet, label), text_cell(sheet, line.kind.label)])
    sheet.protection.sheet = True


def _identity_sheet(
    sheet: WriteOnlyWorksheet, facts: TemplateFacts, positions: dict[str, TemplateLine]
) -> None:
    """What :func:`read` recognises the template by; ``veryHidden``: not shown in Excel's
    list of hidden sheets either."""
    sheet.sheet_state = "veryHidden"
    sheet.append([text_cell(sheet, "Kennung"), text_cell(sheet, MARKER)])
    sheet.append([text_cell(sheet, "Version"), TEMPLATE_VERSION])
    sheet.append([text_cell(sheet, "Zuwendung"), facts.grant_id])
    sheet.append([text_cell(sheet, "Aktenzeichen"), text_cell(sheet, facts.file_number)])
    for label, line in positions.items():
        sheet.append([text_cell(sheet, "Position"), text_cell(sheet, label),
                      text_cell(sheet, line.line_key)])  # fmt: skip
    sheet.protection.sheet = True
