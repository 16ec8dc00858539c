"""Fill a database with NRW-scale data for :mod:`benchmarks.pages`.

    GRANTS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/grants_bench \\
        .venv/bin/python -m benchmarks.generate_nrw_data --reset
    GRANTS_DATABASE_URL=sqlite:////tmp/grants_bench.sqlite3 \\
        .venv/bin/python -m benchmarks.generate_nrw_data --reset --scale 0.05

The demo world (personas, their association, every state of applications, grants, payments,
usage reports) grown to ~2,000 organisations, ten fiscal years (2018–2027), ~24,000
applications with ~8 plan lines, versions, reviews and messages, ~18,000 grants, ~110,000
payment orders and ~1,000,000 receipts (:mod:`benchmarks.nrw.builder`). The schema comes from
the migrations; rows go in with COPY on PostgreSQL and Piccolo inserts on SQLite; then the
maintained next instalments are refreshed and the tables vacuumed and analysed. ``--reset`` drops and
recreates the database (PostgreSQL) or deletes the file (SQLite). The personas' issuer is
``GRANTS_BASE_URL``/dev-oidc: serve the data on that address to sign in as them.

Deterministic: the same ``--seed`` and ``--scale`` give the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("GRANTS_ENV", "demo")  # the personas sign in through the dev provider
if "GRANTS_DATABASE_URL" not in os.environ:
    sys.exit(
        "Bitte GRANTS_DATABASE_URL setzen, z. B. postgresql://postgres@127.0.0.1:5432/grants_bench"
    )

import asyncpg

from benchmarks.nrw import builder, load
from grants import db, schema
from grants.demo import seed
from grants.services.payments import refresh_next_instalments
from grants.settings import DatabaseKind, get_settings
from grants.tables import FiscalYear


async def recreate(url: str) -> None:
    """Drop and create the PostgreSQL database of ``url`` (connected to ``postgres``)."""
    parts = urlsplit(url)
    name = parts.path.strip("/")
    connection = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def remove_sqlite(path: Path) -> None:
    """Delete a SQLite database file with its journal files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="Datenbank vorher neu anlegen")
    parser.add_argument("--scale", type=float, default=1.0, help="Anteil von 2.000 Trägern")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    settings = get_settings()
    started = time.perf_counter()

    def step(text: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {text}", flush=True)

    postgres = settings.database.kind is DatabaseKind.POSTGRES
    if args.reset and postgres:
        await recreate(settings.database.url)
    elif args.reset and settings.database.sqlite_path:
        remove_sqlite(settings.database.sqlite_path)
    engine = db.get_engine()
    async with db.connected(engine):
        await schema.migrate()
        if await FiscalYear.count():
            sys.exit("Die Datenbank enthält schon Daten; mit --reset neu anlegen.")
        step("Schema aus den Migrationen")
        data = builder.build(args.seed, settings.base_url, args.scale)
        step(f"{sum(len(r) for r in data.rows.values()):,} Zeilen erzeugt")
        if postgres:
            await load.copy_postgres(settings.database.url, data, step)
            await refresh_next_instalments()
            # VACUUM as well: COPY leaves the visibility map empty, and without it PostgreSQL
            # avoids the index-only scans the budget overview relies on (166 → 50 ms measured).
            await db.fetch("VACUUM (ANALYZE)")
        else:
            async with db.transaction():
                await seed.load(data)  # also refreshes the next instalments
            await db.fetch("ANALYZE")
        step("geladen, nächste Raten berechnet, (VACUUM) ANALYZE")
    for table, rows in data.rows.items():
        print(f"  {table:22} {len(rows):>10,}")


if __name__ == "__main__":
    asyncio.run(main())
