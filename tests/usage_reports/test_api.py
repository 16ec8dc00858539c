"""The association's usage report through the JSON API: the same steps, rules and roles as the pages."""

import httpx
import pytest

from grants.tables import GrantAward, Membership, UsageReport, UsageReportVersion
from grants.workflow import GrantStatus, UsageReportStatus
from tests.support.login import sign_in
from tests.support.reporting import NARRATIVE, own_grant

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
PROBLEM = "application/problem+json"


def url(grant_id: int, path: str = "") -> str:
    return f"/api/v1/grants/{grant_id}/usage-report{path}"


async def send(
    client: httpx.AsyncClient, method: str, path: str, body: object = None
) -> httpx.Response:
    return await client.request(
        method, path, json=body, headers={"x-csrftoken": client.cookies["csrftoken"]}
    )


@pytest.fixture
async def member(client):
    await sign_in(client, "member")
    await client.get("/")
    return client


COUNTS = [{"indicator": "contacts_by_gender", "dimension": "female", "value": 40},
          {"indicator": "volunteers", "dimension": "count", "value": 3}]  # fmt: skip
ANSWERS = {key: NARRATIVE[key] for key in ("goals_results", "changes", "challenges", "outlook")}


async def test_the_report_is_written_and_submitted_through_the_api(app, member):
    grant_id = await own_grant(GrantStatus.PAYING)
    assert (await member.get(url(grant_id))).status_code == 404  # not started yet
    report = (await send(member, "POST", url(grant_id), {})).json()
    assert (report["status"], report["version"]) == ("draft", 1)
    assert (await send(member, "POST", url(grant_id), {})).json()["version"] == 1  # the same report
    report = (await send(member, "PUT", url(grant_id, "/narrative"),
                         {"version": 1, "answers": ANSWERS, "indicators": COUNTS})).json()  # fmt: skip
    assert {"indicator": "contacts_by_gender", "dimension": "female", "value": 40} in report[
        "indicators"
    ]
    lines = [{"line_key": line["line_key"], "amount": line["plan"]} for line in report["lines"]]
    answer = await send(
        member, "PUT", url(grant_id, "/actuals"), {"version": report["version"], "lines": lines}
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    for line in report["lines"]:
        answer = await send(member, "POST", url(grant_id, "/receipts"), {
            "version": report["version"], "line_key": line["line_key"], "receipt_date": "2026-03-15",
            "payee": "Druckerei", "purpose": "Beleg", "amount": line["actual"]})  # fmt: skip
        assert answer.status_code == 201, answer.text
        assert isinstance(answer.json()["receipt_id"], int)
        report = answer.json()["report"]
    report = (await send(member, "PUT", url(grant_id, "/confirmation"), {
        "version": report["version"], "economical": True, "receipts_kept": True, "complete": True})).json()  # fmt: skip
    assert all(task["done"] for task in report["tasks"])
    assert report["submission_problems"] == []
    assert not [f for f in report["checks"]["findings"] if f["blocking"]]
    refused = await send(member, "POST", url(grant_id, "/submit"), {"version": report["version"]})
    assert refused.status_code == 403

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as board:
        await sign_in(board, "signatory")
        await board.get("/")
        done = await send(board, "POST", url(grant_id, "/submit"), {"version": report["version"]})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "submitted"
    stored = await UsageReport.objects().get(UsageReport.grant == grant_id)
    assert stored.status == UsageReportStatus.SUBMITTED
    assert await UsageReportVersion.count().where(UsageReportVersion.usage_report == stored.id) == 1


async def test_bad_input_answers_problems(member):
    grant_id = await own_grant(GrantStatus.PAYING)
    report = (await send(member, "POST", url(grant_id), {})).json()
    line = report["lines"][0]["line_key"]
    cases = [
        ("/actuals", {"version": 1, "lines": [{"line_key": "erfunden", "amount": "10.00"}]}, 422, "bewilligten Finanzplans"),
        ("/actuals", {"version": 1, "lines": [{"line_key": line, "amount": "-10.00"}]}, 422, "negativen"),
        ("/actuals", {"version": 1, "lines": [{"line_key": line, "amount": "zehn"}]}, 422, "kein gültiger Betrag"),
        ("/narrative", {"version": 1, "answers": {}, "indicators": [{"indicator": "volunteers", "dimension": "count", "value": -1}]}, 422, "indicators[0].value"),
        ("/narrative", {"version": 1, "answers": {}, "indicators": [{"indicator": "x", "dimension": "y", "value": 1}]}, 422, "Kennzahl gibt es im Sachbericht nicht"),
        ("/confirmation", {"version": 1, "economical": True, "receipts_kept": False, "complete": True}, 422, "Bitte bestätigen."),
        ("/actuals", {"version": 7, "lines": []}, 409, "inzwischen"),
        ("/actuals", {"version": 1, "lines": [], "status": "submitted"}, 422, "status"),
    ]  # fmt: skip
    for path, body, status, message in cases:
        answer = await send(member, "PUT", url(grant_id, path), body)
        assert answer.status_code == status, (path, body, answer.text)
        assert answer.headers["content-type"].startswith(PROBLEM)
        assert message in answer.text
    assert (await UsageReport.objects().get(UsageReport.grant == grant_id)).version == 1


async def test_another_organisation_s_grant_is_not_found_and_csrf_is_required(member):
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-member")
    ).organisation
    other = await GrantAward.select(GrantAward.id).where(
        GrantAward.application.organisation != organisation).first()  # fmt: skip
    assert (await member.get(url(other["id"]))).status_code == 404
    assert (await send(member, "POST", url(other["id"]), {})).status_code == 404
    grant_id = await own_grant(GrantStatus.PAYING)
    assert (await member.post(url(grant_id), json={})).status_code == 403  # no x-csrftoken
    assert not await UsageReport.exists().where(UsageReport.grant == grant_id)
