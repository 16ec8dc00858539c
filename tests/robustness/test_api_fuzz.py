"""The JSON API fuzzed from its own OpenAPI document (schemathesis), as an association member and
as a reviewer: whatever a generated request holds, no answer is a 5xx, and every answer is one
the document describes (status code, content type, body).

Schemathesis generates the requests (deterministically, a few per operation and mode); they are
sent through this test's client, in its event loop and its rolled-back transaction, and each
answer is judged by schemathesis' checks. Half of the valid requests name records that exist
(the member's draft, a demo grant …) with their current version, so the use cases run, not
only the 404 of an unknown id.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grants.tables import Application, BudgetLine, PlanLine, Receipt, UsageReport
from grants.workflow import UsageReportStatus
from tests.support import applying
from tests.support.login import sign_in

pytestmark = pytest.mark.anyio
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}  # per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip
BASE = "http://testserver"
PREPARED = {"method", "url", "headers", "files", "data", "params", "json"}


def generated(operation: Any, mode: GenerationMode) -> list[Any]:
    """The same few cases on every run: derandomised, generated only (no shrinking needed)."""
    cases: list[Any] = []

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


@pytest.fixture
async def records(database, app) -> dict[str, Any]:
    """Demo data, an open call and a member's draft with a plan line: the ids requests may name."""
    world = await applying.open_call()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as member:
        await sign_in(member, "member")
        draft = await applying.start(member, world)
    line = await PlanLine.select(PlanLine.line_key).where(PlanLine.application == draft).first()
    report = await UsageReport.select(UsageReport.id, UsageReport.grant).where(  # the member's, a draft
        (UsageReport.status == UsageReportStatus.DRAFT)
        & (UsageReport.grant.application.organisation == world["organisation"])
    ).first()  # fmt: skip
    submitted = (
        await Application.select(Application.id)
        .where(Application.file_number.is_not_null())
        .first()
    )
    return {
        "draft": draft,
        "submitted": submitted["id"],
        "line_key": line["line_key"] if line else "zeile-1",
        "budget_line_id": (await BudgetLine.select(BudgetLine.id).first())["id"],
        "grant_id": report["grant"],
        "receipt_id": (
            await Receipt.select(Receipt.id).where(Receipt.usage_report == report["id"]).first()
        )["id"],
        "world": world,
    }


async def aimed(case: Any, persona: str, records: dict[str, Any]) -> None:
    """Point a case at existing records, with the application's current version."""
    params = case.path_parameters or {}
    application = records["draft"] if persona == "member" else records["submitted"]
    real = {"application_id": application, "line_key": records["line_key"],
            "budget_line_id": records["budget_line_id"], "grant_id": records["grant_id"],
            "receipt_id": records["receipt_id"]}  # fmt: skip
    for name in params:
        if name in real:
            params[name] = real[name]
    version = None
    if "application_id" in params:
        version = (await Application.select(Application.version).where(
            Application.id == application).first())["version"]  # fmt: skip
    elif "grant_id" in params:
        version = (await UsageReport.select(UsageReport.version).where(
            UsageReport.grant == records["grant_id"]).first())["version"]  # fmt: skip
    if version is not None:
        if isinstance(case.body, dict) and "version" in case.body:
            case.body["version"] = version
        if case.query and "version" in case.query:
            case.query["version"] = version


async def send(client: httpx.AsyncClient, case: Any) -> httpx.Response:
    """The case's request as schemathesis would send it (requests prepares the exact body,
    multipart included), through the test's client with the session's CSRF header."""
    kwargs = case.as_transport_kwargs(base_url=BASE)
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in PREPARED}).prepare()
    headers = {**prepared.headers, "x-csrftoken": client.cookies["csrftoken"]}
    return await client.request(
        prepared.method or "GET", prepared.url or BASE, headers=headers, content=prepared.body
    )


async def test_every_answer_is_documented_and_none_is_a_server_error(app, client, records):
    document = (await client.get("/api/schema/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    cases = [(mode, number, case)
             for result in schema.get_all_operations() for mode in EXAMPLES
             for number, case in enumerate(generated(result.ok(), mode))]  # fmt: skip
    failures: list[str] = []
    for persona in ("member", "reviewer"):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE
        ) as caller:
            await sign_in(caller, persona)
            await caller.get("/")  # the CSRF cookie
            for mode, number, case in cases:
                if mode is GenerationMode.POSITIVE and number % 2 == 0:
                    await aimed(case, persona, records)
                response = await send(caller, case)
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as exc:
                    found = "; ".join(f"{f.title}: {f.message}" for f in exc.exceptions)
                    failures.append(f"{persona}: {case.method} {case.formatted_path} ({mode.value}) "
                                    f"→ {response.status_code}: {found}")  # fmt: skip
    assert len(cases) >= 150
    assert not failures, "\n\n".join(failures)
