"""The applicant's JSON API: the same journey, rules and permissions as the pages, as JSON."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from grants.tables import Application, Membership, PlanLine
from grants.workflow import ApplicationStatus, GrantStatus
from portal.auth.guard import undeclared_routes
from portal.security import DOWNLOAD_POLICY
from tests.auth.test_route_matrix import routes
from tests.support import applying
from tests.support.login import sign_in
from tests.support.reporting import own_grant

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
API = "/api/v1"
PROBLEM = "application/problem+json"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
async def world(database):
    return await applying.open_call()


@pytest.fixture
async def signatory(app, world):
    """A second session: the association's signatory."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as board:
        await signed_in(board, "signatory")
        yield board


async def signed_in(client: httpx.AsyncClient, persona: str) -> None:
    await sign_in(client, persona)
    await client.get("/")  # the CSRF cookie


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"x-csrftoken": client.cookies["csrftoken"]}


async def send(
    client: httpx.AsyncClient, method: str, path: str, body: object = None
) -> httpx.Response:
    """A state-changing call the way a browser script makes it: JSON plus the CSRF header."""
    return await client.request(method, f"{API}{path}", json=body, headers=csrf(client))


async def draft(client: httpx.AsyncClient, world: dict[str, int]) -> dict:
    answer = await send(client, "POST", "/applications",
                        {"call_id": world["call"], "organisation_id": world["organisation"]})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()


def project(world: dict[str, int], **changes: object) -> dict[str, object]:
    year = world["year"]
    return {**applying.PROJECT, "period_start": date(year, 1, 1).isoformat(),
            "period_end": date(year, 12, 31).isoformat(), **changes}  # fmt: skip


LINES = (
    {"kind": "expense", "category": "personnel", "description": "Sozialberatung", "amount": "30000.00",
     "staff_function": "Sozialarbeiter:in", "fte": "0.5", "pay_group": "TVöD SuE S 12"},
    {"kind": "expense", "category": "fees", "description": "Honorare Deutschkurs", "quantity": "120",
     "unit_price": "40.00"},
    {"kind": "revenue", "category": "own_funds", "description": "Mitgliedsbeiträge", "amount": "4800"},
)  # fmt: skip


async def complete(client: httpx.AsyncClient, app: dict, world: dict[str, int]) -> dict:
    """Every step through the API, with a plan that balances (34.800 = 4.800 + 30.000)."""
    app_id = app["id"]
    steps = [
        ("PUT", "applicant", {"centre_id": world["centre"]}),
        ("PUT", "project", project(world)),
        *[("POST", "lines", line) for line in LINES],
        ("PUT", "financing", {"requested": "30000.00", "financing_type": "shortfall"}),
    ]
    for method, path, body in steps:
        answer = await send(client, method, f"/applications/{app_id}/{path}",
                            {**body, "version": app["version"]})  # fmt: skip
        assert answer.status_code in (200, 201), (path, answer.text)
        app = answer.json().get("application", answer.json())
    for kind, name in (("statutes", "satzung.pdf"), ("tax_exemption", "freistellung.pdf"),
                       ("register_extract", "register.pdf")):  # fmt: skip
        answer = await upload(client, app_id, app["version"], kind, name, applying.PDF)
        assert answer.status_code == 201, answer.text
        app = answer.json()["application"]
    declarations = {"no_early_start": True, "truthful": True, "privacy_notice": True,
                    "input_tax_deduction": False, "version": app["version"]}  # fmt: skip
    answer = await send(client, "PUT", f"/applications/{app_id}/declarations", declarations)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def upload(client: httpx.AsyncClient, app_id: int, version: int, kind: str, filename: str,
                 content: bytes) -> httpx.Response:  # fmt: skip
    return await client.post(f"{API}/applications/{app_id}/attachments", headers=csrf(client),
                             data={"version": str(version), "kind": kind},
                             files={"file": (filename, content, "application/octet-stream")})  # fmt: skip


# -- the journey -----------------------------------------------------------------------------


async def test_a_member_fills_in_and_a_signatory_submits(client, world, signatory):
    calls = (await client.get(f"{API}/calls")).json()  # public
    assert world["call"] in {c["id"] for c in calls}
    await signed_in(client, "member")
    app = await draft(client, world)
    assert (app["status"], app["editable"]) == ("draft", True)
    assert [t["done"] for t in app["tasks"]] == [False] * 5

    app = await complete(client, app, world)
    assert [t["done"] for t in app["tasks"]] == [True] * 5
    assert app["submission_problems"] == []
    assert app["financing"] == {"financing_type": "shortfall", "requested": "30000.00",
                                "total_expenses": "34800.00", "total_revenues": "4800.00",
                                "gap": "0.00", "balanced": True}  # fmt: skip
    fees = next(line for line in app["lines"] if line["category"] == "fees")
    assert (fees["quantity"], fees["unit_price"], fees["amount"]) == ("120", "40.00", "4800.00")
    assert all(re.fullmatch(r"[0-9a-f-]{36}", line["line_key"]) for line in app["lines"])
    assert {a["kind"] for a in app["attachments"]} == {
        "statutes",
        "tax_exemption",
        "register_extract",
    }

    refused = await send(
        client, "POST", f"/applications/{app['id']}/submit", {"version": app["version"]}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM

    done = await send(
        signatory, "POST", f"/applications/{app['id']}/submit", {"version": app["version"]}
    )
    assert done.status_code == 200, done.text
    submitted = done.json()
    assert (submitted["status"], submitted["editable"]) == ("submitted", False)
    assert re.fullmatch(rf"IKZ-{world['year']}-\d{{4}}", submitted["file_number"])
    assert submitted["version"] == app["version"] + 1
    stored = await Application.objects().get(Application.id == app["id"])
    assert (stored.status, stored.file_number) == (
        ApplicationStatus.SUBMITTED,
        submitted["file_number"],
    )

    mine = (await client.get(f"{API}/applications")).json()
    assert {"id": app["id"], "status": "submitted", "requested": "30000.00"}.items() <= mine[
        0
    ].items()
    file = await client.get(
        f"{API}/applications/{app['id']}/attachments/{app['attachments'][0]['id']}"
    )
    assert file.content == applying.PDF
    assert file.headers["content-disposition"].startswith("attachment;")
    assert file.headers["content-security-policy"] == DOWNLOAD_POLICY


async def test_lines_are_changed_and_deleted_by_their_key(client, world):
    await signed_in(client, "member")
    app = await draft(client, world)
    path = f"/applications/{app['id']}/lines"
    added = await send(client, "POST", path, {**LINES[2], "version": app["version"]})
    assert added.status_code == 201, added.text
    line_key, app = added.json()["line_key"], added.json()["application"]
    changed = await send(client, "PUT", f"{path}/{line_key}",
                         {**LINES[2], "amount": "5000.10", "version": app["version"]})  # fmt: skip
    assert changed.status_code == 200, changed.text
    app = changed.json()
    assert [(x["line_key"], x["amount"]) for x in app["lines"]] == [(line_key, "5000.10")]
    assert (await PlanLine.objects().get(PlanLine.line_key == line_key)).amount_cents == 500010
    removed = await client.delete(f"{API}{path}/{line_key}", params={"version": app["version"]},
                                  headers=csrf(client))  # fmt: skip
    assert removed.status_code == 200, removed.text
    assert (removed.json()["lines"], removed.json()["version"]) == ([], app["version"] + 1)
    missing = await client.delete(f"{API}{path}/{line_key}", headers=csrf(client))
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"version": "Bitte angeben."}


async def test_messages_and_withdrawal(client, world, signatory):
    await signed_in(client, "member")
    app = await draft(client, world)
    sent = await send(
        client, "POST", f"/applications/{app['id']}/messages", {"body": "  Frage zur Miete "}
    )
    assert sent.status_code == 201, sent.text
    assert (sent.json()["body"], sent.json()["from_staff"]) == ("Frage zur Miete", False)
    thread = (await client.get(f"{API}/applications/{app['id']}/messages")).json()
    assert [m["body"] for m in thread] == ["Frage zur Miete"]
    empty = await send(client, "POST", f"/applications/{app['id']}/messages", {"body": " "})
    assert empty.json()["errors"] == {"body": "Bitte eine Nachricht schreiben."}

    path = f"/applications/{app['id']}/withdraw"
    assert (
        await send(client, "POST", path, {"version": app["version"], "reason": "weil"})
    ).status_code == 403
    no_reason = await send(signatory, "POST", path, {"version": app["version"], "reason": "  "})
    assert (no_reason.status_code, no_reason.json()["errors"]) == (
        422,
        {"reason": "Bitte ausfüllen."},
    )
    done = await send(
        signatory, "POST", path, {"version": app["version"], "reason": "Keine Räume."}
    )
    assert (done.status_code, done.json()["status"]) == (200, "withdrawn")
    again = await send(client, "PUT", f"/applications/{app['id']}/project",
                       {**project(world), "version": done.json()["version"]})  # fmt: skip
    assert again.status_code == 409
    assert "kann nicht mehr geändert werden" in again.json()["detail"]


async def test_an_incomplete_application_is_not_submitted(world, signatory):
    app = await draft(signatory, world)
    refused = await send(
        signatory, "POST", f"/applications/{app['id']}/submit", {"version": app["version"]}
    )
    assert refused.status_code == 422
    assert "Der Schritt „Projekt“ ist noch nicht vollständig." in refused.json()["errors"].values()
    assert set(refused.json()["errors"].values()) == set(app["submission_problems"])


# -- who may do what -------------------------------------------------------------------------


async def test_anonymous_calls_get_401_json(client, world):
    for method, path in (("GET", "/applications"), ("POST", "/applications"),
                         ("PUT", "/applications/1/project"), ("DELETE", "/applications/1/lines/x")):  # fmt: skip
        answer = await client.request(method, f"{API}{path}")
        assert answer.status_code == 401, (method, path)
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["status"] == 401
        assert answer.json()["request_id"]


async def test_changes_need_the_csrf_header(client, world):
    await signed_in(client, "member")
    body = {"call_id": world["call"], "organisation_id": world["organisation"]}
    missing = await client.post(f"{API}/applications", json=body)
    assert (missing.status_code, missing.headers["content-type"]) == (403, PROBLEM)
    forged = await client.post(f"{API}/applications", json=body, headers={"x-csrftoken": "0" * 128})
    assert forged.status_code == 403
    form_field = await client.post(
        f"{API}/applications", data={"_csrf_token": client.cookies["csrftoken"]}
    )
    assert form_field.status_code == 403  # the pages' form field does not count here
    assert not await Application.exists().where(Application.call == world["call"])
    assert (
        await client.post(f"{API}/applications", json=body, headers=csrf(client))
    ).status_code == 201


async def test_foreign_applications_are_404_json(client, world):
    await signed_in(client, "member")
    own = (await Membership.objects().get(Membership.user.subject == "demo-member")).organisation
    foreign = (await Application.select(Application.id, Application.version)
               .where(Application.organisation != own).first())  # fmt: skip
    path = f"/applications/{foreign['id']}"
    for method, suffix, body in (
        ("GET", "", None), ("GET", "/messages", None), ("GET", "/attachments/1", None),
        ("PUT", "/project", {**project(world), "version": foreign["version"]}),
        ("POST", "/lines", {**LINES[2], "version": foreign["version"]}),
        ("POST", "/messages", {"body": "Hallo"}), ("DELETE", "/lines/x?version=1", None),
        ("PUT", "/financing", None),  # no body: still 404, the body is never read
    ):  # fmt: skip
        answer = await send(client, method, f"{path}{suffix}", body)
        assert answer.status_code == 404, (method, suffix, answer.text)
        assert answer.headers["content-type"] == PROBLEM
    other = await send(
        client, "POST", "/applications", {"call_id": world["call"], "organisation_id": own + 1}
    )
    assert other.status_code == 422
    assert "organisation_id" in other.json()["errors"]


async def test_staff_read_but_change_nothing(client, app, world):
    await signed_in(client, "member")
    created = await draft(client, world)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as staff:
        await signed_in(staff, "auditor")
        assert (await staff.get(f"{API}/applications/{created['id']}")).status_code == 200
        changed = await send(staff, "PUT", f"/applications/{created['id']}/project",
                             {**project(world), "version": created["version"]})  # fmt: skip
        assert changed.status_code == 403


# -- input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12,34", "„12,34“ ist kein gültiger Betrag. Bitte so angeben: 1234.56"),
        ("1e3", "„1e3“ ist kein gültiger Betrag. Bitte so angeben: 1234.56"),
        ("-5", "Bitte keinen negativen Betrag angeben."),
        ("1.234", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
        ("12.345", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
        ("NaN", "„NaN“ ist kein gültiger Betrag. Bitte so angeben: 1234.56"),
        ("1000000000.00", "Bitte höchstens 999.999.999,99\xa0€ angeben."),
        ("9" * 40, "Bitte höchstens 999.999.999,99\xa0€ angeben."),
        (12.5, 'Bitte als Zeichenkette angeben (Beträge z. B. als "1234.56").'),
    ],
)
async def test_bad_amounts_are_422_with_the_message_at_the_field(client, world, typed, message):
    await signed_in(client, "member")
    app = await draft(client, world)
    line = {**LINES[2], "amount": typed, "version": app["version"]}
    answer = await send(client, "POST", f"/applications/{app['id']}/lines", line)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"] == {"amount": message}
    financing = {"requested": typed, "financing_type": "shortfall", "version": app["version"]}
    answer = await send(client, "PUT", f"/applications/{app['id']}/financing", financing)
    assert (answer.status_code, answer.json()["errors"]) == (422, {"requested": message})
    assert await PlanLine.count().where(PlanLine.application == app["id"]) == 0
    assert (await Application.objects().get(Application.id == app["id"])).requested_cents == 0


@pytest.mark.parametrize(("field", "message"), [
    ("quantity", "Bitte höchstens 1000000000 angeben."),
    ("unit_price", "Bitte höchstens 999.999.999,99\xa0€ angeben."),
    ("fte", "Bitte höchstens 1000000000 angeben."),
])  # fmt: skip
async def test_quantities_of_many_digits_are_422_at_the_field(client, world, field, message):
    await signed_in(client, "member")
    app = await draft(client, world)
    line = {**LINES[0], "quantity": "2", "unit_price": "1", field: "9" * 27 + ".5"}
    line = {**line, "amount": None, "version": app["version"]}
    answer = await send(client, "POST", f"/applications/{app['id']}/lines", line)
    assert (answer.status_code, answer.json()["errors"]) == (422, {field: message}), answer.text


@pytest.mark.parametrize(("typed", "cents"), [("1234.56", 123456), ("1234.5", 123450), ("0.10", 10),
                                              ("999999999.99", 99999999999), ("007", 700)])  # fmt: skip
async def test_amounts_are_read_exactly_to_the_cent(client, world, typed, cents):
    await signed_in(client, "member")
    app = await draft(client, world)
    line = {**LINES[2], "amount": typed, "version": app["version"]}
    answer = await send(client, "POST", f"/applications/{app['id']}/lines", line)
    assert answer.status_code == 201, answer.text
    assert (await PlanLine.objects().get(PlanLine.application == app["id"])).amount_cents == cents


async def test_the_use_cases_messages_come_back_per_field(client, world):
    await signed_in(client, "member")
    app = await draft(client, world)
    path = f"/applications/{app['id']}/project"
    year = world["year"]
    broken = await client.put(f"{API}{path}", content=b'{"version": 1,', headers=csrf(client))
    assert (broken.status_code, broken.headers["content-type"]) == (400, PROBLEM)
    answer = await send(
        client, "PUT", path, {**project(world, title="x" * 301), "version": app["version"]}
    )
    assert answer.json()["errors"] == {"title": "Bitte höchstens 300 Zeichen eingeben (jetzt 301)."}
    answer = await send(client, "PUT", path, {**project(world, period_start=f"{year - 1}-12-01"),
                                              "version": app["version"]})  # fmt: skip
    assert answer.json()["errors"] == {
        "period_start": f"Der Zeitraum muss im Haushaltsjahr {year} liegen."
    }
    answer = await send(
        client, "PUT", path, {**project(world, period_end="31.12.2026"), "version": app["version"]}
    )
    assert answer.json()["errors"] == {
        "period_end": "Bitte ein Datum im Format JJJJ-MM-TT angeben."
    }
    answer = await send(
        client, "PUT", path, {**project(world, district="atlantis"), "version": app["version"]}
    )
    assert answer.json()["errors"] == {"district": "Bitte einen der erlaubten Werte angeben."}
    body = project(world)
    del body["title"]
    answer = await send(client, "PUT", path, {**body, "version": app["version"]})
    assert (answer.status_code, answer.json()["errors"]) == (422, {"title": "Bitte angeben."})
    answer = await send(client, "PUT", f"/applications/{app['id']}/applicant",
                        {"centre_id": 2**31 - 1, "version": app["version"]})  # fmt: skip
    assert answer.json()["errors"] == {"centre_id": "Bitte ein Zentrum Ihrer Organisation wählen."}
    personnel = {**LINES[0], "version": app["version"]}
    del personnel["fte"]
    answer = await send(client, "POST", f"/applications/{app['id']}/lines", personnel)
    assert answer.json()["errors"] == {"fte": "Bitte den Stellenanteil in VZÄ angeben, z. B. 0,5."}
    assert (await Application.objects().get(Application.id == app["id"])).version == app["version"]


async def test_a_stale_version_is_409(client, world, signatory):
    await signed_in(client, "member")
    app = await draft(client, world)
    first = await send(signatory, "PUT", f"/applications/{app['id']}/applicant",
                       {"centre_id": world["centre"], "version": app["version"]})  # fmt: skip
    assert first.status_code == 200
    second = await send(client, "PUT", f"/applications/{app['id']}/project",
                        {**project(world), "version": app["version"]})  # fmt: skip
    assert (second.status_code, second.headers["content-type"]) == (409, PROBLEM)
    assert "inzwischen von jemand anderem geändert" in second.json()["detail"]
    assert (await Application.objects().get(Application.id == app["id"])).title == ""


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("", {"status": "approved"}),
        ("/project", {"status": "approved"}),
        ("/financing", {"approved_cents": 4_000_000}),
        ("/lines", {"amount_cents": 1}),
        ("/declarations", {"file_number": "IKZ-2000-0001"}),
    ],
)
async def test_fields_the_use_case_does_not_take_are_refused(client, world, path, extra):
    await signed_in(client, "member")
    app = await draft(client, world)
    bodies = {
        "": {"call_id": world["call"], "organisation_id": world["organisation"]},
        "/project": {**project(world), "version": app["version"]},
        "/financing": {"requested": "100.00", "financing_type": "shortfall", "version": app["version"]},
        "/lines": {**LINES[2], "version": app["version"]},
        "/declarations": {"truthful": True, "privacy_notice": True, "no_early_start": True,
                          "input_tax_deduction": False, "version": app["version"]},
    }  # fmt: skip
    target = f"/applications/{app['id']}{path}" if path else "/applications"
    answer = await send(client, "PUT" if path in ("/project", "/financing", "/declarations") else "POST",
                        target, {**bodies[path], **extra})  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == {next(iter(extra)): "Dieses Feld gibt es hier nicht."}
    stored = await Application.objects().get(Application.id == app["id"])
    assert (stored.status, stored.version, stored.file_number) == (
        ApplicationStatus.DRAFT,
        app["version"],
        None,
    )
    assert await Application.count().where(Application.call == world["call"]) == 1


async def test_files_are_checked_and_the_route_limits_the_body(client, world):
    await signed_in(client, "member")
    app = await draft(client, world)
    renamed = await upload(
        client, app["id"], app["version"], "statutes", "satzung.pdf", b"MZ\x90" + b"\x00" * 99
    )
    assert renamed.status_code == 422
    assert renamed.json()["errors"] == {
        "file": "Der Inhalt der Datei passt nicht zur Endung „.pdf“."
    }
    without = await client.post(f"{API}/applications/{app['id']}/attachments", headers=csrf(client),
                                files={"version": (None, str(app["version"])), "kind": (None, "statutes")})  # fmt: skip
    assert (without.status_code, without.json()["errors"]) == (422, {"file": "Bitte angeben."})
    huge = await upload(client, app["id"], app["version"], "statutes", "gross.pdf",
                        b"%PDF" + b"0" * (22 * 1024 * 1024))  # fmt: skip
    assert (huge.status_code, huge.headers["content-type"]) == (413, PROBLEM)


# -- the document ----------------------------------------------------------------------------


async def test_the_openapi_document_lists_the_api_and_no_pages(client, app):
    answer = await client.get("/api/schema/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"].startswith("3.")
    assert document["info"] == {"title": "Förderportal API", "version": "1"}
    paths = set(document["paths"])
    assert all(path.startswith(f"{API}/") for path in paths), paths
    assert {f"{API}/calls", f"{API}/applications", f"{API}/applications/{{application_id}}",
            f"{API}/applications/{{application_id}}/lines/{{line_key}}",
            f"{API}/applications/{{application_id}}/submit"} <= paths  # fmt: skip
    assert set(document["paths"][f"{API}/applications/{{application_id}}/lines/{{line_key}}"]) == {
        "put",
        "delete",
    }
    schemas = document["components"]["schemas"]
    assert schemas["FinancingRequest"]["properties"]["requested"]["type"] == "string"
    assert undeclared_routes(app) == []


async def test_the_document_is_as_strict_as_the_server(client, world):
    """Unknown fields, empty required text and ids below 1 are refused — and documented so."""
    schemas = (await client.get("/api/schema/openapi.json")).json()["components"]["schemas"]
    bodies = (
        "StartRequest",
        "ApplicantRequest",
        "ProjectRequest",
        "LineRequest",
        "WithdrawRequest",
    )
    assert all(schemas[name]["additionalProperties"] is False for name in bodies)
    assert schemas["ProjectRequest"]["properties"]["title"] | {"type": "string"} == {
        "type": "string", "minLength": 1, "pattern": "\\S",
    }  # fmt: skip
    assert schemas["ApplicantRequest"]["properties"]["centre_id"]["minimum"] == 1
    await signed_in(client, "member")
    app = await draft(client, world)
    unknown = await send(client, "PUT", f"/applications/{app['id']}/applicant",
                         {"version": app["version"], "centre_id": world["centre"], "status": "approved"})  # fmt: skip
    assert unknown.status_code == 422, unknown.text
    line = {
        "version": app["version"],
        "kind": "expense",
        "category": "fees",
        "description": "  ",
        "amount": "10.00",
    }
    blank = await send(client, "POST", f"/applications/{app['id']}/lines", line)
    assert (blank.status_code, blank.json()["errors"]) == (422, {"description": "Bitte ausfüllen."})


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/applications", "GET, OPTIONS, POST"), ("/applications/1/lines/x", "DELETE, OPTIONS, PUT"),
     ("/applications/1/messages", "GET, OPTIONS, POST")],
)  # fmt: skip
async def test_options_names_every_method_of_the_path(client, path, allowed):
    answer = await client.options(f"{API}{path}")
    assert (answer.status_code, answer.headers["allow"]) == (204, allowed)


async def test_the_document_names_the_answers_the_api_gives(client, world):
    """Found by the fuzzer (tests/robustness): the calls' 422 for a bad page was undocumented,
    and a file came as image/png where the document promised application/octet-stream."""
    await signed_in(client, "member")
    paths = (await client.get("/api/schema/openapi.json")).json()["paths"]
    bad_page = await client.get(f"{API}/calls", params={"page": "2.4"})
    assert (bad_page.status_code, bad_page.headers["content-type"]) == (422, PROBLEM)
    documented = paths[f"{API}/calls"]["get"]["responses"]
    assert set(documented["422"]["content"]) == {PROBLEM}
    app = await draft(client, world)
    stored = await upload(client, app["id"], app["version"], "statutes", "plan.png", PNG)
    assert stored.status_code == 201, stored.text
    file = await client.get(
        f"{API}/applications/{app['id']}/attachments/{stored.json()['attachment_id']}"
    )
    assert (file.status_code, file.headers["content-type"]) == (200, "image/png")
    download = paths[f"{API}/applications/{{application_id}}/attachments/{{attachment_id}}"]
    assert {"image/png", "application/pdf"} <= set(download["get"]["responses"]["200"]["content"])


@pytest.mark.parametrize("number", [2**31, 2**63, 0])
async def test_ids_and_versions_beyond_the_range_are_422_at_the_field(client, world, number):
    await signed_in(client, "member")
    app = await draft(client, world)
    path = f"/applications/{app['id']}"
    for method, url, body, field in [
        ("PUT", f"{path}/applicant", {"version": app["version"], "centre_id": number}, "centre_id"),
        ("PUT", f"{path}/applicant", {"version": number, "centre_id": 1}, "version"),
        ("POST", "/applications", {"call_id": number, "organisation_id": world["organisation"]}, "call_id"),
        ("DELETE", f"{path}/lines/x?version={number}", None, "version"),
    ]:  # fmt: skip
        answer = await send(client, method, url, body)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["errors"][field].startswith("Bitte eine ganze Zahl "), answer.text
    assert (await client.get(f"{API}/applications/{2**31}")).status_code == 404


async def test_a_deeply_nested_body_is_400_on_every_json_route(client, app, world):
    await signed_in(client, "signatory")  # a member who may also submit and withdraw
    draft_id = (await draft(client, world))["id"]
    grant_id = await own_grant(GrantStatus.PAYING)  # the usage report's routes
    deep = "[" * 100_000 + "]" * 100_000
    writes = [(m, p) for m, p, _ in routes(app) if p.startswith(API) and m in {"POST", "PUT"}]
    assert len(writes) >= 10
    for method, path in writes:
        url = path.replace("{application_id:int}", str(draft_id)).replace("{line_key:str}", "x").replace(
            "{grant_id:int}", str(grant_id))  # fmt: skip
        answer = await client.request(method, url, content=deep,
                                      headers={**csrf(client), "content-type": "application/json"})  # fmt: skip
        assert answer.status_code == 400, (url, answer.status_code, answer.text[:200])
        assert answer.headers["content-type"] == PROBLEM
        if not url.endswith("/attachments"):  # multipart: no JSON read there
            assert answer.json()["detail"] == "Der JSON-Inhalt ist zu tief verschachtelt."
