"""Transactions behave the same on both engines: atomic, serialised writers, no lost updates."""

import asyncio
from datetime import UTC, datetime

import pytest

from grants import db
from grants.tables import Centre, FiscalYear, Organisation

pytestmark = pytest.mark.anyio


async def test_a_failing_use_case_leaves_nothing_behind(committed):
    async def use_case() -> None:
        async with db.transaction():
            await FiscalYear.insert(FiscalYear(year=2030))
            raise RuntimeError("Abbruch mitten im Anwendungsfall")

    with pytest.raises(RuntimeError):
        await use_case()
    assert await FiscalYear.count().where(FiscalYear.year == 2030) == 0


async def test_nested_use_cases_join_the_outer_transaction(committed):
    async def outer() -> None:
        async with db.transaction():
            async with db.transaction():
                await FiscalYear.insert(FiscalYear(year=2031))
            raise RuntimeError("die äußere Transaktion scheitert")

    with pytest.raises(RuntimeError):
        await outer()
    assert await FiscalYear.count().where(FiscalYear.year == 2031) == 0


async def increment_with_version_check(row_id: int, times: int) -> int:
    """Read-modify-write with optimistic locking; returns how often it had to retry."""
    retries = 0
    for _ in range(times):
        while True:
            async with db.transaction():
                current = (
                    await FiscalYear.select(FiscalYear.version)
                    .where(FiscalYear.id == row_id)
                    .first()
                )
                changed = await FiscalYear.update({FiscalYear.version: current["version"] + 1}).where(
                    (FiscalYear.id == row_id) & (FiscalYear.version == current["version"])
                ).returning(FiscalYear.id)  # fmt: skip
            if changed:
                break
            retries += 1
    return retries


async def test_eight_concurrent_writers_lose_no_update_and_never_fail(committed):
    row = (await FiscalYear.insert(FiscalYear(year=2032)).returning(FiscalYear.id))[0]
    await asyncio.gather(*(increment_with_version_check(row["id"], 25) for _ in range(8)))
    final = await FiscalYear.select(FiscalYear.version).where(FiscalYear.id == row["id"]).first()
    assert final["version"] == 1 + 8 * 25


async def test_deleting_an_organisation_with_centres_is_refused(database):
    org = (
        await Organisation.insert(Organisation(legal_name="Verein e. V.")).returning(
            Organisation.id
        )
    )[0]
    await Centre.insert(Centre(organisation=org["id"], name="Zentrum"))
    with pytest.raises(Exception, match=r"(?i)foreign key|violates"):
        await Organisation.delete().where(Organisation.id == org["id"])


async def test_timestamps_are_timezone_aware_utc_and_cents_exact(database):
    big = 10**13 + 1  # 100 billion euros and a cent
    await FiscalYear.insert(FiscalYear(year=2033))
    org = (await Organisation.insert(Organisation(legal_name="Zeit e. V.")).returning(
        Organisation.id, Organisation.created_at))[0]  # fmt: skip
    assert org["created_at"].tzinfo is not None
    assert org["created_at"].utcoffset().total_seconds() == 0
    assert abs(datetime.now(UTC) - org["created_at"]).total_seconds() < 60

    from grants.tables import BudgetLine

    year = await FiscalYear.select(FiscalYear.id).where(FiscalYear.year == 2033).first()
    await BudgetLine.insert(BudgetLine(fiscal_year=year["id"], appropriation_cents=big))
    stored = await BudgetLine.select(BudgetLine.appropriation_cents).first()
    assert stored["appropriation_cents"] == big
    assert isinstance(stored["appropriation_cents"], int)
