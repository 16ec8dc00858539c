"""kill -9 in the middle of a burst of writes: after a restart every write the server
acknowledged is there, the budget's figures keep their rules and the audit chain verifies.

The app runs as its own process on its own database (a SQLite file, or a sibling PostgreSQL
database). A member writes messages from three connections while finance raises a budget
line's appropriation step by step; once some writes are acknowledged the server gets SIGKILL,
twice, and the database is read by :mod:`tests.robustness.crash_check`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import anyio
import httpx
import pytest

from grants.money import Money
from tests.conftest import TEST_DATABASE_URL
from tests.robustness.html import form_on
from tests.support import applying
from tests.support.login import sign_in
from tests.support.postgres import fresh_postgres_database
from tests.support.server import command_env, free_port, grants

pytestmark = pytest.mark.anyio
CYCLES = 2
WRITERS = 3  # connections writing messages at once
ACKNOWLEDGED_BEFORE_KILL = 12  # per cycle


class Server:
    """``uvicorn portal.app:create_app`` on a fixed port, started and killed at will."""

    def __init__(self, workdir: Path, env: dict[str, str], port: int) -> None:
        self.workdir, self.env, self.port = workdir, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "portal.app:create_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with (self.workdir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)  # fmt: skip

    async def start(self) -> None:
        self.spawn()
        assert self.process is not None
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as probe:
            while True:
                assert self.process.poll() is None, (self.workdir / "server.log").read_text()
                with suppress(httpx.TransportError):
                    if (await probe.get(f"{self.base}/healthz", timeout=2)).status_code == 200:
                        return
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def read_back(workdir: Path, env: dict[str, str], application_id: int) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.robustness.crash_check", str(application_id)],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def prepared(workdir: Path, url: str, port: int) -> tuple[dict[str, str], dict[str, int]]:
    """Migrate, load the demo data and open a call today, through the command line; the
    server's environment and the open call."""
    if url.startswith("sqlite"):
        (workdir / "crash.sqlite3").unlink(missing_ok=True)
    env = command_env(GRANTS_ENV="demo", GRANTS_DATABASE_URL=url, GRANTS_LOG_LEVEL="WARNING",
                      GRANTS_LOGIN_RATE_LIMIT="1000", GRANTS_DATA_DIR=str(workdir / "data"),
                      GRANTS_BASE_URL=f"http://127.0.0.1:{port}")  # fmt: skip
    for step in ("migrate", "seed-demo"):
        result = grants(step, cwd=workdir, env=env)
        assert result.returncode == 0, result.stderr
    opened = subprocess.run(
        [sys.executable, "-c", "import asyncio, json; from tests.support.applying import open_call; "
                               "print(json.dumps(asyncio.run(open_call())))"],
        cwd=workdir, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    return env, json.loads(opened.stdout.splitlines()[-1])


@pytest.fixture
async def crashable(tmp_root: Path):
    """A migrated database with the demo data and a call open today; a server for it."""
    workdir = tmp_root / "crash"
    workdir.mkdir(exist_ok=True)
    if TEST_DATABASE_URL.startswith("postgres"):
        url = await fresh_postgres_database(TEST_DATABASE_URL, "crash")
    else:
        url = f"sqlite:///{workdir / 'crash.sqlite3'}"
    port = free_port()
    env, world = await anyio.to_thread.run_sync(prepared, workdir, url, port)
    server = Server(workdir, env, port)
    yield server, world
    if server.process and server.process.poll() is None:
        server.kill()


async def signed_in(server: Server, persona: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=server.base, timeout=30)
    await sign_in(client, persona)
    await client.get("/")  # the CSRF cookie
    return client


async def write_messages(client: httpx.AsyncClient, path: str, tag: str, acknowledged: list[str]):
    """Post messages one after another until the server dies; note the acknowledged ones."""
    page = await client.get(path.removesuffix("/nachrichten"))
    form = form_on(str(page.url), page.text, path)
    number = 0
    while True:
        body = f"Nachricht {tag}-{number}"
        fields = {**dict(form.fields), "body": body}  # the form is multipart (it takes files)
        try:
            answer = await client.post(
                path, files={k: (None, v.encode()) for k, v in fields.items()}
            )
        except httpx.TransportError:
            return
        assert answer.status_code == 303, answer.text
        acknowledged.append(body)
        number += 1


async def raise_appropriation(client: httpx.AsyncClient, line_id: int, start: Money,
                              acknowledged: list[tuple[int, int]], tried: list[int]) -> None:  # fmt: skip
    """Finance raises the line's appropriation by 1 cent a save, each with the version it read;
    notes (cents, version) of each acknowledged save and every amount it sent."""
    path = f"/haushalt/stellen/{line_id}/bearbeiten"
    page = await client.get(path)
    form = form_on(str(page.url), page.text, path)
    fields = dict(form.fields)
    version = int(fields["version"])
    cents = start.cents
    while True:
        cents += 1
        euro = f"{cents // 100},{cents % 100:02d}"
        tried.append(cents)
        try:
            answer = await client.post(path, data={**fields, "appropriation": euro,
                                                   "version": str(version)})  # fmt: skip
        except httpx.TransportError:
            return
        assert answer.status_code == 303, answer.text
        version += 1
        acknowledged.append((cents, version))


async def test_acknowledged_writes_survive_kill_9(crashable):
    server, world = crashable
    await server.start()
    member = await signed_in(server, "member")
    application_id = await applying.start(member, world)
    await member.aclose()
    before = read_back(server.workdir, server.env, application_id)
    line_id, line = max(before["lines"].items(), key=lambda item: item[1]["committed"])
    messages: list[str] = []
    saves: list[tuple[int, int]] = []
    tried: list[int] = []
    start = Money(line["appropriation"])
    for cycle in range(CYCLES):
        if cycle:
            await server.start()
        member = await signed_in(server, "member")
        members = [member] + [
            httpx.AsyncClient(base_url=server.base, cookies=member.cookies, timeout=30)
            for _ in range(WRITERS - 1)
        ]  # one session, several connections
        finance = await signed_in(server, "finance")
        path = f"/antraege/{application_id}/nachrichten"
        writers = [asyncio.create_task(write_messages(c, path, f"{cycle}.{n}", messages))
                   for n, c in enumerate(members)]  # fmt: skip
        writers.append(asyncio.create_task(
            raise_appropriation(finance, int(line_id), start, saves, tried)))  # fmt: skip
        messages_before, saves_before = len(messages), len(saves)
        deadline = time.monotonic() + 60
        while (len(saves) == saves_before  # a save of this cycle is the last acknowledged one
               or len(messages) + len(saves) - messages_before - saves_before < ACKNOWLEDGED_BEFORE_KILL):  # fmt: skip
            await asyncio.sleep(0.01)
            assert time.monotonic() < deadline, "the writes were not acknowledged in time"
            assert not any(w.done() and w.exception() for w in writers), [
                w.exception() for w in writers if w.done()
            ]
        server.kill()  # mid-burst: every writer has a request under way
        await asyncio.gather(*writers)
        for client in [*members, finance]:
            await client.aclose()
        start = Money(tried[-1])

    await server.start()  # comes up on the killed database; the member sees the last message
    member = await signed_in(server, "member")
    assert messages[-1] in (await member.get(f"/antraege/{application_id}")).text
    await member.aclose()
    after = read_back(server.workdir, server.env, application_id)
    assert set(messages) <= set(after["messages"])
    assert len(after["messages"]) <= len(messages) + CYCLES * WRITERS  # at most the ones under way
    assert saves
    stored, (acked_cents, acked_version) = after["lines"][line_id], saves[-1]
    # the last acknowledged save, or the one sent after it that was committed but not answered
    assert tried.index(stored["appropriation"]) - tried.index(acked_cents) in (0, 1)
    assert stored["version"] - acked_version in (0, 1)
    # an appropriation never drops below what is committed on its line (grants.services.budget)
    broken = {n: f for n, f in after["lines"].items()
              if not 0 <= f["committed"] <= f["appropriation"] or f["paid"] < 0}  # fmt: skip
    assert broken == {}
    assert after["audit_broken_at"] is None
