"""The budget pages: the overview of a fiscal year with its selector and totals, the drill-down
of a line a page at a time, the navigation, and the Haushaltsübersicht as an Excel file whose
totals LibreOffice calculates to the database's cent."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from grants.services import budget
from grants.tables import BudgetCommitment, BudgetLine, FiscalYear, GrantAward
from portal.security import DOWNLOAD_POLICY
from reports.excel.budget_overview import budget_overview_workbook
from reports.excel.workbooks import EUR
from tests.support.office import calc_rows
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
EVIL_NAME = '=HYPERLINK("http://boese.example","Klick")\x0b'


def table_rows(html: str) -> list[list[str]]:
    """The body rows of the first table, as the cells' text."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return [
        [re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]  # fmt: skip


async def test_the_overview_shows_each_line_and_the_totals_of_the_chosen_year(signed_in):
    finance = await signed_in("finance")
    page = await finance.get("/haushalt", params={"jahr": "2025"})
    assert page.status_code == 200
    assert "<h1>Haushalt 2025</h1>" in page.text
    assert '<option value="2025" selected>2025</option>' in page.text
    assert '<form method="get" action="/haushalt"' in page.text
    overview = await budget.overview(await principal("finance"), 2025)
    rows = table_rows(page.text)
    assert len(rows) == len(overview.lines) == 2
    for row, line in zip(rows, overview.lines, strict=True):
        figures = line.figures
        assert row[0] == f"{line.name} {line.code}"
        assert row[2:8] == [m.format() for m in (figures.appropriation, figures.committed, figures.available,
                                                  figures.paid, figures.to_pay, figures.refunds)]  # fmt: skip
        assert f'href="/haushalt/stellen/{line.id}"' in page.text
        assert f'href="/haushalt/stellen/{line.id}/bearbeiten"' in page.text
    totals = overview.totals
    footer = re.search(r"<tfoot>(.*?)</tfoot>", page.text, re.S).group(1)
    for amount in (totals.appropriation, totals.committed, totals.available, totals.paid, totals.to_pay,
                   totals.refunds):  # fmt: skip
        assert amount.format() in footer
    assert "Interkulturelle Zentren 2025" in page.text
    assert 'href="/haushalt/2025/uebersicht.xlsx"' in page.text
    assert "noch nicht in Kraft" not in page.text

    latest = await finance.get("/haushalt", params={"jahr": "2027"})
    assert "noch nicht in Kraft – vorläufige Haushaltsführung (§ 82 GO NRW)" in latest.text
    assert (await finance.get("/haushalt", params={"jahr": "1990"})).status_code == 404
    assert (await finance.get("/haushalt", params={"jahr": "zwei"})).status_code == 404
    first = await finance.get("/haushalt")  # without a choice: this year, or the newest one
    assert first.status_code == 200
    assert re.search(r"<h1>Haushalt \d{4}</h1>", first.text)


async def test_the_drill_down_lists_the_grants_a_page_at_a_time(signed_in):
    finance = await signed_in("finance")
    line = await BudgetLine.objects().get(
        (BudgetLine.fiscal_year.year == 2025) & (BudgetLine.cost_centre == "1304IKZ")
    )
    detail = await budget.line_detail(await principal("finance"), line.id, per_page=200)
    page = await finance.get(f"/haushalt/stellen/{line.id}")
    assert page.status_code == 200
    assert "Haushaltsstelle: Förderung Interkulturelle Zentren" in page.text
    assert "0504 / 15 / 53180000 / 1304IKZ" in page.text
    rows = table_rows(page.text.split('id="zuwendungen"')[1])
    assert len(rows) == min(budget.PER_PAGE, detail.grant_count)
    first = detail.grants[0]
    assert rows[0] == [first.file_number, first.organisation, first.programme, first.committed.format(),
                       first.paid.format(), first.refunds.format()]  # fmt: skip
    footer = re.search(r"<tfoot>(.*?)</tfoot>", page.text, re.S).group(1)
    assert f"Summe aller {detail.grant_count} Zuwendungen" in footer
    for amount in (detail.sums.committed, detail.sums.paid, detail.sums.refunds):
        assert amount.format() in footer
    assert "Förderung der Interkulturellen Zentren: Interkulturelle Zentren 2025" in page.text
    # finance may not open the review workspace, so the file number is no link for them
    assert "/pruefung/antraege/" not in page.text
    auditor = await signed_in("auditor")
    assert (
        f"/pruefung/antraege/{first.application_id}"
        in (await auditor.get(f"/haushalt/stellen/{line.id}")).text
    )
    assert (await finance.get("/haushalt/stellen/999999")).status_code == 404


async def test_a_long_drill_down_pages_forward_and_back(signed_in):
    finance = await signed_in("finance")
    others = await BudgetLine.objects().get(
        (BudgetLine.fiscal_year.year == 2025) & (BudgetLine.cost_centre == "1304KOMMAN")
    )
    grants = [g["id"] for g in await GrantAward.select(GrantAward.id)]  # all 129 onto one line
    await BudgetCommitment.insert(*[BudgetCommitment(budget_line=others.id, grant=g, amount_cents=100,
                                                     reason="Test") for g in grants])  # fmt: skip
    detail = await budget.line_detail(await principal("finance"), others.id)
    assert detail.pages >= 2
    first = await finance.get(f"/haushalt/stellen/{others.id}")
    assert f"Seite 1 von {detail.pages}" in first.text
    assert f'href="/haushalt/stellen/{others.id}?seite=2"' in first.text
    assert "vorherige Seite" not in first.text
    second = await finance.get(f"/haushalt/stellen/{others.id}", params={"seite": "2"})
    assert f"Seite 2 von {detail.pages}" in second.text
    assert f'href="/haushalt/stellen/{others.id}?seite=1"' in second.text
    shown = table_rows(second.text.split('id="zuwendungen"')[1])
    later = (await budget.line_detail(await principal("finance"), others.id, page=2)).grants
    assert [row[0] for row in shown] == [g.file_number for g in later]


async def test_the_overview_page_runs_the_same_queries_for_few_or_many_lines(signed_in, queries):
    finance = await signed_in("finance")
    await FiscalYear.insert(FiscalYear(year=2032))  # no line at all
    empty = await FiscalYear.objects().get(FiscalYear.year == 2032)
    await BudgetLine.insert(BudgetLine(fiscal_year=empty.id, product="1", plan_line="1", account="1",
                                       cost_centre="1", name="Eine", appropriation_cents=1))  # fmt: skip

    async def counted(year: int) -> int:
        await finance.get("/haushalt", params={"jahr": str(year)})  # the session settles
        with queries() as q:
            page = await finance.get("/haushalt", params={"jahr": str(year)})
        assert page.status_code == 200
        return q.value

    # the session, the fiscal years (read once) with their line counts, the lines, figures, calls
    assert await counted(2032) == await counted(2025) == 6


async def test_the_navigation_shows_the_budget_to_ki_staff_only(signed_in):
    for persona in ("finance", "admin", "approver", "reviewer", "auditor"):
        start = await (await signed_in(persona)).get("/")
        assert '<a href="/haushalt">Haushalt</a>' in start.text, persona
    for persona in ("member", "signatory", "guest"):
        client = await signed_in(persona)
        assert '<a href="/haushalt">Haushalt</a>' not in (await client.get("/")).text
        assert (await client.get("/haushalt")).status_code == 403


# -- the Excel file --------------------------------------------------------------------------


async def test_the_excel_overview_is_typed_with_sums_as_formulas(signed_in):
    finance = await signed_in("finance")
    answer = await finance.get("/haushalt/2025/uebersicht.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "Haushalts%C3%BCbersicht%202025.xlsx" in answer.headers["content-disposition"]
    assert answer.headers["content-security-policy"] == DOWNLOAD_POLICY
    sheet = load_workbook(io.BytesIO(answer.content))["Haushalt 2025"]
    assert sheet["A1"].value == "Haushaltsübersicht 2025"
    assert sheet["A1"].font.bold
    assert sheet["A2"].value.startswith(
        "Haushaltsjahr 2025 · Haushaltssatzung in Kraft · alle Haushaltsstellen (2)"
    )
    assert sheet["A3"].value.startswith("Erstellt am ")
    header = [c.value for c in sheet[5]]
    assert header == ["Teilplan/Produkt", "Teilplanzeile", "Sachkonto", "Kostenstelle", "Bezeichnung", "Programme",
                      "Ansatz", "gebunden", "verfügbar", "ausgezahlt", "noch auszuzahlen", "Rückflüsse"]  # fmt: skip
    assert all(c.font.bold for c in sheet[5])
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:L7"
    assert sheet.column_dimensions["E"].width == 34
    overview = await budget.overview(await principal("finance"), 2025)
    for row, line in zip((6, 7), overview.lines, strict=True):
        assert sheet.cell(row=row, column=1).value == "0504"  # a code stays text, leading zero kept
        assert sheet.cell(row=row, column=1).data_type == "s"
        amounts = [sheet.cell(row=row, column=c) for c in range(7, 13)]
        figures = line.figures
        assert [Decimal(str(c.value)) for c in amounts] == [m.to_decimal() for m in (
            figures.appropriation, figures.committed, figures.available, figures.paid, figures.to_pay,
            figures.refunds)]  # fmt: skip
        assert all(c.number_format == EUR for c in amounts)
    assert sheet["A8"].value == "Summe"
    assert [sheet.cell(row=8, column=c).value for c in range(7, 13)] == [
        f"=SUM({letter}6:{letter}7)" for letter in "GHIJKL"
    ]
    assert (await finance.get("/haushalt/1990/uebersicht.xlsx")).status_code == 404
    member = await signed_in("member")
    assert (await member.get("/haushalt/2025/uebersicht.xlsx")).status_code == 403


async def test_user_text_in_the_excel_file_never_becomes_a_formula(demo):
    overview = await budget.overview(await principal("finance"), 2026)
    line = overview.lines[0]
    evil = budget.YearOverview(overview.fiscal_year, [budget.LineView(
        id=line.id, version=1, fiscal_year_id=line.fiscal_year_id, year=2026, budget_in_force=True,
        product="=1+1", plan_line="15", account="53180000", cost_centre="-5", name=EVIL_NAME, figures=line.figures,
    )], overview.created_at)  # fmt: skip
    sheet = load_workbook(io.BytesIO(budget_overview_workbook(evil))).active
    cells = [sheet.cell(row=6, column=c) for c in (1, 4, 5)]
    assert [c.value for c in cells] == ["=1+1", "-5", EVIL_NAME.replace("\x0b", "")]
    assert all(c.data_type == "s" for c in cells)
    empty = load_workbook(io.BytesIO(budget_overview_workbook(budget.YearOverview(
        overview.fiscal_year, [], overview.created_at)))).active  # fmt: skip
    assert empty["A6"].value == "Summe"
    assert empty["G6"].value == "=0"


@pytest.mark.office
async def test_libreoffice_calculates_the_totals_of_the_database_to_the_cent(signed_in):
    """Calc's own SUMs over the rows equal the totals the database gives: a year with refunds
    and an added line with an odd appropriation."""
    finance = await signed_in("finance")
    year = await FiscalYear.objects().get(FiscalYear.year == 2024)
    await BudgetLine.insert(BudgetLine(fiscal_year=year.id, product="0504", plan_line="15", account="53180000",
                                       cost_centre="1304REST", name="Reste", appropriation_cents=1_234_567_89))  # fmt: skip
    overview = await budget.overview(await principal("finance"), 2024)
    answer = await finance.get("/haushalt/2024/uebersicht.xlsx")
    rows = calc_rows(answer.content)
    header = rows.index(next(r for r in rows if r and r[0] == "Teilplan/Produkt"))
    totals = next(r for r in rows if r and r[0] == "Summe")
    data = rows[header + 1 : rows.index(totals)]
    assert len(data) == 3
    totals_db = overview.totals
    expected = [totals_db.appropriation, totals_db.committed, totals_db.available, totals_db.paid,
                totals_db.to_pay, totals_db.refunds]  # fmt: skip
    assert [Decimal(value) for value in totals[6:12]] == [m.to_decimal() for m in expected]
    assert totals_db.refunds.cents == 2_345_030  # the demo's repaid refunds
    for row, line in zip(data, overview.lines, strict=True):
        assert row[3] == line.cost_centre
        assert Decimal(row[7]) == line.figures.committed.to_decimal()
