"""Fill a database with budget-scale data for :mod:`benchmarks.budget_overview`.

    GRANTS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/grants_bench_budget \\
        .venv/bin/python -m benchmarks.generate_budget_data --reset

Builds (by default) 10 fiscal years with 6 budget lines each, 4 programmes with a call per year,
400 organisations, 20,000 approved applications with their decisions, grants, fiscal-year
shares and commitments (some over two years, some released at settlement), 100,000 payment
orders in every status, and usage reports with settlements of which some are refunded. Rows go
in with multi-row INSERTs in chunks below PostgreSQL's 32,767 bind parameters; the migrations
build the schema first. ``--reset`` drops every table of the database before.

Deterministic: the same ``--seed`` gives the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

os.environ.setdefault("GRANTS_ENV", "demo")  # no login is involved; demo settings suffice
if "GRANTS_DATABASE_URL" not in os.environ:
    sys.exit(
        "Bitte GRANTS_DATABASE_URL setzen, z. B. postgresql://postgres@127.0.0.1:5432/grants_bench_budget"
    )

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from grants import db, schema
from grants.tables import (
    Application,
    BudgetCommitment,
    BudgetLine,
    Call,
    Decision,
    FiscalYear,
    FiscalYearShare,
    GrantAward,
    Organisation,
    PaymentOrder,
    Programme,
    Settlement,
    UsageReport,
    User,
)
from grants.vocabulary import DecisionKind, District, FinancingType, PaymentKind, PaymentMode
from grants.workflow import (
    ApplicationStatus,
    GrantStatus,
    PaymentOrderStatus,
    UsageReportStatus,
)

MAX_PARAMETERS = 32_000  # PostgreSQL allows 32,767 bind parameters per statement
PROGRAMMES = (
    ("IKZ", "Förderung der Interkulturellen Zentren", "1304IKZ"),
    ("KOMMAN", "KOMM-AN NRW Programmteil II (Weiterleitung)", "1304KOMMAN"),
    ("DEMO", "Demokratie leben in Köln", "1304DEMO"),
    ("SPRACHE", "Sprachförderung für Erwachsene", "1304SPRACHE"),
)
EXTRA_LINES = (("1304RESERVE", "Reserve Integration"), ("1304PROJEKT", "Modellprojekte"))
PAID, OPEN_STATES = PaymentOrderStatus.PAID, (
    PaymentOrderStatus.DRAFT, PaymentOrderStatus.CERTIFIED, PaymentOrderStatus.RELEASED,
    PaymentOrderStatus.EXPORTED, PaymentOrderStatus.CANCELLED,
)  # fmt: skip


def moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


async def insert(table: type[Table], rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert rows in chunks; returns their ids in order."""
    if not rows:
        return []
    columns = len(table._meta.columns)
    chunk = max(1, MAX_PARAMETERS // columns)
    ids: list[int] = []
    for start in range(0, len(rows), chunk):
        part = [table(**row) for row in rows[start : start + chunk]]
        result = await table.insert(*part).returning(table._meta.primary_key)
        ids.extend(int(r["id"]) for r in result)
    return ids


async def reset() -> None:
    engine = db.get_engine()
    if isinstance(engine, SQLiteEngine):
        rows = await db.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for row in rows:
            await db.fetch(f'DROP TABLE IF EXISTS "{row["name"]}"')
        return
    rows = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    if rows:
        await db.fetch(
            "DROP TABLE IF EXISTS " + ", ".join(f'"{r["tablename"]}"' for r in rows) + " CASCADE"
        )


async def generate(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    started = time.perf_counter()

    def step(text: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {text}", flush=True)

    first_year = args.last_year - args.years + 1
    years = list(range(first_year, args.last_year + 1))
    (finance,) = await insert(User, [{"issuer": "bench", "subject": "bench-finance", "email": "finanzen@bench.example",
                                      "display_name": "Finanzen (Benchmark)"}])  # fmt: skip

    year_ids = await insert(
        FiscalYear, [{"year": y, "budget_in_force": y < args.last_year} for y in years]
    )
    line_rows, line_keys = [], []
    for year, year_id in zip(years, year_ids, strict=True):
        for short, name, centre in PROGRAMMES:
            line_rows.append({"fiscal_year": year_id, "product": "0504", "plan_line": "15", "account": "53180000",
                              "cost_centre": centre, "name": name, "appropriation_cents": 0})  # fmt: skip
            line_keys.append((year, short))
        for centre, name in EXTRA_LINES:
            line_rows.append({"fiscal_year": year_id, "product": "0504", "plan_line": "15", "account": "53180000",
                              "cost_centre": centre, "name": name, "appropriation_cents": 5_000_000_00})  # fmt: skip
            line_keys.append((year, centre))
    line_ids = dict(zip(line_keys, await insert(BudgetLine, line_rows), strict=True))
    programme_ids = dict(zip((p[0] for p in PROGRAMMES), await insert(Programme, [
        {"name": name, "short_name": short, "default_financing_type": FinancingType.SHORTFALL,
         "min_grant_cents": 100_000, "max_grant_cents": 10_000_000, "indicator_set": short.lower()}
        for short, name, _ in PROGRAMMES
    ]), strict=True))  # fmt: skip
    call_keys = [(year, short) for year in years for short, _, _ in PROGRAMMES]
    call_ids = dict(zip(call_keys, await insert(Call, [
        {"programme": programme_ids[short], "fiscal_year": year_ids[years.index(year)],
         "budget_line": line_ids[year, short], "title": f"{short} {year}", "opens_at": moment(date(year - 1, 10, 1)),
         "closes_at": moment(date(year, 1, 31)), "budget_cents": 0}
        for year, short in call_keys
    ]), strict=True))  # fmt: skip
    districts = list(District)
    organisations = await insert(Organisation, [
        {"legal_name": f"Verein Nr. {n:04d} Köln e. V.", "district": districts[n % len(districts)],
         "email": f"verein{n}@bench.example", "iban": "DE02370501980001802057"}
        for n in range(args.organisations)
    ])  # fmt: skip
    step(f"{len(years)} Haushaltsjahre, {len(line_ids)} Haushaltsstellen, {len(call_ids)} Aufrufe, "
         f"{len(organisations)} Träger")  # fmt: skip

    # -- applications, decisions, grants ---------------------------------------------------
    plans = []  # (year, programme, amount)
    numbers: dict[tuple[int, str], int] = {}
    applications = []
    for n in range(args.grants):
        year = years[n % len(years)]
        short = PROGRAMMES[rng.randrange(len(PROGRAMMES))][0]
        amount = rng.randrange(2_000_00, 60_000_00, 100)
        numbers[year, short] = numbers.get((year, short), 0) + 1
        plans.append((year, short, amount))
        applications.append({
            "organisation": organisations[n % len(organisations)], "call": call_ids[year, short],
            "status": ApplicationStatus.APPROVED, "file_number": f"{short}-{year}-{numbers[year, short]:05d}",
            "title": f"Vorhaben {n}", "district": districts[n % len(districts)], "period_start": date(year, 1, 1),
            "period_end": date(year, 12, 31), "requested_cents": amount, "submitted_at": moment(date(year - 1, 11, 15)),
            "decided_at": moment(date(year, 3, 1)),
        })  # fmt: skip
    application_ids = await insert(Application, applications)
    step(f"{len(application_ids)} Anträge")
    decision_ids = await insert(Decision, [
        {"application": app_id, "kind": DecisionKind.APPROVAL, "financing_type": FinancingType.SHORTFALL,
         "eligible_cents": amount * 2, "other_funding_cents": amount, "cap_cents": amount, "approved_cents": amount,
         "period_start": date(year, 1, 1), "period_end": date(year, 12, 31), "payment_mode": PaymentMode.INSTALMENTS,
         "decided_by": finance, "decided_at": moment(date(year, 3, 1))}
        for app_id, (year, _, amount) in zip(application_ids, plans, strict=True)
    ])  # fmt: skip
    settled = [rng.random() < args.settled_share and year < args.last_year for year, _, _ in plans]
    grant_ids = await insert(GrantAward, [
        {"application": app_id, "current_decision": decision_id,
         "status": GrantStatus.SETTLED if done else GrantStatus.PAYING}
        for app_id, decision_id, done in zip(application_ids, decision_ids, settled, strict=True)
    ])  # fmt: skip
    step(f"{len(decision_ids)} Bescheide, {len(grant_ids)} Zuwendungen")

    # -- commitments: one per grant, some split over two years, releases at settlement ------
    shares, commitments, booked = [], [], dict.fromkeys(line_ids.values(), 0)
    for grant, decision, (year, short, amount), done in zip(
        grant_ids, decision_ids, plans, settled, strict=True
    ):
        parts = [(year, amount)]
        if rng.random() < 0.1 and (year + 1, short) in line_ids:  # multi-year: a third next year
            parts = [(year, amount - amount // 3), (year + 1, amount // 3)]
        for part_year, part in parts:
            shares.append({"decision": decision, "year": part_year, "amount_cents": part})
            line = line_ids[part_year, short]
            commitments.append({"budget_line": line, "grant": grant, "decision": decision, "amount_cents": part,
                                "reason": "Bewilligung", "booked_by": finance,
                                "booked_at": moment(date(year, 3, 1))})  # fmt: skip
            booked[line] += part
        if done:
            release = -(amount // 20)
            commitments.append({"budget_line": line_ids[year, short], "grant": grant, "decision": decision,
                                "amount_cents": release, "reason": "Abrechnung: Freigabe",
                                "booked_by": finance, "booked_at": moment(date(year + 1, 6, 1))})  # fmt: skip
            booked[line_ids[year, short]] += release
    await insert(FiscalYearShare, shares)
    await insert(BudgetCommitment, commitments)
    for line, total in booked.items():  # the appropriation leaves some room on every line
        if total:
            await BudgetLine.update({BudgetLine.appropriation_cents: total + total // 10}).where(
                BudgetLine.id == line
            )
    step(f"{len(shares)} Jahresanteile, {len(commitments)} Bindungen")

    # -- payment orders --------------------------------------------------------------------
    per_grant = max(1, args.orders // len(grant_ids))
    orders = []
    for n in range(args.orders):
        index = (
            n % len(grant_ids) if n < per_grant * len(grant_ids) else rng.randrange(len(grant_ids))
        )
        year, short, amount = plans[index]
        recent = year >= args.last_year - 1
        status = rng.choice(OPEN_STATES) if recent and rng.random() < 0.4 else PAID
        due = date(year, 1 + (n // len(grant_ids)) % 12, 15)
        orders.append({
            "grant": grant_ids[index], "budget_line": line_ids[year, short], "kind": PaymentKind.INSTALMENT,
            "status": status, "amount_cents": amount // per_grant, "due_date": due,
            "purpose": f"{applications[index]['file_number']} Rate", "created_by": finance,
            "paid_on": due if status is PAID else None, "cash_reference": "5400.1234.5678" if status is PAID else "",
        })  # fmt: skip
    await insert(PaymentOrder, orders)
    step(f"{len(orders)} Auszahlungsanordnungen")

    # -- usage reports and settlements -----------------------------------------------------
    settled_grants = [
        (grant, plan) for grant, plan, done in zip(grant_ids, plans, settled, strict=True) if done
    ]
    reports = await insert(UsageReport, [
        {"grant": grant, "status": UsageReportStatus.ACCEPTED, "period_start": date(year, 1, 1),
         "period_end": date(year, 12, 31), "due_date": date(year + 1, 6, 30), "confirmed": True}
        for grant, (year, _, _) in settled_grants
    ])  # fmt: skip
    settlements = []
    for report, (grant, (year, _, amount)) in zip(reports, settled_grants, strict=True):
        refund = amount // 20
        repaid = rng.random() < args.repaid_share
        settlements.append({
            "grant": grant, "usage_report": report, "final_cents": amount - refund, "paid_cents": amount,
            "refund_cents": refund, "refund_due_date": date(year + 1, 9, 1), "settled_by": finance,
            "repaid_at": moment(date(year + 1, 10, 1)) if repaid else None,
        })  # fmt: skip
    await insert(Settlement, settlements)
    step(f"{len(reports)} Verwendungsnachweise, {len(settlements)} Abrechnungen "
         f"({sum(1 for s in settlements if s['repaid_at'])} erstattet)")  # fmt: skip


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reset", action="store_true", help="alle Tabellen der Datenbank vorher löschen"
    )
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--last-year", type=int, default=2027)
    parser.add_argument("--grants", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--settled-share", type=float, default=0.4)
    parser.add_argument("--repaid-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    engine = db.get_engine()
    async with db.connected(engine):
        if args.reset:
            await reset()
        await schema.migrate()
        if await FiscalYear.count():
            sys.exit("Die Datenbank enthält schon Haushaltsjahre; mit --reset neu anlegen.")
        await generate(args)
        if not isinstance(engine, SQLiteEngine):
            await db.fetch("ANALYZE")


if __name__ == "__main__":
    asyncio.run(main())
