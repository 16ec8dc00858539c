"""Hand-over for signature: a member lays the finished draft before the signatories, who get a
mail and find it on their start page; a later change takes the hand-over back."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from grants.clock import BERLIN
from grants.errors import Conflict, Forbidden
from grants.services import signatures
from grants.services.users import load_principal
from grants.tables import Application, AuditEvent, Membership, Notification, User
from tests.support import applying
from tests.support.applying import complete, start, step
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio

TITLE = applying.PROJECT["title"]


@pytest.fixture
async def world(database):
    return await applying.open_call()


@pytest.fixture
async def draft(client, world):
    """A complete draft, filled in by the member (Ayşe Demir), who may not submit."""
    await sign_in(client, "member")
    await client.get("/")
    app_id = await start(client, world)
    await complete(client, app_id, world)
    return app_id


@asynccontextmanager
async def signatory_client(app) -> AsyncIterator[httpx.AsyncClient]:
    """Mehmet Kaya, the signatory, in a browser of his own."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as board:
        await sign_in(board, "signatory")
        await board.get("/")
        yield board


async def user_id(subject: str) -> int:
    return (await User.objects().get(User.subject == subject)).id


async def test_a_member_hands_the_draft_over_and_the_signatory_finds_it(client, app, draft):
    check = await client.get(f"/antraege/{draft}/pruefen")
    assert (
        "Einreichen darf nur eine vertretungsberechtigte Person Ihrer Organisation:" in check.text
    )
    assert "Mehmet Kaya" in check.text
    assert ">Zur Unterschrift vorlegen</button>" in check.text

    done = await step(client, draft, "unterschrift", {})
    assert done.status_code == 303, done.text
    page = await client.get(done.headers["location"])
    assert "Der Antrag liegt jetzt zur Unterschrift vor bei: Mehmet Kaya." in page.text
    stored = await Application.objects().get(Application.id == draft)
    assert stored.handed_over_by == await user_id("demo-member")
    assert stored.handed_over_at is not None
    day = f"{stored.handed_over_at.astimezone(BERLIN):%d.%m.%Y}"
    assert f"Zur Unterschrift vorgelegt von Ayşe Demir am {day}." in page.text
    assert "Zur Unterschrift vorgelegt, von Ayşe Demir" in page.text  # in the Verlauf
    event = await AuditEvent.objects().get(AuditEvent.action == "application.handed_over")
    assert (event.entity_id, event.actor) == (draft, await user_id("demo-member"))
    mails = await Notification.select(
        Notification.recipient, Notification.subject, Notification.body
    ).where(Notification.subject.like("Zur Unterschrift%"))
    assert [(m["recipient"], m["subject"]) for m in mails] == [
        ("mehmet.kaya@demo.foerderportal.example", f"Zur Unterschrift: {TITLE}")
    ]
    assert f"/antraege/{draft}/pruefen" in mails[0]["body"]
    assert "Ayşe Demir hat den Antrag" in mails[0]["body"]

    async with signatory_client(app) as board:
        home = await board.get("/")
        assert re.search(
            rf'Zur Unterschrift: <a href="/antraege/{draft}/pruefen">{TITLE}</a> — vorgelegt von '
            rf'Ayşe Demir am <time datetime="[^"]+">{day}</time>',
            home.text,
        ), home.text
        check = await board.get(f"/antraege/{draft}/pruefen")
        assert "Zur Unterschrift vorgelegt von Ayşe Demir am" in check.text
        assert ">Antrag verbindlich einreichen</button>" in check.text
        submitted = await step(board, draft, "einreichen", {})
        assert submitted.status_code == 303, submitted.text
        assert "Zur Unterschrift:" not in (await board.get("/")).text
    assert (await Application.objects().get(Application.id == draft)).handed_over_at is None


async def test_a_change_after_the_hand_over_takes_it_back(client, app, world, draft):
    assert (await step(client, draft, "unterschrift", {})).status_code == 303
    project = {**applying.PROJECT, "title": "Neuer Titel", "period_start": f"{world['year']}-01-01",
               "period_end": f"{world['year']}-12-31"}  # fmt: skip
    assert (await step(client, draft, "projekt", project)).status_code == 303
    stored = await Application.objects().get(Application.id == draft)
    assert (stored.handed_over_at, stored.handed_over_by) == (None, None)
    async with signatory_client(app) as board:
        assert "Zur Unterschrift:" not in (await board.get("/")).text
    check = await client.get(f"/antraege/{draft}/pruefen")
    assert ">Zur Unterschrift vorlegen</button>" in check.text  # and may be laid before them again
    assert (await step(client, draft, "unterschrift", {})).status_code == 303
    assert await Notification.count().where(Notification.subject.like("Zur Unterschrift%")) == 2


async def test_a_stale_version_or_a_second_hand_over_is_refused(client, draft):
    version = await applying.version(draft)
    fields = {"_csrf_token": client.cookies["csrftoken"], "version": str(int(version) - 1)}
    stale = await client.post(f"/antraege/{draft}/unterschrift", data=fields)
    assert stale.status_code == 409
    assert (await Application.objects().get(Application.id == draft)).handed_over_at is None
    assert (await step(client, draft, "unterschrift", {})).status_code == 303
    again = await step(client, draft, "unterschrift", {})
    assert again.status_code == 409
    assert "liegt schon seit" in again.text
    assert await Notification.count().where(Notification.subject.like("Zur Unterschrift%")) == 1


async def test_an_incomplete_draft_cannot_be_handed_over(client, world):
    await sign_in(client, "member")
    await client.get("/")
    app_id = await start(client, world)
    check = await client.get(f"/antraege/{app_id}/pruefen")
    assert ">Zur Unterschrift vorlegen</button>" not in check.text
    assert "Sobald alle Angaben vollständig sind" in check.text
    answer = await step(client, app_id, "unterschrift", {})
    assert answer.status_code == 400
    assert "ist noch nicht vollständig" in answer.text
    assert (await Application.objects().get(Application.id == app_id)).handed_over_at is None
    assert not await AuditEvent.exists().where(AuditEvent.action == "application.handed_over")


async def test_only_a_member_of_the_organisation_hands_over(client, app, draft):
    async with signatory_client(app) as board:
        assert (await step(board, draft, "unterschrift", {})).status_code == 403
        assert (
            ">Zur Unterschrift vorlegen</button>"
            not in (await board.get(f"/antraege/{draft}/pruefen")).text
        )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as staff:
        await sign_in(staff, "reviewer")
        await staff.get("/")
        assert (await step(staff, draft, "unterschrift", {})).status_code == 403
    assert (await Application.objects().get(Application.id == draft)).handed_over_at is None
    assert not await Notification.exists().where(Notification.subject.like("Zur Unterschrift%"))


async def test_the_service_refuses_a_signatory_and_an_organisation_without_signatories(draft):
    version = int(await applying.version(draft))
    signatory = await load_principal(await user_id("demo-signatory"))
    member = await load_principal(await user_id("demo-member"))
    assert signatory is not None
    assert member is not None
    with pytest.raises(Forbidden):
        await signatures.hand_over(signatory, draft, version)
    await Membership.delete().where(Membership.user == signatory.id)
    with pytest.raises(Conflict, match="keine vertretungsberechtigte Person"):
        await signatures.hand_over(member, draft, version)
    assert (await Application.objects().get(Application.id == draft)).version == version
    assert not await AuditEvent.exists().where(AuditEvent.action == "application.handed_over")
    assert not await Notification.exists().where(Notification.subject.like("Zur Unterschrift%"))


async def test_the_start_page_lists_the_drafts_to_sign_in_one_query(client, draft, queries):
    assert (await step(client, draft, "unterschrift", {})).status_code == 303
    signatory = await load_principal(await user_id("demo-signatory"))
    assert signatory is not None
    with queries() as counted:
        found = await signatures.awaiting(signatory)
    assert [(a.application_id, a.title, a.handed_over_by) for a in found] == [
        (draft, TITLE, "Ayşe Demir")
    ]
    assert counted.value == 1
    member = await load_principal(await user_id("demo-member"))
    assert member is not None
    assert await signatures.awaiting(member) == []
