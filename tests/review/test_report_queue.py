"""The KI's usage-report queue: the grants whose report is due or in the works, by due date with
the overdue first, tabs with counts, the search of the review queue, "meine", and a page that
costs the same whatever it shows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants import clock
from grants.errors import NotFound
from grants.services import report_queue
from grants.services.report_queue import OPEN, ReportQueueFilter
from grants.tables import Decision, GrantAward, UsageReport
from grants.vocabulary import UsageReportKind
from grants.workflow import GrantStatus
from tests.payments.conftest import persona
from tests.support.login import sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def grants_in(statuses) -> list[dict]:
    return await GrantAward.select(
        GrantAward.id, GrantAward.status, GrantAward.current_decision.usage_report_due
    ).where(GrantAward.status.is_in(list(statuses)))  # fmt: skip


async def make_overdue(days: int) -> int:
    """A demo grant owing its report, now due ``days`` days ago; its id."""
    grant = (await grants_in([GrantStatus.APPROVED, GrantStatus.PAYING]))[0]
    await GrantAward.update({GrantAward.status: GrantStatus.REPORT_DUE}).where(
        GrantAward.id == grant["id"]
    )
    decision = (await GrantAward.objects().get(GrantAward.id == grant["id"])).current_decision
    await Decision.update({Decision.usage_report_due: clock.today() - timedelta(days=days)}).where(
        Decision.id == decision
    )
    return grant["id"]


async def test_the_open_reports_by_due_date_with_counts_per_tab(database):
    reviewer = await persona("reviewer")
    page = await report_queue.queue(reviewer, ReportQueueFilter(per_page=100))
    expected = await grants_in(OPEN)
    assert page.total == page.open_total == len(expected)
    assert {row.grant_id for row in page.rows} == {g["id"] for g in expected}
    dues = [row.due for row in page.rows]
    assert dues == sorted(dues)
    for key, (_, statuses) in report_queue.TABS.items():
        if key not in (report_queue.CLOSED, report_queue.OVERDUE):
            assert page.counts[key] == len(await grants_in(statuses)), key


async def test_the_overdue_tab_shows_the_days_overdue_oldest_first(database):
    reviewer = await persona("reviewer")
    late = await make_overdue(3)
    later = await make_overdue(40)
    page = await report_queue.queue(reviewer, ReportQueueFilter(tab=report_queue.OVERDUE))
    ids = [row.grant_id for row in page.rows]
    assert ids.index(later) < ids.index(late)
    rows = {row.grant_id: row for row in page.rows}
    assert rows[late].days_overdue == 3
    assert rows[later].days_overdue == 40
    assert all(
        row.grant_status == GrantStatus.REPORT_DUE and row.due < clock.today() for row in page.rows
    )
    assert page.total == page.counts[report_queue.OVERDUE] == len(page.rows)
    due = await report_queue.queue(reviewer, ReportQueueFilter(tab="faellig", per_page=100))
    assert [row.grant_id for row in due.rows][: len(ids)] == ids  # the overdue ones first


async def test_a_report_due_later_has_no_days_overdue(database):
    reviewer = await persona("reviewer")
    soon = await make_overdue(-10)
    page = await report_queue.queue(reviewer, ReportQueueFilter(tab="faellig", per_page=100))
    row = next(row for row in page.rows if row.grant_id == soon)
    assert row.days_overdue is None
    assert row.due == clock.today() + timedelta(days=10)
    overdue = await report_queue.queue(
        reviewer, ReportQueueFilter(tab=report_queue.OVERDUE, per_page=100)
    )
    assert soon not in {r.grant_id for r in overdue.rows}


async def test_the_search_finds_file_numbers_titles_and_organisations(database):
    reviewer = await persona("reviewer")
    grant = (await grants_in(OPEN))[0]
    app = await GrantAward.select(
        GrantAward.application.file_number, GrantAward.application.title,
        GrantAward.application.organisation.legal_name,
    ).where(GrantAward.id == grant["id"]).first()  # fmt: skip
    for text in (app["application.file_number"], app["application.title"][:12].upper(),
                 app["application.organisation.legal_name"][3:15].lower()):  # fmt: skip
        found = await report_queue.queue(reviewer, ReportQueueFilter(search=text, per_page=100))
        assert grant["id"] in {row.grant_id for row in found.rows}, text
        assert found.total == len(found.rows)
    assert (await report_queue.queue(reviewer, ReportQueueFilter(search="IKZ%20"))).rows == []


async def test_my_cases_are_the_reports_i_review(database):
    reviewer = await persona("reviewer")
    report = await UsageReport.select(UsageReport.id, UsageReport.grant).where(
        UsageReport.grant.status.is_in(list(OPEN)) & (UsageReport.kind == UsageReportKind.FINAL)
    ).first()  # fmt: skip
    await UsageReport.update({UsageReport.reviewer: reviewer.id}).where(
        UsageReport.id == report["id"]
    )
    grant = {"id": report["grant"]}
    mine = await report_queue.queue(
        reviewer, ReportQueueFilter(reviewer_id=reviewer.id, per_page=100)
    )
    assert grant["id"] in {row.grant_id for row in mine.rows}
    assert all(row.reviewer == reviewer.display_name for row in mine.rows)


async def test_closed_grants_are_history_without_a_count(database):
    reviewer = await persona("reviewer")
    page = await report_queue.queue(reviewer, ReportQueueFilter(tab=report_queue.CLOSED))
    assert page.total is None
    assert page.pages is None
    assert {row.grant_status for row in page.rows} <= {GrantStatus.CLOSED}


async def test_only_staff_see_the_queue(database):
    with pytest.raises(NotFound):
        await report_queue.queue(await persona("member"), ReportQueueFilter())


async def test_the_queue_runs_the_same_queries_whatever_it_shows(database, queries):
    reviewer = await persona("reviewer")
    counts = []
    for f in (ReportQueueFilter(), ReportQueueFilter(tab=report_queue.OVERDUE), ReportQueueFilter(tab="abgerechnet"),
              ReportQueueFilter(tab=report_queue.CLOSED), ReportQueueFilter(reviewer_id=reviewer.id),
              ReportQueueFilter(search="Verein")):  # fmt: skip
        with queries() as ran:
            await report_queue.queue(reviewer, f)
        counts.append(ran.value)
    # counts, overdue count, the page's grants, their details, their reports; a search: + organisations
    assert counts == [5, 5, 5, 5, 5, 6]


async def test_the_page_is_an_accessible_table_linking_to_the_workspace(client, database):
    overdue = await make_overdue(12)
    number = (
        await GrantAward.select(GrantAward.application.file_number)
        .where(GrantAward.id == overdue)
        .first()
    )["application.file_number"]
    await sign_in(client, "reviewer")
    start = await client.get("/")
    assert 'href="/pruefung/nachweise"' in start.text
    page = await client.get("/pruefung/nachweise?status=ueberfaellig")
    assert page.status_code == 200
    html = page.text
    assert (
        '<div class="table-wrap" role="region" tabindex="0" aria-label="Tabelle: Verwendungsnachweise">'
        in html
    )
    assert "<caption>" in html
    assert '<th scope="col">Fällig am</th>' in html
    assert f'href="/pruefung/nachweise/{overdue}"' in html
    assert number in html
    assert "<strong>12</strong>" in html
    assert 'aria-current="page">überfällig (' in html
    searched = await client.get(f"/pruefung/nachweise?suche={number}")
    assert f'href="/pruefung/nachweise/{overdue}"' in searched.text


async def test_associations_may_not_open_the_queue(client, database):
    await sign_in(client, "member")
    assert (await client.get("/pruefung/nachweise")).status_code in {403, 404}
