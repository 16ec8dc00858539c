"""The development OIDC provider: discovery, persona picker, code flow with PKCE, logout."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from grants.demo.personas import PERSONAS
from grants.settings import DEV_CLIENT_ID, Environment, dev_client_secret
from portal.app import create_app
from portal.auth.dev_provider import dev_provider_router, signing_key
from tests.support.login import hidden_fields, sign_in

pytestmark = pytest.mark.anyio

ISSUER = "http://testserver/dev-oidc"
REDIRECT_URI = "http://testserver/auth/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(challenge: str | None, nonce: str | None, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": DEV_CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile",
        "state": "zustand-123",
        **extra,
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    if nonce:
        params["nonce"] = nonce
    return params


@pytest.fixture
def client_secret(app) -> str:
    return dev_client_secret(app.state["settings"].secret_key)


async def log_in(client, persona: str = "reviewer") -> tuple[str, str, str]:
    """Picks the persona like a browser would; returns (code, code_verifier, nonce)."""
    verifier, challenge = pkce()
    nonce = secrets.token_urlsafe(16)
    page = await client.get("/dev-oidc/authorize", params=authorize_params(challenge, nonce))
    assert page.status_code == 200
    form = [*hidden_fields(page.text).items(), ("persona", persona)]
    csrf = dict(form).get("_csrf_token")
    if csrf:  # the form carries the token; the client sends the csrftoken cookie it holds
        assert client.cookies.get("csrftoken")
    answer = await client.post("/dev-oidc/authorize", data=dict(form))
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["zustand-123"]
    return query["code"][0], verifier, nonce


async def redeem(client, client_secret: str, code: str, verifier: str):
    return await client.post(
        "/dev-oidc/token",
        auth=(DEV_CLIENT_ID, client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )


async def test_discovery_document(client):
    response = await client.get("/dev-oidc/.well-known/openid-configuration")
    assert response.status_code == 200
    meta = response.json()
    assert meta["issuer"] == ISSUER
    for key in ("authorization", "token", "userinfo", "end_session"):
        assert meta[f"{key}_endpoint"].startswith(f"{ISSUER}/")
    assert meta["jwks_uri"] == f"{ISSUER}/jwks"
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["grant_types_supported"] == ["authorization_code"]


async def test_jwks_has_one_public_rsa_key_with_a_kid(client):
    keys = (await client.get("/dev-oidc/jwks")).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["kid"]
    assert "d" not in keys[0]


async def test_a_valid_request_shows_the_persona_picker(client):
    _, challenge = pkce()
    response = await client.get(
        "/dev-oidc/authorize", params=authorize_params(challenge, "nonce-1")
    )
    assert response.status_code == 200
    assert "<h1>Demo-Anmeldung</h1>" in response.text
    assert "Julia Becker – Sachbearbeitung" in response.text
    for persona in PERSONAS:
        assert persona.display_name in response.text
    assert hidden_fields(response.text)["code_challenge"] == challenge


async def test_a_wrong_redirect_uri_is_refused_here_without_redirect(client):
    _, challenge = pkce()
    params = authorize_params(challenge, "n", redirect_uri="https://angreifer.example/cb")
    response = await client.get("/dev-oidc/authorize", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Ungültige Anmeldeanfrage" in response.text


async def test_an_unknown_client_is_refused_here_without_redirect(client):
    _, challenge = pkce()
    params = authorize_params(challenge, "n", client_id="fremd")
    response = await client.get("/dev-oidc/authorize", params=params)
    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("with_pkce", "with_nonce"), [(False, True), (True, False)], ids=["ohne-pkce", "ohne-nonce"]
)
async def test_missing_pkce_or_nonce_goes_back_with_an_error(client, with_pkce, with_nonce):
    _, challenge = pkce()
    params = authorize_params(challenge if with_pkce else None, "n" if with_nonce else None)
    response = await client.get("/dev-oidc/authorize", params=params)
    assert response.status_code in {302, 303}
    location = response.headers["location"]
    assert location.startswith(f"{REDIRECT_URI}?")
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["zustand-123"]


async def test_an_unknown_persona_is_a_400_page(client):
    _, challenge = pkce()
    form = {**authorize_params(challenge, "n"), "persona": "niemand"}
    page = await client.get("/dev-oidc/authorize", params=authorize_params(challenge, "n"))
    form |= {k: v for k, v in hidden_fields(page.text).items() if k == "_csrf_token"}
    response = await client.post("/dev-oidc/authorize", data=form)
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_full_code_flow_gives_a_signed_id_token(client, client_secret):
    code, verifier, nonce = await log_in(client, "reviewer")
    response = await redeem(client, client_secret, code, verifier)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] > 0
    assert token["scope"] == "openid email profile"

    keys = KeySet.import_key_set((await client.get("/dev-oidc/jwks")).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    assert decoded.header["kid"] == keys.keys[0].kid
    claims = decoded.claims
    assert claims["iss"] == ISSUER
    assert claims["aud"] == DEV_CLIENT_ID
    assert claims["nonce"] == nonce
    assert claims["sub"] == "demo-reviewer"
    assert claims["roles"] == ["reviewer"]
    assert claims["email_verified"] is True
    assert claims["exp"] > claims["iat"]
    assert "auth_time" in claims

    userinfo = await client.get(
        "/dev-oidc/userinfo", headers={"authorization": f"Bearer {token['access_token']}"}
    )
    assert userinfo.status_code == 200
    assert userinfo.json() == {
        "sub": "demo-reviewer",
        "name": "Julia Becker",
        "email": "julia.becker@demo.foerderportal.example",
        "email_verified": True,
        "roles": ["reviewer"],
    }


async def test_association_personas_have_no_roles_claim_values(client, client_secret):
    code, verifier, _ = await log_in(client, "member")
    token = (await redeem(client, client_secret, code, verifier)).json()
    claims = jwt.decode(
        token["id_token"],
        KeySet.import_key_set((await client.get("/dev-oidc/jwks")).json()),
        algorithms=["RS256"],
    ).claims
    assert claims["sub"] == "demo-member"
    assert claims["roles"] == []


async def test_a_code_can_be_redeemed_only_once(client, client_secret):
    code, verifier, _ = await log_in(client)
    assert (await redeem(client, client_secret, code, verifier)).status_code == 200
    replay = await redeem(client, client_secret, code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


async def test_a_wrong_code_verifier_is_invalid_grant(client, client_secret):
    code, _, _ = await log_in(client)
    other_verifier, _ = pkce()
    response = await redeem(client, client_secret, code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_the_token_endpoint_needs_the_client_secret(client):
    code, verifier, _ = await log_in(client)
    response = await redeem(client, "falsch", code, verifier)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_client_secret_post_is_accepted(client, client_secret):
    code, verifier, _ = await log_in(client)
    response = await client.post(
        "/dev-oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": DEV_CLIENT_ID,
            "client_secret": client_secret,
        },
    )
    assert response.status_code == 200, response.text


async def test_userinfo_refuses_a_bad_token(client):
    response = await client.get("/dev-oidc/userinfo", headers={"authorization": "Bearer falsch"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_end_session_returns_to_the_registered_address(client):
    response = await client.get(
        "/dev-oidc/end-session",
        params={
            "client_id": DEV_CLIENT_ID,
            "post_logout_redirect_uri": "http://testserver/",
            "state": "s1",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/?state=s1"


async def test_end_session_with_the_id_token_hint(client, client_secret):
    code, verifier, _ = await log_in(client)
    id_token = (await redeem(client, client_secret, code, verifier)).json()["id_token"]
    response = await client.get(
        "/dev-oidc/end-session",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": "http://testserver/"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/"


async def test_end_session_elsewhere_shows_a_page(client):
    response = await client.get(
        "/dev-oidc/end-session",
        params={"client_id": DEV_CLIENT_ID, "post_logout_redirect_uri": "https://example.org/"},
    )
    assert response.status_code == 200
    assert "location" not in response.headers
    assert "Sie sind abgemeldet" in response.text


def test_the_router_refuses_production_settings(app):
    production = dataclasses.replace(app.state["settings"], env=Environment.PRODUCTION)
    with pytest.raises(RuntimeError, match="nur mit GRANTS_ENV=demo"):
        dev_provider_router(production)


@pytest.fixture
async def other_worker(app, database):
    """A second app instance on the same database and data directory: another worker."""
    other = create_app()
    async with other.lifespan():
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_another_worker_redeems_the_code_and_knows_the_key(
    client, other_worker, client_secret
):
    jwks = (await client.get("/dev-oidc/jwks")).json()
    assert (await other_worker.get("/dev-oidc/jwks")).json() == jwks
    code, verifier, nonce = await log_in(client)

    token = (await redeem(other_worker, client_secret, code, verifier)).json()
    claims = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=["RS256"]).claims
    assert claims["nonce"] == nonce
    bearer = {"authorization": f"Bearer {token['access_token']}"}
    assert (await client.get("/dev-oidc/userinfo", headers=bearer)).json()["sub"] == "demo-reviewer"
    replay = await redeem(client, client_secret, code, verifier)
    assert replay.json()["error"] == "invalid_grant"  # once, whichever worker is asked


async def test_a_login_completes_when_the_token_call_reaches_another_worker(app, database):
    portal, provider = create_app(), create_app()
    portal.state["oidc_transport"] = httpx2.ASGITransport(app=provider)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal),
                                 base_url="http://testserver") as browser:  # fmt: skip
        done = await sign_in(browser, "finance", next_path="/impressum")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/impressum"


async def test_a_second_request_with_the_nonce_of_an_open_code_is_refused(client):
    _, _, nonce = await log_in(client)
    _, challenge = pkce()
    again = await client.get("/dev-oidc/authorize", params=authorize_params(challenge, nonce))
    assert parse_qs(urlsplit(again.headers["location"]).query)["error"] == ["invalid_request"]


def test_the_signing_key_is_made_once_for_the_owner_only(tmp_path):
    key = signing_key(tmp_path / "data")
    assert (tmp_path / "data" / "dev-oidc-signing-key.json").stat().st_mode & 0o777 == 0o600
    assert signing_key(tmp_path / "data").as_dict(private=True) == key.as_dict(private=True)
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["dev-oidc-signing-key.json"]
