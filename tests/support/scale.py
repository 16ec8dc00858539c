"""Building many records of one kind fast, for the list pages' scaling tests.

Each builder adds ``count`` records numbered from ``start`` to what the demo data holds, in bulk
inserts inside the test's transaction; ``Scene`` names the demo records the pages are about.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from grants import clock
from grants.demo.seed import load_once
from grants.tables import (
    Application,
    BudgetLine,
    Call,
    Decision,
    Document,
    FiscalYear,
    GrantAward,
    Invitation,
    Membership,
    Message,
    Organisation,
    Programme,
    TextBlock,
    User,
)
from grants.vocabulary import DecisionKind, DocumentKind, FinancingType, Role
from grants.workflow import ApplicationStatus, GrantStatus

CHUNK = 250  # rows per INSERT: below SQLite's and PostgreSQL's limits on bind parameters


@dataclass(frozen=True, slots=True)
class Scene:
    """The demo records a list page is about: the personas' association, a programme, a call."""

    organisation: int
    programme: int
    call: int
    application: int
    fiscal_year: int
    year: int
    admin: int


async def scene() -> Scene:
    """Load the demo data and name the records the pages are about."""
    await load_once()
    membership = await Membership.objects().get(Membership.user.subject == "demo-signatory")
    call = await Call.objects().order_by(Call.id).first()
    application = await Application.objects().where(
        Application.organisation == membership.organisation
    ).order_by(Application.id).first()  # fmt: skip
    admin = await User.objects().get(User.subject == "demo-admin")
    year = await FiscalYear.objects().get(FiscalYear.id == call.fiscal_year)
    return Scene(organisation=membership.organisation, programme=call.programme, call=call.id,
                 application=application.id, fiscal_year=year.id, year=year.year, admin=admin.id)  # fmt: skip


async def bulk(table: Any, rows: list[Any]) -> None:
    for at in range(0, len(rows), CHUNK):
        await table.insert(*rows[at : at + CHUNK])


Builder = Callable[[Scene, int, int], Awaitable[None]]


async def applications(s: Scene, start: int, count: int,
                       status: ApplicationStatus = ApplicationStatus.DRAFT) -> None:  # fmt: skip
    now = clock.now()
    submitted = None if status == ApplicationStatus.DRAFT else now
    await bulk(Application, [
        Application(organisation=s.organisation, call=s.call, status=status, title=f"Skalierung {n}",
                    requested_cents=100_000, updated_at=now, submitted_at=submitted,
                    file_number=None if submitted is None else f"SKAL-{status.value}-{n}")
        for n in range(start, start + count)
    ])  # fmt: skip


async def submitted(s: Scene, start: int, count: int) -> None:
    await applications(s, start, count, ApplicationStatus.SUBMITTED)


async def calls(s: Scene, start: int, count: int) -> None:
    call = await Call.objects().get(Call.id == s.call)
    now = clock.now()
    await bulk(Call, [
        Call(programme=s.programme, fiscal_year=call.fiscal_year, budget_line=call.budget_line,
             title=f"Skalierungsaufruf {n}", opens_at=now - timedelta(days=1),
             closes_at=now + timedelta(days=30 + n % 50), budget_cents=10**6)
        for n in range(start, start + count)
    ])  # fmt: skip


async def programmes(s: Scene, start: int, count: int) -> None:
    await bulk(Programme, [Programme(name=f"Skalierungsprogramm {n}", short_name=f"SK{n}")
                           for n in range(start, start + count)])  # fmt: skip


async def users(s: Scene, start: int, count: int) -> None:
    await bulk(User, [User(issuer="https://skalierung.example", subject=f"skal-{n}",
                           email=f"skal-{n}@example.org", display_name=f"Nutzer {n}")
                      for n in range(start, start + count)])  # fmt: skip


async def organisations(s: Scene, start: int, count: int) -> None:
    await bulk(Organisation, [Organisation(legal_name=f"Skalierungsverein {n} e. V.")
                              for n in range(start, start + count)])  # fmt: skip


async def invitations(s: Scene, start: int, count: int) -> None:
    expires = clock.now() + timedelta(days=14)
    await bulk(Invitation, [Invitation(organisation=s.organisation, email=f"einladung-{n}@example.org",
                                       role=Role.MEMBER, invited_by=s.admin, expires_at=expires)
                            for n in range(start, start + count)])  # fmt: skip


async def members(s: Scene, start: int, count: int) -> None:
    await users(s, start, count)
    found = await User.select(User.id).where(User.issuer == "https://skalierung.example").where(
        User.subject.is_in([f"skal-{n}" for n in range(start, start + count)])
    )  # fmt: skip
    await bulk(Membership, [Membership(user=r["id"], organisation=s.organisation, role=Role.MEMBER)
                            for r in found])  # fmt: skip


async def text_blocks(s: Scene, start: int, count: int) -> None:
    await bulk(TextBlock, [TextBlock(key=f"skal_{n}", title=f"Baustein {n}", body=f"Text {n}")
                           for n in range(start, start + count)])  # fmt: skip


async def messages(s: Scene, start: int, count: int) -> None:
    await bulk(Message, [Message(application=s.application, from_staff=True, subject=f"Nachricht {n}",
                                 body=f"Nachricht {n}") for n in range(start, start + count)])  # fmt: skip


async def documents(s: Scene, start: int, count: int) -> None:
    await bulk(Document, [Document(organisation=s.organisation, kind=DocumentKind.GRANT_LETTER,
                                   title=f"Bescheid {n}", filename=f"bescheid-{n}.docx",
                                   media_type="application/octet-stream", sha256="0" * 64)
                          for n in range(start, start + count)])  # fmt: skip


async def budget_lines(s: Scene, start: int, count: int) -> None:
    await bulk(BudgetLine, [BudgetLine(fiscal_year=s.fiscal_year, product="0504", plan_line="15",
                                       cost_centre=f"SK{n}", name=f"Stelle {n}", appropriation_cents=10**6)
                            for n in range(start, start + count)])  # fmt: skip


async def owing_reports(s: Scene, start: int, count: int) -> None:
    """Grants owing their usage report, due long before the demo's (so they come first)."""
    now = clock.now()
    for at in range(start, start + count, CHUNK):
        numbers = range(at, min(at + CHUNK, start + count))
        apps = await Application.insert(*[
            Application(organisation=s.organisation, call=s.call, status=ApplicationStatus.APPROVED,
                        title=f"Skalierungsnachweis {n}", requested_cents=100_000, updated_at=now,
                        submitted_at=now, file_number=f"SKAL-VN-{n}")
            for n in numbers
        ]).returning(Application.id)  # fmt: skip
        decisions = await Decision.insert(*[
            Decision(application=a["id"], kind=DecisionKind.APPROVAL, financing_type=FinancingType.SHORTFALL,
                     eligible_cents=100_000, approved_cents=100_000, period_start=date(2000, 1, 1),
                     period_end=date(2000, 12, 31), usage_report_due=date(2001, 1, 1) + timedelta(days=n))
            for a, n in zip(apps, numbers, strict=True)
        ]).returning(Decision.id)  # fmt: skip
        await GrantAward.insert(*[
            GrantAward(application=a["id"], current_decision=d["id"], status=GrantStatus.REPORT_DUE)
            for a, d in zip(apps, decisions, strict=True)
        ])  # fmt: skip
