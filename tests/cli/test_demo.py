"""``grants demo`` on a fresh checkout: a SQLite database under var/, demo data, a served portal."""

import hashlib

import httpx

from grants.demo.data import DEMO_PDF
from tests.support.server import command_env, free_port, grants_command, serving


def test_demo_serves_start_page_and_healthz_with_no_other_service(tmp_path):
    port = free_port()
    env = command_env()  # no GRANTS_* at all, as on a fresh machine
    with serving(
        grants_command("demo", "--port", str(port)), cwd=tmp_path, env=env, port=port
    ) as url:
        start = httpx.get(f"{url}/")
        health = httpx.get(f"{url}/healthz")

    assert start.status_code == 200
    assert "Förderung der Interkulturellen Zentren in Köln" in start.text
    assert ">Demo<" in start.text
    assert health.json() == {"status": "ok", "database": "ok", "schema": "current"}
    assert (tmp_path / "var" / "demo.sqlite3").exists()
    stored = {path.name: path.read_bytes() for path in (tmp_path / "var" / "files").glob("*/*/*")}
    assert stored.pop(hashlib.sha256(DEMO_PDF).hexdigest()) == DEMO_PDF  # behind the attachments
    assert len(stored) >= 5  # each exported batch's Excel
    assert all(content.startswith(b"PK") for content in stored.values())
    log = (tmp_path / f"server-{port}.log").read_text()
    assert f"Startseite:   http://127.0.0.1:{port}/" in log
    assert "Demodaten" in log


def test_demo_keeps_its_data_when_started_again(tmp_path):
    env = command_env()
    for expected in ("mit neuen Demodaten", "bereit"):
        port = free_port()
        with serving(grants_command("demo", "--port", str(port)), cwd=tmp_path, env=env, port=port):
            pass
        log = (tmp_path / f"server-{port}.log").read_text()
        assert expected in log
    assert "mit neuen Demodaten" not in log
