"""The receipt list through Excel: the grant's template downloaded, filled with openpyxl, uploaded."""

import io
from datetime import date, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from grants.money import Money
from grants.services import usage_reports
from grants.tables import (
    ActualLine,
    AuditEvent,
    GrantAward,
    Receipt,
    UsageReport,
    UsageReportVersion,
)
from grants.workflow import GrantStatus
from portal.usage_reports.controllers import template_facts
from reports.excel.receipt_list import FIRST_ROW, position_labels
from reports.excel.workbooks import XLSX
from tests.support.login import csrf_post, sign_in
from tests.support.principals import principal
from tests.support.reporting import NARRATIVE, form_of, home, own_grant, step

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def started(client):
    """The personas' paying grant with its report started and every actual entered as planned."""
    grant_id = await own_grant(GrantStatus.PAYING)
    await sign_in(client, "member")
    await csrf_post(client, home(grant_id))
    grant = await usage_reports.get(await principal("member"), grant_id)
    actuals = {f"actual-{line.plan_line_id}": line.plan.format_plain() for line in grant.lines}
    assert (await step(client, grant_id, "zahlen", actuals)).status_code == 303
    return grant_id


async def _template(client: httpx.AsyncClient, grant_id: int) -> bytes:
    answer = await client.get(f"{home(grant_id)}/belege/vorlage.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(XLSX)
    assert "attachment" in answer.headers["content-disposition"]
    return answer.content


def _filled(content: bytes, rows: list[tuple]) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Belege"]
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            sheet.cell(FIRST_ROW + offset, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def _rows(grant_id: int, per_line: int = 1) -> list[tuple]:
    """Receipts that add up to each line's actual (= its plan), ``per_line`` for each line."""
    grant = await usage_reports.get(await principal("member"), grant_id)
    labels = {
        line.line_key: label for label, line in position_labels(template_facts(grant).lines).items()
    }
    rows, number = [], 0
    for line in grant.lines:
        for part in range(per_line):
            number += 1
            share = line.plan.cents // per_line + (line.plan.cents % per_line if part == 0 else 0)
            rows.append((number, line.kind.label, date(2026, 3, 1 + part % 28), "Druckerei am Ring", "Flyer",
                         Money(share).format_plain(),
                         labels[line.line_key], None))  # fmt: skip
    return rows


async def _upload(client: httpx.AsyncClient, grant_id: int, content: bytes) -> httpx.Response:
    fields = await form_of(client, f"{home(grant_id)}/belege")
    return await client.post(f"{home(grant_id)}/belege/import", files={"file": ("belege.xlsx", content, XLSX)},
                             data={"version": fields["version"], "_csrf_token": client.cookies["csrftoken"]})  # fmt: skip


async def test_the_template_round_trip_replaces_the_receipt_list(client, started):
    grant_id = started
    content = _filled(await _template(client, grant_id), await _rows(grant_id, per_line=2))
    done = await _upload(client, grant_id, content)
    assert done.status_code == 303, done.text
    page = await client.get(done.headers["location"])
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    stored = (
        await Receipt.select().where(Receipt.usage_report == report.id).order_by(Receipt.number)
    )
    lines = await ActualLine.count().where(ActualLine.usage_report == report.id)
    assert len(stored) == 2 * lines
    assert f"{len(stored)} Belege aus „belege.xlsx“ übernommen" in page.text
    assert all(r["actual_line"] is not None for r in stored)
    events = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.entity == "usage_report") & (AuditEvent.entity_id == report.id)).output(load_json=True)  # fmt: skip
    assert {"step": "receipts_imported", "count": len(stored)} in [e["data"] for e in events]
    check = await client.get(f"{home(grant_id)}/pruefen")
    assert "Die Belege zu" not in check.text  # they add up to the actuals

    again = _filled(await _template(client, grant_id), (await _rows(grant_id))[:1])
    assert (await _upload(client, grant_id, again)).status_code == 303  # replaces, does not add
    assert await Receipt.count().where(Receipt.usage_report == report.id) == 1


async def test_a_thousand_rows_come_in_chunks_in_one_go(client, started):
    grant_id = started
    rows = await _rows(grant_id, per_line=150)
    assert len(rows) > 2 * usage_reports.IMPORT_CHUNK
    done = await _upload(client, grant_id, _filled(await _template(client, grant_id), rows))
    assert done.status_code == 303, done.text
    report = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert await Receipt.count().where(Receipt.usage_report == report.id) == len(rows)


async def test_another_grant_s_template_is_refused_and_nothing_changes(client, started):
    other = await own_grant(GrantStatus.REPORT_DUE)
    report = await UsageReport.objects().get(UsageReport.grant == started)
    foreign = _filled(await _template(client, other), [])
    refused = await _upload(client, started, foreign)
    assert refused.status_code == 400
    assert "Die Datei wurde nicht übernommen – es wurde nichts geändert" in refused.text
    assert await Receipt.count().where(Receipt.usage_report == report.id) == 0


@pytest.mark.parametrize("content", [b"", b"kein Excel"], ids=["empty", "not excel"])
async def test_a_file_that_is_not_a_template_is_refused(client, started, content):
    refused = await _upload(client, started, content)
    assert refused.status_code == 400
    assert "Die Datei wurde nicht übernommen" in refused.text


async def test_receipts_for_a_line_without_an_actual_are_refused_with_their_row(client, started):
    report = await UsageReport.objects().get(UsageReport.grant == started)
    rows = await _rows(started)
    grant = await usage_reports.get(await principal("member"), started)
    await ActualLine.delete().where(ActualLine.id == grant.lines[-1].actual_line_id)
    refused = await _upload(client, started, _filled(await _template(client, started), rows))
    assert refused.status_code == 400
    assert (
        f"Zeile {FIRST_ROW + len(rows) - 1}: Für „{grant.lines[-1].label}“ ist noch kein Ist-Betrag"
        in refused.text
    )
    assert await Receipt.count().where(Receipt.usage_report == report.id) == 0


async def test_a_stale_version_is_a_conflict(client, started):
    content = _filled(await _template(client, started), await _rows(started))
    await client.get(f"{home(started)}/belege")
    answer = await client.post(f"{home(started)}/belege/import", files={"file": ("belege.xlsx", content, XLSX)},
                               data={"version": "1", "_csrf_token": client.cookies["csrftoken"]})  # fmt: skip
    assert answer.status_code == 409
    assert "inzwischen von jemand anderem geändert" in answer.text


async def test_the_demo_association_imports_its_due_report_s_receipts_and_submits_it(client):
    """The journey of the README on the demo's due report (IKZ-2025-0001): the receipt list from the
    generated template, the Sachbericht, the confirmation, a signatory submits."""
    grant_id = await own_grant(GrantStatus.REPORT_DUE)
    await sign_in(client, "member")
    grant = await usage_reports.get(await principal("member"), grant_id)
    assert grant.report is not None
    labels = {
        line.line_key: label for label, line in position_labels(template_facts(grant).lines).items()
    }
    start, _ = usage_reports.report_period(grant)
    rows = [
        (number, line.kind.label, start + timedelta(days=number), "Stadtwerke Köln", "Beleg laut Plan",
         line.actual.format_plain(), labels[line.line_key], None)
        for number, line in enumerate((line for line in grant.lines if line.receipted and line.actual), start=1)
    ]  # fmt: skip
    imported = await _upload(client, grant_id, _filled(await _template(client, grant_id), rows))
    assert imported.status_code == 303, imported.text
    assert (await step(client, grant_id, "sachbericht", NARRATIVE)).status_code == 303
    confirmed = await step(client, grant_id, "bestaetigung",
                           {"economical": "true", "receipts_kept": "true", "complete": "true"})  # fmt: skip
    assert confirmed.status_code == 303, confirmed.text

    await sign_in(client, "signatory")
    check = await client.get(f"{home(grant_id)}/pruefen")
    assert "Keine Punkte, die das Einreichen verhindern." in check.text, check.text
    submitted = await step(client, grant_id, "einreichen", {}, page="pruefen")
    assert submitted.status_code == 303, submitted.text
    assert (
        await GrantAward.objects().get(GrantAward.id == grant_id)
    ).status == GrantStatus.REPORT_SUBMITTED
    assert (
        await UsageReportVersion.count().where(UsageReportVersion.usage_report == grant.report.id)
        == 1
    )
    assert await Receipt.count().where(Receipt.usage_report == grant.report.id) == len(rows)
