"""The KI's usage-report queue (``/pruefung/nachweise``): one row per grant that owes or has a
usage report, sorted by its due date (the overdue ones first), in tabs with their counts.

The cost follows the open work and the page, never the years of history: the tabs read the
grants by their (indexed) status, the closed ones are history without a count, the search asks
for the organisations first as the review queue does (trigram indexes on PostgreSQL), and the
grants of the page are found in due-date order first and then read with their applications,
organisations and reports — five queries, six with a search.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from piccolo.columns.combination import Combinable
from piccolo.query.functions.aggregate import Count

from grants import clock, db
from grants.errors import NotFound
from grants.services.applications import is_staff
from grants.services.reviews import organisations_named
from grants.services.users import Principal
from grants.tables import GrantAward, UsageReport
from grants.vocabulary import UsageReportKind
from grants.workflow import GrantStatus, UsageReportStatus

G = GrantAward
D = GrantAward.current_decision
A = GrantAward.application
S = GrantStatus

OVERDUE = "ueberfaellig"
CLOSED = "abgeschlossen"  # the history tab: paged without a count
# tab → (label, the grants' statuses); "überfällig" is "fällig" past its due date
TABS: dict[str, tuple[str, tuple[GrantStatus, ...]]] = {
    "faellig": ("fällig", (S.REPORT_DUE,)),
    OVERDUE: ("überfällig", (S.REPORT_DUE,)),
    "eingereicht": ("eingereicht", (S.REPORT_SUBMITTED,)),
    "in_pruefung": ("in Prüfung", (S.REPORT_IN_REVIEW,)),
    "nachforderung": ("Nachforderung", (S.REPORT_CHANGES_REQUESTED,)),
    "abgerechnet": ("abgerechnet", (S.SETTLED, S.HEARING, S.REFUND_SET, S.REFUNDED)),
    CLOSED: ("abgeschlossen", (S.CLOSED,)),
}
OPEN = tuple(s for key, (_, statuses) in TABS.items() if key != CLOSED for s in statuses)


@dataclass(frozen=True, slots=True)
class ReportQueueFilter:
    """Without a tab: every grant whose report is due or in the works (not the closed ones)."""

    tab: str = ""
    reviewer_id: int | None = None  # the report's reviewer ("meine": the signed-in reviewer)
    search: str = ""  # file number, title or the organisation's name
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True, slots=True)
class ReportRow:
    grant_id: int
    file_number: str | None
    title: str
    organisation: str
    due: date | None
    days_overdue: int | None  # only for a report still owed after its due date
    grant_status: GrantStatus
    report_status: UsageReportStatus | None  # None: the association has not begun it
    reviewer: str | None


@dataclass(frozen=True, slots=True)
class ReportQueuePage:
    rows: list[ReportRow]
    counts: dict[str, int]  # per tab (not the closed one), under the same search and reviewer
    total: int | None  # of the chosen tab; None for the closed history
    page: int
    pages: int | None
    has_next: bool

    @property
    def open_total(self) -> int:
        return sum(n for key, n in self.counts.items() if key != OVERDUE)


def _where(conditions: list[Combinable]) -> Combinable:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


def _conditions(
    f: ReportQueueFilter, today: date, organisations: list[int] | None
) -> list[Combinable]:
    statuses = TABS[f.tab][1] if f.tab in TABS else OPEN
    found: list[Combinable] = [G.status.is_in(list(statuses))]
    if f.tab == OVERDUE:
        found.append(D.usage_report_due < today)
    if f.reviewer_id:
        found.append(
            G.id.is_in(
                UsageReport.select(UsageReport.grant).where(UsageReport.reviewer == f.reviewer_id)
            )
        )
    if (
        organisations is not None
    ):  # a search: its text in file number or title, or its organisations
        text = db.search_text(f.search)
        found.append(db.contains(A.file_number, text) | db.contains(A.title, text)
                     | A.organisation.is_in(organisations or [0]))  # fmt: skip
    return found


async def queue(
    principal: Principal, f: ReportQueueFilter, today: date | None = None
) -> ReportQueuePage:
    """One page of the chosen tab plus the counts per tab (see the module)."""
    if not is_staff(principal):
        raise NotFound("report queue")
    today = today or clock.today()
    organisations = await organisations_named(f.search)
    everything = _conditions(replace(f, tab=""), today, organisations)
    grouped = (
        await G.select(G.status, Count(G.id, alias="n"))
        .where(_where(everything))
        .group_by(G.status)
    )
    by_status = {GrantStatus(g["status"]): g["n"] for g in grouped}
    counts = {
        key: sum(by_status.get(s, 0) for s in statuses)
        for key, (_, statuses) in TABS.items()
        if key != CLOSED
    }
    counts[OVERDUE] = await G.count().where(
        _where(_conditions(replace(f, tab=OVERDUE), today, organisations))
    )
    history = f.tab == CLOSED
    total = None if history else counts.get(f.tab, sum(by_status.values()))
    per_page = max(1, min(f.per_page, 100))
    pages = None if total is None else max(1, -(-total // per_page))
    page = max(1, min(f.page, pages or f.page))
    # The page's grants in due-date order (walking the decisions' due-date index), then the
    # details of only those: joining applications and organisations before the sort would sort
    # every open grant.
    rows = await G.select(G.id, D.usage_report_due, G.status).where(
        _where(_conditions(f, today, organisations))).order_by(
        D.usage_report_due, G.id, ascending=not history  # the history: the latest first
    ).limit(per_page + 1).offset((page - 1) * per_page)  # fmt: skip
    shown = rows[:per_page]
    ids = [r["id"] for r in shown] or [0]
    details = {
        r["id"]: r
        for r in await G.select(G.id, A.file_number, A.title, A.organisation.legal_name).where(  # type: ignore[union-attr]
            G.id.is_in(ids))
    }  # fmt: skip
    reports = {
        r["grant"]: r
        for r in await UsageReport.select(
            UsageReport.grant, UsageReport.status, UsageReport.reviewer.display_name
        ).where(UsageReport.grant.is_in(ids) & (UsageReport.kind == UsageReportKind.FINAL))
    }  # fmt: skip
    return ReportQueuePage(
        rows=[_row(r | details[r["id"]], reports.get(r["id"]), today) for r in shown], counts=counts, total=total, page=page,
        pages=pages, has_next=len(rows) > per_page,
    )  # fmt: skip


def _row(row: dict, report: dict | None, today: date) -> ReportRow:
    status, due = GrantStatus(row["status"]), row["current_decision.usage_report_due"]
    overdue = status == S.REPORT_DUE and due is not None and due < today
    return ReportRow(
        grant_id=row["id"], file_number=row["application.file_number"], title=row["application.title"],
        organisation=row["application.organisation.legal_name"], due=due,
        days_overdue=(today - due).days if overdue else None, grant_status=status,
        report_status=UsageReportStatus(report["status"]) if report else None,
        reviewer=report["reviewer.display_name"] if report else None,
    )  # fmt: skip
