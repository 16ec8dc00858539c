"""How fast, and in how much memory, is a filled-in receipt list of 5,000 rows read and checked?
(Not a test: run it by hand, on one core.)

    taskset -c 0 .venv/bin/python -m benchmarks.receipt_import
    taskset -c 0 .venv/bin/python -m benchmarks.receipt_import --rows 10000 --repeat 5

Builds the template of a grant with 12 plan lines (:func:`reports.excel.receipt_list.template`)
and fills it with openpyxl as a user's Excel would hold it: amounts mostly numbers, some typed as
text ("1.234,50", "1234.5"), dates mostly real dates, some text ("31.12.2026"), payees and
purposes as text. Then, in a fresh process (so its peak is its own), it times
:func:`reports.excel.receipt_list.read` — opening, identifying, every cell and every row check —
then the automatic checks of the usage report over those receipts
(:func:`grants.usage_checks.check_report`: sums per line, dates, 20 % rule, late use, final
grant), and measures the peak of Python allocations during both (tracemalloc, a second run) and
the process's peak RSS (``ru_maxrss``). Prints the figures and exits with 1 when reading and
checking take more than 2 s or the peak RSS exceeds 150 MB (issue 12).
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

from grants import financing
from grants.money import Money
from grants.usage_checks import Payout, ReceiptEntry, ReportFacts, ReportLine, check_report
from grants.vocabulary import FinancingType, PlanLineKind
from reports.excel.receipt_list import (
    ImportedReceipt,
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


def report_facts(receipts: Sequence[ImportedReceipt]) -> ReportFacts:
    """The usage report's facts as the portal would gather them: every line's actual is the sum
    of its receipts, the plan a little different, four instalments paid out."""
    totals: dict[str, int] = {}
    for receipt in receipts:
        totals[receipt.line_key] = totals.get(receipt.line_key, 0) + receipt.amount.cents
    lines = tuple(ReportLine(line.line_key, line.label, line.kind, Money(totals[line.line_key] * 21 // 20),
                             Money(totals[line.line_key])) for line in FACTS.lines)  # fmt: skip
    plan = {kind: sum(line.plan.cents for line in lines if line.kind is kind) for kind in (E, R)}
    approved = Money(plan[E] - plan[R])
    parameters = financing.Parameters(
        FinancingType.SHORTFALL, Money(plan[E]), Money(plan[R]), cap=approved
    )
    payouts = tuple(
        Payout(date(2026, month, 15), Money(approved.cents // 4)) for month in (1, 4, 7, 10)
    )
    entries = tuple(ReceiptEntry(r.number, r.kind, r.line_key, r.receipt_date, r.amount, r.paid_on)
                    for r in receipts)  # fmt: skip
    return ReportFacts(parameters, approved, FACTS.period_start, FACTS.period_end, None, lines,
                       entries, payouts, simplified=False, units_actual=None,
                       base_rates=((date(2025, 7, 1), 127), (date(2026, 1, 1), 127)))  # fmt: skip


def import_and_check(content: bytes) -> tuple[int, int, float]:
    """Read the list, then run the checks; the receipts, the findings and the reading time."""
    started = time.perf_counter()
    receipts = read(content, FACTS)
    reading = time.perf_counter() - started
    return len(receipts), len(check_report(report_facts(receipts)).findings), reading


def measure(path: Path, repeat: int) -> int:
    """In this process: read and check the file ``repeat`` times; print the figures."""
    content = path.read_bytes()
    before = peak_mb()
    totals, readings = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        receipts, findings, reading = import_and_check(content)
        totals.append(time.perf_counter() - started)
        readings.append(reading)
    peak = peak_mb()
    tracemalloc.start()
    import_and_check(content)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = min(totals)
    print(f"Belegliste: {receipts} Belege aus {len(content) / 1e6:.2f} MB gelesen in "
          f"{min(readings):.2f} s, gelesen und geprüft ({findings} Befunde) in {best:.2f} s "
          f"(beste von {repeat}; langsamste {max(totals):.2f} s); Python-Spitze "
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
