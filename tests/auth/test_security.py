"""Security headers on every response, the login rate limit, and the audit chain."""

from contextlib import asynccontextmanager
from types import SimpleNamespace

import httpx
import pytest

from grants import audit
from grants.settings import load_settings
from grants.tables import AuditEvent
from portal import security
from portal.app import create_app

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "path", ["/", "/impressum", "/gibt-es-nicht", "/static/app.css", "/healthz", "/auth/login"]
)
async def test_every_response_carries_the_security_headers(client, path):
    headers = (await client.get(path)).headers
    csp = headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"):  # fmt: skip
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers  # plain http in the tests
    if path.startswith("/static/"):
        assert headers["cache-control"] == "max-age=3600"
    else:
        assert headers["cache-control"] == "no-store"


@pytest.fixture
def https_settings(tmp_root):
    return load_settings({
        "GRANTS_ENV": "production", "GRANTS_SECRET_KEY": "h" * 40, "GRANTS_BASE_URL": "https://portal.test",
        "GRANTS_DATA_DIR": str(tmp_root / "https"), "GRANTS_LOGIN_RATE_LIMIT": "3",
        "GRANTS_OIDC_ISSUER": "https://login.example.org/realms/ki", "GRANTS_OIDC_CLIENT_ID": "portal",
        "GRANTS_OIDC_CLIENT_SECRET": "geheim",
    })  # fmt: skip


@asynccontextmanager
async def portal(settings):
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://portal.test") as client:
            yield client


@pytest.fixture
async def https_portal(migrated, database, https_settings, monkeypatch):
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: 1_800_000_010.0))
    async with portal(https_settings) as client:
        yield client


async def test_https_adds_hsts_and_host_prefixed_secure_cookies(https_portal):
    answer = await https_portal.get("/")
    assert answer.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert (
        "form-action 'self' https://login.example.org" in answer.headers["content-security-policy"]
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-csrftoken=")
    assert "Secure" in cookie
    assert "Path=/" in cookie


async def test_login_attempts_are_rate_limited(https_portal):
    for _ in range(3):  # the provider is unreachable here: each attempt is a failed login
        assert (await https_portal.get("/auth/callback")).status_code == 400
    limited = await https_portal.get("/auth/callback")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "Zu viele Anfragen" in limited.text
    assert (await https_portal.get("/impressum")).status_code == 200  # other pages are not limited


async def test_the_limit_holds_across_app_workers(migrated, database, https_settings, monkeypatch):
    """Two apps on one database, as two workers: together they admit the limit once."""
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: 1_800_000_010.0))
    async with portal(https_settings) as first, portal(https_settings) as second:
        answers = [await worker.get("/auth/callback") for worker in (first, second, first, second)]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert answers[-1].headers["retry-after"] == "50"


async def test_the_audit_chain_detects_tampering(database):
    actor = audit.Actor(None, "req-1")
    for number in range(3):
        await audit.record(actor, "test.event", "thing", number, data={"n": number})
    assert await audit.verify_chain() is None
    second = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id).offset(1).first()
    await AuditEvent.update({AuditEvent.data: {"n": 99}}).where(AuditEvent.id == second["id"])
    assert await audit.verify_chain() == second["id"]


async def test_a_deleted_audit_event_breaks_the_chain(database):
    actor = audit.Actor(None)
    for number in range(3):
        await audit.record(actor, "test.event", "thing", number)
    rows = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)
    await AuditEvent.delete().where(AuditEvent.id == rows[1]["id"])
    assert await audit.verify_chain() == rows[2]["id"]
