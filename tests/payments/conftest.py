"""A fresh grant of the demo data to pay: a ready IKZ application approved through the decision
service (Fehlbedarf, the requested amount as cap), its fiscal year's budget in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from grants.demo.seed import load_once
from grants.money import Money
from grants.services import decisions
from grants.services.users import Principal, load_principal
from grants.tables import Application, FiscalYear, GrantAward, User
from grants.vocabulary import FinancingType, PaymentMode, Recommendation
from grants.workflow import ApplicationStatus
from portal.review.letters import render_letter


@dataclass(frozen=True, slots=True)
class Granted:
    grant_id: int
    application_id: int
    organisation_id: int
    year: int
    approved: Money


async def persona(key: str) -> Principal:
    return await load_principal((await User.objects().get(User.subject == f"demo-{key}")).id)


async def approve(payment_mode: PaymentMode = PaymentMode.INSTALMENTS, instalments: int = 4,
                  financing_type: FinancingType = FinancingType.SHORTFALL, share: str | None = None,
                  offset: int = 0) -> Granted:  # fmt: skip
    """Approve the ``offset``-th ready application of the demo and put its year's budget in force."""
    await load_once()
    row = await Application.select(
        Application.id, Application.version, Application.requested_cents, Application.organisation,
        Application.call.fiscal_year.year,
    ).where(Application.status == ApplicationStatus.READY).order_by(Application.id).offset(offset).first()  # type: ignore[union-attr]  # fmt: skip
    year = row["call.fiscal_year.year"]
    await FiscalYear.update({FiscalYear.budget_in_force: True}).where(FiscalYear.year == year)
    data = decisions.DecisionInput(
        outcome=Recommendation.APPROVE, financing_type=financing_type, period_start=date(year, 1, 1),
        period_end=date(year, 12, 31), cap=Money(row["requested_cents"]),
        share=Decimal(share) if share else None, payment_mode=payment_mode, instalments=instalments,
    )  # fmt: skip
    await decisions.decide(
        await persona("approver"), row["id"], row["version"], data, render_letter
    )
    grant = await GrantAward.objects().get(GrantAward.application == row["id"])
    decision = await grant.get_related(GrantAward.current_decision)
    return Granted(grant.id, row["id"], row["organisation"], year, Money(decision.approved_cents))


@pytest.fixture
async def granted(database) -> Granted:
    return await approve()
