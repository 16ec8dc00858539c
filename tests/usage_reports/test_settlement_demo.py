"""The demo's usage-report world: every part the journey needs, settled by the money rules, and
the grant in review that another persona settles with a refund."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants import financing
from grants.demo.data import BASE_RATES, TODAY, Ref, build
from grants.demo.personas import PERSONAS
from grants.demo.seed import load_once
from grants.money import Money
from grants.services import settlements, usage_reports
from grants.services.settlements import SettleInput
from grants.tables import GrantAward, UsageReport
from grants.vocabulary import PaymentKind
from grants.workflow import GrantStatus, PaymentOrderStatus, UsageReportStatus
from tests.support.principals import principal
from tests.usage_reports.settling import committed, render

DATA = build()
G, U = GrantStatus, UsageReportStatus


def test_the_demo_has_every_part_of_the_usage_report_journey():
    reports = DATA.of("usage_report")
    drafts = [r for r in reports if r["status"] is U.DRAFT]
    assert any(TODAY < r["due_date"] <= TODAY + timedelta(weeks=6) for r in drafts)  # due soon
    assert any(r["due_date"] < TODAY for r in drafts)  # overdue
    assert any(r["status"] is U.SUBMITTED for r in reports)
    reviewer = Ref("app_user", [p.key for p in PERSONAS].index("reviewer"))
    assessed = {
        a["usage_report"] for a in DATA.of("actual_line") if a["recognised_cents"] is not None
    }
    unassessed = {
        a["usage_report"] for a in DATA.of("actual_line") if a["recognised_cents"] is None
    }
    ready = [n for n, r in enumerate(reports) if r["status"] is U.IN_REVIEW and r["reviewer"] == reviewer
             and Ref("usage_report", n) in assessed - unassessed]  # fmt: skip
    assert ready
    statuses = {
        DATA.get(s["grant"])["status"]: s for s in DATA.of("settlement") if s["refund_cents"]
    }
    assert {G.HEARING, G.SETTLED, G.REFUND_SET, G.REFUNDED} <= set(statuses)
    subsequent = [s for s in DATA.of("settlement") if s["subsequent_cents"]]
    assert subsequent
    order = DATA.get(subsequent[0]["subsequent_order"])
    assert (order["kind"], order["amount_cents"]) == (
        PaymentKind.SUBSEQUENT,
        subsequent[0]["subsequent_cents"],
    )
    assert order["status"] is PaymentOrderStatus.CERTIFIED


def test_demo_settlements_follow_the_money_rules_with_interest():
    for s in DATA.of("settlement"):
        refund = Money(s["refund_cents"])
        assert s["final_cents"] + s["refund_cents"] - s["subsequent_cents"] == s["paid_cents"]
        if not refund:
            assert s["interest_cents"] == 0
            continue
        until = s["refund_due_date"] or s["created_at"].date()
        assert Money(s["interest_cents"]) == financing.interest(
            refund, s["interest_from"], until, BASE_RATES
        )
        assert s["recognised_by"] != s["settled_by"]
        if DATA.get(s["grant"])["status"] is G.REFUNDED:
            assert s["repaid_cents"] == s["refund_cents"] + s["interest_cents"]


@pytest.mark.anyio
async def test_another_persona_settles_the_assessed_demo_grant_with_a_refund(database):
    await load_once()
    reviewer = await principal("reviewer")
    row = await UsageReport.select(UsageReport.grant).where(
        (UsageReport.status == U.IN_REVIEW) & (UsageReport.reviewer == reviewer.id)
        & (UsageReport.grant.status == G.REPORT_IN_REVIEW)).first()  # type: ignore[union-attr]  # fmt: skip
    approver = await principal("approver")
    grant = await usage_reports.get(approver, row["grant"])
    assert all(line.recognised is not None for line in grant.lines)
    await settlements.settle(
        approver, grant, grant.grant_version, SettleInput(None, None, ""), render
    )
    settled = await settlements.settlement_of(grant)
    assert settled is not None
    assert settled.refund > Money(0)
    assert await committed(grant.grant_id) == settled.final
    status = (
        await GrantAward.select(GrantAward.status).where(GrantAward.id == grant.grant_id).first()
    )
    assert status["status"] == G.SETTLED
