"""The usage reports' deadlines at work (a daily job: ``grants reminders`` and the app's worker).

- A grant whose approval period has ended owes its usage report: it moves to "VN fällig"
  (REPORT_DUE), recorded in the audit trail by the system.
- The association's signatories and its office address get a reminder 4 weeks before each due
  date and one on the day after it (:mod:`grants.deadlines`; late runs catch up within limits).
  Each reminder goes out exactly once, however often and however concurrently the job runs: its
  row in ``report_reminder`` (unique per grant, kind and due date) is inserted first, and the
  mails are queued only when this run inserted it, in the same transaction.

Signatories, not every member: only a signatory may submit the report, and the office address is
where the association's letters go (members see the due date in the portal). The job reads only
the grants whose reports fall due in the reminder window (an index on the due date) or whose
grant still awaits its report (an index on the status) — never the history.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from grants import audit, clock, db, notifications
from grants.audit import Actor
from grants.deadlines import (
    Reminder,
    ReportDue,
    interim_reports,
    interim_years,
    reminder_due,
    reminder_key,
    reminder_window,
)
from grants.settings import get_settings
from grants.tables import GrantAward, Membership, ReportReminder, UsageReport
from grants.vocabulary import Role, UsageReportKind
from grants.workflow import GRANT, REPORTING, GrantStatus, UsageReportStatus, advance

logger = logging.getLogger(__name__)

SYSTEM = Actor(None, "report-reminders")  # the daily job: no person, named in the audit trail
OWING = (
    GrantStatus.APPROVED, GrantStatus.PAYING, GrantStatus.REPORT_DUE,
    GrantStatus.REPORT_CHANGES_REQUESTED,
)  # fmt: skip
G = GrantAward
D = GrantAward.current_decision
A = GrantAward.application


@dataclass(frozen=True, slots=True)
class Queued:
    """A reminder this run queued: for which grant and report, and to whom."""

    grant_id: int
    file_number: str
    kind: UsageReportKind
    reminder: Reminder
    due: date
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunReport:
    report_due: list[int]  # the grants this run moved to REPORT_DUE
    queued: list[Queued]


async def send_due(today: date) -> int:
    """Do the day's work (see the module) and answer how many reminders were queued."""
    return len((await run(today)).queued)


async def run_daily(interval: float = 3600) -> None:
    """Run the job once per day in Köln until cancelled: look every ``interval`` seconds whether
    the day has changed; a failed run is tried again at the next look."""
    done: date | None = None
    while True:
        today = clock.today()
        if today != done:
            try:
                report = await run(today)
            except Exception:
                logger.exception("usage report job failed")
            else:
                done = today
                logger.info("usage report job: report_due=%d reminders=%d", len(report.report_due),
                            len(report.queued))  # fmt: skip
        await asyncio.sleep(interval)


async def run(today: date) -> RunReport:
    """Move the grants whose period has ended to REPORT_DUE, then queue the reminders due."""
    moved = await mark_report_due(today)
    return RunReport(moved, await queue_reminders(today))


async def mark_report_due(today: date) -> list[int]:
    """Grants (approved or paying) whose approval period ended before ``today`` now owe their
    report; each moves in its own transaction, checked against its version."""
    rows = await G.select(G.id, G.status, G.version, A.organisation, D.period_end, D.usage_report_due).where(
        G.status.is_in(list(REPORTING)) & (D.period_end < today)
    ).order_by(G.id)  # fmt: skip
    moved = []
    for row in rows:
        status = advance(GRANT, "report_due", GrantStatus(row["status"]), {Role.REVIEWER})
        async with db.transaction():
            done = await G.update({G.status: status, G.version: G.version + 1}).where(
                (G.id == row["id"]) & (G.version == row["version"])
            ).returning(G.id)  # fmt: skip
            if done:  # else another run (or a person) changed the grant meanwhile
                await audit.record(SYSTEM, "grant.report_due", "grant", row["id"],
                                   organisation=row["application.organisation"],
                                   data={"period_end": str(row["current_decision.period_end"]),
                                         "due": str(row["current_decision.usage_report_due"])})  # fmt: skip
                moved.append(row["id"])
    return moved


_FIELDS = (G.id, A.organisation, A.organisation.email, A.file_number, A.title, D.period_start,  # type: ignore[union-attr]
           D.period_end, D.usage_report_due)  # fmt: skip


async def _candidates(today: date) -> list[tuple[dict[str, Any], ReportDue]]:
    """The reports of owing grants whose due date lies in today's reminder window: final ones by
    the decision's due date, interim ones by the fiscal years whose 30.04. falls in the window."""
    first, last = reminder_window(today)
    found = [
        (row, ReportDue(UsageReportKind.FINAL, row["current_decision.period_start"],
                        row["current_decision.period_end"], row["current_decision.usage_report_due"]))
        for row in await G.select(*_FIELDS).where(
            G.status.is_in(list(OWING)) & (D.usage_report_due >= first) & (D.usage_report_due <= last)
        )
    ]  # fmt: skip
    for year in interim_years(today):
        year_end = date(year, 12, 31)
        rows = await G.select(*_FIELDS).where(
            G.status.is_in(list(OWING)) & (A.call.programme.interim_reports == True)  # type: ignore[union-attr]  # noqa: E712
            & (D.period_start <= year_end) & (D.period_end > year_end)
        )  # fmt: skip
        for row in rows:
            found += [(row, report) for report in interim_reports(
                row["current_decision.period_start"], row["current_decision.period_end"]
            ) if report.period_end == year_end]  # fmt: skip
    return found


async def _submitted(grant_ids: list[int]) -> set[tuple[int, UsageReportKind, date | None]]:
    """(grant, kind, period end) of the reports already submitted (any state after the draft)."""
    if not grant_ids:
        return set()
    rows = await UsageReport.select(UsageReport.grant, UsageReport.kind, UsageReport.period_end).where(
        UsageReport.grant.is_in(grant_ids) & (UsageReport.status != UsageReportStatus.DRAFT)
    )  # fmt: skip
    return {(r["grant"], UsageReportKind(r["kind"]), r["period_end"]) for r in rows}


def _owed(
    report: ReportDue, grant_id: int, submitted: set[tuple[int, UsageReportKind, date | None]]
) -> bool:
    if report.kind == UsageReportKind.FINAL:
        return not any(g == grant_id and k == report.kind for g, k, _ in submitted)
    return (grant_id, report.kind, report.period_end) not in submitted


async def _signatories(organisation_ids: set[int]) -> dict[int, set[str]]:
    if not organisation_ids:
        return {}
    rows = await Membership.select(Membership.organisation, Membership.user.email).where(
        Membership.organisation.is_in(sorted(organisation_ids)) & (Membership.role == Role.SIGNATORY)
    )  # fmt: skip
    found: dict[int, set[str]] = {}
    for row in rows:
        found.setdefault(row["organisation"], set()).add(row["user.email"])
    return found


async def queue_reminders(today: date) -> list[Queued]:
    """Queue each reminder due on ``today`` once (see the module); answers what this run queued."""
    candidates = await _candidates(today)
    submitted = await _submitted(sorted({row["id"] for row, _ in candidates}))
    signatories = await _signatories({row["application.organisation"] for row, _ in candidates})
    queued = []
    for row, report in sorted(candidates, key=lambda c: (c[0]["id"], c[1].due)):
        reminder = reminder_due(report.due, today)
        if reminder is None or not _owed(report, row["id"], submitted):
            continue
        recipients = tuple(sorted(
            (signatories.get(row["application.organisation"], set()) | {row["application.organisation.email"]}) - {""}
        ))  # fmt: skip
        async with db.transaction():
            inserted = await ReportReminder.insert(ReportReminder(
                grant=row["id"], kind=reminder_key(report.kind, reminder), due_date=report.due,
            )).on_conflict(
                target=(ReportReminder.grant, ReportReminder.kind, ReportReminder.due_date), action="DO NOTHING"
            ).returning(ReportReminder.id)  # fmt: skip
            if not inserted:  # queued before, by an earlier or a concurrent run
                continue
            subject, body = reminder_mail(row, report, reminder)
            for recipient in recipients:
                await notifications.enqueue(recipient, subject, body)
        queued.append(Queued(row["id"], row["application.file_number"] or str(row["id"]), report.kind, reminder,
                             report.due, recipients))  # fmt: skip
        if not recipients:
            logger.warning(
                "report reminder for grant %s: no signatory and no office address", row["id"]
            )
    return queued


def reminder_mail(row: dict[str, Any], report: ReportDue, reminder: Reminder) -> tuple[str, str]:
    """The German subject and body of a reminder."""
    name = report.kind.label
    file_number = row["application.file_number"] or ""
    period = f"{report.period_start:%d.%m.%Y} bis {report.period_end:%d.%m.%Y}"
    link = f"{get_settings().base_url}/zuwendungen/{row['id']}/verwendungsnachweis"
    about = f"zur Zuwendung „{row['application.title']}“ ({file_number}) für den Zeitraum {period}"
    if reminder == Reminder.BEFORE:
        subject = f"Erinnerung: {name} {file_number} fällig am {report.due:%d.%m.%Y}"
        text = (f"der {name} {about} ist bis zum {report.due:%d.%m.%Y} beim Kommunalen "
                "Integrationszentrum Köln einzureichen.")  # fmt: skip
    else:
        subject = f"{name} {file_number} überfällig"
        text = (f"der {name} {about} war bis zum {report.due:%d.%m.%Y} einzureichen und ist bei uns "
                "noch nicht eingegangen. Bitte reichen Sie ihn umgehend ein oder sprechen Sie uns an, "
                "wenn Sie mehr Zeit brauchen. Wird der Nachweis nicht vorgelegt, kann der Bescheid "
                "widerrufen und die Zuwendung zurückgefordert werden.")  # fmt: skip
    body = (f"Guten Tag,\n\n{text}\n\nSie erstellen den {name} im Förderportal: {link}\n"
            "Einreichen kann ihn eine vertretungsberechtigte Person Ihres Vereins.\n")  # fmt: skip
    return subject, body
