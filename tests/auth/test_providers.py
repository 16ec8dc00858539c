"""Several providers: the login page lets the user choose; unknown names are 404."""

import httpx
import pytest

from grants.settings import load_settings
from portal.app import create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def portal(migrated, tmp_path):
    (tmp_path / "grants.toml").write_text(
        '[[oidc]]\nname = "ki"\nlabel = "Mitarbeitende der Stadt Köln"\nissuer = "https://ki.example"\n'
        'client_id = "a"\nclient_secret = "b"\n\n[[oidc]]\nname = "vereine"\nlabel = "Vereine"\n'
        'issuer = "https://vereine.example"\nclient_id = "c"\nclient_secret = "d"\n', encoding="utf-8")  # fmt: skip
    settings = load_settings({"GRANTS_SECRET_KEY": "k" * 40, "GRANTS_CONFIG": "grants.toml",
                              "GRANTS_DATA_DIR": str(tmp_path)}, base_dir=tmp_path)  # fmt: skip
    app = create_app(settings)
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as c,
    ):
        yield c


async def test_the_login_page_offers_every_provider(portal):
    page = await portal.get("/auth/login", params={"next": "/impressum"})
    assert page.status_code == 200
    assert "<h1>Anmelden</h1>" in page.text
    assert 'href="/auth/login/ki?next=/impressum">Mitarbeitende der Stadt Köln</a>' in page.text
    assert 'href="/auth/login/vereine?next=/impressum">Vereine</a>' in page.text


async def test_an_unknown_provider_is_404(portal):
    assert (await portal.get("/auth/login/gibt-es-nicht")).status_code == 404


async def test_an_unreachable_provider_gives_the_german_failure_page(portal):
    answer = await portal.get("/auth/login/ki")
    assert answer.status_code == 400
    assert "<h1>Anmeldung fehlgeschlagen</h1>" in answer.text
