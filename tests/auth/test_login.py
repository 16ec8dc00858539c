"""Logging in through the development provider with the real OIDC code path; sessions."""

import pytest

from grants.demo.personas import PERSONAS
from grants.demo.seed import load_once
from grants.tables import AuditEvent, User, UserRole, WebSession
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def demo(database):
    await load_once()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p.roles], ids=lambda p: p.key)
async def test_every_persona_logs_in_through_the_development_provider(client, demo, persona):
    done = await sign_in(client, persona.key, next_path="/impressum")

    assert done.status_code == 303
    assert done.headers["location"] == "/impressum"
    page = await client.get("/impressum")
    assert f"Angemeldet als <strong>{persona.display_name}</strong>" in page.text
    assert "Sitzung verlängern" in page.text
    assert await AuditEvent.count().where(AuditEvent.action == "user.login") == 1


async def test_session_id_changes_at_login_and_the_old_session_is_gone(client, demo):
    await client.get("/auth/login")  # starts a flow: the visitor gets a pre-login session
    before = client.cookies["session"]
    await sign_in(client, "reviewer")
    after = client.cookies["session"]
    assert before != after
    assert not await WebSession.exists().where(WebSession.key == before)
    assert await WebSession.exists().where(WebSession.key == after)


async def test_anonymous_visitors_get_no_session(client):
    await client.get("/")
    await client.get("/impressum")
    assert "session" not in client.cookies
    assert await WebSession.count() == 0


async def test_logout_deletes_the_session_and_an_old_cookie_no_longer_works(client, demo):
    await sign_in(client, "admin")
    cookie = client.cookies["session"]
    done = await csrf_post(client, "/auth/logout")
    assert done.status_code == 303
    assert done.headers["location"].startswith("http://testserver/dev-oidc/end-session?")
    assert "id_token_hint=" in done.headers["location"]
    assert not await WebSession.exists().where(WebSession.key == cookie)

    client.cookies.set("session", cookie)
    again = await client.get("/admin/nutzer")
    assert again.status_code == 303
    assert again.headers["location"] == "/auth/login?next=%2Fadmin%2Fnutzer"


async def test_logout_without_csrf_token_is_refused(client, demo):
    await sign_in(client, "admin")
    refused = await client.post("/auth/logout")
    assert refused.status_code == 403
    assert (await client.get("/admin/nutzer")).status_code == 200


@pytest.mark.parametrize(
    ("minutes_later", "still_in"), [(29, True), (31, False), (12 * 60 + 5, False)]
)
async def test_idle_and_absolute_timeouts(client, demo, monkeypatch, minutes_later, still_in):
    import time

    from portal.auth import guard

    await sign_in(client, "admin")
    real = time.time()
    if minutes_later > 60:  # absolute timeout: busy every 20 minutes, yet out after 12 hours
        for step in range(1, 36):  # busy until 11 h 40 min
            monkeypatch.setattr(guard.time, "time", lambda step=step: real + step * 20 * 60)
            assert (await client.get("/admin/nutzer")).status_code == 200
    monkeypatch.setattr(guard.time, "time", lambda: real + minutes_later * 60)
    page = await client.get("/admin/nutzer")
    assert (page.status_code == 200) is still_in


async def test_extending_the_session_moves_its_end(client, demo, monkeypatch):
    import time

    from portal.auth import guard

    await sign_in(client, "admin")
    real = time.time()
    monkeypatch.setattr(guard.time, "time", lambda: real + 25 * 60)
    monkeypatch.setattr("portal.auth.controllers.time.time", lambda: real + 25 * 60)
    extended = await csrf_post(client, "/auth/sitzung", {"next": "/admin/nutzer"})
    assert extended.headers["location"] == "/admin/nutzer"
    monkeypatch.setattr(guard.time, "time", lambda: real + 50 * 60)
    assert (await client.get("/admin/nutzer")).status_code == 200


async def test_a_user_without_roles_sees_the_no_access_page(client, demo):
    done = await sign_in(client, "guest", next_path="/impressum")
    assert done.headers["location"] == "/auth/kein-zugang"
    page = await client.get("/auth/kein-zugang")
    assert "<h1>Noch kein Zugang</h1>" in page.text


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
async def test_next_only_leads_to_local_paths(client, demo, target):
    done = await sign_in(client, "reviewer", next_path=target)
    assert done.status_code == 303
    assert done.headers["location"] == "/"


async def test_a_deactivated_user_cannot_log_in(client, demo):
    await User.update({User.active: False}).where(User.subject == "demo-reviewer")
    done = await sign_in(client, "reviewer")
    assert done.status_code == 400
    assert "<h1>Anmeldung fehlgeschlagen</h1>" in done.text
    assert "session" not in client.cookies or client.cookies["session"] == "null"
    assert await AuditEvent.count() == 0


async def test_the_session_and_the_principal_load_in_one_query(client, demo, queries):
    await sign_in(client, "member")
    with queries() as ran:
        page = await client.get("/impressum")  # a page that reads nothing else
    assert "Angemeldet als <strong>Ayşe Demir</strong>" in page.text
    assert ran.value == 1


async def test_roles_memberships_and_deactivation_apply_at_the_next_request(client, demo):
    await sign_in(client, "reviewer")
    assert (await client.get("/pruefung")).status_code == 200
    reviewer = await User.select(User.id).where(User.subject == "demo-reviewer").first()
    await UserRole.delete().where(UserRole.user == reviewer["id"])
    assert (await client.get("/pruefung")).status_code == 403
    await User.update({User.active: False}).where(User.id == reviewer["id"])
    answer = await client.get("/pruefung")
    assert answer.status_code in (302, 303, 401)
    assert await WebSession.count() == 0
