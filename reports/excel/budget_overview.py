"""The budget overview (Haushaltsübersicht) of a fiscal year as an Excel workbook: one row per
budget line with appropriation, committed, available, paid, still to pay and refunds; the year's
totals as SUM formulas (DOMAIN.md §7)."""

from __future__ import annotations

from grants.services.budget import LineView, YearOverview
from reports.excel.workbooks import Column, TableSheet, new_workbook, to_bytes

TITLE = "Haushaltsübersicht"
COLUMNS = (
    Column("Teilplan/Produkt", 12),
    Column("Teilplanzeile", 9),
    Column("Sachkonto", 12),
    Column("Kostenstelle", 14),
    Column("Bezeichnung", 34),
    Column("Programme", 34),
    Column("Ansatz", 16, "money", total=True),
    Column("gebunden", 16, "money", total=True),
    Column("verfügbar", 16, "money", total=True),
    Column("ausgezahlt", 16, "money", total=True),
    Column("noch auszuzahlen", 16, "money", total=True),
    Column("Rückflüsse", 15, "money", total=True),
)


def budget_overview_workbook(overview: YearOverview) -> bytes:
    """The year's lines as an .xlsx file: one sheet, one row per line, totals as formulas."""
    workbook = new_workbook()
    year = overview.fiscal_year.year
    sheet = TableSheet(
        workbook, f"Haushalt {year}", COLUMNS, title=f"{TITLE} {year}",
        selection=selection(overview), created_at=overview.created_at,
    )  # fmt: skip
    for line in overview.lines:
        sheet.row(_values(line))
    sheet.totals("Summe")
    return to_bytes(workbook)


def selection(overview: YearOverview) -> str:
    in_force = "in Kraft" if overview.fiscal_year.budget_in_force else "noch nicht in Kraft"
    return (
        f"Haushaltsjahr {overview.fiscal_year.year} · Haushaltssatzung {in_force} · alle "
        f"Haushaltsstellen ({len(overview.lines)}) · gebunden: Bindungen abzüglich Freigaben · "
        "ausgezahlt: Auszahlungsanordnungen im Status „ausgezahlt“ · Rückflüsse: erstattete "
        "Rückforderungen"
    )


def _values(line: LineView) -> tuple[str | int | None, ...]:
    figures = line.figures
    return (
        line.product,
        line.plan_line,
        line.account,
        line.cost_centre,
        line.name,
        ", ".join(line.programmes),
        figures.appropriation.cents,
        figures.committed.cents,
        figures.available.cents,
        figures.paid.cents,
        figures.to_pay.cents,
        figures.refunds.cents,
    )
