"""Every list page runs the same number of queries for 10 records as for 1,000, and shows a page
of them, not all: its cost follows what it shows, never the history (DESIGN.md, Conventions)."""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass

import pytest

from tests.support import scale
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio

MAX_ROWS = 100  # the largest page any list shows
FEW, MANY = 10, 1000
NEXT = re.compile(r'<([^>]+)>; rel="next"|href="([^"]+)" rel="next"')


@dataclass(frozen=True, slots=True)
class Case:
    url: str  # with {organisation}, {programme}, {call}, {application} from the scene
    persona: str | None  # None: not signed in
    build: scale.Builder
    marker: str  # a pattern that matches once per built record shown
    bound: str = "pages"  # "pages": the rest on further pages; "limit": a search or choice that
    # offers the first matches only; "none": bounded by what the page is about, not by the history

    def __str__(self) -> str:
        return self.url


CASES = {
    "start": Case("/", None, scale.calls, r"Skalierungsaufruf \d+", bound="limit"),  # + "Alle Förderaufrufe"
    "foerderaufrufe": Case("/foerderaufrufe", None, scale.calls, r"Skalierungsaufruf \d+"),
    "foerderprogramm": Case("/foerderprogramme/{programme}", None, scale.calls, r"Skalierungsaufruf \d+"),
    "antraege": Case("/antraege", "member", scale.applications, r"Skalierung \d+<"),
    "antraege-neu": Case("/antraege/neu", "member", scale.calls, r"Skalierungsaufruf \d+"),
    "antrag": Case("/antraege/{application}", "member", scale.messages, r"Nachricht \d+"),
    "pruefung": Case("/pruefung?suche=Skalierung", "reviewer", scale.submitted, r"Skalierung \d+<"),
    "pruefung-filter": Case("/pruefung", "reviewer", scale.calls, r"Skalierungsaufruf \d+", bound="limit"),
    "pruefung-nachweise": Case("/pruefung/nachweise", "reviewer", scale.owing_reports, r"Skalierungsnachweis \d+<"),
    "pruefung-nachweise-ueberfaellig": Case("/pruefung/nachweise?status=ueberfaellig", "reviewer",
                                            scale.owing_reports, r"Skalierungsnachweis \d+<"),
    "pruefung-nachweise-suche": Case("/pruefung/nachweise?suche=Skalierungsnachweis", "reviewer",
                                     scale.owing_reports, r"Skalierungsnachweis \d+<"),
    # the people of one association: bounded by the association, not by the history
    "mitglieder": Case("/organisationen/{organisation}/mitglieder", "signatory", scale.members,
                       r"skal-\d+@", bound="none"),
    "einladungen-der-organisation": Case("/organisationen/{organisation}/mitglieder", "signatory",
                                         scale.invitations, r"einladung-\d+@"),
    "bescheide": Case("/organisationen/{organisation}/bescheide", "member", scale.documents,
                      r"Bescheid \d+<"),
    "admin-programme": Case("/admin/programme", "admin", scale.programmes, r"Skalierungsprogramm \d+"),
    "admin-aufrufe": Case("/admin/programme/{programme}/aufrufe", "admin", scale.calls,
                          r"Skalierungsaufruf \d+"),
    "admin-nutzer": Case("/admin/nutzer", "admin", scale.users, r"skal-\d+@"),
    "admin-einladungen": Case("/admin/einladungen", "admin", scale.invitations, r"einladung-\d+@"),
    "admin-einladungen-organisationen": Case("/admin/einladungen?verein=Skalierungsverein", "admin", scale.organisations,
                                             r"Skalierungsverein \d+", bound="limit"),
    "admin-textbausteine": Case("/admin/textbausteine", "admin", scale.text_blocks, r"skal_\d+"),
    "kontoauszug-suche": Case("/finanzen/auszuege/kontoauszug?traeger=Skalierungsverein", "finance", scale.organisations, r"Skalierungsverein \d+", bound="limit"),
    # a year's budget: every line of the year's plan, as printed; bounded by the plan, not the history
    "haushalt": Case("/haushalt?jahr={year}", "finance", scale.budget_lines, r"Stelle \d+", bound="none"),
    "api-calls": Case("/api/v1/calls", None, scale.calls, r"Skalierungsaufruf \d+"),
    "api-applications": Case("/api/v1/applications", "member", scale.applications,
                             r"Skalierung \d+\""),
    "api-messages": Case("/api/v1/applications/{application}/messages", "member", scale.messages,
                         r"Nachricht \d+"),
    "api-budget-lines": Case("/api/v1/budget-lines?year={year}", "finance", scale.budget_lines,
                             r"Stelle \d+", bound="none"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_a_list_page_costs_the_same_for_10_and_for_1000_records(client, queries, case):
    world = await scale.scene()
    if case.persona:
        await sign_in(client, case.persona)
    url = case.url.format(**asdict(world))

    async def shown() -> tuple[int, int]:
        await client.get(url)  # warm: the session, the flash, the templates
        with queries() as ran:
            answer = await client.get(url)
        assert answer.status_code == 200, answer.text[:500]
        return ran.value, len(set(re.findall(case.marker, answer.text)))

    async def next_page() -> set[str]:
        """The records the first page's link to the next page shows (none without a link)."""
        answer = await client.get(url)
        found = NEXT.search(answer.headers.get("link", "")) or NEXT.search(answer.text)
        if found is None:
            return set()
        following = await client.get(html.unescape(found.group(1) or found.group(2)))
        assert following.status_code == 200, following.text[:500]
        return set(re.findall(case.marker, following.text)) - set(
            re.findall(case.marker, answer.text)
        )

    await case.build(world, 0, FEW)
    few_queries, few_rows = shown_few = await shown()
    assert few_rows, f"the page should show the records built for it: {shown_few}"
    await case.build(world, FEW, MANY - FEW)
    many_queries, many_rows = await shown()
    assert many_queries == few_queries, (
        f"{url}: {few_queries} queries for {FEW}, {many_queries} for {MANY}"
    )
    assert many_rows <= MAX_ROWS or case.bound == "none", (
        f"{url} shows {many_rows} of {MANY} records: it needs pages"
    )
    if case.bound == "pages":
        assert await next_page(), f"{url}: the next page shows none of the other records"
