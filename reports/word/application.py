"""The submitted application (Antrag auf Zuwendung) as a Word document, built from its snapshot.

The snapshot is the frozen version of DOMAIN.md §2 (see :mod:`grants.versions`); values are shown
as the version diff shows them, so both speak the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.numbers import format_decimal
from docx.document import Document as DocxDocument
from docx.shared import Cm

from grants.versions import (
    DECLARATIONS,
    FIELD_LABELS,
    Snapshot,
    Totals,
    attachments,
    display_value,
    plan_lines,
    snapshot_section,
    totals,
)
from grants.vocabulary import PlanLineKind
from reports.word.documents import (
    Column,
    add_bullets,
    add_labelled,
    add_page_numbers,
    add_table,
    add_text,
    moment_text,
    open_template,
    set_properties,
    to_bytes,
)

TITLE = "Antrag auf Zuwendung"

EXPENSE_COLUMNS = (
    Column("Kategorie", Cm(3)),
    Column("Beschreibung", Cm(4.2)),
    Column("Menge × Einzelpreis", Cm(2.8)),
    Column("Personal: Funktion, VZÄ, Entgeltgruppe", Cm(3.4)),
    Column("Betrag", Cm(2.6), money=True),
)
REVENUE_COLUMNS = (
    Column("Art", Cm(3.5)),
    Column("Beschreibung", Cm(5)),
    Column("Mittelgeber", Cm(4.7)),
    Column("Betrag", Cm(2.8), money=True),
)


def application_document(snapshot: Snapshot) -> bytes:
    """The submitted application as a .docx file: applicant, project, plan, attachments."""
    application = snapshot_section(snapshot, "application")
    document = open_template()
    set_properties(document, _document_title(application))
    add_page_numbers(document)
    document.add_heading(TITLE, level=0)
    _submission(document, snapshot)
    _applicant(document, snapshot)
    _project(document, snapshot)
    _plan(document, snapshot)
    _attachments(document, snapshot)
    _declarations(document, application)
    return to_bytes(document)


def _document_title(application: Mapping[str, Any]) -> str:
    parts = (application.get("file_number"), application.get("title"))
    return " – ".join([TITLE, *(str(part) for part in parts if part)])


def _labelled_fields(
    document: DocxDocument, section: str, data: Mapping[str, Any], fields: tuple[str, ...]
) -> None:
    for field in fields:
        add_labelled(document, FIELD_LABELS[section][field], display_value(field, data.get(field)))


def _submission(document: DocxDocument, snapshot: Snapshot) -> None:
    application = snapshot_section(snapshot, "application")
    _labelled_fields(document, "application", application, ("file_number",))
    add_labelled(document, "Eingereicht am", moment_text(snapshot.get("submitted_at")))
    add_labelled(document, "Fassung", str(snapshot.get("version") or ""))


def _applicant(document: DocxDocument, snapshot: Snapshot) -> None:
    organisation = snapshot_section(snapshot, "organisation")
    document.add_heading("Antragsteller", level=1)
    document.add_heading("Träger", level=2)
    _labelled_fields(document, "organisation", organisation, ("legal_name", "legal_form"))
    add_labelled(document, "Anschrift", _address(organisation))
    document.add_heading("Bankverbindung", level=2)
    _labelled_fields(document, "organisation", organisation, ("account_holder", "iban"))
    centre = snapshot_section(snapshot, "centre")
    if centre:
        document.add_heading("Zentrum", level=2)
        add_labelled(document, "Name", display_value("name", centre.get("name")))


def _address(organisation: Mapping[str, Any]) -> str:
    place = " ".join(str(organisation.get(k) or "") for k in ("postcode", "city")).strip()
    return ", ".join(part for part in (str(organisation.get("street") or ""), place) if part)


def _project(document: DocxDocument, snapshot: Snapshot) -> None:
    application = snapshot_section(snapshot, "application")
    document.add_heading("Projekt", level=1)
    document.add_heading("Vorhaben", level=2)
    _labelled_fields(document, "application", application, ("title",))
    _labelled_fields(
        document, "call", snapshot_section(snapshot, "call"), ("title", "programme", "fiscal_year")
    )
    _labelled_fields(document, "application", application, ("district", "languages"))
    add_labelled(document, "Durchführungszeitraum", _period(application))
    _labelled_fields(document, "application", application, ("early_start_requested",))
    if application.get("early_start_requested"):
        _labelled_fields(document, "application", application, ("early_start_reason",))
    document.add_heading("Kurzbeschreibung", level=2)
    add_text(document, str(application.get("summary") or ""))
    document.add_heading("Ziele", level=2)
    add_text(document, str(application.get("goals") or ""))
    document.add_heading("Zielgruppen", level=2)
    add_bullets(document, _items("target_groups", application))
    document.add_heading("Geplante Angebote", level=2)
    add_bullets(document, _items("planned_offers", application))


def _period(application: Mapping[str, Any]) -> str:
    start, end = (display_value(k, application.get(k)) for k in ("period_start", "period_end"))
    return f"{start} bis {end}" if start and end else start or end


def _items(field: str, data: Mapping[str, Any]) -> list[str]:
    return [display_value(field, value) for value in data.get(field) or ()]


def _plan(document: DocxDocument, snapshot: Snapshot) -> None:
    lines = plan_lines(snapshot)
    sums = totals(snapshot)
    document.add_heading("Kosten- und Finanzierungsplan", level=1)
    document.add_heading("Ausgaben", level=2)
    add_table(
        document,
        EXPENSE_COLUMNS,
        [_expense_row(line) for line in lines if line.get("kind") == PlanLineKind.EXPENSE],
        totals=[("Summe Ausgaben", "", "", "", sums.expenses.format())],
        caption="Ausgaben",
    )
    document.add_heading("Einnahmen", level=2)
    add_table(
        document,
        REVENUE_COLUMNS,
        [_revenue_row(line) for line in lines if line.get("kind") == PlanLineKind.REVENUE],
        totals=[("Summe Einnahmen", "", "", sums.revenues.format())],
        caption="Einnahmen",
    )
    document.add_heading("Finanzierung", level=2)
    application = snapshot_section(snapshot, "application")
    _labelled_fields(document, "application", application, ("requested_cents", "financing_type"))
    document.add_paragraph(_balance(sums))


def _expense_row(line: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        _category(line),
        str(line.get("description") or ""),
        _priced(line),
        ", ".join(_personnel(line)),
        display_value("amount_cents", line.get("amount_cents") or 0),
    )


def _revenue_row(line: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        _category(line),
        str(line.get("description") or ""),
        str(line.get("source") or ""),
        display_value("amount_cents", line.get("amount_cents") or 0),
    )


def _category(line: Mapping[str, Any]) -> str:
    return display_value("category", line.get("category"), str(line.get("kind") or ""))


def _priced(line: Mapping[str, Any]) -> str:
    quantity, price = line.get("quantity_milli"), line.get("unit_price_cents")
    if quantity is None or price is None:
        return ""
    return (
        f"{display_value('quantity_milli', quantity)} × {display_value('unit_price_cents', price)}"
    )


def _personnel(line: Mapping[str, Any]) -> list[str]:
    fte = line.get("fte_milli")
    parts = (
        str(line.get("staff_function") or ""),
        f"{display_value('fte_milli', fte)} VZÄ" if fte is not None else "",
        str(line.get("pay_group") or ""),
    )
    return [part for part in parts if part]


def _balance(sums: Totals) -> str:
    expenses, revenues, requested = (
        m.format() for m in (sums.expenses, sums.revenues, sums.requested)
    )
    if sums.balanced:
        return (
            f"Der Kosten- und Finanzierungsplan ist ausgeglichen: Gesamtausgaben {expenses} "
            f"= Einnahmen {revenues} + beantragte Zuwendung {requested}."
        )
    gap = sums.expenses - sums.revenues - sums.requested
    return (
        f"Der Kosten- und Finanzierungsplan ist nicht ausgeglichen: Gesamtausgaben {expenses}, "
        f"Einnahmen {revenues}, beantragte Zuwendung {requested}, Differenz {gap.format()}."
    )


def _attachments(document: DocxDocument, snapshot: Snapshot) -> None:
    document.add_heading("Anlagen", level=1)
    add_bullets(
        document,
        (f"{a.label}: {a.filename} ({_size(a.size_bytes)})" for a in attachments(snapshot)),
        empty="Keine Anlagen.",
    )


def _size(size_bytes: int) -> str:
    return f"{format_decimal(max(1, round(size_bytes / 1024)), locale='de_DE')} KB"


def _declarations(document: DocxDocument, application: Mapping[str, Any]) -> None:
    document.add_heading("Erklärungen", level=1)
    given = application.get("declarations")
    answers = given if isinstance(given, Mapping) else {}
    for key, statement in DECLARATIONS.items():
        answer = display_value(key, answers.get(key)) or "keine Angabe"
        document.add_paragraph(f"{statement}: {answer}.")
