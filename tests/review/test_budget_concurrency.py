"""Concurrent decisions never over-commit a budget line (real commits, real transactions)."""

import asyncio
from datetime import date

import pytest

from grants.demo.seed import load_once
from grants.errors import Invalid
from grants.money import Money
from grants.services import decisions
from grants.services.users import load_principal
from grants.tables import Application, BudgetCommitment, BudgetLine, Call, User
from grants.vocabulary import FinancingType, Recommendation
from grants.workflow import ApplicationStatus
from portal.review.letters import render_letter

pytestmark = pytest.mark.anyio


async def test_four_approvers_at_once_never_over_commit_the_line(committed):
    await load_once()
    ready = await Application.select(
        Application.id, Application.version, Application.requested_cents, Application.call,
        Application.call.fiscal_year.year,
    ).where(Application.status == ApplicationStatus.READY).order_by(Application.requested_cents).limit(4)  # fmt: skip
    assert len(ready) == 4
    assert len({r["call"] for r in ready}) == 1
    line = (await Call.objects().get(Call.id == ready[0]["call"])).budget_line
    committed_before = sum(r["amount_cents"] for r in await BudgetCommitment.select(BudgetCommitment.amount_cents)
                           .where(BudgetCommitment.budget_line == line))  # fmt: skip
    room = (
        ready[0]["requested_cents"] + ready[1]["requested_cents"]
    )  # room for exactly two of the four
    await BudgetLine.update({BudgetLine.appropriation_cents: committed_before + room}).where(
        BudgetLine.id == line
    )

    approver = await load_principal((await User.objects().get(User.subject == "demo-approver")).id)
    year = ready[0]["call.fiscal_year.year"]

    async def decide(row: dict) -> str:
        """ "" when decided, else the refusal."""
        data = decisions.DecisionInput(
            outcome=Recommendation.APPROVE, financing_type=FinancingType.SHORTFALL,
            period_start=date(year, 1, 1), period_end=date(year, 12, 31), cap=Money(row["requested_cents"]),
        )  # fmt: skip
        try:
            await decisions.decide(approver, row["id"], row["version"], data, render_letter)
        except Invalid as exc:
            return exc.errors["budget"]
        return ""

    refusals = await asyncio.gather(*(decide(row) for row in ready))
    assert all(r.startswith("Die Haushaltsmittel reichen nicht") for r in refusals if r)
    outcomes = [not r for r in refusals]

    total = sum(r["amount_cents"] for r in await BudgetCommitment.select(BudgetCommitment.amount_cents)
                .where(BudgetCommitment.budget_line == line))  # fmt: skip
    appropriation = (await BudgetLine.objects().get(BudgetLine.id == line)).appropriation_cents
    assert total <= appropriation
    assert outcomes.count(True) >= 1
    assert outcomes.count(False) >= 1
    approved = [row for row, ok in zip(ready, outcomes, strict=True) if ok]
    assert total - committed_before == sum(r["requested_cents"] for r in approved)
    statuses = {r["id"]: r["status"] for r in await Application.select(Application.id, Application.status)
                .where(Application.id.is_in([r["id"] for r in ready]))}  # fmt: skip
    for row, ok in zip(ready, outcomes, strict=True):
        assert statuses[row["id"]] == (
            ApplicationStatus.APPROVED if ok else ApplicationStatus.READY
        )
