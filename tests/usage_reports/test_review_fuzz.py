"""Hostile values in every form of the usage report's review and of the association's sample
page (the crawl of tests/robustness does not reach them yet): never a 5xx, never markup
unescaped, always a German message where the input is refused."""

from __future__ import annotations

import httpx
import pytest

from grants.money import Money
from grants.services import report_reviews, usage_reports
from grants.tables import GrantAward
from grants.workflow import GrantStatus
from tests.robustness.html import Page
from tests.robustness.test_form_fuzz import BASE, MARKUP, hostile_posts, post, problems
from tests.support.login import sign_in
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def _fuzz(client: httpx.AsyncClient, persona: str, address: str) -> tuple[int, list[str]]:
    page = Page(BASE + address)
    page.feed((await client.get(address)).text)
    posted, failures = 0, []
    for form in page.forms:
        if "/auth/" in form.action:
            continue
        for kind, name, value in hostile_posts(form):
            answer = await post(client, form, name, value)
            posted += 1
            failures += problems(persona, form, kind, name, answer)
            if answer.status_code == 303:
                shown = await client.get(answer.headers["location"])
                assert shown.status_code < 500
                if MARKUP in shown.text:
                    failures.append(f"{answer.headers['location']} shows markup")
    return posted, failures


async def test_hostile_values_in_the_review_and_sample_forms(app, database):
    member = await principal("member")
    row = await GrantAward.select(GrantAward.id).where(
        (GrantAward.status == GrantStatus.REPORT_SUBMITTED)
        & GrantAward.application.organisation.is_in(list(member.organisation_ids))).first()  # fmt: skip
    reviewer = await principal("reviewer")
    grant = await usage_reports.get(reviewer, row["id"])
    assert grant.report is not None
    await report_reviews.start_review(reviewer, grant, grant.report.version)
    grant = await usage_reports.get(reviewer, row["id"])
    assert grant.report is not None
    await report_reviews.draw_sample(reviewer, grant, grant.report.version, 2, Money(0))
    failures: list[str] = []
    posted = 0
    for persona, address in (("reviewer", f"/pruefung/nachweise/{row['id']}"),
                             ("member", f"/zuwendungen/{row['id']}/verwendungsnachweis/stichprobe")):  # fmt: skip
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE
        ) as client:
            await sign_in(client, persona)
            found, bad = await _fuzz(client, persona, address)
            posted += found
            failures += bad
    assert posted >= 40
    assert not failures, "\n".join(failures)
