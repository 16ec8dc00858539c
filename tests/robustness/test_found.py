"""What the form fuzzer found, kept fixed: a text longer than its field takes was cut short and
saved without a word (a message, the reason of a cancelled payment order, the committee's
resolution). Now the form comes back with the German message and nothing is written."""

from __future__ import annotations

import httpx
import pytest

from grants.demo.seed import load_once
from grants.tables import Application, Decision, Membership, Message, PaymentOrder
from grants.workflow import ApplicationStatus, PaymentOrderStatus
from tests.robustness.html import form_on
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio
BASE = "http://testserver"


@pytest.fixture
async def demo(database):
    await load_once()


async def as_persona(app, persona: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    await sign_in(client, persona)
    return client


async def posted(
    client: httpx.AsyncClient, page: str, action: str, **values: str
) -> httpx.Response:
    """Post the form of ``page`` whose action ends with ``action``, with ``values`` changed."""
    shown = await client.get(page)
    form = form_on(str(shown.url), shown.text, action)
    fields = {**dict(form.fields), **values}
    if form.multipart:
        return await client.post(
            form.action, files={k: (None, v.encode()) for k, v in fields.items()}
        )
    return await client.post(form.action, data=fields)


async def test_a_message_longer_than_5000_characters_is_refused_not_cut(app, demo):
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-member")
    ).organisation
    application = (
        await Application.select(Application.id)
        .where(Application.organisation == organisation)
        .first()
    )
    member = await as_persona(app, "member")
    before = await Message.count().where(Message.application == application["id"])
    answer = await posted(member, f"/antraege/{application['id']}", "/nachrichten", body="x" * 5001)
    assert answer.status_code == 400
    assert "Bitte höchstens 5000 Zeichen eingeben (jetzt 5001)." in answer.text
    assert await Message.count().where(Message.application == application["id"]) == before


async def test_a_cancellation_with_a_reason_too_long_is_refused(app, demo):
    order = (
        await PaymentOrder.select(PaymentOrder.id, PaymentOrder.grant)
        .where(PaymentOrder.status == PaymentOrderStatus.DRAFT)
        .first()
    )
    reviewer = await as_persona(app, "reviewer")
    answer = await posted(reviewer, f"/zuwendungen/{order['grant']}/zahlungen",
                          f"/anordnungen/{order['id']}/stornieren", reason="x" * 501)  # fmt: skip
    assert answer.status_code == 400
    assert "Bitte höchstens 500 Zeichen eingeben (jetzt 501)." in answer.text
    stored = await PaymentOrder.select(PaymentOrder.status).where(PaymentOrder.id == order["id"])
    assert stored[0]["status"] == PaymentOrderStatus.DRAFT


async def test_the_committee_resolution_cut_short_decides_nothing(app, demo):
    ready = await Application.select(Application.id, Application.call).where(
        Application.status == ApplicationStatus.READY
    )
    call = ready[0]["call"]
    ids = [row["id"] for row in ready if row["call"] == call]
    approver = await as_persona(app, "approver")
    answer = await posted(approver, f"/pruefung/aufrufe/{call}/beschlussvorlage", "/beschluesse",
                          resolution="x" * 2001, **{f"entscheidung-{i}": "reject" for i in ids})  # fmt: skip
    assert answer.status_code == 400
    assert "Bitte höchstens 2000 Zeichen eingeben (jetzt 2001)." in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert not await Decision.exists().where(Decision.application.is_in(ids))
