"""CSRF tokens are bound to the session: renewed at login and logout, worthless elsewhere."""

import httpx
import pytest

from grants.demo.seed import load_once
from grants.settings import load_settings
from portal.security import CSRFTokens
from tests.support.login import hidden_fields, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]

EXTEND = "/auth/sitzung"


@pytest.fixture
async def demo(database):
    await load_once()


@pytest.fixture
async def other(app, database):
    """A second browser."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        yield c


async def post(client: httpx.AsyncClient, token: str, cookie: str | None = None) -> httpx.Response:
    """Extend the session with ``token`` in the form; ``cookie`` replaces the CSRF cookie (as an
    attacker who planted one would)."""
    cookies = {
        "session": client.cookies["session"],
        "csrftoken": cookie or client.cookies["csrftoken"],
    }
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return await client.post(EXTEND, data={"_csrf_token": token}, headers={"cookie": header})


def refused(answer: httpx.Response) -> bool:
    return answer.status_code == 403 and "<h1>Formular nicht mehr gültig</h1>" in answer.text


async def test_a_token_from_before_login_is_refused_after_login(client, demo):
    await client.get("/")
    anonymous = client.cookies["csrftoken"]
    await client.get("/auth/login")  # the login flow's session: a new token already
    before_login = client.cookies["csrftoken"]
    assert before_login != anonymous

    done = await sign_in(client, "admin")
    assert "csrftoken=" in done.headers["set-cookie"]  # renewed with the new session id
    now = client.cookies["csrftoken"]
    assert now not in (anonymous, before_login)
    for old in (anonymous, before_login):
        assert refused(await post(client, old))  # the old token against the new cookie
        assert refused(await post(client, old, cookie=old))  # and with the old cookie kept
    assert (await post(client, now)).status_code == 303


async def test_a_token_of_one_session_is_refused_in_another(client, other, demo):
    await sign_in(client, "admin")
    await sign_in(other, "reviewer")
    stolen = client.cookies["csrftoken"]
    assert refused(await post(other, stolen, cookie=stolen))
    assert (await post(other, other.cookies["csrftoken"])).status_code == 303


async def test_forms_post_the_token_of_their_page(client, demo):
    await sign_in(client, "admin")
    page = await client.get("/impressum")
    token = hidden_fields(page.text)["_csrf_token"]
    assert token == client.cookies["csrftoken"]
    done = await client.post(EXTEND, data={"_csrf_token": token, "next": "/impressum"})
    assert done.status_code == 303
    assert done.headers["location"] == "/impressum"
    assert "csrftoken=" not in done.headers.get("set-cookie", "")  # same session, same token


async def test_scripts_send_the_token_as_header(client, demo):
    await sign_in(client, "admin")
    sent = await client.post(EXTEND, headers={"x-csrftoken": client.cookies["csrftoken"]})
    assert sent.status_code == 303


@pytest.mark.parametrize("token", [None, "", "0" * 128, "ü" * 10])
async def test_a_change_without_a_fitting_token_is_refused_with_a_german_page(client, demo, token):
    await sign_in(client, "admin")
    answer = await client.post(EXTEND, data={} if token is None else {"_csrf_token": token})
    assert refused(answer)
    assert '<html lang="de"' in answer.text
    assert "Bitte laden Sie die Seite neu" in answer.text


async def test_logout_voids_the_token_of_the_session(client, demo):
    await sign_in(client, "admin")
    token = client.cookies["csrftoken"]
    out = await client.post("/auth/logout", data={"_csrf_token": token})
    assert out.status_code == 303
    assert client.cookies["csrftoken"] != token  # renewed for the visitor without a session
    assert (await client.post("/auth/logout", data={"_csrf_token": token})).status_code == 403


def test_tokens_fit_only_their_session():
    tokens = CSRFTokens(load_settings(), "session")
    token = tokens.issue("a" * 64)
    assert tokens.valid(token, "a" * 64)
    assert not tokens.valid(token, "b" * 64)
    assert not tokens.valid(token, "")
    assert not tokens.valid(token[:-1], "a" * 64)
    assert not tokens.valid("", "")
    assert tokens.issue("a" * 64) != token  # a fresh nonce each time


async def test_the_api_refuses_a_token_from_before_login_with_a_problem_body(client, demo):
    await client.get("/")
    before_login = client.cookies["csrftoken"]
    await sign_in(client, "member")
    answer = await client.post(
        "/api/v1/applications", json={}, headers={"x-csrftoken": before_login}
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "x-csrftoken" in answer.json()["detail"]
