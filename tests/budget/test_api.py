"""The budget in the JSON API: the lines of a year with their figures as decimal strings, one
line with the grants behind it, problem+json for refusals; read only, for KI staff."""

from __future__ import annotations

import httpx
import pytest

from grants.money import Money
from grants.services import budget
from grants.tables import BudgetLine
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
PROBLEM = "application/problem+json"


def euro(amount: Money) -> str:
    return f"{amount.to_decimal():.2f}"


def figures_json(figures: budget.Figures) -> dict[str, str]:
    return {
        "appropriation": euro(figures.appropriation), "committed": euro(figures.committed),
        "available": euro(figures.available), "paid": euro(figures.paid), "to_pay": euro(figures.to_pay),
        "refunds": euro(figures.refunds),
    }  # fmt: skip


async def test_the_lines_of_a_year_with_their_figures(signed_in):
    client = await signed_in("approver")
    answer = await client.get("/api/v1/budget-lines", params={"year": "2024"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    overview = await budget.overview(await principal("approver"), 2024)
    assert set(body) == {"fiscal_year", "budget_in_force", "lines", "totals"}
    assert (body["fiscal_year"], body["budget_in_force"]) == (2024, True)
    assert body["totals"] == figures_json(overview.totals)
    assert body["totals"]["refunds"] == "23450.30"
    assert [line["id"] for line in body["lines"]] == [line.id for line in overview.lines]
    ikz = body["lines"][0]
    line = overview.lines[0]
    assert ikz == {
        "id": line.id, "version": 1, "fiscal_year": 2024, "budget_in_force": True, "product": "0504",
        "plan_line": "15", "account": "53180000", "cost_centre": "1304IKZ",
        "name": "Förderung Interkulturelle Zentren", "figures": figures_json(line.figures),
        "programmes": [{"programme_id": line.uses[0].programme_id, "programme": "Förderung der Interkulturellen Zentren",
                        "call_id": line.uses[0].call_id, "call_title": "Interkulturelle Zentren 2024"}],
    }  # fmt: skip
    assert ikz["figures"]["appropriation"] == "760000.00"
    stored = await BudgetLine.objects().get(BudgetLine.id == line.id)
    assert stored.appropriation_cents == 76_000_000


async def test_one_line_with_a_page_of_its_grants(signed_in):
    client = await signed_in("finance")
    line = await BudgetLine.objects().get(
        (BudgetLine.fiscal_year.year == 2024) & (BudgetLine.cost_centre == "1304IKZ")
    )
    answer = await client.get(
        f"/api/v1/budget-lines/{line.id}", params={"page": "2", "per_page": "10"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    detail = await budget.line_detail(await principal("finance"), line.id, page=2, per_page=10)
    assert (body["page"], body["pages"], body["per_page"], body["grant_count"]) == (
        2, detail.pages, 10, detail.grant_count,
    )  # fmt: skip
    assert body["line"]["figures"] == figures_json(detail.line.figures)
    assert body["grant_sums"] == figures_json(detail.sums)
    assert body["grant_sums"]["committed"] == body["line"]["figures"]["committed"]
    assert [g["file_number"] for g in body["grants"]] == [g.file_number for g in detail.grants]
    first = body["grants"][0]
    assert set(first) == {"grant_id", "application_id", "file_number", "organisation", "programme", "committed",
                          "paid", "refunds"}  # fmt: skip
    assert first["committed"] == euro(detail.grants[0].committed)
    assert "." in first["paid"]
    assert isinstance(first["paid"], str)


async def test_refusals_are_problems(signed_in, app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as anonymous:
        answer = await anonymous.get("/api/v1/budget-lines", params={"year": "2024"})
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith(PROBLEM)
    for persona in ("member", "signatory", "guest"):
        client = await signed_in(persona)
        answer = await client.get("/api/v1/budget-lines", params={"year": "2024"})
        assert answer.status_code == 403, persona
        assert answer.headers["content-type"].startswith(PROBLEM)
        assert (await client.get("/api/v1/budget-lines/1")).status_code == 403
    auditor = await signed_in("auditor")
    missing = await auditor.get("/api/v1/budget-lines/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["request_id"]
    assert (await auditor.get("/api/v1/budget-lines", params={"year": "2099"})).status_code == 404
    for params in ({}, {"year": "zwei"}, {"year": "1800"}):
        bad = await auditor.get("/api/v1/budget-lines", params=params)
        assert bad.status_code in (400, 422), (params, bad.status_code)
        assert bad.headers["content-type"].startswith(PROBLEM)
    assert (await auditor.post("/api/v1/budget-lines", json={})).status_code == 405


async def test_the_api_is_documented(signed_in):
    client = await signed_in("finance")
    schema = (await client.get("/api/schema/openapi.json")).json()
    assert "/api/v1/budget-lines" in schema["paths"]
    assert "/api/v1/budget-lines/{budget_line_id}" in schema["paths"]
    assert "/api/v1/applications" in schema["paths"]  # the applicant's router is still there
