"""Interim reports (Zwischennachweise) of a grant over several fiscal years: started for each
ended fiscal year before the final report, filled and submitted like it within their period,
accepted by the KI without a settlement and without moving the grant; then the final report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import httpx
import pytest

from grants import clock
from grants.money import Money
from grants.services import usage_reports
from grants.tables import (
    AuditEvent,
    Decision,
    GrantAward,
    Membership,
    Notification,
    PlanLine,
    Programme,
    Receipt,
    UsageReport,
    UsageReportVersion,
)
from grants.vocabulary import UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus
from portal.usage_reports.controllers import template_facts
from tests.support.login import csrf_post, sign_in
from tests.support.principals import principal
from tests.support.reporting import NARRATIVE, home, step

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
START, END = date(2025, 3, 1), date(2026, 10, 31)  # two fiscal years: an interim report for 2025


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


async def multi_year_grant(interim: bool) -> int:
    """A paying grant of the personas' association without reports, its approval period made
    2025–2026 and its programme asking for interim reports (or not)."""
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-signatory")
    ).organisation
    row = await GrantAward.select(
        GrantAward.id, GrantAward.current_decision, GrantAward.application.call.programme.as_alias("programme"),
    ).where(
        (GrantAward.status == GrantStatus.PAYING) & (GrantAward.application.organisation == organisation)
        & GrantAward.id.not_in(UsageReport.select(UsageReport.grant))
    ).order_by(GrantAward.id).first()  # fmt: skip
    assert row is not None
    await Decision.update({Decision.period_start: START, Decision.period_end: END,
                           Decision.usage_report_due: None}).where(Decision.id == row["current_decision"])  # fmt: skip
    await Programme.update({Programme.interim_reports: interim}).where(
        Programme.id == row["programme"]
    )
    return int(row["id"])


async def fill(client: httpx.AsyncClient, grant_id: int, receipt_day: str) -> None:
    """Every step done right, one receipt per line on ``receipt_day``."""
    assert (await step(client, grant_id, "sachbericht", NARRATIVE)).status_code == 303
    grant = await GrantAward.objects().get(GrantAward.id == grant_id)
    plan = (
        await PlanLine.select()
        .where(PlanLine.application == grant.application)
        .order_by(PlanLine.id)
    )
    actuals = {f"actual-{line['id']}": Money(line["amount_cents"]).format_plain() for line in plan}
    saved = await step(client, grant_id, "zahlen", actuals)
    assert saved.status_code == 303, saved.text
    for line in sorted(plan, key=lambda x: x["kind"] != "expense"):
        receipt = await step(client, grant_id, "belege", {
            "plan_line": str(line["id"]), "receipt_date": receipt_day, "payee": "Druckerei am Ring",
            "purpose": "Flyer", "amount": actuals[f"actual-{line['id']}"], "paid_on": receipt_day,
        })  # fmt: skip
        assert receipt.status_code == 303, receipt.text
    confirmed = await step(client, grant_id, "bestaetigung",
                           {"economical": "true", "receipts_kept": "true", "complete": "true"})  # fmt: skip
    assert confirmed.status_code == 303, confirmed.text


async def submit(app, grant_id: int) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as board:
        await sign_in(board, "signatory")
        done = await step(board, grant_id, "einreichen", {}, page="pruefen")
        assert done.status_code == 303, done.text


async def test_an_interim_report_for_the_ended_fiscal_year_then_the_final_report(client, app):
    grant_id = await multi_year_grant(interim=True)
    await sign_in(client, "member")
    tasks = await client.get(home(grant_id))
    assert "Zwischennachweis beginnen" in tasks.text
    assert "01.03.2025 – 31.12.2025" in tasks.text
    assert "30.04.2026" in tasks.text
    assert (await csrf_post(client, home(grant_id))).status_code == 303
    assert (await csrf_post(client, home(grant_id))).status_code == 303  # the same report again
    interim = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert await UsageReport.count().where(UsageReport.grant == grant_id) == 1
    assert (interim.kind, interim.period_start, interim.period_end, interim.due_date) == (
        UsageReportKind.INTERIM,
        START,
        date(2025, 12, 31),
        date(2026, 4, 30),
    )

    # the receipts must lie in the interim report's period, on the page and in the checks
    assert (await step(client, grant_id, "sachbericht", NARRATIVE)).status_code == 303
    grant = await GrantAward.objects().get(GrantAward.id == grant_id)
    line = await PlanLine.select().where(PlanLine.application == grant.application).first()
    assert (
        await step(
            client,
            grant_id,
            "zahlen",
            {f"actual-{line['id']}": "10,00", f"note-{line['id']}": "erst begonnen"},
        )
    ).status_code == 303
    outside = await step(client, grant_id, "belege", {
        "plan_line": str(line["id"]), "receipt_date": "15.03.2026", "payee": "Druckerei", "purpose": "Flyer",
        "amount": "10,00", "paid_on": ""})  # fmt: skip
    assert outside.status_code == 400
    assert (
        "außerhalb des Zeitraums des Zwischennachweises (01.03.2025 – 31.12.2025)" in outside.text
    )
    assert await Receipt.count().where(Receipt.usage_report == interim.id) == 0
    signatory = await principal("signatory")
    loaded = await usage_reports.get(signatory, grant_id)
    assert loaded.report is not None
    assert loaded.report.id == interim.id
    facts = template_facts(loaded)  # the Excel template and its import check the same period
    assert (facts.period_start, facts.period_end) == (START, date(2025, 12, 31))
    actual_line = next(x.actual_line_id for x in loaded.lines if x.actual_line_id)
    await Receipt.insert(Receipt(usage_report=interim.id, actual_line=actual_line, kind=line["kind"], number=1,
                                 receipt_date=date(2026, 3, 15), payee="x", purpose="y", amount_cents=1000))  # fmt: skip
    found = await usage_reports.checks(loaded)
    assert any(
        f.code == "receipt_outside_period" and "31.12.2025" in f.message for f in found.findings
    )
    await Receipt.delete().where(Receipt.usage_report == interim.id)

    await fill(client, grant_id, "15.05.2025")
    await submit(app, grant_id)
    interim = await UsageReport.objects().get(UsageReport.id == interim.id)
    assert interim.status == UsageReportStatus.SUBMITTED
    frozen = await UsageReportVersion.select(UsageReportVersion.snapshot).where(
        UsageReportVersion.usage_report == interim.id).output(load_json=True)  # fmt: skip
    assert len(frozen) == 1
    assert frozen[0]["snapshot"]["report"]["kind"] == "interim"
    assert frozen[0]["snapshot"]["report"]["period_end"] == "2025-12-31"
    assert (await GrantAward.objects().get(GrantAward.id == grant_id)).status == GrantStatus.PAYING
    assert "Zwischennachweis beginnen" not in (await client.get(home(grant_id))).text

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as ki:
        await sign_in(ki, "reviewer")
        workspace = f"/pruefung/nachweise/{grant_id}"
        taken = await csrf_post(ki, f"{workspace}/beginnen", {"version": str(interim.version)})
        assert taken.status_code == 303, taken.text
        page = await ki.get(workspace)
        assert "Zwischennachweis als geprüft abschließen" in page.text
        assert (await ki.get(f"{workspace}/abrechnung")).status_code == 404  # no settlement
        version_now = (await UsageReport.objects().get(UsageReport.id == interim.id)).version
        accepted = await csrf_post(ki, f"{workspace}/annehmen", {"version": str(version_now)})
        assert accepted.status_code == 303, accepted.text
        assert (await ki.get(f"{workspace}/abrechnung")).status_code == 404
    assert (
        await UsageReport.objects().get(UsageReport.id == interim.id)
    ).status == UsageReportStatus.ACCEPTED
    assert (await GrantAward.objects().get(GrantAward.id == grant_id)).status == GrantStatus.PAYING
    assert await AuditEvent.exists().where(
        (AuditEvent.action == "usage_report.accepted") & (AuditEvent.entity_id == grant_id))  # fmt: skip
    assert await Notification.exists().where(
        Notification.subject.like("Zwischennachweis % geprüft")
    )

    # now the final report: started, filled, submitted — and the grant moves as usual
    tasks = await client.get(home(grant_id))
    assert "Verwendungsnachweis beginnen" in tasks.text
    assert "vom Kommunalen Integrationszentrum geprüft" in tasks.text
    assert (await csrf_post(client, home(grant_id))).status_code == 303
    final = (
        await UsageReport.objects()
        .where(UsageReport.grant == grant_id)
        .order_by(UsageReport.id, ascending=False)
        .first()
    )
    assert final is not None
    assert final.id != interim.id
    assert (final.kind, final.period_start, final.period_end) == (UsageReportKind.FINAL, START, END)
    await fill(client, grant_id, "15.03.2026")
    await submit(app, grant_id)
    assert (
        await GrantAward.objects().get(GrantAward.id == grant_id)
    ).status == GrantStatus.REPORT_SUBMITTED
    reviewer = await principal("reviewer")
    assert (await usage_reports.get(reviewer, grant_id)).report.id == final.id  # type: ignore[union-attr]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as ki:
        await sign_in(ki, "reviewer")
        assert (await ki.get(f"/pruefung/nachweise/{grant_id}/abrechnung")).status_code == 200


async def test_a_programme_without_interim_reports_offers_none(client):
    grant_id = await multi_year_grant(interim=False)
    grant = await usage_reports.get(await principal("member"), grant_id)
    due = usage_reports.next_report(grant, NOW.date())
    assert due is not None
    assert due.kind is UsageReportKind.FINAL
    await sign_in(client, "member")
    tasks = await client.get(home(grant_id))
    assert "Zwischennachweis" not in tasks.text
    assert "Verwendungsnachweis beginnen" in tasks.text
    assert (await csrf_post(client, home(grant_id))).status_code == 303
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert (report.kind, report.period_end) == (UsageReportKind.FINAL, END)


async def test_an_interim_report_is_offered_only_once_its_fiscal_year_has_ended():
    grant_id = await multi_year_grant(interim=True)
    grant = await usage_reports.get(await principal("member"), grant_id)
    assert usage_reports.next_report(grant, date(2025, 12, 31)) is None  # 2025 not yet over
    due = usage_reports.next_report(grant, date(2026, 1, 1))
    assert due is not None
    assert (due.kind, due.period_end) == (
        UsageReportKind.INTERIM,
        date(2025, 12, 31),
    )
    # once the final report is started, no interim report comes after it
    final_started = replace(grant, started=((UsageReportKind.FINAL, END),))
    assert usage_reports.next_report(final_started, date(2026, 1, 1)) is None
