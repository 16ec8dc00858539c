"""Every HTML form of every role, posted with hostile values: never a 5xx, markup never comes
back unescaped, and a refused or redisplayed form says in German what is wrong.

Each persona crawls the pages it reaches from its start page (one page per kind of address:
``/antraege/17`` stands for every application), the forms on them are parsed, and each form is
posted once per kind of hostile value, that value in one field and the page's values (its CSRF
token, version …) in the others; the field turns with the kind, so every field gets some.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from grants.tables import Application
from grants.workflow import ApplicationStatus
from tests.robustness.html import KIND, HtmlForm, Page
from tests.support import applying
from tests.support.login import csrf_post, sign_in

pytestmark = pytest.mark.anyio
BASE = "http://testserver"
PERSONAS = ("member", "signatory", "reviewer", "approver", "finance", "auditor", "admin")
MAX_PAGES = 50  # per persona
PER_KIND = 2  # pages of one kind (records in different states show different forms)
MARKUP = "<script>alert(1)</script>"
LONG = "long text"
HOSTILE = {
    LONG: "Förderung " * 10_000,
    "control and bidi characters": "Verein\x00\x07\x1b\u202eevil\u2066.exe\x7f",
    "markup": MARKUP,
    "formula": '=HYPERLINK("http://boese.example","Klick")',
    "30 digits": "9" * 30,
    "negative number": "-12345,67",
    "2**31": str(2**31),
    "2**63": str(2**63),
    "impossible date": "31.02.2026",
    "nonsense date": "99.99.9999",
}
# the portal's German answers to bad input: the error summary or a field's message (forms.py),
# the stale notice, or the error page with its code
GERMAN = re.compile(r'role="alert"|class="field__error"|Fehlercode \d{3}')
NOT_POSTED = ("/auth/",)  # signing out would end the crawl's session


async def crawl(client: httpx.AsyncClient, start: list[str]) -> list[HtmlForm]:
    """The POST forms on the pages reachable from ``start``, a few pages of each kind."""
    queue, seen, kinds, forms = [*start, f"{BASE}/"], set(), Counter[str](), {}
    while queue and len(seen) < MAX_PAGES:
        url = urljoin(BASE, queue.pop(0)).split("#")[0]
        parts = urlsplit(url)
        kind = KIND.sub("/{n}", parts.path)
        if parts.netloc != "testserver" or parts.path in seen or kinds[kind] >= PER_KIND:
            continue
        seen.add(parts.path)
        kinds[kind] += 1
        answer = await client.get(url, follow_redirects=True)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        page = Page(str(answer.url))
        page.feed(answer.text)
        queue.extend(page.links)
        for form in page.forms:
            if not any(part in form.action for part in NOT_POSTED):
                forms.setdefault(form.kind(), form)
    return list(forms.values())


def hostile_posts(form: HtmlForm) -> list[tuple[str, str, str]]:
    """(kind of value, field, value): each kind once, turning through the fields; and the long
    text in every text field, as no field of the portal takes 100,000 characters."""
    targets = form.typed or [name for name, _ in form.fields if name != "_csrf_token"]
    if not targets:
        return []
    kinds = list(HOSTILE)
    turns = [(kinds[i % len(kinds)], targets[i % len(targets)])
             for i in range(max(len(kinds), len(targets)))]  # fmt: skip
    turns += [(LONG, name) for name in form.texts if (LONG, name) not in turns]
    return [(kind, name, HOSTILE[kind]) for kind, name in turns]


async def post(client: httpx.AsyncClient, form: HtmlForm, name: str, value: str) -> httpx.Response:
    data = [(k, v) for k, v in form.fields if k != name] + [(name, value)]
    if form.multipart:
        parts = [(k, (None, v.encode())) for k, v in data]
        return await client.post(form.action, files=parts)
    return await client.post(form.action, data=dict(_grouped(data)))


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def problems(
    persona: str, form: HtmlForm, kind: str, name: str, answer: httpx.Response
) -> list[str]:
    where = f"{persona}: POST {urlsplit(form.action).path} {name}={kind} → {answer.status_code}"
    found = []
    if answer.status_code >= 500:
        found.append(where)
    if MARKUP in answer.text:
        found.append(f"{where}: markup unescaped")
    if not GERMAN.search(answer.text) and (
        400 <= answer.status_code < 500 or redisplayed(form, answer)
    ):
        found.append(f"{where}: no German message")
    if (
        kind == LONG
        and name in form.texts
        and answer.status_code < 400
        and not GERMAN.search(answer.text)
    ):
        found.append(f"{where}: 100,000 characters taken (cut short?) without a message")
    return found


def redisplayed(form: HtmlForm, answer: httpx.Response) -> bool:
    """A 200 showing the same form again (not a result page such as the committee's outcome)."""
    if answer.status_code != 200:
        return False
    page = Page(str(answer.url))
    page.feed(answer.text)
    return any(urlsplit(shown.action).path == urlsplit(form.action).path for shown in page.forms)


async def starts(app, draft: str) -> dict[str, list[str]]:
    """Pages the crawl begins with besides the start page: a member's draft, a review the
    reviewer has begun, an application ready for the approver's decision."""
    submitted = (
        await Application.select(Application.id)
        .where(Application.status == ApplicationStatus.SUBMITTED)
        .first()
    )
    review = f"/pruefung/antraege/{submitted['id']}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as reviewer:
        await sign_in(reviewer, "reviewer")
        version = await applying.version(submitted["id"])
        begun = await csrf_post(reviewer, f"{review}/beginnen", {"version": version})
        assert begun.status_code == 303, begun.text
    ready = (
        await Application.select(Application.id)
        .where(Application.status == ApplicationStatus.READY)
        .first()
    )
    return {
        "member": [draft], "signatory": [draft], "reviewer": [review],
        "approver": [f"/pruefung/antraege/{ready['id']}"] if ready else [],
    }  # fmt: skip


async def test_hostile_values_in_every_form_of_every_role(app, database):
    world = await applying.open_call()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as member:
        await sign_in(member, "member")
        first = await starts(app, f"/antraege/{await applying.start(member, world)}")
    failures: list[str] = []
    posted, posted_forms = 0, set[tuple[str, tuple[str, ...]]]()
    for persona in PERSONAS:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE
        ) as client:
            await sign_in(client, persona)
            for form in await crawl(client, first.get(persona, [])):
                if form.kind() in posted_forms:  # the same form for another role: posted once
                    continue
                posted_forms.add(form.kind())
                for kind, name, value in hostile_posts(form):
                    answer = await post(client, form, name, value)
                    posted += 1
                    failures += problems(persona, form, kind, name, answer)
                    if answer.status_code == 303 and answer.headers["location"].startswith("/"):
                        shown = await client.get(answer.headers["location"])
                        assert shown.status_code < 500, answer.headers["location"]
                        if MARKUP in shown.text:
                            failures.append(f"{persona}: {answer.headers['location']} shows markup")
    assert posted >= 300
    assert not failures, "\n".join(failures)
