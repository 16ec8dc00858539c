"""Measure every main page of the portal at NRW scale, beside its database and framework floors.

    GRANTS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/grants_bench \\
        .venv/bin/python -m benchmarks.pages [--quick] [--only <page>]

Needs data from ``benchmarks.generate_nrw_data`` on PostgreSQL. Starts the portal (uvicorn, one
worker, like ``grants serve``) and a bare Litestar app on ``--port`` and ``--port``+1, signs in
as each persona through the development identity provider, measures each page at 1 and 16
connections, replays each page's SQL directly (database floor), renders a page of the same size
in the bare app (framework floor), measures concurrent plan-line saves, and writes
``benchmarks/RESULTS.md``. The personas' issuer is set to the address served (the data may have
been generated for another one); the write test adds 16 draft applications once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

from benchmarks.pages import measure, report, targets
from benchmarks.pages.run import Bench, Result, WriteResult, start_server, wait_ready
from grants.demo.personas import PERSONAS

RESULTS = Path(__file__).resolve().parent.parent / "RESULTS.md"


async def data_summary(connection: asyncpg.Connection) -> str:
    counts = []
    for table in ("organisation", "application", "plan_line", "grant_award", "payment_order", "receipt",
                  "indicator_value"):  # fmt: skip
        count = await connection.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
        counts.append(f"{count:,} {table}")
    size = await connection.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    return ", ".join(counts) + f"; database {size}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="weniger Anfragen (30 / 96)")
    parser.add_argument("--only", help="nur Seiten, deren Name dies enthält (z. B. 'review queue')")
    parser.add_argument("--port", type=int, default=8642)
    parser.add_argument("--no-writes", action="store_true", help="ohne Schreibtest")
    parser.add_argument("--check", action="store_true",
                        help="nur jede Seite als jede Persona öffnen (Statuscodes; Fehler bei 5xx)")  # fmt: skip
    args = parser.parse_args()
    url = os.environ.get("GRANTS_DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Bitte GRANTS_DATABASE_URL auf die PostgreSQL-Datenbank von generate_nrw_data setzen."
        )
    runs = {1: 30, 16: 96} if args.quick else {1: 200, 16: 480}
    workdir = Path(tempfile.mkdtemp(prefix="bench_pages_"))
    bench = Bench(url, args.port, runs, workdir)
    os.environ.update(
        {k: v for k, v in bench.env().items() if k.startswith("GRANTS_")}
    )  # direct writes
    connection = await asyncpg.connect(url)
    await connection.execute(
        "UPDATE app_user SET issuer = $1 WHERE subject LIKE 'demo-%'", f"{bench.base}/dev-oidc"
    )
    pages = [p for p in await targets.pages(connection) if not args.only or args.only in p.label]
    writing = not args.no_writes and (not args.only or args.only in "writes")
    drafts = await targets.writable_drafts(connection, 16) if writing and not args.check else []
    postgres = (await connection.fetchval("SELECT version()")).split(" on ")[0]
    data = await data_summary(connection)
    await connection.close()
    log = workdir / "servers.log"
    servers = [start_server("benchmarks.pages.servers:portal_app", args.port, bench.env(), log),
               start_server("benchmarks.pages.servers:floor_app", args.port + 1, bench.env(), log)]  # fmt: skip
    results: list[Result] = []
    writes: WriteResult | None = None
    command = " ".join(["python -m benchmarks.pages", *sys.argv[1:]])

    def write_report() -> None:
        report.write(
            RESULTS, results, writes, postgres=postgres, data=data, runs=runs, command=command
        )
        print(f"→ {RESULTS} (Serverprotokoll: {log})", flush=True)

    try:
        await wait_ready(f"{bench.base}/healthz")
        await wait_ready(f"{bench.floor}/page?size=10")
        if args.check:
            print("pages: " + " | ".join(p.label for p in pages))
            failures = await bench.check(pages, [p.key for p in PERSONAS])
            sys.exit("\n".join(["Serverfehler:", *failures]) if failures else 0)
        pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
        async with httpx.AsyncClient(base_url=bench.floor, limits=measure.LIMITS) as floor:
            for number, page in enumerate(pages):
                result = await bench.page(page, number, pool, floor)
                results.append(result)
                one, many = result.app[1], result.app[16]
                print(f"{page.label:26} {result.size / 1024:6.0f} KB {result.queries:3} q  "
                      f"c1 p95 {one.p95:7.1f} ms  c16 p95 {many.p95:7.1f} ms {many.rate:6.0f}/s  "
                      f"db p50 {result.database[1].p50:6.1f} ms", flush=True)  # fmt: skip
        await pool.close()
        write_report()
        if drafts:
            writes = await bench.writes(drafts, 8 if args.quick else 25)
            print(f"writes: http {writes.http.rate:.0f}/s p95 {writes.http.p95:.1f} ms, "
                  f"direct {writes.direct.rate:.0f}/s p95 {writes.direct.p95:.1f} ms", flush=True)  # fmt: skip
    finally:
        for client in bench.clients.values():
            await client.aclose()
        for server in servers:
            server.terminate()
            server.wait(10)
    if not args.check:
        write_report()


if __name__ == "__main__":
    asyncio.run(main())
