"""How fast, and in how much memory, is a filled-in receipt list of 5,000 rows read and checked?
(Not a test: run it by hand, on one core.)

    taskset -c 0 .venv/bin/python -m benchmarks.receipt_import
    taskset -c 0 .venv/bin/python -m benchmarks.receipt_import --rows 10000 --repeat 5

Builds the template of a grant with 12 plan lines (:func:`reports.excel.receipt_list.template`)
and fills it with openpyxl as a user's Excel would hold it: amounts mostly numbers, some typed as
text ("1.234,50", "1234.5"), dates mostly real dates, some text ("31.12.2026"), payees and
purposes as text. Then, in a fresh process (so its peak is its own), it times
:func:`reports.excel.receipt_list.read` — opening, identifying, every cell and every row check —
and measures the peak of Python allocations during it (tracemalloc, a second run) and the
process's peak RSS (``ru_maxrss``). Prints the figures and exits with 1 when the time exceeds 2 s
or the peak RSS 150 MB (issue 12).
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from grants.vocabulary import PlanLineKind
from reports.excel.receipt_list import (
    TemplateFacts,
    TemplateLine,
    position_labels,
    read,
    template,
)

LIMIT_SECONDS = 2.0
LIMIT_MB = 150.0
E, R = PlanLineKind.EXPENSE, PlanLineKind.REVENUE
FACTS = TemplateFacts(
    grant_id=1, file_number="IKZ-2026-00001", title="Interkulturelles Zentrum Kalk",
    organisation="Begegnung und Bildung in Kalk e. V.", period_start=date(2026, 1, 1),
    period_end=date(2026, 12, 31), earliest_receipt=date(2026, 1, 1),
    lines=tuple(TemplateLine(f"e{n}", label, E) for n, label in enumerate(
        ("Personalkosten Leitung", "Personalkosten Beratung", "Honorare", "Miete", "Nebenkosten",
         "Sachkosten", "Öffentlichkeitsarbeit", "Fahrtkosten"))) + tuple(
        TemplateLine(f"r{n}", label, R) for n, label in enumerate(
            ("Eigenmittel", "Landesmittel", "Teilnahmebeiträge", "Spenden"))),
)  # fmt: skip


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def filled(rows: int) -> bytes:
    """The template with ``rows`` receipts, as openpyxl (like Excel) saves it."""
    workbook = load_workbook(io.BytesIO(template(FACTS)))
    sheet = workbook["Belege"]
    labels = list(position_labels(FACTS.lines))
    for n in range(1, rows + 1):
        line = FACTS.lines[n % len(FACTS.lines)]
        day = date(2026, 1, 1) + timedelta(days=n % 365)
        cents = 1_000 + (n * 7919) % 500_000
        amount: object = cents / 100
        if n % 10 == 0:
            amount = f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        elif n % 10 == 1:
            amount = f"{cents // 100}.{cents % 100:02d}"
        receipt_date: object = f"{day:%d.%m.%Y}" if n % 7 == 0 else day
        sheet.append([n, line.kind.label, receipt_date, f"Lieferant {n % 300} GmbH & Co. KG",
                      f"Rechnung {n}: Material für Kurs {n % 40}", amount,
                      labels[n % len(labels)], day + timedelta(days=n % 5)])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(path: Path, repeat: int) -> int:
    """In this process: read the file ``repeat`` times; print the figures."""
    content = path.read_bytes()
    before = peak_mb()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        receipts = read(content, FACTS)
        times.append(time.perf_counter() - started)
    peak = peak_mb()
    tracemalloc.start()
    read(content, FACTS)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best, worst = min(times), max(times)
    print(f"Belegliste: {len(receipts)} Belege aus {len(content) / 1e6:.2f} MB gelesen und geprüft "
          f"in {best:.2f} s (bester von {repeat}; langsamster {worst:.2f} s); Python-Spitze "
          f"{traced / 1e6:.1f} MB (tracemalloc); Spitzen-RSS {peak:.0f} MB (nach den Imports "
          f"{before:.0f} MB); Grenzen {LIMIT_SECONDS:.0f} s, {LIMIT_MB:.0f} MB")  # fmt: skip
    return 1 if best > LIMIT_SECONDS or peak > LIMIT_MB else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)  # the measuring process
    args = parser.parse_args(argv)
    if args.read:
        return measure(args.read, args.repeat)
    with tempfile.TemporaryDirectory(prefix="grants-bench-") as tmp:
        path = Path(tmp, "Belegliste.xlsx")
        started = time.perf_counter()
        path.write_bytes(filled(args.rows))
        print(f"Vorlage mit {args.rows} Zeilen gefüllt in {time.perf_counter() - started:.1f} s")
        command = [sys.executable, "-m", "benchmarks.receipt_import", "--read", str(path),
                   "--repeat", str(args.repeat)]  # fmt: skip
        return subprocess.run(command, check=False).returncode  # noqa: S603 — our own module


if __name__ == "__main__":
    sys.exit(main())
