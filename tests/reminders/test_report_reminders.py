"""The daily usage-report job: grants whose period ended owe their report, and each reminder —
4 weeks before, the day after — is queued once, to the signatories and the office address."""

from __future__ import annotations

import json
from datetime import date

import pytest

from grants.services import report_reminders
from grants.tables import AuditEvent, GrantAward, UsageReport
from grants.vocabulary import Role, UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus
from tests.reminders.support import DUE, END, file_number, join, mails, owing, recipients, reminders

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def test_the_reminder_four_weeks_before_goes_once_to_the_signatories_and_the_office(database):
    granted = await owing()
    await join(granted.organisation_id, "vorstand@verein.test", Role.SIGNATORY)
    await join(granted.organisation_id, "mitglied@verein.test", Role.MEMBER)
    number = await file_number(granted.application_id)
    first = await report_reminders.run(date(2032, 6, 2))
    assert [(q.grant_id, q.reminder.value, q.due) for q in first.queued] == [
        (granted.grant_id, "before", DUE)
    ]
    assert await reminders(granted.grant_id) == [("before", DUE)]
    sent = await mails(number)
    assert {m["recipient"] for m in sent} == await recipients(granted.organisation_id)
    assert len(sent) == len(await recipients(granted.organisation_id))
    assert "vorstand@verein.test" in {m["recipient"] for m in sent}
    assert "mitglied@verein.test" not in {m["recipient"] for m in sent}
    assert sent[0]["subject"] == f"Erinnerung: Verwendungsnachweis {number} fällig am 30.06.2032"
    assert (
        "bis zum 30.06.2032 beim Kommunalen Integrationszentrum Köln einzureichen"
        in sent[0]["body"]
    )
    assert f"/zuwendungen/{granted.grant_id}/verwendungsnachweis" in sent[0]["body"]
    # again the same day and the next days: nothing new
    for day in (date(2032, 6, 2), date(2032, 6, 3), date(2032, 6, 30)):
        assert await report_reminders.send_due(day) == 0
    assert len(await mails(number)) == len(sent)


async def test_the_overdue_reminder_the_day_after_the_due_date_and_only_once(database):
    granted = await owing()
    number = await file_number(granted.application_id)
    assert await report_reminders.send_due(date(2032, 6, 2)) == 1
    assert await report_reminders.send_due(date(2032, 6, 30)) == 0  # the due date itself
    assert await report_reminders.send_due(date(2032, 7, 1)) == 1  # the day after
    assert await report_reminders.send_due(date(2032, 7, 1)) == 0
    assert await report_reminders.send_due(date(2032, 7, 2)) == 0
    assert await reminders(granted.grant_id) == [("before", DUE), ("overdue", DUE)]
    overdue = [m for m in await mails(number) if "überfällig" in m["subject"]]
    assert len(overdue) == len(await recipients(granted.organisation_id))
    assert overdue[0]["subject"] == f"Verwendungsnachweis {number} überfällig"
    assert (
        "war bis zum 30.06.2032 einzureichen und ist bei uns noch nicht eingegangen"
        in overdue[0]["body"]
    )


async def test_a_late_first_run_sends_only_the_overdue_reminder_and_nothing_stale(database):
    granted = await owing()
    assert await report_reminders.send_due(date(2032, 7, 10)) == 1  # missed "before": not sent late
    assert await reminders(granted.grant_id) == [("overdue", DUE)]

    later = await owing(offset=1)
    assert await report_reminders.send_due(date(2032, 7, 15)) == 0  # 15 days after: too old
    assert await reminders(later.grant_id) == []


async def test_a_run_some_days_late_still_sends_the_reminder_before_the_due_date(database):
    granted = await owing()
    assert await report_reminders.send_due(date(2032, 6, 20)) == 1
    assert await reminders(granted.grant_id) == [("before", DUE)]


async def test_nothing_for_a_submitted_report_but_a_draft_still_owes(database):
    granted = await owing()
    report = UsageReport(
        grant=granted.grant_id, kind=UsageReportKind.FINAL, status=UsageReportStatus.DRAFT
    )
    await report.save()
    assert await report_reminders.send_due(date(2032, 6, 2)) == 1
    await UsageReport.update({UsageReport.status: UsageReportStatus.SUBMITTED}).where(
        UsageReport.id == report.id
    )
    assert await report_reminders.send_due(date(2032, 7, 1)) == 0
    assert await reminders(granted.grant_id) == [("before", DUE)]


async def test_nothing_for_a_settled_grant(database):
    granted = await owing()
    await GrantAward.update({GrantAward.status: GrantStatus.SETTLED}).where(
        GrantAward.id == granted.grant_id
    )
    assert await report_reminders.send_due(date(2032, 6, 2)) == 0
    assert await reminders(granted.grant_id) == []


async def test_a_grant_whose_period_ended_owes_its_report_with_an_audit_event(database):
    granted = await owing()
    assert (
        await GrantAward.objects().get(GrantAward.id == granted.grant_id)
    ).status == GrantStatus.APPROVED
    assert granted.grant_id not in (await report_reminders.run(END)).report_due  # the last day
    moved = await report_reminders.run(date(2032, 1, 1))
    assert granted.grant_id in moved.report_due
    grant = await GrantAward.objects().get(GrantAward.id == granted.grant_id)
    assert grant.status == GrantStatus.REPORT_DUE
    event = await AuditEvent.objects().where(
        (AuditEvent.entity == "grant") & (AuditEvent.entity_id == granted.grant_id)
        & (AuditEvent.action == "grant.report_due")
    ).first()  # fmt: skip
    assert event is not None
    assert event.actor is None
    assert event.request_id == "report-reminders"
    assert json.loads(event.data) == {"period_end": "2031-12-31", "due": "2032-06-30"}
    assert granted.grant_id not in (await report_reminders.run(date(2032, 1, 2))).report_due


async def test_interim_reports_for_each_fiscal_year_when_the_programme_asks(database):
    granted = await owing(date(2031, 3, 1), date(2032, 12, 31), date(2033, 6, 30), interim=True)
    number = await file_number(granted.application_id)
    assert await report_reminders.send_due(date(2032, 4, 2)) == 1
    assert await report_reminders.send_due(date(2032, 4, 2)) == 0
    assert await report_reminders.send_due(date(2032, 5, 1)) == 1
    assert await reminders(granted.grant_id) == [
        ("interim_before", date(2032, 4, 30)),
        ("interim_overdue", date(2032, 4, 30)),
    ]
    subjects = {m["subject"] for m in await mails(number)}
    assert subjects == {f"Erinnerung: Zwischennachweis {number} fällig am 30.04.2032",
                        f"Zwischennachweis {number} überfällig"}  # fmt: skip


async def test_no_interim_reminder_when_the_programme_does_not_ask_for_one(database):
    plain = await owing(date(2031, 3, 1), date(2032, 12, 31), date(2033, 6, 30))
    assert await report_reminders.send_due(date(2032, 4, 2)) == 0
    assert await reminders(plain.grant_id) == []


async def test_no_interim_reminder_when_the_interim_report_was_submitted(database):
    granted = await owing(date(2031, 3, 1), date(2032, 12, 31), date(2033, 6, 30), interim=True)
    await UsageReport(grant=granted.grant_id, kind=UsageReportKind.INTERIM, status=UsageReportStatus.SUBMITTED,
                      period_start=date(2031, 3, 1), period_end=date(2031, 12, 31)).save()  # fmt: skip
    assert await report_reminders.send_due(date(2032, 4, 2)) == 0
    assert await reminders(granted.grant_id) == []
