"""The relying party against a scriptable provider: everything wrong is refused, with a German
page and no session (OIDC Core §3.1.3.7, RFC 9700, ASVS V9/V10)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest

from grants.settings import load_settings
from grants.tables import User, WebSession
from portal.app import create_app
from tests.support.fake_op import CLIENT_ID, CLIENT_SECRET, ISSUER, FakeProvider, new_key

pytestmark = pytest.mark.anyio
PORTAL = "https://portal.test"


@pytest.fixture
def op() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def reasons(monkeypatch) -> list[str]:
    """The reasons the portal logs for refused logins (codes, never tokens)."""
    logged: list[str] = []
    monkeypatch.setattr(
        "portal.auth.controllers.logger.warning", lambda msg, *args: logged.append(msg % args)
    )
    return logged


@pytest.fixture
async def portal(migrated, database, op, tmp_root):
    """A production-configured portal whose one provider is the fake one."""
    settings = load_settings({
        "GRANTS_ENV": "production", "GRANTS_SECRET_KEY": "p" * 40, "GRANTS_BASE_URL": PORTAL,
        "GRANTS_DATABASE_URL": "sqlite:///unused.sqlite3", "GRANTS_DATA_DIR": str(tmp_root / "rp"),
        "GRANTS_OIDC_ISSUER": ISSUER, "GRANTS_OIDC_CLIENT_ID": CLIENT_ID,
        "GRANTS_OIDC_CLIENT_SECRET": CLIENT_SECRET, "GRANTS_OIDC_ROLE_MAP": "ki-sb=reviewer",
    })  # fmt: skip
    app = create_app(settings)
    app.state["oidc_transport"] = httpx2.ASGITransport(app=op.app())
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PORTAL) as client:
            yield client


async def start(
    portal: httpx.AsyncClient, op: FakeProvider, code: str = "c1", next_path: str = "/"
) -> str:
    """Begin a login; the provider will accept ``code``. Returns the state."""
    answer = await portal.get("/auth/login", params={"next": next_path})
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith(f"{ISSUER}/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == f"{PORTAL}/auth/callback"
    assert query["response_type"] == "code"
    assert "openid" in query["scope"].split()
    assert len(query["state"]) >= 32
    assert len(query["nonce"]) >= 32
    op.expect(code, query["nonce"], query["code_challenge"])
    return query["state"]


async def finish(portal: httpx.AsyncClient, state: str | None, code: str = "c1") -> httpx.Response:
    params = {"code": code} | ({"state": state} if state is not None else {})
    return await portal.get("/auth/callback", params=params)


async def assert_refused(portal: httpx.AsyncClient, answer: httpx.Response) -> None:
    assert answer.status_code == 400
    assert "<h1>Anmeldung fehlgeschlagen</h1>" in answer.text
    assert await User.count() == 0
    assert await WebSession.count() == 0
    assert "Angemeldet als" not in (await portal.get("/")).text


async def test_a_correct_login_works(portal, op):
    answer = await finish(portal, await start(portal, op, next_path="/impressum"))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/auth/kein-zugang"  # no role and no membership yet
    user = await User.objects().get(User.subject == "u-4711")
    assert (user.issuer, user.email, user.display_name) == (
        ISSUER,
        "kim.yilmaz@verein.example",
        "Kim Yılmaz",
    )
    cookie = answer.headers.get_list("set-cookie")
    assert any(c.startswith("__Host-session=") and "Secure" in c and "HttpOnly" in c and "SameSite=lax" in c
               for c in cookie)  # fmt: skip


async def test_roles_come_from_the_claim_through_the_mapping(portal, op):
    op.claims = {"roles": ["ki-sb", "unbekannt"]}
    answer = await finish(portal, await start(portal, op, next_path="/impressum"))
    assert answer.headers["location"] == "/impressum"
    page = await portal.get("/impressum")
    assert "Angemeldet als <strong>Kim Yılmaz</strong>" in page.text


async def test_the_display_name_loses_bidirectional_controls(portal, op):
    op.claims = {"name": "Kim\u202e Yılmaz\u2066"}
    assert (await finish(portal, await start(portal, op))).status_code == 303
    assert (await User.objects().get(User.subject == "u-4711")).display_name == "Kim Yılmaz"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"claims": {"iss": "https://evil.example"}}, "InvalidClaimError"),
        ({"claims": {"aud": "another-client"}}, "InvalidClaimError"),
        ({"claims": {"aud": [CLIENT_ID, "another"], "azp": "another"}}, "id_token_invalid:azp"),
        ({"claims": {"exp": int(time.time()) - 3600}}, "ExpiredTokenError"),
        ({"claims": {"iat": int(time.time()) + 3600}}, "InvalidClaimError"),
        ({"claims": {"nonce": "falsch"}}, "InvalidClaimError"),
        ({"drop": {"sub"}}, "MissingClaimError"),
        ({"drop": {"iat"}}, "MissingClaimError"),
        ({"drop": {"nonce"}}, "MissingClaimError"),
        ({"signing": "tampered"}, "BadSignatureError"),
        ({"signing": "none"}, "UnsupportedAlgorithmError"),
        ({"signing": "hs256-public-key"}, "UnsupportedAlgorithmError"),
    ],
    ids=["wrong-iss", "wrong-aud", "wrong-azp", "expired", "iat-in-future", "nonce-mismatch",
         "no-sub", "no-iat", "no-nonce", "bad-signature", "alg-none", "hs256-with-public-key"],
)  # fmt: skip
async def test_a_bad_id_token_is_refused(portal, op, reasons, change, reason):
    for name, value in change.items():
        setattr(op, name, value)
    await assert_refused(portal, await finish(portal, await start(portal, op)))
    assert len(reasons) == 1
    assert reasons[0].endswith(reason), reasons


async def test_missing_or_wrong_state_is_refused(portal, op, reasons):
    await start(portal, op)
    await assert_refused(portal, await finish(portal, None))
    await start(portal, op, code="c2")
    await assert_refused(portal, await finish(portal, "erraten", code="c2"))
    assert reasons == ["login failed: provider=oidc reason=state_mismatch"] * 2


async def test_a_callback_without_a_login_in_progress_is_refused(portal, op, reasons):
    await assert_refused(portal, await finish(portal, "irgendwas"))
    assert reasons == ["login failed: provider=- reason=no_login_in_progress"]


async def test_a_replayed_code_is_refused(portal, op, reasons):
    state = await start(portal, op)
    assert (await finish(portal, state)).status_code == 303
    await csrf_logout(portal)
    await User.delete().where(User.subject == "u-4711")
    state = await start(portal, op, code="c2")
    await assert_refused(portal, await finish(portal, state, code="c1"))
    assert reasons == ["login failed: provider=oidc reason=token_request_failed"]


async def csrf_logout(portal: httpx.AsyncClient) -> None:
    from grants.tables import AuditEvent

    token = portal.cookies.get("__Host-csrftoken") or (await portal.get("/")).cookies.get(
        "__Host-csrftoken"
    )
    await portal.post(
        "/auth/logout", data={"_csrf_token": portal.cookies["__Host-csrftoken"] or token}
    )
    await AuditEvent.delete(force=True)


async def test_an_unknown_key_is_fetched_once_more_then_refused(portal, op, reasons):
    await finish(portal, await start(portal, op))  # caches the JWKS
    await csrf_logout(portal)
    await User.delete(force=True)
    before = op.jwks_fetches
    op.key = new_key("k-unknown")
    op.published = [new_key("k1-old")]
    await assert_refused(
        portal, await finish(portal, await start(portal, op, code="c2"), code="c2")
    )
    assert op.jwks_fetches == before + 1
    assert reasons[-1].endswith("id_token_invalid:InvalidKeyIdError")


async def test_a_rotated_key_is_picked_up(portal, op):
    await finish(portal, await start(portal, op))
    await csrf_logout(portal)
    rotated = new_key("k2")
    op.key, op.published = rotated, [rotated]
    answer = await finish(portal, await start(portal, op, code="c2"), code="c2")
    assert answer.status_code == 303


async def test_missing_email_is_taken_from_userinfo_with_the_same_subject(portal, op):
    op.drop = {"email", "name"}
    op.userinfo = {"sub": "u-4711", "email": "kim@verein.example", "name": "Kim"}
    assert (await finish(portal, await start(portal, op))).status_code == 303
    assert (await User.objects().get(User.subject == "u-4711")).email == "kim@verein.example"


async def test_userinfo_for_another_subject_is_refused(portal, op):
    op.drop = {"email"}
    op.userinfo = {"sub": "someone-else", "email": "x@verein.example"}
    await assert_refused(portal, await finish(portal, await start(portal, op)))


async def test_logout_goes_to_the_providers_end_session_endpoint(portal, op):
    await finish(portal, await start(portal, op))
    await portal.get("/")
    answer = await portal.post(
        "/auth/logout", data={"_csrf_token": portal.cookies["__Host-csrftoken"]}
    )
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{ISSUER}/logout"
    assert query["post_logout_redirect_uri"] == [f"{PORTAL}/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert await WebSession.count() == 0
