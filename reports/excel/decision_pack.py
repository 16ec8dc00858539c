"""The decision pack (Beschlussvorlage) of a call as an Excel workbook: every recommendation with
its amounts, the sums as formulas, and the budget figures below the table (DOMAIN.md §6)."""

from __future__ import annotations

from grants.services.decision_pack import DecisionPack, PackRow
from reports.excel.workbooks import Column, TableSheet, new_workbook, to_bytes

TITLE = "Beschlussvorlage für den Integrationsrat"
COLUMNS = (
    Column("Aktenzeichen", 16),
    Column("Träger", 36),
    Column("Vorhaben", 40),
    Column("Stadtbezirk", 14),
    Column("Status", 16),
    Column("Empfehlung", 16),
    Column("Beantragt", 15, "money", total=True),
    Column("Vorgeschlagen", 15, "money", total=True),
    Column("Bewilligt", 15, "money", total=True),
    Column("Sachbearbeitung", 22),
)


def decision_pack_workbook(pack: DecisionPack) -> bytes:
    """The pack as an .xlsx file: one sheet, the table with sums, then the budget."""
    workbook = new_workbook()
    sheet = TableSheet(
        workbook, "Beschlussvorlage", COLUMNS, title=f"{TITLE} – {pack.call_title}",
        selection=selection(pack), created_at=pack.created_at,
    )  # fmt: skip
    for row in pack.rows:
        sheet.row(_values(row))
    sheet.totals("Summe")
    sheet.blank()
    sheet.labelled("Budget des Förderaufrufs", pack.budget)
    sheet.labelled("Ansatz der Haushaltsstelle", pack.appropriation)
    sheet.labelled("bereits gebunden", pack.committed)
    sheet.labelled("Vorschläge der noch offenen Anträge", pack.proposed_open)
    sheet.labelled("verbleibt nach den Vorschlägen", pack.remaining, bold=True)
    return to_bytes(workbook)


def selection(pack: DecisionPack) -> str:
    return (
        f"Förderaufruf: {pack.call_title} · Programm: {pack.programme} · Haushaltsjahr "
        f"{pack.fiscal_year} · Haushaltsstelle {pack.budget_line} · Anträge: entscheidungsreif "
        "und entschieden"
    )


def _values(row: PackRow) -> tuple[str | int | None, ...]:
    return (
        row.file_number or str(row.application_id),
        row.organisation,
        row.title,
        row.district_label,
        row.status.label,
        row.recommendation_label,
        row.requested.cents,
        row.proposed.cents,
        row.decided.cents if row.decided is not None else None,
        row.reviewer or "",
    )
