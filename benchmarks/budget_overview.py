"""How fast is the budget overview of one fiscal year? (Not a test: run it by hand or in CI.)

    GRANTS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/grants_bench_budget \\
        .venv/bin/python -m benchmarks.budget_overview --year 2026

Measures, 200 times each after a warm-up: the service call the page uses
(:func:`grants.services.budget.overview`) and the page ``/haushalt?jahr=…`` through an in-process
ASGI client signed in as the finance persona (session, access check, queries, template); for
information also the drill-down of the year's busiest line. Prints p50/p95/p99 in milliseconds
and exits with 1 when the overview's p95 (service or page) exceeds 100 ms on PostgreSQL.

Fill the database first with :mod:`benchmarks.generate_budget_data`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

os.environ.update(
    GRANTS_ENV="demo",  # the development provider signs the finance persona in
    GRANTS_BASE_URL="http://testserver",
    GRANTS_LOG_LEVEL="WARNING",
    GRANTS_LOGIN_RATE_LIMIT="100000",
)
os.environ.setdefault("GRANTS_DATA_DIR", tempfile.mkdtemp(prefix="grants-bench-"))
if "GRANTS_DATABASE_URL" not in os.environ:
    sys.exit(
        "Bitte GRANTS_DATABASE_URL setzen, z. B. postgresql://postgres@127.0.0.1:5432/grants_bench_budget"
    )

import httpx
import httpx2

from grants import db
from grants.services import budget
from grants.services.users import Principal, load_principal
from grants.tables import BudgetCommitment, FiscalYear, User
from portal.app import create_app

LIMIT_MS = 100.0


class HiddenFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values.get("name") or ""] = values.get("value") or ""


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def sign_in(client: httpx.AsyncClient, persona: str) -> None:
    """Through the portal's real OIDC code path against the development provider."""
    start = await client.get("/auth/login", params={"next": "/"})
    picker = await client.get(local(start.headers["location"]))
    parser = HiddenFields()
    parser.feed(picker.text)
    chosen = await client.post(local(start.headers["location"]).split("?")[0],
                               data={**parser.fields, "persona": persona})  # fmt: skip
    done = await client.get(local(chosen.headers["location"]))
    if done.status_code != 303:
        sys.exit(f"Anmeldung als {persona} fehlgeschlagen: {done.status_code}")


async def measure(
    name: str, runs: int, warmup: int, call: Callable[[], Awaitable[Any]]
) -> list[float]:
    for _ in range(warmup):
        await call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    print(
        f"{name:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   ({runs}×)",
        flush=True,
    )
    return [p50, p95, p99]


async def busiest_line(year: int) -> int:
    rows = await BudgetCommitment.select(BudgetCommitment.budget_line).where(
        BudgetCommitment.budget_line.fiscal_year.year == year
    )
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["budget_line"]] = counts.get(row["budget_line"], 0) + 1
    return max(counts, key=lambda line: counts[line])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, help="Haushaltsjahr (Standard: das neueste in Kraft)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    app = create_app()
    app.state["oidc_transport"] = httpx2.ASGITransport(app=app)
    async with app.lifespan():
        engine = db.get_engine()
        years = await FiscalYear.select(FiscalYear.year, FiscalYear.budget_in_force).order_by(
            FiscalYear.year
        )
        if not years:
            sys.exit("Keine Haushaltsjahre: erst benchmarks.generate_budget_data ausführen.")
        year = args.year or max(y["year"] for y in years if y["budget_in_force"])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            await sign_in(client, "finance")
            user = await User.objects().get(User.subject == "demo-finance")
            principal: Principal | None = await load_principal(user.id)
            assert principal is not None
            overview = await budget.overview(principal, year)
            line = await busiest_line(year)
            detail = await budget.line_detail(principal, line)
            print(f"Datenbank: {engine.engine_type}; Haushaltsjahr {year}: {len(overview.lines)} Haushaltsstellen, "
                  f"gebunden {overview.totals.committed.format()}, ausgezahlt {overview.totals.paid.format()}; "
                  f"Drill-down der Haushaltsstelle {line}: {detail.grant_count} Zuwendungen")  # fmt: skip

            async def page(url: str) -> None:
                answer = await client.get(url)
                if answer.status_code != 200:
                    raise RuntimeError(f"{url}: {answer.status_code}")

            results = {
                "overview service": await measure("Übersicht: Dienst budget.overview", args.runs, args.warmup,
                                                  lambda: budget.overview(principal, year)),
                "overview page": await measure(f"Übersicht: Seite /haushalt?jahr={year}", args.runs, args.warmup,
                                               lambda: page(f"/haushalt?jahr={year}")),
            }  # fmt: skip
            await measure("Drill-down: Dienst budget.line_detail", args.runs, args.warmup,
                          lambda: budget.line_detail(principal, line))  # fmt: skip
            await measure(f"Drill-down: Seite /haushalt/stellen/{line}", args.runs, args.warmup,
                          lambda: page(f"/haushalt/stellen/{line}"))  # fmt: skip
    slow = [name for name, (_, p95, _) in results.items() if p95 > LIMIT_MS]
    if slow and engine.engine_type == "postgres":
        print(f"ZU LANGSAM: p95 über {LIMIT_MS:.0f} ms bei {', '.join(slow)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
