"""Starting the servers, signing in, and measuring pages, floors and writes."""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from benchmarks.pages import measure
from benchmarks.pages.measure import Stats
from benchmarks.pages.targets import Page
from tests.support.login import sign_in

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
CONCURRENCY = (1, 16)


@dataclass
class Result:
    page: Page
    size: int = 0
    queries: int = 0
    app: dict[int, Stats] = field(default_factory=dict)
    database: dict[int, Stats] = field(default_factory=dict)
    framework: dict[int, Stats] = field(default_factory=dict)


@dataclass
class WriteResult:
    http: Stats
    direct: Stats
    acknowledged: int


def start_server(
    factory: str, port: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """uvicorn with one worker and the flags of ``grants serve`` (portal/cli.py)."""
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--proxy-headers", "--no-server-header",
               "--log-level", "info"]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


async def wait_ready(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} antwortet nicht")


class Bench:
    def __init__(self, database_url: str, port: int, runs: dict[int, int], workdir: Path) -> None:
        self.database_url, self.port, self.runs, self.workdir = database_url, port, runs, workdir
        self.base = f"http://127.0.0.1:{port}"
        self.floor = f"http://127.0.0.1:{port + 1}"
        self.capture = Path(tempfile.mkdtemp(prefix="bench_capture_"))
        self.clients: dict[str, httpx.AsyncClient] = {}

    def env(self) -> dict[str, str]:
        return {**os.environ, "GRANTS_ENV": "demo", "GRANTS_DATABASE_URL": self.database_url,
                "GRANTS_BASE_URL": self.base, "GRANTS_LOGIN_RATE_LIMIT": "100000",
                "GRANTS_DATA_DIR": str(self.workdir), "BENCH_CAPTURE_DIR": str(self.capture)}  # fmt: skip

    async def client(self, persona: str) -> httpx.AsyncClient:
        if persona not in self.clients:
            client = httpx.AsyncClient(base_url=self.base, limits=measure.LIMITS, timeout=60)
            answer = await sign_in(client, persona)
            assert answer.status_code in (200, 303), (persona, answer.status_code)
            await client.get("/")  # the CSRF cookie
            self.clients[persona] = client
        return self.clients[persona]

    async def captured(
        self, client: httpx.AsyncClient, page: Page, name: str
    ) -> tuple[int, list[Any]]:
        response = await client.get(page.path, headers={"x-bench-capture": name})
        assert response.status_code == 200, (page.path, response.status_code)
        queries = pickle.loads((self.capture / f"{name}.pickle").read_bytes())  # noqa: S301 (our own file)
        return len(response.content), [
            q for q in queries if not q[0].lstrip().upper().startswith(CONTROL)
        ]

    async def page(
        self, page: Page, number: int, pool: asyncpg.Pool, floor: httpx.AsyncClient
    ) -> Result:
        client = await self.client(page.persona)
        task = measure.page_task(client, page.path)
        await measure.run(task, 5, 1)  # warm-up
        result = Result(page)
        result.size, queries = await self.captured(client, page, f"page{number}")
        result.queries = len(queries)
        replay = measure.replay_task(pool, queries)
        floor_task = measure.page_task(floor, f"/page?size={result.size}")
        await measure.run(replay, 5, 1)
        await measure.run(floor_task, 5, 1)
        for concurrency in CONCURRENCY:
            n = self.runs[concurrency]
            result.app[concurrency] = await measure.run(task, n, concurrency)
            result.database[concurrency] = await measure.run(replay, n, concurrency)
            if page.template:
                result.framework[concurrency] = await measure.run(floor_task, n, concurrency)
        return result

    async def check(self, pages: list[Page], personas: list[str]) -> list[str]:
        """Open every page as every persona; returns a line per server error (5xx)."""
        failures = []
        for persona in personas:
            client = await self.client(persona)
            codes = []
            for page in pages:
                status = (await client.get(page.path)).status_code
                codes.append(str(status))
                if status >= 500:
                    failures.append(f"{persona} {page.path}: {status}")
            print(f"{persona:10} {' '.join(codes)}", flush=True)
        return failures

    async def writes(self, drafts: list[tuple[int, str]], per_client: int) -> WriteResult:
        """16 clients each saving one plan line of their own draft ``per_client`` times; a save
        counts when the portal answers with the redirect to the plan (303). Then the same
        use case (``grants.services.plans.save_line``) called directly, 16 at a time."""
        client = await self.client("member")
        token = client.cookies["csrftoken"]
        versions = await self._versions([a for a, _ in drafts])
        acknowledged = 0

        def saver(app: int, key: str) -> Any:
            async def save() -> bool:
                nonlocal acknowledged
                response = await client.post(f"/antraege/{app}/finanzplan/posten", data={
                    "kind_path": "ausgabe", "line_key": key, "category": "material",
                    "description": "Lehr- und Verbrauchsmaterial", "amount": f"{1000 + versions[app]},00",
                    "version": str(versions[app]), "_csrf_token": token})  # fmt: skip
                ok = response.status_code == 303 and response.headers["location"].endswith(
                    "/finanzplan"
                )
                versions[app] += ok
                acknowledged += ok
                return ok

            return save

        http = await _per_client([saver(a, k) for a, k in drafts], per_client)
        direct = await self._direct(drafts, per_client)
        return WriteResult(http, direct, acknowledged)

    async def _versions(self, apps: list[int]) -> dict[int, int]:
        connection = await asyncpg.connect(self.database_url)
        try:
            rows = await connection.fetch(
                "SELECT id, version FROM application WHERE id = any($1)", apps
            )
        finally:
            await connection.close()
        return {r["id"]: r["version"] for r in rows}

    async def _direct(self, drafts: list[tuple[int, str]], per_client: int) -> Stats:
        from grants import db
        from grants.money import Money
        from grants.services import plans
        from grants.services.users import load_principal
        from grants.tables import User
        from grants.vocabulary import PlanLineKind

        async with db.connected():
            user = await User.objects().get(User.subject == "demo-member")
            principal = await load_principal(user.id)
            assert principal is not None
            versions = await self._versions([a for a, _ in drafts])

            def saver(app: int, key: str) -> Any:
                async def save() -> bool:
                    data = plans.LineInput(kind=PlanLineKind.EXPENSE, category="material",
                                           description="Lehr- und Verbrauchsmaterial",
                                           amount=Money.from_decimal(1000 + versions[app]))  # fmt: skip
                    async with db.unit_of_work():
                        await plans.save_line(principal, app, versions[app], key, data)
                    versions[app] += 1
                    return True

                return save

            return await _per_client([saver(a, k) for a, k in drafts], per_client)


async def _per_client(savers: list[Any], per_client: int) -> Stats:
    """Each saver runs ``per_client`` times in its own sequence; all savers at once."""
    latencies: list[float] = []
    errors = 0

    async def sequence(save: Any) -> None:
        nonlocal errors
        for _ in range(per_client):
            started = time.perf_counter()
            errors += not await save()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(sequence(s) for s in savers))
    return Stats.of(latencies, time.perf_counter() - started, errors)
