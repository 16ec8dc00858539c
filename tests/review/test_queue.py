"""The review queue: the open applications by default with their counts, the decided ones as
paged history, and a search by file number, title or the organisation's name."""

from __future__ import annotations

import pytest

from grants.demo.seed import load_once
from grants.services import reviews
from grants.services.reviews import QueueFilter
from grants.tables import Application, Organisation
from grants.workflow import ApplicationStatus
from tests.payments.conftest import persona

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def demo(database):
    await load_once()


async def by_status(statuses) -> int:
    return await Application.count().where(Application.status.is_in(list(statuses)))


async def test_the_queue_shows_the_open_work_with_counts_per_open_status(demo):
    reviewer = await persona("reviewer")
    page = await reviews.queue(reviewer, QueueFilter(per_page=100))
    assert {row.status for row in page.rows} <= set(reviews.OPEN)
    assert page.total == page.open_total == await by_status(reviews.OPEN) == len(page.rows)
    for status in reviews.OPEN:
        assert page.counts.get(status, 0) == await by_status([status])
    assert not page.has_next


async def test_decided_applications_are_history_newest_first_without_a_total(demo):
    reviewer = await persona("reviewer")
    first = await reviews.queue(reviewer, QueueFilter(decided=True, per_page=10))
    assert first.total is None
    assert first.pages is None
    assert first.has_next
    assert {row.status for row in first.rows} <= set(reviews.DECIDED)
    dates = [row.submitted_at for row in first.rows]
    assert dates == sorted(dates, reverse=True)
    second = await reviews.queue(reviewer, QueueFilter(decided=True, per_page=10, page=2))
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}
    approved = await reviews.queue(reviewer, QueueFilter(status=ApplicationStatus.APPROVED))
    assert {row.status for row in approved.rows} == {ApplicationStatus.APPROVED}


async def test_the_search_finds_file_numbers_titles_and_organisations(demo):
    reviewer = await persona("reviewer")
    open_app = await Application.select(
        Application.id, Application.file_number, Application.title, Application.organisation.legal_name
    ).where(Application.status == ApplicationStatus.SUBMITTED).first()  # fmt: skip
    for text in (open_app["file_number"], open_app["title"][:12].upper(),
                 open_app["organisation.legal_name"][3:15].lower()):  # fmt: skip
        found = await reviews.queue(reviewer, QueueFilter(search=text, per_page=100))
        assert open_app["id"] in {row.id for row in found.rows}, text
    organisation = await Organisation.objects().get(
        Organisation.legal_name == open_app["organisation.legal_name"]
    )
    named = await reviews.queue(reviewer, QueueFilter(search=organisation.legal_name, per_page=100))
    assert all(row.organisation == organisation.legal_name or organisation.legal_name in row.title
               for row in named.rows)  # fmt: skip


async def test_wildcards_in_a_search_are_no_wildcards(demo):
    reviewer = await persona("reviewer")
    assert (await reviews.queue(reviewer, QueueFilter(search="IKZ-2027"))).rows
    assert (await reviews.queue(reviewer, QueueFilter(search="IKZ%2027"))).rows == []
    assert (await reviews.queue(reviewer, QueueFilter(search="IKZ_2027"))).rows == []


async def test_the_queue_runs_the_same_queries_whatever_it_shows(demo, queries):
    reviewer = await persona("reviewer")
    counts = []
    for f in (QueueFilter(), QueueFilter(decided=True), QueueFilter(status=ApplicationStatus.READY),
              QueueFilter(search="Verein")):  # fmt: skip
        with queries() as ran:
            await reviews.queue(reviewer, f)
        counts.append(ran.value)
    assert counts == [2, 2, 2, 3]  # counts and page; a search asks for the organisations first
