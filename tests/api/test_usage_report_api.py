"""A grant's usage report and settlement in the JSON API: the same scoping, rules and problem
bodies as the pages and the rest of ``/api/v1``."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from grants.money import Money
from grants.services import usage_reports
from grants.tables import GrantAward, IndicatorValue, Receipt, Settlement, UsageReport
from grants.workflow import GrantStatus, UsageReportStatus
from tests.support.login import sign_in
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
API = "/api/v1"
PROBLEM = "application/problem+json"


async def signed_in(client: httpx.AsyncClient, persona: str) -> None:
    await sign_in(client, persona)
    await client.get("/")  # the CSRF cookie


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
    settled = await grant_of(own=False, settled=True)
    assert (await client.get(f"{API}/grants/{settled}/settlement")).status_code == 200


async def test_the_settlement_figures_are_the_stored_ones(client):
    grant_id = await grant_of(own=True, settled=True)
    await signed_in(client, "member")
    answer = await client.get(f"{API}/grants/{grant_id}/settlement")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    row = await Settlement.select().where(Settlement.grant == grant_id).first()
    assert {k: body[k] for k in ("id", "version", "grant_id", "usage_report_id", "cash_reference")} == {
        "id": row["id"], "version": row["version"], "grant_id": grant_id,
        "usage_report_id": row["usage_report"], "cash_reference": row["cash_reference"],
    }  # fmt: skip
    money = {"recognised_expenses": "recognised_expenses_cents", "final_grant": "final_cents",
             "recognised_other_funding": "recognised_other_funding_cents", "paid": "paid_cents",
             "refund": "refund_cents", "subsequent": "subsequent_cents", "interest": "interest_cents",
             "late_use_interest": "late_use_interest_cents", "repaid": "repaid_cents"}  # fmt: skip
    assert {k: body[k] for k in money} == {k: euro(row[c]) for k, c in money.items()}
    for field, column in (("interest_from", "interest_from"), ("refund_due_date", "refund_due_date"),
                          ("hearing_deadline", "hearing_deadline")):  # fmt: skip
        assert body[field] == (row[column].isoformat() if isinstance(row[column], date) else None)
    for field in ("hearing_sent_at", "refund_decided_at", "repaid_at"):
        assert (body[field] is None) is (row[field] is None), field


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
