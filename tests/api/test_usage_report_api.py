"""A grant's usage report and settlement in the JSON API: the same scoping, rules and problem
bodies as the pages and the rest of ``/api/v1``."""

from __future__ import annotations

import io
from datetime import date, datetime

import httpx
import pytest
from openpyxl import load_workbook

from grants.money import Money
from grants.services import usage_reports
from grants.tables import (
    ActualLine,
    AuditEvent,
    ChangeRequest,
    GrantAward,
    IndicatorValue,
    Receipt,
    Settlement,
    UsageReport,
    UsageReportVersion,
)
from grants.workflow import GrantStatus, UsageReportStatus
from portal.usage_reports.controllers import template_facts
from reports.excel.receipt_list import FIRST_ROW, position_labels
from reports.excel.workbooks import XLSX
from tests.support.login import sign_in
from tests.support.principals import principal
from tests.support.queries import count_queries
from tests.support.reporting import own_grant

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
API = "/api/v1"
PROBLEM = "application/problem+json"


async def signed_in(client: httpx.AsyncClient, persona: str) -> None:
    await sign_in(client, persona)
    await client.get("/")  # the CSRF cookie


@pytest.fixture
async def signatory(app):
    """A second session: the association's signatory."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as board:
        await signed_in(board, "signatory")
        yield board


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrftoken": client.cookies["csrftoken"]}


async def send(client: httpx.AsyncClient, method: str, grant_id: int, path: str,
               body: object = None) -> httpx.Response:  # fmt: skip
    """A change the way a script makes it: JSON plus the CSRF header."""
    url = f"{API}/grants/{grant_id}/usage-report{path}"
    return await client.request(method, url, json=body, headers=csrf(client))


def euro(cents: int | None) -> str | None:
    return None if cents is None else f"{Money(cents).to_decimal():.2f}"


async def grant_of(
    *, own: bool, report: UsageReportStatus | None = None, settled: bool | None = None
) -> int:
    """A demo grant with a usage report (in ``report``'s state, settled or not) of the member's
    organisation (``own``) or of another one."""
    member = await principal("member")
    rows = await UsageReport.select(
        UsageReport.grant, UsageReport.status,
        UsageReport.grant.application.organisation.as_alias("organisation"),  # type: ignore[attr-defined]
    ).order_by(UsageReport.grant)  # fmt: skip
    done = {row["grant"] for row in await Settlement.select(Settlement.grant)}
    found = [row["grant"] for row in rows
             if (row["organisation"] in member.organisation_ids) == own
             and report in (None, row["status"]) and settled in (None, row["grant"] in done)]  # fmt: skip
    assert found, (own, report, settled)
    return int(found[0])


async def grant_without_report(*, own: bool) -> int:
    member = await principal("member")
    organisation = GrantAward.application.organisation
    whose = organisation.is_in if own else organisation.not_in
    row = await GrantAward.select(GrantAward.id).where(
        whose(list(member.organisation_ids)) & GrantAward.id.not_in(UsageReport.select(UsageReport.grant))
    ).first()  # fmt: skip
    assert row is not None
    return int(row["id"])


# -- reading ---------------------------------------------------------------------------------


async def test_the_member_reads_the_report_of_an_own_grant(client):
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    await signed_in(client, "member")
    answer = await client.get(f"{API}/grants/{grant_id}/usage-report")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    grant = await usage_reports.get(await principal("member"), grant_id)
    assert grant.report is not None
    report = grant.report
    assert {k: body[k] for k in ("grant_id", "id", "version", "status", "kind", "simplified",
                                 "confirmed", "submitted_at", "approved")} == {
        "grant_id": grant_id, "id": report.id, "version": report.version, "status": "draft",
        "kind": report.kind.value, "simplified": report.simplified, "confirmed": report.confirmed,
        "submitted_at": None, "approved": euro(grant.approved.cents),
    }  # fmt: skip
    assert body["due_date"] == (report.due_date or grant.due_date).isoformat()
    assert [(x["line_key"], x["kind"], x["plan"], x["actual"], x["note"]) for x in body["lines"]] == [
        (line.line_key, line.kind.value, euro(line.plan.cents),
         euro(line.actual.cents) if line.actual is not None else None, line.note)
        for line in grant.lines
    ]  # fmt: skip
    assert body["answers"] == report.answers
    stored = await IndicatorValue.select().where(IndicatorValue.usage_report == report.id)
    assert sorted((x["indicator"], x["dimension"], x["value"]) for x in body["indicators"]) == sorted(
        (r["indicator"], r["dimension"], r["value"]) for r in stored
    )  # fmt: skip
    checked = await usage_reports.checks(grant)
    assert body["checks"]["findings"] == [
        {"code": f.code, "blocking": f.blocking, "message": f.message, "line_key": f.line_key,
         "receipt_number": f.receipt_number} for f in checked.findings
    ]  # fmt: skip
    assert body["checks"]["blocking"] is checked.blocking
    assert [body["checks"][k] for k in ("final_grant", "paid", "refund", "subsequent")] == [
        euro(checked.final_grant.cents), euro(checked.paid.cents), euro(checked.refund.cents),
        euro(checked.subsequent.cents),
    ]  # fmt: skip


async def test_staff_read_any_grants_report_and_settlement(client):
    grant_id = await grant_of(own=False, report=UsageReportStatus.SUBMITTED)
    await signed_in(client, "reviewer")
    body = (await client.get(f"{API}/grants/{grant_id}/usage-report")).json()
    stored = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert (body["status"], body["grant_status"]) == (
        "submitted",
        GrantStatus.REPORT_SUBMITTED.value,
    )
    assert body["submitted_at"] is not None
    assert body["version"] == stored.version
    handed_back = await grant_of(own=False, report=UsageReportStatus.CHANGES_REQUESTED)
    body = (await client.get(f"{API}/grants/{handed_back}/usage-report")).json()
    stored = await ChangeRequest.objects().get(ChangeRequest.usage_report == body["id"])
    assert body["change_request"]["points"] == stored.points
    assert body["tasks"]
    assert body["receipt_count"] == await Receipt.count().where(Receipt.usage_report == body["id"])
    settled = await grant_of(own=False, settled=True)
    assert (await client.get(f"{API}/grants/{settled}/settlement")).status_code == 200


async def test_the_settlement_figures_are_the_stored_ones(client):
    """The settlement's row to the cent and the day, for a refund decided after a hearing."""
    row = await Settlement.select().where(
        Settlement.hearing_sent_at.is_not_null() & Settlement.refund_decided_at.is_not_null()
    ).order_by(Settlement.id).first()  # fmt: skip
    assert row is not None
    await signed_in(client, "reviewer")
    answer = await client.get(f"{API}/grants/{row['grant']}/settlement")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    money = {"recognised_expenses": "recognised_expenses_cents", "final": "final_cents",
             "recognised_other_funding": "recognised_other_funding_cents", "paid": "paid_cents",
             "refund": "refund_cents", "subsequent": "subsequent_cents", "interest": "interest_cents",
             "late_use_interest": "late_use_interest_cents", "repaid": "repaid_cents"}  # fmt: skip
    assert {k: body[k] for k in money} == {k: euro(row[c]) for k, c in money.items()}
    assert body["claim"] == euro(
        row["refund_cents"] + row["interest_cents"] + row["late_use_interest_cents"]
    )
    for field, column in (("interest_from", "interest_from"), ("refund_due", "refund_due_date"),
                          ("hearing_deadline", "hearing_deadline")):  # fmt: skip
        assert body[field] == (row[column].isoformat() if isinstance(row[column], date) else None)
    for field in ("hearing_sent_at", "refund_decided_at", "repaid_at"):
        given = body[field] and datetime.fromisoformat(body[field])
        assert given == row[field], field
    await signed_in(client, "member")
    own = await grant_of(own=True, settled=True)
    stored = await Settlement.select(Settlement.final_cents).where(Settlement.grant == own).first()
    assert (await client.get(f"{API}/grants/{own}/settlement")).json()["final"] == euro(
        stored["final_cents"]
    )


async def test_receipts_come_50_a_page_in_number_order(client):
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    grant = await usage_reports.get(await principal("member"), grant_id)
    assert grant.report is not None
    line = next(x for x in grant.lines if x.actual_line_id)
    last = await Receipt.count().where(Receipt.usage_report == grant.report.id)
    await Receipt.insert(*[Receipt(
        usage_report=grant.report.id, actual_line=line.actual_line_id, kind=line.kind, number=last + n,
        receipt_date=grant.period_start, payee=f"Firma {n}", purpose="Material", amount_cents=100 + n,
    ) for n in range(1, 61)])  # fmt: skip
    await signed_in(client, "member")
    path = f"{API}/grants/{grant_id}/usage-report/receipts"
    first = await client.get(path)
    assert first.status_code == 200, first.text
    assert first.headers["link"] == f'<{path}?page=2>; rel="next"'
    second = await client.get(path, params={"page": 2})
    assert "link" not in second.headers
    numbers = [r["number"] for r in first.json() + second.json()]
    assert len(first.json()) == 50
    assert numbers == list(range(1, last + 61))
    added = second.json()[-1]
    assert (added["payee"], added["amount"], added["line_key"], added["kind"]) == (
        "Firma 60", "1.60", line.line_key, line.kind.value,
    )  # fmt: skip
    assert (await client.get(path, params={"page": 0})).status_code == 422


async def test_reading_costs_the_same_queries_however_many_receipts(client):
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    grant = await usage_reports.get(await principal("member"), grant_id)
    assert grant.report is not None
    line = next(x for x in grant.lines if x.actual_line_id)
    await signed_in(client, "member")
    paths = [
        f"{API}/grants/{grant_id}/usage-report",
        f"{API}/grants/{grant_id}/usage-report/receipts",
    ]

    async def cost() -> list[int]:
        counted = []
        for path in paths:
            with count_queries() as found:
                assert (await client.get(path)).status_code == 200
            counted.append(found.value)
        return counted

    before = await cost()
    last = await Receipt.count().where(Receipt.usage_report == grant.report.id)
    await Receipt.insert(*[Receipt(
        usage_report=grant.report.id, actual_line=line.actual_line_id, kind=line.kind, number=last + n,
        receipt_date=grant.period_start, payee="Firma", purpose="Material", amount_cents=100,
    ) for n in range(1, 301)])  # fmt: skip
    assert await cost() == before


# -- who may see what ------------------------------------------------------------------------


async def test_another_organisations_grant_is_404(client):
    await signed_in(client, "member")
    for grant_id in (await grant_of(own=False), await grant_of(own=False, settled=True)):
        for path in ("usage-report", "usage-report/receipts", "settlement"):
            answer = await client.get(f"{API}/grants/{grant_id}/{path}")
            assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM), path
            assert answer.json()["title"] == "Seite nicht gefunden"


async def test_no_report_or_no_settlement_is_404(client):
    await signed_in(client, "member")
    unsettled = await grant_of(own=True, settled=False)
    assert (await client.get(f"{API}/grants/{unsettled}/usage-report")).status_code == 200
    assert (await client.get(f"{API}/grants/{unsettled}/settlement")).status_code == 404
    await signed_in(client, "reviewer")
    for grant_id in (await grant_without_report(own=True), await grant_without_report(own=False)):
        for path in ("usage-report", "usage-report/receipts", "settlement"):
            answer = await client.get(f"{API}/grants/{grant_id}/{path}")
            assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM), path


async def test_anonymous_calls_get_401_json(client):
    grant_id = await grant_of(own=True)
    for path in ("usage-report", "usage-report/receipts", "settlement"):
        answer = await client.get(f"{API}/grants/{grant_id}/{path}")
        assert (answer.status_code, answer.headers["content-type"]) == (401, PROBLEM), path


# -- the association's steps -----------------------------------------------------------------

NARRATIVE = {
    "answers": {"goals_results": "Alle drei Angebote fanden statt.", "changes": "Keine.",
                "challenges": "Zu warme Räume.", "outlook": "Ein Elterncafé kommt dazu."},
    "indicators": [{"indicator": "contacts_by_gender", "dimension": "female", "value": 412},
                   {"indicator": "staff", "dimension": "fte_milli", "value": 1500}],
}  # fmt: skip


async def started(client: httpx.AsyncClient) -> dict:
    """The personas' paying grant with its report started through the API."""
    grant_id = await own_grant(GrantStatus.PAYING)
    answer = await send(client, "POST", grant_id, "", {})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_member_fills_in_the_report_and_a_signatory_submits_it(client, signatory):
    await signed_in(client, "member")
    report = await started(client)
    grant_id = report["grant_id"]
    assert (report["status"], report["lines"][0]["actual"], report["receipt_count"]) == (
        "draft",
        None,
        0,
    )
    assert [(t["key"], t["done"]) for t in report["tasks"]] == [
        ("sachbericht", False), ("zahlen", False), ("belege", False), ("bestaetigung", False),
    ]  # fmt: skip
    assert "Der Schritt „Sachbericht“ ist noch nicht vollständig." in report["submission_problems"]
    again = await send(client, "POST", grant_id, "", {})  # a second start answers the first
    assert (again.status_code, again.json()["id"]) == (201, report["id"])

    saved = await send(
        client, "PUT", grant_id, "/narrative", {**NARRATIVE, "version": report["version"]}
    )
    assert saved.status_code == 200, saved.text
    report = saved.json()
    assert report["answers"] == NARRATIVE["answers"]
    assert report["indicators"] == sorted(
        NARRATIVE["indicators"], key=lambda x: (x["indicator"], x["dimension"])
    )
    assert await IndicatorValue.count().where(IndicatorValue.usage_report == report["id"]) == 2

    actuals = [{"line_key": line["line_key"], "amount": line["plan"]} for line in report["lines"]]
    saved = await send(
        client, "PUT", grant_id, "/actuals", {"version": report["version"], "lines": actuals}
    )
    assert saved.status_code == 200, saved.text
    report = saved.json()
    assert [line["actual"] for line in report["lines"]] == [
        line["plan"] for line in report["lines"]
    ]
    assert await ActualLine.count().where(ActualLine.usage_report == report["id"]) == len(actuals)

    for line in sorted(report["lines"], key=lambda x: x["kind"] != "expense"):
        receipt = {"line_key": line["line_key"], "receipt_date": "2026-03-15", "payee": "Druckerei am Ring",
                   "purpose": "Flyer", "amount": line["plan"], "paid_on": "2026-03-20"}  # fmt: skip
        added = await send(
            client, "POST", grant_id, "/receipts", {**receipt, "version": report["version"]}
        )
        assert added.status_code == 201, added.text
        created = added.json()
        report = created["report"]
        stored = await Receipt.objects().get(Receipt.id == created["receipt_id"])
        assert (stored.usage_report, stored.payee) == (report["id"], "Druckerei am Ring")
    receipts = (await client.get(f"{API}/grants/{grant_id}/usage-report/receipts")).json()
    first = next(line for line in report["lines"] if line["kind"] == "expense")
    assert (receipts[0]["number"], receipts[0]["line_key"], receipts[0]["amount"]) == (
        1, first["line_key"], first["plan"],
    )  # fmt: skip
    assert len(receipts) == len(report["lines"])

    extra = {**receipt, "amount": "12.34", "version": report["version"]}
    created = (await send(client, "POST", grant_id, "/receipts", extra)).json()
    report = created["report"]
    stored = await Receipt.objects().get(Receipt.id == created["receipt_id"])
    assert (stored.usage_report, stored.amount_cents) == (report["id"], 1234)
    assert report["receipt_count"] == len(receipts) + 1
    changed = await send(client, "PUT", grant_id, f"/receipts/{stored.id}",
                         {**extra, "amount": "12.35", "version": report["version"]})  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert (await Receipt.objects().get(Receipt.id == stored.id)).amount_cents == 1235
    removed = await client.delete(f"{API}/grants/{grant_id}/usage-report/receipts/{stored.id}",
                                  params={"version": changed.json()["version"]}, headers=csrf(client))  # fmt: skip
    assert removed.status_code == 200, removed.text
    report = removed.json()
    assert not await Receipt.exists().where(Receipt.id == stored.id)
    assert report["checks"]["blocking"] is False, report["checks"]["findings"]

    confirmed = await send(client, "PUT", grant_id, "/confirmation",
                           {"version": report["version"], "economical": True, "receipts_kept": True, "complete": True})  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    report = confirmed.json()
    assert report["confirmed"] is True
    assert all(t["done"] for t in report["tasks"])
    assert (report["submission_problems"], report["receipt_count"]) == ([], len(report["lines"]))

    refused = await send(client, "POST", grant_id, "/submit", {"version": report["version"]})
    assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)
    done = await send(signatory, "POST", grant_id, "/submit", {"version": report["version"]})
    assert done.status_code == 200, done.text
    submitted = done.json()
    assert (submitted["status"], submitted["grant_status"]) == ("submitted", "report_submitted")
    assert submitted["submitted_at"] is not None
    assert (submitted["tasks"], submitted["submission_problems"]) == ([], [])
    assert (
        await UsageReportVersion.count().where(UsageReportVersion.usage_report == report["id"]) == 1
    )
    steps = [r["data"] for r in await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.entity == "usage_report") & (AuditEvent.entity_id == report["id"])
    ).output(load_json=True)]  # fmt: skip
    assert {"narrative", "actuals", "receipt", "confirmation"} <= {
        d.get("step") for d in steps if d
    }
    closed = await send(
        client, "PUT", grant_id, "/narrative", {**NARRATIVE, "version": submitted["version"]}
    )
    assert closed.status_code == 409


def _filled(content: bytes, rows: list[tuple]) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Belege"]
    for offset, values in enumerate(rows):
        for column, value in enumerate(values, start=1):
            sheet.cell(FIRST_ROW + offset, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_the_receipt_list_is_imported_from_the_grants_template(client):
    await signed_in(client, "member")
    report = await started(client)
    grant_id = report["grant_id"]
    actuals = [{"line_key": line["line_key"], "amount": line["plan"]} for line in report["lines"]]
    report = (
        await send(
            client, "PUT", grant_id, "/actuals", {"version": report["version"], "lines": actuals}
        )
    ).json()
    grant = await usage_reports.get(await principal("member"), grant_id)
    labels = {
        line.line_key: label for label, line in position_labels(template_facts(grant).lines).items()
    }
    rows = [(n, line.kind.label, date(2026, 3, 2), "Druckerei am Ring", "Flyer", line.plan.format_plain(),
             labels[line.line_key], None) for n, line in enumerate(grant.lines, start=1)]  # fmt: skip
    template = await client.get(f"/zuwendungen/{grant_id}/verwendungsnachweis/belege/vorlage.xlsx")
    path = f"{API}/grants/{grant_id}/usage-report/receipts/import"

    async def upload(content: bytes, version: int) -> httpx.Response:
        return await client.post(path, headers=csrf(client), data={"version": str(version)},
                                 files={"file": ("belege.xlsx", content, XLSX)})  # fmt: skip

    broken = [*rows[:1], (2, "Ausgabe", "kein Datum", "X", "Y", "1,00", rows[0][6], None)]
    refused = await upload(_filled(template.content, broken), report["version"])
    assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
    assert any("Zeile" in message for message in refused.json()["errors"].values())
    assert set(refused.json()["errors"]) <= {f"file[{n}]" for n in range(60)}
    assert await Receipt.count().where(Receipt.usage_report == report["id"]) == 0
    assert (await upload(b"not a workbook", report["version"])).status_code == 422

    done = await upload(_filled(template.content, rows), report["version"])
    assert done.status_code == 200, done.text
    assert done.json()["version"] == report["version"] + 1
    stored = (
        await Receipt.select(Receipt.amount_cents)
        .where(Receipt.usage_report == report["id"])
        .order_by(Receipt.number)
    )
    assert [r["amount_cents"] for r in stored] == [line.plan.cents for line in grant.lines]
    stale = await upload(_filled(template.content, rows), report["version"])
    assert (stale.status_code, stale.headers["content-type"]) == (409, PROBLEM)


# -- bad input, conflicts, permissions ---------------------------------------------------------


async def test_a_stale_version_is_409_and_changes_nothing(client):
    await signed_in(client, "member")
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    before = await UsageReport.objects().get(UsageReport.grant == grant_id)
    answer = await send(
        client, "PUT", grant_id, "/narrative", {**NARRATIVE, "version": before.version + 5}
    )
    assert (answer.status_code, answer.headers["content-type"]) == (409, PROBLEM)
    assert "inzwischen" in answer.json()["detail"]
    after = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert (after.version, after.answers) == (before.version, before.answers)


async def test_bad_input_is_422_with_the_message_at_the_field(client):
    await signed_in(client, "member")
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    grant = await usage_reports.get(await principal("member"), grant_id)
    assert grant.report is not None
    version, line = grant.report.version, grant.expenses[0]
    cases = [
        ("/actuals", {"lines": [{"line_key": line.line_key, "amount": "-20.00"}]},
         {"lines[0].amount": "Bitte keinen negativen Betrag angeben."}),
        ("/actuals", {"lines": [{"line_key": line.line_key, "amount": "12,50"}]},
         {"lines[0].amount": "„12,50“ ist kein gültiger Betrag. Bitte so angeben: 1234.56"}),
        ("/actuals", {"lines": [{"line_key": "erfunden", "amount": "1.00"}]},
         {"lines[0].line_key": "Ist-Beträge gibt es nur für Zeilen des bewilligten Finanzplans."}),
        ("/actuals", {"lines": [{"line_key": line.line_key, "amount": euro(line.plan.cents * 2)}]},
         {"lines[0].note": "Die Abweichung vom Plan beträgt mehr als 20 %. Bitte begründen Sie sie."}),
        ("/narrative", {"answers": {"wetter": "schön"}},
         {"answers.wetter": "Diese Frage gibt es im Sachbericht nicht."}),
        ("/narrative", {"indicators": [{"indicator": "partners", "dimension": "count", "value": -1}]},
         {"indicators[0].value": "Bitte eine Zahl zwischen 0 und 1000000000 angeben."}),
        ("/narrative", {"indicators": [{"indicator": "sterne", "dimension": "count", "value": 1}]},
         {"indicators[0]": "Diese Kennzahl gibt es im Sachbericht nicht."}),
        ("/confirmation", {"economical": True}, {"receipts_kept": "Bitte bestätigen.", "complete": "Bitte bestätigen."}),
        ("/narrative", {"status": "submitted"}, {"status": "Dieses Feld gibt es hier nicht."}),
    ]  # fmt: skip
    for path, body, errors in cases:
        answer = await send(client, "PUT", grant_id, path, {**body, "version": version})
        assert (answer.status_code, answer.headers["content-type"]) == (422, PROBLEM), (
            path,
            answer.text,
        )
        assert answer.json()["errors"] == errors, path
    receipt = {"line_key": line.line_key, "receipt_date": "2001-01-01", "payee": " ", "purpose": "Flyer",
               "amount": "0.00", "version": version}  # fmt: skip
    answer = await send(client, "POST", grant_id, "/receipts", receipt)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == {"payee": "Bitte ausfüllen."}
    answer = await send(
        client, "POST", grant_id, "/receipts", {**receipt, "payee": "Druckerei", "line_key": "x"}
    )
    errors = answer.json()["errors"]
    assert set(errors) == {"line_key", "receipt_date", "amount"}, errors
    assert errors["receipt_date"].startswith(
        "Das Belegdatum liegt außerhalb des Bewilligungszeitraums"
    )
    after = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert after.version == version


async def test_changes_are_404_for_another_organisation_before_the_body_is_read(client):
    await signed_in(client, "signatory")
    grant_id = await grant_of(own=False, report=UsageReportStatus.DRAFT)
    for method, path in (("POST", ""), ("PUT", "/narrative"), ("PUT", "/actuals"), ("POST", "/receipts"),
                         ("PUT", "/receipts/1"), ("DELETE", "/receipts/1"), ("PUT", "/confirmation"),
                         ("POST", "/submit"), ("POST", "/receipts/import")):  # fmt: skip
        answer = await client.request(method, f"{API}/grants/{grant_id}/usage-report{path}",
                                      content=b"{kaputt", headers={**csrf(client), "content-type": "application/json"})  # fmt: skip
        assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM), (
            method,
            path,
        )


async def test_changes_need_the_csrf_header_and_an_association_role(client):
    await signed_in(client, "member")
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    version = (await UsageReport.objects().get(UsageReport.grant == grant_id)).version
    url = f"{API}/grants/{grant_id}/usage-report/narrative"
    without = await client.put(url, json={**NARRATIVE, "version": version})
    assert (without.status_code, without.headers["content-type"]) == (403, PROBLEM)
    assert "x-csrftoken" in without.json()["detail"]
    await signed_in(client, "reviewer")
    staff = await client.put(url, json={**NARRATIVE, "version": version}, headers=csrf(client))
    assert (staff.status_code, staff.headers["content-type"]) == (403, PROBLEM)
    assert (await UsageReport.objects().get(UsageReport.grant == grant_id)).version == version


async def test_a_report_is_not_started_before_it_is_owed(client):
    await signed_in(client, "member")
    submitted = await grant_of(own=True, report=UsageReportStatus.SUBMITTED)
    version = (await UsageReport.objects().get(UsageReport.grant == submitted)).version
    answer = await send(client, "PUT", submitted, "/actuals", {"version": version, "lines": []})
    assert (answer.status_code, answer.headers["content-type"]) == (409, PROBLEM)


async def test_the_document_describes_every_operation(client):
    document = (await client.get("/api/schema/openapi.json")).json()
    report = f"{API}/grants/{{grant_id}}/usage-report"
    assert {path: set(ops) for path, ops in document["paths"].items() if path.startswith(report)} == {
        report: {"get", "post"}, f"{report}/receipts": {"get", "post"}, f"{report}/narrative": {"put"},
        f"{report}/actuals": {"put"}, f"{report}/receipts/{{receipt_id}}": {"put", "delete"},
        f"{report}/receipts/import": {"post"}, f"{report}/confirmation": {"put"}, f"{report}/submit": {"post"},
    }  # fmt: skip
    schemas = document["components"]["schemas"]
    bodies = ("StartReportRequest", "NarrativeRequest", "IndicatorIn", "ActualsRequest", "ActualIn",
              "ReceiptRequest", "ImportRequest", "ConfirmationRequest")  # fmt: skip
    assert all(schemas[name]["additionalProperties"] is False for name in bodies)
    upload = document["paths"][f"{report}/receipts/import"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    for code in ("404", "409", "422"):
        assert set(document["paths"][f"{report}/actuals"]["put"]["responses"][code]["content"]) == {
            PROBLEM
        }


async def test_an_incomplete_report_is_not_submitted(database, signatory):
    grant_id = await grant_of(own=True, report=UsageReportStatus.DRAFT)
    report = (await signatory.get(f"{API}/grants/{grant_id}/usage-report")).json()
    assert report["submission_problems"]
    refused = await send(signatory, "POST", grant_id, "/submit", {"version": report["version"]})
    assert (refused.status_code, refused.headers["content-type"]) == (422, PROBLEM)
    assert set(refused.json()["errors"].values()) == set(report["submission_problems"])
    stored = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert (stored.status, stored.version) == (UsageReportStatus.DRAFT, report["version"])
