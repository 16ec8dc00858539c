"""Deny by default, checked over the app's own route table: every route declares who may call
it; anonymous users are sent to the login (pages) or get 401 (API); a wrong role gets 403; a
member of association A asking for a record of association B gets 404, never the data."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from litestar import get

from grants import clock
from grants.demo.seed import load_once
from grants.tables import (
    Application,
    Attachment,
    BudgetLine,
    Call,
    Centre,
    Document,
    ExportBatch,
    FundsRequest,
    GrantAward,
    Invitation,
    Membership,
    Organisation,
    PaymentOrder,
    PlanLine,
    User,
)
from grants.vocabulary import Role
from portal.app import create_app
from portal.auth import access
from portal.auth.guard import refuse_undeclared_routes, rule_of, undeclared_routes
from tests.support.login import sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
HELD = {  # the roles each signed-in persona holds
    "member": {Role.MEMBER}, "signatory": {Role.SIGNATORY, Role.MEMBER}, "reviewer": {Role.REVIEWER},
    "approver": {Role.APPROVER}, "finance": {Role.FINANCE}, "admin": {Role.ADMIN},
    "auditor": {Role.AUDITOR}, "nobody": set(),
}  # fmt: skip
LOGGED_IN = list(HELD)


def routes(app) -> list[tuple[str, str, object]]:
    """(method, path, handler) for every route; Litestar's generated OPTIONS answers left out."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if getattr(handler.fn, "__qualname__", "").endswith("options_handler"):
                continue
            for method in sorted(handler.http_methods):
                if method != "HEAD":
                    found.append((method, route.path, handler))
    return found


@pytest.fixture
async def world(database):
    """Demo data; association A is the personas', B another one; the path parameters of every
    route point at records of B (an invitation, an application with a line and a file …)."""
    await load_once()
    a = (await Membership.objects().get(Membership.user.subject == "demo-member")).organisation
    b = (await Organisation.select(Organisation.id).where(Organisation.id != a).first())["id"]
    invitation = await Invitation.insert(Invitation(
        organisation=b, email="neu@verein-b.example", invited_by=(await User.objects().first()).id,
        expires_at=clock.now() + timedelta(days=3),
    )).returning(Invitation.id)  # fmt: skip
    application = (
        await Application.select(Application.id, Application.call)
        .where((Application.organisation == b) & Application.file_number.is_not_null())
        .first()
    )
    line = (
        await PlanLine.select(PlanLine.line_key)
        .where(PlanLine.application == application["id"])
        .first()
    )
    attachment = await Attachment.insert(Attachment(
        organisation=b, application=application["id"], filename="satzung-b.pdf", media_type="application/pdf",
        size_bytes=3, sha256="0" * 64,
    )).returning(Attachment.id)  # fmt: skip
    centre = await Centre.select(Centre.id).where(Centre.organisation == b).first()
    document = await Document.insert(Document(
        organisation=b, application=application["id"], title="Zuwendungsbescheid", filename="b.docx",
        media_type="application/octet-stream", sha256="0" * 64,
    )).returning(Document.id)  # fmt: skip
    call = await Call.select(Call.id, Call.programme).where(Call.id == application["call"]).first()
    budget_line = await BudgetLine.select(
        BudgetLine.id, BudgetLine.fiscal_year, BudgetLine.fiscal_year.year.as_alias("year")
    ).first()
    grant = (
        await GrantAward.select(GrantAward.id)
        .where(GrantAward.application.organisation == b)
        .first()
    )  # type: ignore[union-attr]
    order = (
        await PaymentOrder.select(PaymentOrder.id, PaymentOrder.batch)
        .where(PaymentOrder.grant == grant["id"])
        .first()
    )
    funds_request = await FundsRequest.insert(FundsRequest(
        grant=grant["id"], amount_cents=100, purpose="Miete", due_within_two_months_cents=100,
    )).returning(FundsRequest.id)  # fmt: skip
    batch = await ExportBatch.select(ExportBatch.id).first()
    return {
        "grant_id": grant["id"], "order_id": order["id"], "request_id": funds_request[0]["id"],
        "batch_id": batch["id"],
        "organisation_id": b, "invitation_id": invitation[0]["id"], "user_id": 1, "provider": "demo",
        "file_path": "app.css", "application_id": application["id"], "line_key": line["line_key"],
        "attachment_id": attachment[0]["id"], "number": 1, "kind_path": "ausgabe", "centre_id": centre["id"],
        "call_id": call["id"], "programme_id": call["programme"], "document_id": document[0]["id"],
        "amendment_id": 1, "receipt_id": 1,
        "text_block_id": 1,
        "budget_line_id": budget_line["id"], "fiscal_year_id": budget_line["fiscal_year"],
        "year": budget_line["year"],
    }  # fmt: skip


@pytest.fixture
async def clients(app, world):
    """One signed-in client per persona; "nobody" (the guest) has neither role nor membership."""
    signed_in = {}
    for persona in LOGGED_IN:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        await sign_in(client, "guest" if persona == "nobody" else persona)
        await client.get("/")  # picks up the CSRF cookie
        signed_in[persona] = client
    yield signed_in
    for client in signed_in.values():
        await client.aclose()


async def call(client: httpx.AsyncClient, method: str, path: str) -> httpx.Response:
    data = {"_csrf_token": client.cookies.get("csrftoken", "")}
    return await client.request(method, path, data=data if method == "POST" else None)


def fill(path: str, world: dict[str, object]) -> str:
    return PARAM.sub(lambda m: str(world[m.group(1)]), path)


async def test_every_route_declares_its_access_rule(app):
    assert undeclared_routes(app) == []


def test_an_app_with_an_undeclared_route_refuses_to_start():
    @get("/vergessen")
    async def forgotten() -> str:
        return "hier fehlt die Regel"

    app = create_app()
    app.register(forgotten)
    assert undeclared_routes(app) == ["GET /vergessen"]
    with pytest.raises(RuntimeError, match="GET /vergessen"):
        refuse_undeclared_routes(app)


async def test_anonymous_users_are_sent_to_the_login(app, client, world):
    await client.get("/")  # the CSRF cookie, so that POSTs reach the access check
    for method, path, handler in routes(app):
        if rule_of(handler) == access.PUBLIC:
            continue
        answer = await call(client, method, fill(path, world))
        if path.startswith("/api/"):
            assert answer.status_code == 401, (method, path)
        else:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/auth/login?next="), (method, path)


async def test_wrong_roles_get_403(app, clients, world):
    checked = 0
    for method, path, handler in routes(app):
        rule = rule_of(handler)
        if not isinstance(rule, frozenset):
            continue
        for persona, held in HELD.items():
            if held.isdisjoint(rule):
                answer = await call(clients[persona], method, fill(path, world))
                assert answer.status_code == 403, (persona, method, path, answer.status_code)
                checked += 1
    assert checked >= 10


async def test_members_of_a_never_reach_records_of_b(app, clients, world):
    checked = 0
    for method, path, handler in routes(app):
        rule = rule_of(handler)
        if not any(
            f"{{{key}" in path
            for key in ("organisation_id", "invitation_id", "application_id", "grant_id")
        ):
            continue
        for persona in ("member", "signatory"):
            if not isinstance(rule, frozenset) or HELD[persona].isdisjoint(rule):
                continue  # the role rule answers first (403), see above
            answer = await call(clients[persona], method, fill(path, world))
            assert answer.status_code == 404, (persona, method, path, answer.status_code)
            assert "verein-b.example" not in answer.text
            checked += 1
    assert checked >= 4
