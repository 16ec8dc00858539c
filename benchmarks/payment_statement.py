"""How fast, and in how much memory, is the payment-order statement of 100,000 orders written?
(Not a test: run it by hand or in CI, on one core.)

    # (a) writing only: 100,000 rows made in memory, chunk by chunk, into the workbook
    taskset -c 0 .venv/bin/python -m benchmarks.payment_statement --source memory

    # (b) end to end: the rows from the database (one query per 2,000 rows) into the workbook
    GRANTS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/grants_bench_statement \\
        .venv/bin/python -m benchmarks.generate_budget_data --reset
    GRANTS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/grants_bench_statement \\
        taskset -c 0 .venv/bin/python -m benchmarks.payment_statement --source database

Prints the rows written, the wall time, the file size and the process's peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and exits with 1 when the time exceeds 10 s or
the peak RSS 150 MB (issue 6). Each source runs in its own process, so each peak is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("GRANTS_ENV", "demo")
os.environ.setdefault("GRANTS_LOG_LEVEL", "WARNING")
os.environ.setdefault("GRANTS_DATA_DIR", tempfile.mkdtemp(prefix="grants-bench-"))
os.environ.setdefault(
    "GRANTS_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='grants-bench-')}/unused.sqlite3"
)

from grants import db
from grants.services import statements
from grants.services.statements import PaymentSelection, PaymentStatement, StatementRow
from grants.services.users import Principal
from grants.vocabulary import Role
from grants.workflow import PaymentOrderStatus
from reports.excel.statements import payment_statement_sheet

LIMIT_SECONDS = 10.0
LIMIT_MB = 150.0
FINANCE = Principal(
    id=0, display_name="Benchmark", email="bench@example.org", roles=frozenset({Role.FINANCE})
)
EVERYTHING = PaymentSelection(
    start=date(2000, 1, 1), end=date(2100, 12, 31), statuses=frozenset(PaymentOrderStatus)
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def made_up(number: int) -> StatementRow:
    """An order as the database would give it, with every column filled."""
    file_number = f"IKZ-2026-{number % 20_000:05d}"
    moment = datetime(2026, 3, 1 + number % 28, 9, number % 60, tzinfo=UTC)
    return StatementRow(
        number, 2026, "Förderung der Interkulturellen Zentren", file_number, date(2026, 3, 1),
        f"Verein Nr. {number % 400:04d} Köln & Umgebung e. V.", f"{40_000_000 + number % 400}",
        "DE02370501980001802057", "COLSDE33XXX", f"Verein Nr. {number % 400:04d} Köln e. V.",
        f"{file_number} Rate {number % 4 + 1} Zeitraum 01/2026-12/2026", "0504", "15", "53180000",
        "1304IKZ", 2_400_000 + number, 2_400_000, 600_000 * (number % 4), 600_000 + number % 100,
        date(2026, 1 + number % 12, 15), "Rate", "Julia Becker", moment, "Markus Weber", moment,
        f"AO-2026-{number // 500:04d}-{number % 500:03d}",
    )  # fmt: skip


async def made_up_chunks(
    total: int, size: int = statements.CHUNK
) -> AsyncIterator[list[StatementRow]]:
    for start in range(0, total, size):
        yield [made_up(n) for n in range(start, min(total, start + size))]


async def from_memory(total: int, target: Path) -> int:
    statement = PaymentStatement(
        EVERYTHING, statements.describe(EVERYTHING, None), None, datetime.now(UTC)
    )
    return await payment_statement_sheet(statement).fill(made_up_chunks(total), target)


async def from_database(target: Path) -> int:
    """As the download does it: the statement's chunks from the database into the workbook."""
    async with db.connected():
        statement = await statements.payment_statement(FINANCE, EVERYTHING)
        rows = await payment_statement_sheet(statement).fill(statement.chunks(), target)
        found = await db.fetch("SELECT COUNT(*) AS n FROM payment_order")
    if rows != int(found[0]["n"]):
        sys.exit(f"{rows} Zeilen geschrieben, aber {found[0]['n']} Anordnungen in der Datenbank")
    return rows


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("memory", "database"), default="memory")
    parser.add_argument("--orders", type=int, default=100_000, help="rows made in memory")
    parser.add_argument("--keep", action="store_true", help="die Datei nicht löschen")
    args = parser.parse_args(argv)
    if args.source == "database" and not os.environ["GRANTS_DATABASE_URL"].startswith("postgresql"):
        sys.exit(
            "Bitte GRANTS_DATABASE_URL setzen, z. B. postgresql://postgres@127.0.0.1:5432/grants_bench_statement"
        )
    target = Path(tempfile.mkdtemp(prefix="grants-bench-")) / "Auszahlungsanordnungen.xlsx"
    before = peak_mb()
    started = time.perf_counter()
    rows = await (
        from_memory(args.orders, target) if args.source == "memory" else from_database(target)
    )
    seconds = time.perf_counter() - started
    peak = peak_mb()
    size = target.stat().st_size / 1e6
    print(f"Zahlungsanordnungen ({args.source}): {rows} Zeilen in {seconds:.2f} s, Datei {size:.1f} MB, "
          f"Spitzen-RSS {peak:.0f} MB (nach den Imports {before:.0f} MB); Grenzen {LIMIT_SECONDS:.0f} s, "
          f"{LIMIT_MB:.0f} MB")  # fmt: skip
    if args.keep:
        print(target)
    else:
        target.unlink()
        target.parent.rmdir()
    if seconds > LIMIT_SECONDS or peak > LIMIT_MB:
        print("ZU LANGSAM ODER ZU GROSS", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
