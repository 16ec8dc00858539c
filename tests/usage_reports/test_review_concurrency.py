"""Concurrent review actions on one usage report (real commits, real transactions): of two
taking it up, or two assessing one receipt from the same page, exactly one wins; the other
gets a conflict and nothing of it is written."""

import asyncio

import pytest

from grants.demo.seed import load_once
from grants.errors import Conflict
from grants.report_assessment import Verdict
from grants.services import report_reviews, usage_reports
from grants.tables import AuditEvent, GrantAward, Receipt, UsageReport
from grants.vocabulary import LineVerdict
from grants.workflow import GrantStatus
from tests.support.principals import principal

pytestmark = pytest.mark.anyio


async def _outcome(action) -> str:
    try:
        await action
    except Conflict:
        return "conflict"
    return "done"


async def test_one_takes_the_report_up_and_one_assessment_of_a_receipt_wins(committed):
    await load_once()
    row = (
        await GrantAward.select(GrantAward.id)
        .where(GrantAward.status == GrantStatus.REPORT_SUBMITTED)
        .first()
    )
    first, second = await principal("reviewer"), await principal("reviewer2")
    grant = await usage_reports.get(first, row["id"])
    assert grant.report is not None
    outcomes = await asyncio.gather(*(
        _outcome(report_reviews.start_review(p, grant, grant.report.version)) for p in (first, second)
    ))  # fmt: skip
    assert sorted(outcomes) == ["conflict", "done"]
    winner = first if outcomes[0] == "done" else second
    stored = (
        await UsageReport.select(UsageReport.reviewer)
        .where(UsageReport.id == grant.report.id)
        .first()
    )
    assert stored["reviewer"] == winner.id
    assert await AuditEvent.count().where(AuditEvent.action == "usage_report.review_started") == 1

    grant = await usage_reports.get(winner, row["id"])
    receipt = await Receipt.select(Receipt.id, Receipt.version).where(
        Receipt.usage_report == grant.report.id).order_by(Receipt.number).first()  # type: ignore[union-attr]  # fmt: skip
    verdicts = [Verdict(receipt["id"], LineVerdict.NONE, None, "Kein Beleg."),
                Verdict(receipt["id"], LineVerdict.FULL, None, "")]  # fmt: skip
    outcomes = await asyncio.gather(*(
        _outcome(report_reviews.assess_receipt(winner, grant, receipt["id"], receipt["version"], v)) for v in verdicts
    ))  # fmt: skip
    assert sorted(outcomes) == ["conflict", "done"]
    after = await Receipt.select().where(Receipt.id == receipt["id"]).first()
    assert after["version"] == receipt["version"] + 1
    assert after["reason"] == ("Kein Beleg." if outcomes[0] == "done" else "")
    assert await AuditEvent.count().where(AuditEvent.action == "usage_report.receipt_assessed") == 1
