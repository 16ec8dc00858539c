"""The budget's figures: the overview equals sums computed independently from the raw ledgers,
the drill-down of a line adds up to the overview, refunds count on the line of the grant's
first commitment, and the number of queries does not grow with lines or grants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import pytest

from grants import clock
from grants.errors import Forbidden, NotFound
from grants.money import Money
from grants.services import budget
from grants.tables import (
    BudgetCommitment,
    BudgetLine,
    Call,
    FiscalYear,
    GrantAward,
    PaymentOrder,
    Settlement,
)
from grants.vocabulary import PaymentKind
from grants.workflow import PaymentOrderStatus
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
T = TypeVar("T")
YEARS = (2024, 2025, 2026, 2027)


async def raw_figures(year: int) -> dict[int, dict[str, int]]:
    """{line id: figures} computed in Python from every row of the ledgers (no grouping in SQL)."""
    lines = await BudgetLine.select().where(BudgetLine.fiscal_year.year == year)
    figures = {
        line["id"]: {"appropriation": line["appropriation_cents"], "committed": 0, "paid": 0, "refunds": 0}
        for line in lines
    }  # fmt: skip
    commitments = await BudgetCommitment.select().order_by(BudgetCommitment.id)
    first_line: dict[int, int] = {}
    for row in commitments:
        first_line.setdefault(row["grant"], row["budget_line"])
        if row["budget_line"] in figures:
            figures[row["budget_line"]]["committed"] += row["amount_cents"]
    for row in await PaymentOrder.select():
        if row["budget_line"] in figures and row["status"] == PaymentOrderStatus.PAID:
            figures[row["budget_line"]]["paid"] += row["amount_cents"]
    for row in await Settlement.select():
        line = first_line.get(row["grant"])
        if row["repaid_at"] is not None and line in figures:
            figures[line]["refunds"] += row["refund_cents"]
    return figures


def cents(view: budget.LineView | budget.Figures) -> dict[str, int]:
    figures = view.figures if isinstance(view, budget.LineView) else view
    return {"appropriation": figures.appropriation.cents, "committed": figures.committed.cents,
            "paid": figures.paid.cents, "refunds": figures.refunds.cents}  # fmt: skip


@pytest.mark.parametrize("year", YEARS)
async def test_the_overview_equals_the_sums_of_the_raw_ledgers(demo, year):
    overview = await budget.overview(await principal("finance"), year)
    expected = await raw_figures(year)
    assert {line.id: cents(line) for line in overview.lines} == expected
    totals = {
        k: sum(f[k] for f in expected.values())
        for k in ("appropriation", "committed", "paid", "refunds")
    }
    assert cents(overview.totals) == totals
    for line in overview.lines:
        figures = line.figures
        assert figures.available == figures.appropriation - figures.committed
        assert figures.to_pay == figures.committed - figures.paid
    assert overview.totals.available.cents == totals["appropriation"] - totals["committed"]
    assert overview.fiscal_year.year == year
    assert overview.fiscal_year.budget_in_force is (year <= 2026)


async def test_the_demo_years_have_real_figures_to_compare(demo):
    """Not a comparison of zeros: the demo data pays, settles and refunds."""
    finance = await principal("finance")
    years = {year: (await budget.overview(finance, year)).totals for year in YEARS}
    assert years[2024].paid.cents > 0
    assert years[2025].paid.cents > 0
    assert sum(t.refunds.cents for t in years.values()) == 2_345_030  # the five repaid refunds
    assert all(t.appropriation.cents > 0 for t in years.values())


async def test_each_line_names_the_programmes_and_calls_paying_from_it(demo):
    overview = await budget.overview(await principal("reviewer"), 2026)
    by_centre = {line.cost_centre: line for line in overview.lines}
    ikz = by_centre["1304IKZ"]
    assert ikz.code == "0504 / 15 / 53180000 / 1304IKZ"
    assert [(u.programme, u.call_title) for u in ikz.uses] == [
        ("Förderung der Interkulturellen Zentren", "Interkulturelle Zentren 2026")
    ]
    calls = await Call.select(Call.id).where(Call.budget_line == ikz.id)
    assert [u.call_id for u in ikz.uses] == [c["id"] for c in calls]
    assert by_centre["1304KOMMAN"].programmes == ["KOMM-AN NRW Programmteil II (Weiterleitung)"]
    in_2027 = await budget.overview(await principal("auditor"), 2027)
    assert [line.uses for line in in_2027.lines if line.cost_centre == "1304KOMMAN"] == [()]


@pytest.mark.parametrize("year", YEARS)
async def test_the_drill_down_of_every_line_adds_up_to_the_overview(demo, year):
    finance = await principal("finance")
    overview = await budget.overview(finance, year)
    for line in overview.lines:
        first = await budget.line_detail(finance, line.id, page=1, per_page=7)
        rows = list(first.grants)
        for page in range(2, first.pages + 1):
            rows += (await budget.line_detail(finance, line.id, page=page, per_page=7)).grants
        assert len(rows) == first.grant_count == len({r.grant_id for r in rows})
        summed = {
            "committed": sum(r.committed.cents for r in rows),
            "paid": sum(r.paid.cents for r in rows),
            "refunds": sum(r.refunds.cents for r in rows),
        }
        figures = cents(line)
        assert summed == {k: figures[k] for k in summed}, line.code
        assert cents(first.sums) == figures
        assert cents(first.line) == figures
        numbers = [r.file_number for r in rows]
        assert numbers == sorted(numbers)


async def test_the_drill_down_names_each_grant_as_in_the_tables(demo):
    finance = await principal("finance")
    line = next(
        found
        for found in (await budget.overview(finance, 2025)).lines
        if found.cost_centre == "1304IKZ"
    )
    detail = await budget.line_detail(finance, line.id, per_page=200)
    assert detail.grant_count > 20
    grants = {
        g["id"]: g
        for g in await GrantAward.select(
            GrantAward.id,
            GrantAward.application,
            GrantAward.application.file_number,
            GrantAward.application.organisation.legal_name,
            GrantAward.application.call.programme.name,
        )
    }
    for row in detail.grants:
        grant = grants[row.grant_id]
        assert row.application_id == grant["application"]
        assert row.file_number == grant["application.file_number"]
        assert row.file_number.startswith("IKZ-2025-")
        assert row.organisation == grant["application.organisation.legal_name"]
        assert row.programme == "Förderung der Interkulturellen Zentren"
    paid_orders = await PaymentOrder.select(PaymentOrder.grant, PaymentOrder.amount_cents).where(
        (PaymentOrder.budget_line == line.id) & (PaymentOrder.status == PaymentOrderStatus.PAID)
    )
    paid: dict[int, int] = defaultdict(int)
    for order in paid_orders:
        paid[order["grant"]] += order["amount_cents"]
    assert {r.grant_id: r.paid.cents for r in detail.grants if r.paid} == dict(paid)


async def test_a_page_beyond_the_last_shows_the_last(demo):
    finance = await principal("finance")
    line = (await budget.overview(finance, 2025)).lines[0]
    last = await budget.line_detail(finance, line.id, page=999, per_page=10)
    assert last.page == last.pages > 1
    assert 0 < len(last.grants) <= 10


async def test_refunds_count_on_the_line_of_the_grants_first_commitment(demo):
    """A grant over two years: bound first on 2026, then on 2027. Its repaid refund counts on
    the 2026 line; an unpaid refund, a cancelled order and an order of 2027 do not mix in."""
    finance = await principal("finance")
    lines = {
        (line["year"], line["cost_centre"]): line["id"]
        for line in await BudgetLine.select(
            BudgetLine.id, BudgetLine.cost_centre, BudgetLine.fiscal_year.year.as_alias("year")
        )
    }  # fmt: skip
    first, second = lines[2026, "1304KOMMAN"], lines[2027, "1304KOMMAN"]
    settled = await Settlement.select(Settlement.grant, Settlement.usage_report).first()
    grant = (
        await GrantAward.select(GrantAward.id, GrantAward.current_decision)
        .where(GrantAward.id != settled["grant"])
        .first()
    )  # a grant without a repaid settlement; its own first commitment is on its line
    await BudgetCommitment.delete().where(BudgetCommitment.grant == grant["id"])
    await PaymentOrder.delete().where(PaymentOrder.grant == grant["id"])
    await Settlement.delete().where(Settlement.grant == grant["id"])
    before = {year: {line.id: cents(line) for line in (await budget.overview(finance, year)).lines}
              for year in (2026, 2027)}  # fmt: skip
    now = clock.now()
    for line, amount in ((first, 300_000), (second, 200_000)):
        await BudgetCommitment.insert(BudgetCommitment(budget_line=line, grant=grant["id"], amount_cents=amount,
                                                       reason="Bewilligung", booked_at=now))  # fmt: skip
    for line, status, amount in ((first, PaymentOrderStatus.PAID, 250_000),
                                 (second, PaymentOrderStatus.PAID, 100_000),
                                 (second, PaymentOrderStatus.CANCELLED, 99_000)):  # fmt: skip
        await PaymentOrder.insert(PaymentOrder(grant=grant["id"], budget_line=line, kind=PaymentKind.INSTALMENT,
                                               status=status, amount_cents=amount, purpose="Test",
                                               due_date=date(2026, 5, 1)))  # fmt: skip
    for refund, repaid in ((40_000, now), (7_000, None)):
        await Settlement.insert(Settlement(grant=grant["id"], usage_report=settled["usage_report"],
                                           refund_cents=refund, repaid_at=repaid))  # fmt: skip

    after = {year: {line.id: cents(line) for line in (await budget.overview(finance, year)).lines}
             for year in (2026, 2027)}  # fmt: skip
    assert after[2026][first] == {**before[2026][first],
                                  "committed": before[2026][first]["committed"] + 300_000,
                                  "paid": before[2026][first]["paid"] + 250_000,
                                  "refunds": before[2026][first]["refunds"] + 40_000}  # fmt: skip
    assert after[2027][second] == {**before[2027][second],
                                   "committed": before[2027][second]["committed"] + 200_000,
                                   "paid": before[2027][second]["paid"] + 100_000}  # fmt: skip
    assert after[2026] == {**before[2026], first: after[2026][first]}
    assert after == {2026: await raw_figures(2026), 2027: await raw_figures(2027)}
    rows = {r.grant_id: r for r in (await budget.line_detail(finance, second, per_page=200)).grants}
    assert (rows[grant["id"]].committed, rows[grant["id"]].paid, rows[grant["id"]].refunds) == (
        Money(200_000), Money(100_000), Money(0),
    )  # fmt: skip
    rows = {r.grant_id: r for r in (await budget.line_detail(finance, first, per_page=200)).grants}
    assert rows[grant["id"]].refunds == Money(40_000)


async def test_the_number_of_queries_does_not_grow_with_lines_or_grants(demo, queries):
    """One line with one grant, or five lines with 80 grants: the same statements."""
    finance = await principal("finance")
    small = await FiscalYear.insert(FiscalYear(year=2031)).returning(FiscalYear.id)
    one = await BudgetLine.insert(BudgetLine(fiscal_year=small[0]["id"], product="0504", plan_line="15",
                                             account="53180000", cost_centre="EINE", name="Eine Stelle",
                                             appropriation_cents=100_000)).returning(BudgetLine.id)  # fmt: skip
    grants = [g["id"] for g in await GrantAward.select(GrantAward.id).order_by(GrantAward.id)]
    await BudgetCommitment.insert(BudgetCommitment(budget_line=one[0]["id"], grant=grants[0], amount_cents=50_000,
                                                   reason="Bewilligung"))  # fmt: skip
    await PaymentOrder.insert(PaymentOrder(grant=grants[0], budget_line=one[0]["id"], kind=PaymentKind.INSTALMENT,
                                           status=PaymentOrderStatus.PAID, amount_cents=20_000, purpose="Test"))  # fmt: skip
    many_year = await FiscalYear.objects().get(FiscalYear.year == 2025)
    for n in range(3):  # 2025 has two lines; three more, each carrying 80 grants
        added = await BudgetLine.insert(BudgetLine(
            fiscal_year=many_year.id, product="0504", plan_line="15", account="53180000",
            cost_centre=f"VIELE{n}", name=f"Viele {n}", appropriation_cents=10**9,
        )).returning(BudgetLine.id)  # fmt: skip
        await BudgetCommitment.insert(*[BudgetCommitment(budget_line=added[0]["id"], grant=g, amount_cents=1_000,
                                                         reason="Bewilligung") for g in grants[:80]])  # fmt: skip
    crowded = (await BudgetLine.objects().get(BudgetLine.cost_centre == "VIELE0")).id

    async def counted(call: Callable[[], Awaitable[T]]) -> tuple[int, T]:
        with queries() as q:
            result = await call()
        return q.value, result

    few_queries, few = await counted(lambda: budget.overview(finance, 2031))
    many_queries, many = await counted(lambda: budget.overview(finance, 2025))
    assert (len(few.lines), len(many.lines)) == (1, 5)
    assert few_queries == many_queries <= 4
    few_queries, few_detail = await counted(lambda: budget.line_detail(finance, one[0]["id"]))
    many_queries, many_detail = await counted(lambda: budget.line_detail(finance, crowded))
    assert (few_detail.grant_count, many_detail.grant_count) == (1, 80)
    assert few_queries == many_queries <= 5


async def test_only_ki_staff_read_the_budget(demo):
    for persona in ("member", "signatory", "guest"):
        with pytest.raises(Forbidden):
            await budget.overview(await principal(persona), 2026)
        with pytest.raises(Forbidden):
            await budget.line_detail(await principal(persona), 1)
    for persona in ("finance", "admin", "approver", "reviewer", "auditor"):
        assert (await budget.overview(await principal(persona), 2026)).lines
    with pytest.raises(NotFound):
        await budget.overview(await principal("finance"), 1999)
    with pytest.raises(NotFound):
        await budget.line_detail(await principal("finance"), 999_999)
