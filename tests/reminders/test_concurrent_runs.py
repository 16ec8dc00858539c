"""Two reminder jobs at once (two workers, or the worker and cron) queue each reminder once:
real commits, separate connections and transactions; the ``grants reminders`` command; the
app's background job."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest

from grants import clock
from grants.services import report_reminders
from grants.settings import Settings
from grants.tables import GrantAward
from grants.workflow import GrantStatus
from portal.mail import reminders_lifespan
from tests.conftest import TEST_DATABASE_URL
from tests.reminders.support import DUE, file_number, mails, owing, recipients, reminders
from tests.support.server import command_env, grants

pytestmark = pytest.mark.anyio


async def test_two_runs_at_once_queue_each_reminder_once(committed):
    granted = await owing()
    number = await file_number(granted.application_id)
    counts = await asyncio.gather(*(report_reminders.send_due(date(2032, 6, 2)) for _ in range(2)))
    assert sorted(counts) == [0, 1]
    counts = await asyncio.gather(*(report_reminders.send_due(date(2032, 7, 1)) for _ in range(3)))
    assert sorted(counts) == [0, 0, 1]
    assert await reminders(granted.grant_id) == [("before", DUE), ("overdue", DUE)]
    assert len(await mails(number)) == 2 * len(await recipients(granted.organisation_id))


async def test_two_runs_at_once_move_a_grant_to_report_due_once(committed):
    granted = await owing()
    reports = await asyncio.gather(*(report_reminders.run(date(2032, 1, 1)) for _ in range(2)))
    assert sorted(granted.grant_id in r.report_due for r in reports) == [False, True]


async def test_the_command_prints_what_it_queued_and_queues_nothing_twice(committed, tmp_path):
    granted = await owing()
    number = await file_number(granted.application_id)
    env = command_env(
        GRANTS_ENV="demo", GRANTS_DATA_DIR=str(tmp_path), GRANTS_DATABASE_URL=TEST_DATABASE_URL
    )
    first = await asyncio.to_thread(
        grants, "reminders", "--today", "2032-06-02", cwd=tmp_path, env=env
    )
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert f"Zuwendung {granted.grant_id}: Verwendungsnachweis jetzt fällig" in lines
    office = sorted(await recipients(granted.organisation_id))
    assert (f"{number}: Erinnerung zum Verwendungsnachweis, fällig am 30.06.2032, an {', '.join(office)}"
            in lines)  # fmt: skip
    assert lines[-1].endswith("1 Erinnerung(en) eingereiht")
    again = await asyncio.to_thread(
        grants, "reminders", "--today", "2032-06-02", cwd=tmp_path, env=env
    )
    assert again.returncode == 0, again.stderr
    assert (
        again.stdout.strip()
        == "0 Zuwendung(en) auf „VN fällig“ gesetzt, 0 Erinnerung(en) eingereiht"
    )
    assert len(await mails(number)) == len(office)


def test_the_command_refuses_a_day_that_is_no_date(tmp_path):
    result = grants("reminders", "--today", "30.06.2032", cwd=tmp_path, env=command_env())
    assert result.returncode == 2
    assert "'30.06.2032' does not match the format '%Y-%m-%d'" in result.stderr


class _App:
    def __init__(self, settings: Settings) -> None:
        self.state = {"settings": settings}


async def test_the_app_runs_the_job_in_the_background_only_when_asked(app, committed):
    today = clock.today()
    granted = await owing(
        today - timedelta(days=400), today - timedelta(days=100), today + timedelta(days=20)
    )
    settings = app.state["settings"]
    assert settings.reminders is False  # the tests' (and the demo's) default
    async with reminders_lifespan(_App(settings)):  # type: ignore[arg-type]
        await asyncio.sleep(0.2)
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "report-reminders"]
    assert await reminders(granted.grant_id) == []
    async with reminders_lifespan(_App(replace(settings, reminders=True))):  # type: ignore[arg-type]
        for _ in range(100):
            if await reminders(granted.grant_id):
                break
            await asyncio.sleep(0.05)
    assert await reminders(granted.grant_id) == [("before", today + timedelta(days=20))]
    assert (
        await GrantAward.objects().get(GrantAward.id == granted.grant_id)
    ).status == GrantStatus.REPORT_DUE
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "report-reminders"]
