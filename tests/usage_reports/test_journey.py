"""The association's usage report through the pages: start, every step, check, submit."""

import json
import re

import httpx
import pytest

from grants.money import Money
from grants.tables import (
    ActualLine,
    AuditEvent,
    GrantAward,
    IndicatorValue,
    Notification,
    PlanLine,
    Receipt,
    UsageReport,
    UsageReportVersion,
)
from grants.workflow import GrantStatus, UsageReportStatus
from tests.support.login import csrf_post, sign_in
from tests.support.reporting import NARRATIVE, home, own_grant, step

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def _plan(grant_id: int) -> list[dict]:
    grant = await GrantAward.objects().get(GrantAward.id == grant_id)
    return (
        await PlanLine.select()
        .where(PlanLine.application == grant.application)
        .order_by(PlanLine.id)
    )


async def fill(client: httpx.AsyncClient, grant_id: int) -> list[dict]:
    """Every step of a started report, done right; returns the plan lines."""
    assert (await step(client, grant_id, "sachbericht", NARRATIVE)).status_code == 303
    plan = await _plan(grant_id)
    actuals = {f"actual-{line['id']}": Money(line["amount_cents"]).format_plain() for line in plan}
    saved = await step(client, grant_id, "zahlen", actuals)
    assert saved.status_code == 303, saved.text
    for line in sorted(
        plan, key=lambda x: x["kind"] != "expense"
    ):  # one receipt per line, as much as its actual
        receipt = await step(client, grant_id, "belege", {
            "plan_line": str(line["id"]), "receipt_date": "15.03.2026", "payee": "Druckerei am Ring",
            "purpose": "Flyer", "amount": actuals[f"actual-{line['id']}"], "paid_on": "20.03.2026",
        })  # fmt: skip
        assert receipt.status_code == 303, receipt.text
    confirmed = await step(client, grant_id, "bestaetigung",
                           {"economical": "true", "receipts_kept": "true", "complete": "true"})  # fmt: skip
    assert confirmed.status_code == 303, confirmed.text
    return plan


async def test_a_member_fills_the_report_and_a_signatory_submits_it(client, app):
    grant_id = await own_grant(GrantStatus.PAYING)
    paying = await GrantAward.objects().get(GrantAward.id == grant_id)
    assert paying.next_instalment_due is not None  # an instalment still waits on the payments desk
    await sign_in(client, "member")
    tasks = await client.get(home(grant_id))
    assert "Verwendungsnachweis beginnen" in tasks.text
    assert "Fällig am" in tasks.text
    started = await csrf_post(client, home(grant_id))
    assert started.status_code == 303
    again = await csrf_post(client, home(grant_id))  # a second start opens the same report
    assert again.status_code == 303
    assert await UsageReport.count().where(UsageReport.grant == grant_id) == 1
    overview = await client.get(home(grant_id))
    assert "0 von 4 Abschnitten erledigt" in overview.text

    plan = await fill(client, grant_id)
    overview = await client.get(home(grant_id))
    assert "4 von 4 Abschnitten erledigt" in overview.text
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    stored_report = await UsageReport.select(UsageReport.answers).where(UsageReport.id == report.id).output(
        load_json=True).first()  # fmt: skip
    assert stored_report["answers"]["outlook"] == NARRATIVE["outlook"]
    values = {(r["indicator"], r["dimension"]): r["value"]
              for r in await IndicatorValue.select().where(IndicatorValue.usage_report == report.id)}  # fmt: skip
    assert values[("contacts_by_gender", "female")] == 412
    assert values[("staff", "fte_milli")] == 1500
    assert await ActualLine.count().where(ActualLine.usage_report == report.id) == len(plan)
    first = next(line for line in plan if line["kind"] == "expense")
    stored = await Receipt.objects().get(
        (Receipt.usage_report == report.id) & (Receipt.number == 1)
    )
    assert (stored.amount_cents, stored.kind) == (first["amount_cents"], "expense")
    assert await Receipt.count().where(Receipt.usage_report == report.id) == len(plan)
    sachbericht = await client.get(f"{home(grant_id)}/sachbericht")
    assert re.search(
        r'data-total="contacts_by_gender"[^>]*>792<', sachbericht.text
    )  # the genders' total

    check = await client.get(f"{home(grant_id)}/pruefen")
    assert check.status_code == 200
    assert "Einreichen darf nur eine vertretungsberechtigte Person" in check.text
    assert f"{len(plan)} Belege erfasst" in check.text
    assert "Keine Punkte, die das Einreichen verhindern." in check.text
    refused = await csrf_post(
        client, f"{home(grant_id)}/einreichen", {"version": str(report.version)}
    )
    assert refused.status_code == 403  # a member may not submit

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as board:
        await sign_in(board, "signatory")
        done = await step(board, grant_id, "einreichen", {}, page="pruefen")
        assert done.status_code == 303, done.text
        page = await board.get(done.headers["location"])
    assert "Der Verwendungsnachweis ist eingereicht (Fassung 1)." in page.text
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert report.status == UsageReportStatus.SUBMITTED
    assert report.submitted_by is not None
    grant = await GrantAward.objects().get(GrantAward.id == grant_id)
    assert grant.status == GrantStatus.REPORT_SUBMITTED
    assert grant.next_instalment_due is None  # a reported grant's instalments leave the desk
    version = await UsageReportVersion.objects().get(UsageReportVersion.usage_report == report.id)
    assert version.number == 1
    assert len(version.content_sha256) == 64
    snapshot = (
        json.loads(version.snapshot) if isinstance(version.snapshot, str) else version.snapshot
    )
    assert snapshot["receipts"][0]["amount_cents"] == first["amount_cents"]
    assert len(snapshot["lines"]) == len(plan)
    assert {"indicator": "volunteers", "dimension": "count", "value": 12} in snapshot["indicators"]
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "usage_report.submitted") & (AuditEvent.entity_id == report.id))  # fmt: skip
    subjects = {r["subject"] for r in await Notification.select(Notification.subject)}
    assert any(s.startswith("Verwendungsnachweis") and s.endswith("eingegangen") for s in subjects)
    # submitted: the steps are closed
    closed = await client.get(f"{home(grant_id)}/zahlen")
    assert closed.status_code == 303


async def _hand_back(grant_id: int, deadline) -> None:
    """What the reviewer's Nachforderung leaves behind (the review's use case is helper "review"'s)."""
    from grants.tables import ChangeRequest, User

    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    await UsageReport.update({UsageReport.status: UsageReportStatus.CHANGES_REQUESTED,
                              UsageReport.version: UsageReport.version + 1}).where(UsageReport.id == report.id)  # fmt: skip
    await GrantAward.update({GrantAward.status: GrantStatus.REPORT_CHANGES_REQUESTED,
                             GrantAward.version: GrantAward.version + 1}).where(GrantAward.id == grant_id)  # fmt: skip
    reviewer = await User.objects().get(User.subject == "demo-reviewer")
    await ChangeRequest.insert(ChangeRequest(usage_report=report.id, points="Bitte die Honorare belegen.",
                                             deadline=deadline, requested_by=reviewer.id))  # fmt: skip


async def test_resubmission_after_a_nachforderung_makes_version_two(client):
    from datetime import timedelta

    from grants import clock
    from grants.tables import ChangeRequest

    grant_id = await own_grant(GrantStatus.PAYING)
    await sign_in(client, "signatory")
    await csrf_post(client, home(grant_id))
    await fill(client, grant_id)
    assert (await step(client, grant_id, "einreichen", {}, page="pruefen")).status_code == 303
    await _hand_back(grant_id, clock.today() + timedelta(days=14))

    tasks = await client.get(home(grant_id))
    assert "Bitte die Honorare belegen." in tasks.text
    changed = await step(
        client, grant_id, "sachbericht", {**NARRATIVE, "changes": "Honorare belegt."}
    )
    assert changed.status_code == 303
    done = await step(client, grant_id, "einreichen", {}, page="pruefen")
    assert done.status_code == 303, done.text
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert report.status == UsageReportStatus.SUBMITTED
    assert await UsageReportVersion.count().where(UsageReportVersion.usage_report == report.id) == 2
    assert (
        await GrantAward.objects().get(GrantAward.id == grant_id)
    ).status == GrantStatus.REPORT_SUBMITTED
    assert not await ChangeRequest.exists().where(
        (ChangeRequest.usage_report == report.id) & ChangeRequest.resolved_at.is_null())  # fmt: skip


async def test_resubmission_after_the_nachforderung_s_deadline_is_refused(client):
    from datetime import timedelta

    from grants import clock

    grant_id = await own_grant(GrantStatus.PAYING)
    await sign_in(client, "signatory")
    await csrf_post(client, home(grant_id))
    await fill(client, grant_id)
    assert (await step(client, grant_id, "einreichen", {}, page="pruefen")).status_code == 303
    await _hand_back(grant_id, clock.today() - timedelta(days=1))
    refused = await step(client, grant_id, "einreichen", {}, page="pruefen")
    assert refused.status_code == 400
    assert "Die Frist der Nachforderung ist am" in refused.text
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert report.status == UsageReportStatus.CHANGES_REQUESTED


async def test_an_incomplete_report_cannot_be_submitted(client):
    grant_id = await own_grant(GrantStatus.PAYING)
    await sign_in(client, "signatory")
    await csrf_post(client, home(grant_id))
    refused = await step(client, grant_id, "einreichen", {}, page="pruefen")
    assert refused.status_code == 400
    assert "Der Schritt „Sachbericht“ ist noch nicht vollständig." in refused.text
    assert await UsageReportVersion.count() == 0


async def test_the_receipt_list_costs_the_same_queries_for_10_and_1000_receipts(client, queries):
    grant_id = await own_grant(GrantStatus.REPORT_DUE)
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    actual = await ActualLine.objects().get(ActualLine.usage_report == report.id)
    await sign_in(client, "member")
    counts = []
    for total in (10, 1000):
        await Receipt.delete().where(Receipt.usage_report == report.id)
        await Receipt.insert(*[
            Receipt(usage_report=report.id, actual_line=actual.id, kind="expense", number=n, receipt_date=None,
                    payee="Druckerei", purpose="Flyer", amount_cents=100 + n)
            for n in range(1, total + 1)
        ])  # fmt: skip
        await client.get(f"{home(grant_id)}/belege")  # warm: the session is read once
        with queries() as counted:
            page = await client.get(f"{home(grant_id)}/belege?ausgaben=2")
        assert page.status_code == 200
        counts.append(counted.value)
    assert counts[0] == counts[1]
    assert "Weitere" in page.text


async def test_a_blocking_finding_of_the_checks_prevents_the_submission(client):
    grant_id = await own_grant(GrantStatus.PAYING)
    await sign_in(client, "signatory")
    await csrf_post(client, home(grant_id))
    plan = await fill(client, grant_id)
    line = next(line for line in plan if line["kind"] == "expense")
    more = Money(line["amount_cents"] * 11 // 10).format_plain()  # +10 %: no explanation needed
    assert (
        await step(client, grant_id, "zahlen", {f"actual-{line['id']}": more})
    ).status_code == 303
    check = await client.get(f"{home(grant_id)}/pruefen")
    assert "Diese Punkte müssen Sie vor dem Einreichen beheben:" in check.text
    assert f'{home(grant_id)}/belege">zur Belegliste' in check.text
    refused = await step(client, grant_id, "einreichen", {}, page="pruefen")
    assert refused.status_code == 400
    assert "Die Belege zu" in refused.text
    assert await UsageReportVersion.count() == 0
    assert (await GrantAward.objects().get(GrantAward.id == grant_id)).status == GrantStatus.PAYING


async def test_a_simplified_report_has_no_receipt_list(client):
    from grants.tables import Application, Call, Programme

    grant_id = await own_grant(GrantStatus.PAYING)
    grant = await GrantAward.objects().get(GrantAward.id == grant_id)
    call = (
        await Application.select(Application.call)
        .where(Application.id == grant.application)
        .first()
    )
    programme = await Call.select(Call.programme).where(Call.id == call["call"]).first()
    await Programme.update({Programme.simplified_report: True}).where(
        Programme.id == programme["programme"]
    )
    await sign_in(client, "signatory")
    assert (
        "Einfacher Verwendungsnachweis (ohne Belegliste)" in (await client.get(home(grant_id))).text
    )
    await csrf_post(client, home(grant_id), {"simplified": "true"})
    tasks = await client.get(home(grant_id))
    assert "0 von 3 Abschnitten erledigt" in tasks.text
    assert "Belegliste" not in tasks.text.split("Ihr Verwendungsnachweis in Schritten")[1]
    assert (await client.get(f"{home(grant_id)}/belege")).status_code == 303
    plan = await _plan(grant_id)
    assert (await step(client, grant_id, "sachbericht", NARRATIVE)).status_code == 303
    actuals = {f"actual-{line['id']}": Money(line["amount_cents"]).format_plain() for line in plan}
    assert (await step(client, grant_id, "zahlen", actuals)).status_code == 303
    refused = await step(client, grant_id, "belege", {"plan_line": str(plan[0]["id"]), "receipt_date": "15.03.2026",
                                                      "payee": "Druckerei", "purpose": "Flyer", "amount": "10,00"},
                         page="zahlen")  # fmt: skip
    assert refused.status_code == 409
    assert "Beim einfachen Verwendungsnachweis gibt es keine Belegliste." in refused.text
    await step(
        client,
        grant_id,
        "bestaetigung",
        {"economical": "true", "receipts_kept": "true", "complete": "true"},
    )
    done = await step(client, grant_id, "einreichen", {}, page="pruefen")
    assert done.status_code == 303, done.text
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert report.simplified
    assert report.status == UsageReportStatus.SUBMITTED
