"""The whole redirect flow against a real OpenID provider this project did not write
(``oidc-provider-mock``, Authlib on Flask, running in its own server thread), through the
same code as production: real HTTP for discovery, token and JWKS."""

import warnings
from urllib.parse import urlsplit

import authlib.deprecate  # noqa: F401 — installs Authlib's "always" filter before ours below
import httpx
import pytest

from grants.settings import load_settings
from grants.tables import User, UserRole
from portal.app import create_app

pytestmark = pytest.mark.anyio
PORTAL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def provider():
    with warnings.catch_warnings():  # the provider still imports Authlib's deprecated jose module
        warnings.simplefilter("ignore")
        from oidc_provider_mock import User as ProviderUser
        from oidc_provider_mock import run_server_in_thread

    kim = ProviderUser(sub="kim-4711", claims={
        "email": "kim.yilmaz@stadt-koeln.example", "email_verified": True, "name": "Kim Yılmaz",
        "groups": ["ki-leitung"],
    })  # fmt: skip
    with run_server_in_thread(require_nonce=True, user_claims=[kim]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
async def portal(migrated, database, provider, tmp_root):
    settings = load_settings({
        "GRANTS_ENV": "production", "GRANTS_SECRET_KEY": "r" * 40, "GRANTS_BASE_URL": PORTAL,
        "GRANTS_DATA_DIR": str(tmp_root / "real"), "GRANTS_OIDC_ISSUER": provider,
        "GRANTS_OIDC_CLIENT_ID": "foerderportal", "GRANTS_OIDC_CLIENT_SECRET": "geheim",
        "GRANTS_OIDC_ROLES_CLAIM": "groups", "GRANTS_OIDC_ROLE_MAP": "ki-leitung=approver",
    })  # fmt: skip
    app = create_app(settings)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PORTAL) as client,
    ):
        yield client


async def test_login_and_logout_against_a_real_provider(portal, provider):
    start = await portal.get("/auth/login", params={"next": "/impressum"})
    authorize = start.headers["location"]
    assert authorize.startswith(f"{provider}/oauth2/authorize?")

    async with httpx.AsyncClient() as browser:  # the user's browser at the provider
        form = await browser.get(authorize)
        assert form.status_code == 200
        chosen = await browser.post(authorize, data={"sub": "kim-4711"})
    callback = urlsplit(chosen.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == f"{PORTAL}/auth/callback"

    done = await portal.get(f"/auth/callback?{callback.query}")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/impressum"
    page = await portal.get("/impressum")
    assert "Angemeldet als <strong>Kim Yılmaz</strong>" in page.text

    user = await User.objects().get(User.subject == "kim-4711")
    assert user.issuer == provider
    assert await UserRole.select(UserRole.role).where(UserRole.user == user.id) == [
        {"role": "approver"}
    ]

    logout = await portal.post("/auth/logout", data={"_csrf_token": portal.cookies["csrftoken"]})
    assert logout.headers["location"].startswith(f"{provider}/oauth2/end_session?")
    assert "Anmelden" in (await portal.get("/")).text
