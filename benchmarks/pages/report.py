"""RESULTS.md: machine, versions, data size, and every figure beside its floor and target."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.pages.measure import Stats
from benchmarks.pages.run import Result, WriteResult

P95_MS, P99_MS, DB_FACTOR, FRAMEWORK_SHARE, HTML_BYTES = 100, 250, 3, 0.5, 100 * 1024


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))  # fmt: skip
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, {memory / 1024 / 1024:.0f} GB RAM; load average {load} at the end"


def versions(postgres: str) -> str:
    packages = ", ".join(
        f"{p} {version(p)}"
        for p in ("litestar", "piccolo", "asyncpg", "uvicorn", "jinja2", "httpx")
    )
    return f"Python {platform.python_version()}, {packages}; {postgres}"


def _ms(stats: Stats | None) -> str:
    return "–" if stats is None else f"{stats.p50:.1f} / {stats.p95:.1f} / {stats.p99:.1f}"


def _mark(ok: bool) -> str:
    return "" if ok else " ✗"


def row(result: Result, concurrency: int) -> str:
    app, database = result.app[concurrency], result.database[concurrency]
    framework = result.framework.get(concurrency)
    latency_ok = app.p95 <= P95_MS and app.p99 <= P99_MS
    db_factor = app.p50 / database.p50 if database.p50 else float("inf")
    share = app.rate / framework.rate if framework else None
    cells = [
        result.page.label, f"`{result.page.path}`", result.page.persona,
        f"{result.size / 1024:.0f} KB{_mark(result.size <= HTML_BYTES)}", str(result.queries),
        f"{_ms(app)}{_mark(latency_ok)}", f"{app.rate:.0f}" + (f" ({app.errors} err)" if app.errors else ""),
        _ms(database), f"{db_factor:.1f}×{_mark(db_factor <= DB_FACTOR)}",
        "–" if framework is None else f"{framework.rate:.0f}",
        "–" if share is None else f"{share:.0%}{_mark(share >= FRAMEWORK_SHARE)}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


HEADER = ("| page | path | persona | HTML | queries | p50 / p95 / p99 ms | req/s | DB floor p50 / p95 / p99 ms "
          "| × DB floor (p50) | framework floor req/s | of framework floor |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")  # fmt: skip


def write(path: Path, results: list[Result], writes: WriteResult | None, *, postgres: str, data: str,
          runs: dict[int, int], command: str) -> None:  # fmt: skip
    misses = sum(1 for r in results for c in r.app if row(r, c).count("✗"))
    lines = [
        "# Page benchmark at NRW scale",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`.",
        "",
        "The benchmark client, the portal, the framework floor and PostgreSQL share this machine's "
        "cores (the load average below tells what else ran); the ratios to the floors carry over to "
        "other machines better than the milliseconds.",
        "",
        f"- Machine: {machine()}",
        f"- Versions: {versions(postgres)}",
        f"- Data: {data}",
        f"- Requests per figure: {runs[1]} at 1 connection, {runs[16]} at 16 connections (after 5 warm-up requests)",
        "- Server: uvicorn, one worker, the flags of `grants serve`, log level INFO with access log "
        "(as in production), `GRANTS_ENV=demo` only because the personas sign in through the "
        "development identity provider, which production does not mount; pool of 10 connections.",
        "",
        "Targets: p95 ≤ 100 ms and p99 ≤ 250 ms; a page's p50 ≤ 3× its database floor; template pages "
        "≥ 50 % of the framework floor's requests/s; HTML ≤ 100 KB. ✗ marks a miss "
        f"({misses} rows with at least one miss).",
        "",
        "Columns: *queries* — SQL statements one request sends (transaction control not counted), "
        "captured by a hook on asyncpg in the server (pg_stat_statements is installed but not "
        "preloaded on this server, which needs a restart); *DB floor* — exactly those statements with "
        "their arguments replayed through asyncpg on a pool of 10 connections, in a transaction "
        "rolled back at the end (adds BEGIN/ROLLBACK); *framework floor* — a bare Litestar app "
        "(uvicorn, one worker, same flags) rendering a Jinja table page of the same size.",
        "",
    ]
    for concurrency in sorted({c for r in results for c in r.app}):
        lines += [
            f"## {concurrency} concurrent connection{'s' if concurrency > 1 else ''}",
            "",
            HEADER,
        ]
        lines += [row(r, concurrency) for r in results if concurrency in r.app]
        lines.append("")
    if writes:
        lines += [
            "## Concurrent writes: saving a plan line",
            "",
            "16 clients, each with its own draft application of the member's association, each saving "
            "one expense line in sequence (a save counts when the portal answers with the 303 to the "
            "plan); then the same use case `grants.services.plans.save_line` called directly, 16 at a "
            "time, on the portal's pool.",
            "",
            "| | saves | p50 / p95 / p99 ms | saves/s | errors |",
            "| --- | --- | --- | --- | --- |",
            f"| HTTP (acknowledged: {writes.acknowledged}) | {writes.http.count} | {_ms(writes.http)} | "
            f"{writes.http.rate:.0f} | {writes.http.errors} |",
            f"| direct (service) | {writes.direct.count} | {_ms(writes.direct)} | {writes.direct.rate:.0f} | "
            f"{writes.direct.errors} |",
            "",
        ]
    path.write_text("\n".join(lines))
