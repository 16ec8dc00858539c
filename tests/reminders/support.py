"""A grant of the demo data owing its usage report, with dates far from the demo's own, and what
the reminder job wrote for it."""

from __future__ import annotations

from datetime import date

from grants.tables import (
    Application,
    Decision,
    GrantAward,
    Membership,
    Notification,
    Organisation,
    Programme,
    ReportReminder,
    User,
)
from grants.vocabulary import Role
from tests.payments.conftest import Granted, approve

START, END, DUE = date(2031, 1, 1), date(2031, 12, 31), date(2032, 6, 30)


async def owing(start: date = START, end: date = END, due: date = DUE, *, interim: bool = False,
                offset: int = 0) -> Granted:  # fmt: skip
    """Approve a ready demo application and move its period and due date to ``start``–``end``,
    ``due`` (years after the demo's); ``interim``: its programme asks for interim reports."""
    granted = await approve(offset=offset)
    grant = await GrantAward.objects().get(GrantAward.id == granted.grant_id)
    await Decision.update({
        Decision.period_start: start, Decision.period_end: end, Decision.usage_report_due: due,
    }).where(Decision.id == grant.current_decision)  # fmt: skip
    programme = (
        await GrantAward.select(GrantAward.application.call.programme)  # type: ignore[union-attr]
        .where(GrantAward.id == grant.id)
        .first()
    )["application.call.programme"]
    await Programme.update({Programme.interim_reports: interim}).where(Programme.id == programme)
    return granted


async def file_number(application_id: int) -> str:
    return (await Application.objects().get(Application.id == application_id)).file_number


async def join(organisation_id: int, email: str, role: Role) -> None:
    user = User(issuer="https://login.test", subject=email, email=email, display_name=email)
    await user.save()
    await Membership(user=user.id, organisation=organisation_id, role=role).save()


async def recipients(organisation_id: int) -> set[str]:
    """The signatories' addresses and the association's office address."""
    rows = await Membership.select(Membership.user.email).where(
        (Membership.organisation == organisation_id) & (Membership.role == Role.SIGNATORY)
    )
    office = (
        await Organisation.select(Organisation.email)
        .where(Organisation.id == organisation_id)
        .first()
    )
    return ({r["user.email"] for r in rows} | {office["email"]}) - {""}


async def reminders(grant_id: int) -> list[tuple[str, date]]:
    rows = await ReportReminder.select(ReportReminder.kind, ReportReminder.due_date).where(
        ReportReminder.grant == grant_id
    ).order_by(ReportReminder.id)  # fmt: skip
    return [(r["kind"], r["due_date"]) for r in rows]


async def mails(file_number: str) -> list[dict]:
    """The outbox's reminders about a grant (its file number is in every subject)."""
    rows = await Notification.select(Notification.recipient, Notification.subject, Notification.body).where(
        Notification.subject.like(f"%nachweis {file_number}%")
    ).order_by(Notification.id)  # fmt: skip
    return list(rows)
