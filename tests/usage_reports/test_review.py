"""The KI's review of a submitted usage report: taking it up, assessing lines and receipts, the
Nachforderung — through the services and through the workspace's forms."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from grants import clock
from grants import indicators as catalogue
from grants.errors import Conflict, Forbidden, Invalid
from grants.money import Money
from grants.report_assessment import Verdict
from grants.services import report_reviews, usage_reports
from grants.services.usage_reports import GrantReport
from grants.tables import (
    ActualLine,
    AuditEvent,
    ChangeRequest,
    GrantAward,
    Notification,
    Receipt,
    UsageReport,
)
from grants.vocabulary import LineVerdict
from grants.workflow import GrantStatus, UsageReportStatus
from tests.support.login import csrf_post, sign_in
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
FULL, PARTIAL, NONE = LineVerdict.FULL, LineVerdict.PARTIAL, LineVerdict.NONE


async def submitted_grant() -> int:
    row = await GrantAward.select(GrantAward.id).where(
        GrantAward.status == GrantStatus.REPORT_SUBMITTED).order_by(GrantAward.id).first()  # fmt: skip
    assert row is not None
    return int(row["id"])


async def started(persona: str = "reviewer") -> GrantReport:
    """The demo's first submitted report, taken up by the persona; loaded anew."""
    reviewer = await principal(persona)
    grant = await usage_reports.get(reviewer, await submitted_grant())
    assert grant.report is not None
    await report_reviews.start_review(reviewer, grant, grant.report.version)
    return await usage_reports.get(reviewer, grant.grant_id)


def all_in_full(grant: GrantReport, **changes: Verdict) -> list[Verdict]:
    lines = report_reviews.assessed_lines(grant)
    return [
        changes.get(line.line_key, Verdict(line.actual_line_id or 0, FULL, None, ""))
        for line in lines
    ]


async def test_starting_the_review_makes_the_reviewer_the_one_who_recognises(database):
    grant = await started()
    reviewer = await principal("reviewer")
    assert grant.grant_status is GrantStatus.REPORT_IN_REVIEW
    assert grant.report is not None
    assert grant.report.status is UsageReportStatus.IN_REVIEW
    assert grant.report.reviewer_id == reviewer.id
    event = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.entity == "grant") & (AuditEvent.entity_id == grant.grant_id)).order_by(
        AuditEvent.id, ascending=False).first()  # fmt: skip
    assert event["action"] == "usage_report.review_started"
    with pytest.raises(Conflict):  # once only
        await report_reviews.start_review(reviewer, grant, grant.report.version)


async def test_start_is_refused_to_finance_and_to_a_stale_version(database):
    grant = await usage_reports.get(await principal("reviewer"), await submitted_grant())
    assert grant.report is not None
    with pytest.raises(Forbidden):
        await report_reviews.start_review(await principal("finance"), grant, grant.report.version)
    with pytest.raises(Conflict):
        await report_reviews.start_review(
            await principal("reviewer"), grant, grant.report.version - 1
        )


async def test_lines_recognised_in_full_reduced_and_refused(database):
    grant = await started()
    reviewer = await principal("reviewer")
    first, second = grant.expenses[0], grant.expenses[1]
    assert first.actual is not None
    assert second.actual is not None
    half = Money(first.actual.cents // 2)
    inputs = all_in_full(grant, **{
        first.line_key: Verdict(first.actual_line_id or 0, PARTIAL, half, "Nur die Hälfte belegt."),
        second.line_key: Verdict(second.actual_line_id or 0, NONE, None, "Nicht zuwendungsfähig."),
    })  # fmt: skip
    assert grant.report is not None
    await report_reviews.assess_lines(reviewer, grant, grant.report.version, inputs)
    stored = {
        r["id"]: r
        for r in await ActualLine.select().where(ActualLine.usage_report == grant.report.id)
    }
    assert stored[first.actual_line_id]["recognised_cents"] == half.cents
    assert stored[first.actual_line_id]["reason"] == "Nur die Hälfte belegt."
    assert stored[second.actual_line_id]["recognised_cents"] == 0
    for line in report_reviews.assessed_lines(grant)[2:]:
        assert stored[line.actual_line_id]["recognised_cents"] == line.actual.cents  # type: ignore[union-attr]
        assert stored[line.actual_line_id]["reason"] == ""
    assert len(report_reviews.unassessed(grant)) == len(inputs)
    again = await usage_reports.get(reviewer, grant.grant_id)
    assert report_reviews.unassessed(again) == ()
    assert again.report is not None
    assert again.report.version == grant.report.version + 1
    with pytest.raises(Conflict):  # the version the page showed is stale now
        await report_reviews.assess_lines(reviewer, again, grant.report.version, inputs)


async def test_a_cut_needs_a_reason_and_an_amount_below_the_actual(database):
    grant = await started()
    reviewer = await principal("reviewer")
    first = grant.expenses[0]
    assert grant.report is not None
    assert first.actual is not None
    inputs = all_in_full(
        grant, **{first.line_key: Verdict(first.actual_line_id or 0, PARTIAL, first.actual, " ")}
    )
    with pytest.raises(Invalid) as refused:
        await report_reviews.assess_lines(reviewer, grant, grant.report.version, inputs)
    assert set(refused.value.errors) == {
        f"reason-{first.actual_line_id}",
        f"recognised-{first.actual_line_id}",
    }
    assert not await ActualLine.exists().where(
        (ActualLine.usage_report == grant.report.id) & ActualLine.recognised_cents.is_not_null())  # fmt: skip


async def test_lines_of_another_report_or_missing_lines_are_refused(database):
    grant = await started()
    reviewer = await principal("reviewer")
    assert grant.report is not None
    other = (
        await ActualLine.select(ActualLine.id)
        .where(ActualLine.usage_report != grant.report.id)
        .first()
    )
    inputs = all_in_full(grant)
    with pytest.raises(Conflict):
        await report_reviews.assess_lines(reviewer, grant, grant.report.version,
                                          [*inputs[1:], Verdict(other["id"], FULL, None, "")])  # fmt: skip


async def test_only_the_reviewer_who_took_it_up_assesses(database):
    grant = await started()
    assert grant.report is not None
    for persona in ("reviewer2", "finance", "approver"):
        with pytest.raises(Forbidden):
            await report_reviews.assess_lines(
                await principal(persona), grant, grant.report.version, all_in_full(grant)
            )


async def test_the_proposal_is_the_20_percent_rule_and_revenues_in_full(database):
    grant = await started()
    assert grant.report is not None
    proposed = report_reviews.proposals(grant, {})
    rule = {d.key: d.recognised for d in report_reviews.deviations(grant).lines}
    for line in report_reviews.assessed_lines(grant):
        expected = rule[line.line_key] if line.kind.value == "expense" else line.actual
        assert proposed[line.actual_line_id or 0].recognised == expected


# -- receipts --------------------------------------------------------------------------------


async def _receipts_of_first_line(grant: GrantReport) -> list[dict]:
    line = grant.expenses[0]
    return (
        await Receipt.select()
        .where(Receipt.actual_line == line.actual_line_id)
        .order_by(Receipt.number)
    )


async def test_a_refused_receipt_caps_its_line(database):
    grant = await started()
    reviewer = await principal("reviewer")
    assert grant.report is not None
    await report_reviews.assess_lines(reviewer, grant, grant.report.version, all_in_full(grant))
    grant = await usage_reports.get(reviewer, grant.grant_id)
    receipts = await _receipts_of_first_line(grant)
    refused = receipts[0]
    await report_reviews.assess_receipt(reviewer, grant, refused["id"], refused["version"],
                                        Verdict(refused["id"], NONE, None, "Kein Zahlungsnachweis."))  # fmt: skip
    row = await Receipt.select().where(Receipt.id == refused["id"]).first()
    assert (row["recognised_cents"], row["reason"], row["version"]) == (
        0,
        "Kein Zahlungsnachweis.",
        refused["version"] + 1,
    )
    line = (
        await ActualLine.select().where(ActualLine.id == grant.expenses[0].actual_line_id).first()
    )
    allowed = sum(r["amount_cents"] for r in receipts[1:])
    assert line["recognised_cents"] == allowed
    assert line["reason"] == "Kein Zahlungsnachweis."
    # the line's form now refuses more than the receipts allow
    grant = await usage_reports.get(reviewer, grant.grant_id)
    assert grant.report is not None
    with pytest.raises(Invalid) as too_much:
        await report_reviews.assess_lines(reviewer, grant, grant.report.version, all_in_full(grant))
    assert f"verdict-{grant.expenses[0].actual_line_id}" in too_much.value.errors


async def test_a_receipt_cut_needs_a_reason_and_a_fresh_version(database):
    grant = await started()
    reviewer = await principal("reviewer")
    receipt = (await _receipts_of_first_line(grant))[0]
    with pytest.raises(Invalid) as refused:
        await report_reviews.assess_receipt(reviewer, grant, receipt["id"], receipt["version"],
                                            Verdict(receipt["id"], PARTIAL, Money(1), ""))  # fmt: skip
    assert set(refused.value.errors) == {f"receipt-reason-{receipt['id']}"}
    with pytest.raises(Conflict):
        await report_reviews.assess_receipt(reviewer, grant, receipt["id"], receipt["version"] + 1,
                                            Verdict(receipt["id"], FULL, None, ""))  # fmt: skip


# -- Nachforderung ---------------------------------------------------------------------------


async def test_request_changes_with_a_deadline_goes_back_to_the_association(database):
    grant = await started()
    reviewer = await principal("reviewer")
    assert grant.report is not None
    deadline = clock.today() + timedelta(days=14)
    with pytest.raises(Invalid) as refused:
        await report_reviews.request_changes(
            reviewer, grant, grant.report.version, " ", clock.today()
        )
    assert set(refused.value.errors) == {"points", "deadline"}
    mails = await Notification.count()
    await report_reviews.request_changes(
        reviewer, grant, grant.report.version, "Bitte Honorarverträge.", deadline
    )
    assert (await GrantAward.select(GrantAward.status).where(GrantAward.id == grant.grant_id).first())["status"] == (
        GrantStatus.REPORT_CHANGES_REQUESTED)  # fmt: skip
    report = (
        await UsageReport.select(UsageReport.status)
        .where(UsageReport.id == grant.report.id)
        .first()
    )
    assert report["status"] == UsageReportStatus.CHANGES_REQUESTED
    request = (
        await ChangeRequest.select().where(ChangeRequest.usage_report == grant.report.id).first()
    )
    assert (request["points"], request["deadline"], request["requested_by"]) == ("Bitte Honorarverträge.", deadline,
                                                                                  reviewer.id)  # fmt: skip
    assert await Notification.count() == mails + 1
    mail = await Notification.select().order_by(Notification.id, ascending=False).first()
    assert grant.file_number in mail["subject"]
    assert f"{deadline:%d.%m.%Y}" in mail["body"]


# -- the pages -------------------------------------------------------------------------------


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return found.group(1)


async def test_the_reviewer_works_through_the_workspace(client, database):
    grant_id = await submitted_grant()
    await sign_in(client, "reviewer")
    page = await client.get(f"/pruefung/nachweise/{grant_id}")
    assert page.status_code == 200
    assert "Prüfung beginnen" in page.text
    assert "Sachbericht" in page.text
    started_page = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/beginnen",
                                   {"version": field(page.text, "version")})  # fmt: skip
    assert started_page.status_code == 303
    page = await client.get(f"/pruefung/nachweise/{grant_id}")
    assert "Bewertung aller Zeilen speichern" in page.text
    lines = re.findall(r'name="line" value="(\d+)"', page.text)
    form: dict = {"line": lines, "version": field(page.text, "version")}
    for line in lines:
        form |= {f"verdict-{line}": "full", f"recognised-{line}": "", f"reason-{line}": ""}
    form |= {
        f"verdict-{lines[0]}": "partial",
        f"recognised-{lines[0]}": "12,5x",
        f"reason-{lines[0]}": "Zu hoch.",
    }
    refused = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/zeilen", form)
    assert refused.status_code == 400
    assert 'value="12,5x"' in refused.text
    assert "Zu hoch." in refused.text
    form[f"recognised-{lines[0]}"] = "100,00"
    saved = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/zeilen", form)
    assert saved.status_code == 303
    assert (await ActualLine.select(ActualLine.recognised_cents).where(ActualLine.id == int(lines[0])).first())[
        "recognised_cents"] == 10000  # fmt: skip
    stale = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/zeilen", form)
    assert stale.status_code == 409
    page = await client.get(f"/pruefung/nachweise/{grant_id}")
    assert "Belege, Seite 1" in page.text
    receipt = re.search(r'/pruefung/nachweise/\d+/belege/(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    version = re.search(
        rf'belege/{receipt}".*?name="receipt_version" value="(\d+)"', page.text, re.S
    ).group(1)  # type: ignore[union-attr]
    cut = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/belege/{receipt}", {
        "receipt_version": version, "seite": "1", f"receipt-verdict-{receipt}": "none",
        f"receipt-recognised-{receipt}": "", f"receipt-reason-{receipt}": "Beleg fehlt."})  # fmt: skip
    assert cut.status_code == 303
    page = await client.get(f"/pruefung/nachweise/{grant_id}")
    changes = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/nachforderung", {
        "version": field(page.text, "version"), "points": "Bitte Belege nachreichen.",
        "deadline": (clock.today() + timedelta(days=10)).strftime("%d.%m.%Y")})  # fmt: skip
    assert changes.status_code == 303
    assert (await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first())["status"] == (
        GrantStatus.REPORT_CHANGES_REQUESTED)  # fmt: skip


@pytest.mark.parametrize("persona", ["member", "finance"])
async def test_member_and_finance_cannot_act(client, database, persona):
    grant_id = await submitted_grant()
    await sign_in(client, persona)
    page = await client.get(f"/pruefung/nachweise/{grant_id}")
    assert page.status_code == (200 if persona == "finance" else 403)
    assert "Prüfung beginnen" not in page.text
    response = await csrf_post(client, f"/pruefung/nachweise/{grant_id}/beginnen", {"version": "1"})
    assert response.status_code == 403
    assert (await GrantAward.select(GrantAward.status).where(GrantAward.id == grant_id).first())["status"] == (
        GrantStatus.REPORT_SUBMITTED)  # fmt: skip


async def test_the_workspace_shows_the_automatic_checks_and_the_paid_amount(client, database):
    grant_id = await submitted_grant()
    grant = await usage_reports.get(await principal("reviewer"), grant_id)
    found = await usage_reports.checks(grant)
    assert found.paid.cents > 0
    await sign_in(client, "auditor")
    page = html.unescape((await client.get(f"/pruefung/nachweise/{grant_id}")).text)
    assert "Automatische Prüfungen" in page
    assert f'href="/pruefung/nachweise/{grant_id}/abrechnung"' in page
    counts = await usage_reports.indicators(grant.report)  # type: ignore[arg-type]
    assert counts
    for (indicator, dimension), value in counts.items():
        shown = catalogue.BY_KEY[indicator]
        assert f"<caption>{shown.label}</caption>" in page
        row = {d.key: d for d in shown.dimensions}[dimension]
        if not row.places:
            assert f'<th scope="row">{row.label}</th><td class="num">{value}</td>' in page
    for key, question in catalogue.PROMPTS:
        if grant.report.answers.get(key):  # type: ignore[union-attr]
            assert f"<dt>{question}</dt><dd>{grant.report.answers[key]}</dd>" in page  # type: ignore[union-attr]
    assert f"Ausgezahlt</dt><dd>{found.paid.format()}" in page
    assert f"Zuwendung nach den gemeldeten Zahlen</dt><dd>{found.final_grant.format()}" in page
    for finding in found.findings:
        assert finding.message in page
    assert "Prüfung beginnen" not in page  # the auditor reads only


async def test_the_receipt_list_comes_in_pages_of_50(client, database):
    grant = await started()
    assert grant.report is not None
    line = grant.expenses[0]
    existing = await Receipt.count().where(Receipt.usage_report == grant.report.id)
    await Receipt.insert(*[Receipt(
        usage_report=grant.report.id, actual_line=line.actual_line_id, kind=line.kind, number=1000 + n,
        payee="Büromarkt Kalk", purpose="Papier", amount_cents=1000,
    ) for n in range(60 - existing)])  # fmt: skip
    await sign_in(client, "reviewer")
    first = await client.get(f"/pruefung/nachweise/{grant.grant_id}")
    assert first.text.count('name="receipt_version"') == 50
    assert f'href="/pruefung/nachweise/{grant.grant_id}?seite=2"' in first.text
    second = await client.get(f"/pruefung/nachweise/{grant.grant_id}?seite=2")
    assert second.text.count('name="receipt_version"') == 10
    assert "Belege, Seite 2" in second.text
    assert 'name="seite" value="2"' in second.text  # an assessment returns to its page
