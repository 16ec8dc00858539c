"""While a Nachforderung is open, its deadline applies — on the pages and for resubmission —
not the call's Antragsfrist (which has usually passed by then)."""

from datetime import timedelta

import pytest

from grants import clock
from grants.services import applications
from grants.services.users import load_principal
from grants.tables import Call, ChangeRequest, User
from tests.support import applying
from tests.support.applying import complete, start, submit
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def handed_back(client, database):
    """An application handed back with a deadline in 14 days, its call closed since yesterday."""
    world = await applying.open_call()
    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await start(client, world)
    await complete(client, app_id, world)
    assert (await submit(client, app_id)).status_code == 303
    reviewer = await load_principal((await User.objects().get(User.subject == "demo-reviewer")).id)
    current = int(await applying.version(app_id))
    await applications.start_review(reviewer, app_id, current)
    deadline = clock.today() + timedelta(days=14)
    await applications.request_changes(
        reviewer, app_id, current + 1, "Bitte die Honorare begründen.", deadline
    )
    await Call.update({Call.closes_at: clock.now() - timedelta(days=1)}).where(
        Call.id == world["call"]
    )
    return app_id, deadline


async def test_the_pages_give_the_nachforderung_deadline_not_the_call_deadline(client, handed_back):
    app_id, deadline = handed_back
    shown = f"Frist der Nachforderung {deadline:%d.%m.%Y}"
    for path in (f"/antraege/{app_id}", f"/antraege/{app_id}/pruefen"):
        page = (await client.get(path)).text
        assert shown in " ".join(page.split()), path
        assert "Antragsfrist" not in page, path
        assert "Der Förderaufruf ist seit" not in page, path
    assert (await submit(client, app_id)).status_code == 303  # the closed call does not stop it


async def test_after_the_nachforderung_deadline_resubmission_is_refused(client, handed_back):
    app_id, _ = handed_back
    passed = clock.today() - timedelta(days=1)
    await ChangeRequest.update({ChangeRequest.deadline: passed}).where(
        ChangeRequest.application == app_id
    )
    message = f"Die Frist der Nachforderung ist am {passed:%d.%m.%Y} abgelaufen."
    assert message in (await client.get(f"/antraege/{app_id}/pruefen")).text
    refused = await submit(client, app_id)
    assert refused.status_code == 400
    assert message in refused.text


async def test_a_draft_shows_the_call_deadline(client, database):
    world = await applying.open_call()
    await sign_in(client, "member")
    await client.get("/")
    app_id = await start(client, world)
    page = (await client.get(f"/antraege/{app_id}")).text
    assert "Antragsfrist" in page
    assert "Frist der Nachforderung" not in page
