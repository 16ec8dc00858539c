"""Lowering an appropriation while decisions commit on the same line never leaves the line
over-committed (real commits, real transactions): the update holds the line's lock."""

import asyncio
from datetime import date

import pytest

from grants.demo.seed import load_once
from grants.errors import Invalid
from grants.money import Money
from grants.services import budget, decisions
from grants.services.budget import LineData
from grants.tables import Application, BudgetCommitment, BudgetLine, Call
from grants.vocabulary import FinancingType, Recommendation
from grants.workflow import ApplicationStatus
from portal.review.letters import render_letter
from tests.support.principals import principal

pytestmark = pytest.mark.anyio


async def bound(line_id: int) -> int:
    rows = await BudgetCommitment.select(BudgetCommitment.amount_cents).where(
        BudgetCommitment.budget_line == line_id
    )
    return sum(r["amount_cents"] for r in rows)


async def test_a_lower_appropriation_and_decisions_at_once_never_over_commit(committed):
    await load_once()
    ready = await Application.select(
        Application.id, Application.version, Application.requested_cents, Application.call,
        Application.call.fiscal_year.year,
    ).where(Application.status == ApplicationStatus.READY).order_by(Application.requested_cents).limit(3)  # fmt: skip
    assert len({r["call"] for r in ready}) == 1
    line_id = (await Call.objects().get(Call.id == ready[0]["call"])).budget_line
    line = await BudgetLine.objects().get(BudgetLine.id == line_id)
    before = await bound(line_id)
    lower = before + ready[0]["requested_cents"]  # room for the smallest decision only
    approver, finance = await principal("approver"), await principal("finance")
    year = ready[0]["call.fiscal_year.year"]

    async def decide(row: dict) -> bool:
        data = decisions.DecisionInput(
            outcome=Recommendation.APPROVE, financing_type=FinancingType.SHORTFALL,
            period_start=date(year, 1, 1), period_end=date(year, 12, 31), cap=Money(row["requested_cents"]),
        )  # fmt: skip
        try:
            await decisions.decide(approver, row["id"], row["version"], data, render_letter)
        except Invalid:
            return False
        return True

    refusals: list[str] = []

    async def lower_appropriation() -> bool:
        data = LineData(
            line.product, line.plan_line, line.account, line.cost_centre, line.name, Money(lower)
        )
        try:
            await budget.update_line(finance, line_id, line.version, data)
        except Invalid as exc:
            refusals.append(exc.errors["appropriation"])
            return False
        return True

    *decided, lowered = await asyncio.gather(*(decide(row) for row in ready), lower_appropriation())
    total = await bound(line_id)
    appropriation = (await BudgetLine.objects().get(BudgetLine.id == line_id)).appropriation_cents
    assert total <= appropriation
    assert appropriation == (lower if lowered else line.appropriation_cents)
    assert total - before == sum(
        r["requested_cents"] for r, ok in zip(ready, decided, strict=True) if ok
    )
    assert any(decided) or lowered
    assert all(
        r.startswith(f"Der Ansatz von {Money(lower).format()} liegt unter") for r in refusals
    )
