"""Error pages without internals, the health check, and request ids."""

import logging

import httpx
import pytest

from grants import db
from tests.support.failing_app import create_app as create_failing_app

pytestmark = pytest.mark.anyio


async def test_unknown_page_is_a_german_404_page(client):
    response = await client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Seite nicht gefunden</h1>" in response.text
    assert response.headers["x-request-id"] in response.text


async def test_api_clients_get_a_problem_body(client):
    response = await client.get("/gibt-es-nicht", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Seite nicht gefunden"


async def test_wrong_method_is_a_german_405_page(client):
    response = await client.post("/impressum")
    assert response.status_code == 405
    assert "Aktion nicht möglich" in response.text


@pytest.fixture
async def failing_client(migrated):
    """The app with two routes that fail on purpose; it shares the test database."""
    app = create_failing_app()
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_server_error_shows_no_internals_and_logs_the_request_id(failing_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = await failing_client.get("/_test/kaputt")
    assert response.status_code == 500
    assert "<h1>Technischer Fehler</h1>" in response.text
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    assert request_id in response.text
    logged = [r for r in caplog.records if r.exc_info]
    assert logged
    assert logged[0].request_id == request_id


async def test_forbidden_is_a_german_403_page_without_the_internal_reason(failing_client):
    response = await failing_client.get("/_test/verboten")
    assert response.status_code == 403
    assert "<h1>Kein Zugriff</h1>" in response.text
    assert "nur für den Test" not in response.text


async def test_request_id_from_a_proxy_is_kept_and_a_bad_one_replaced(client):
    kept = await client.get("/impressum", headers={"x-request-id": "proxy-1234abcd"})
    assert kept.headers["x-request-id"] == "proxy-1234abcd"
    replaced = await client.get("/impressum", headers={"x-request-id": "<script>"})
    assert replaced.headers["x-request-id"] != "<script>"
    assert len(replaced.headers["x-request-id"]) == 16


async def test_healthz_reports_database_and_schema(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "schema": "current"}


async def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    async def unreachable(engine=None):
        raise db.DatabaseUnavailable("Die Datenbank ist nicht erreichbar: refused")

    monkeypatch.setattr(db, "ping", unreachable)
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
