"""The payment pages: a reviewer orders an instalment, finance releases it at the desk; the
association asks for funds and sees its errors at the fields; a bad confirmation file is listed."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import httpx
import pytest
from openpyxl import load_workbook

from grants.money import Money
from grants.tables import ExportBatch, Membership, PaymentOrder, User
from grants.vocabulary import PaymentMode, Role
from grants.workflow import PaymentOrderStatus
from portal.security import DOWNLOAD_POLICY
from tests.payments.conftest import approve
from tests.support.login import csrf_post, hidden_fields, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
P = PaymentOrderStatus


async def as_persona(app, persona: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await sign_in(client, persona)
    await client.get("/")
    return client


async def test_a_reviewer_orders_an_instalment_and_finance_releases_it_at_the_desk(app, database):
    granted = await approve()
    reviewer, finance = await as_persona(app, "reviewer"), await as_persona(app, "finance")
    page = await reviewer.get(f"/zuwendungen/{granted.grant_id}/zahlungen")
    assert page.status_code == 200
    assert "Raten laut Bescheid" in page.text
    assert page.text.count("Anordnen und sachlich richtig zeichnen") == 4
    ordered = await csrf_post(reviewer, f"/zuwendungen/{granted.grant_id}/raten/1", {})
    assert ordered.status_code == 303
    page = await reviewer.get(ordered.headers["location"])
    assert "Rate 1 angeordnet" in page.text
    assert page.text.count("Anordnen und sachlich richtig zeichnen") == 3

    desk = await finance.get("/finanzen/anordnungen?status=certified")
    assert desk.status_code == 200
    order = await PaymentOrder.objects().get(PaymentOrder.grant == granted.grant_id)
    assert f'action="/finanzen/anordnungen/{order.id}/freigeben"' in desk.text
    released = await csrf_post(
        finance, f"/finanzen/anordnungen/{order.id}/freigeben", {"version": "1"}
    )
    assert released.status_code == 303
    assert (await PaymentOrder.objects().get(PaymentOrder.id == order.id)).status == P.RELEASED
    again = await csrf_post(
        finance, f"/finanzen/anordnungen/{order.id}/freigeben", {"version": "1"}
    )
    assert again.status_code == 303  # the same click once more changes nothing
    await reviewer.aclose()
    await finance.aclose()


async def test_the_association_asks_for_funds_and_keeps_what_it_typed(app, database):
    granted = await approve(PaymentMode.ON_REQUEST)
    user = await User.objects().get(User.subject == "demo-member")
    await Membership.insert(
        Membership(user=user.id, organisation=granted.organisation_id, role=Role.MEMBER)
    )
    member = await as_persona(app, "member")
    form = await member.get(f"/zuwendungen/{granted.grant_id}/mittelabruf")
    assert form.status_code == 200
    refused = await csrf_post(member, f"/zuwendungen/{granted.grant_id}/mittelabruf", {
        "amount": "1.234,5x", "purpose": "Miete Juni", "due_within_two_months": "2.000,00",
        "own_funds_used": "0", "third_party_used": "0",
    })  # fmt: skip
    assert refused.status_code == 400
    assert 'id="fehler-amount"' in refused.text
    assert 'value="1.234,5x"' in refused.text
    assert "Miete Juni" in refused.text
    await member.aclose()


async def test_a_bad_confirmation_file_is_listed_row_by_row(app, database):
    finance = await as_persona(app, "finance")
    page = await finance.get("/finanzen/zahlungsbestaetigungen")
    assert page.status_code == 200
    token = finance.cookies.get("csrftoken", "")
    answer = await finance.post("/finanzen/zahlungsbestaetigungen", data={"_csrf_token": token}, files={
        "file": ("kasse.csv", b"Anordnungs-Nr.;Betrag;Datum;Kassenzeichen\nAO-1999-0001-001;10,00;02.01.2026;5400.1\n",
                 "text/csv")})  # fmt: skip
    assert answer.status_code == 400
    assert re.search(r"Zeile 2: Anordnung AO-1999-0001-001 ist unbekannt", answer.text)
    assert "Nichts verbucht" in answer.text
    empty = await finance.post("/finanzen/zahlungsbestaetigungen", data={"_csrf_token": token})
    assert empty.status_code == 400
    assert 'id="fehler-file"' in empty.text
    await finance.aclose()


async def test_finance_chooses_the_orders_confirms_count_and_sum_and_gets_the_file_at_once(
    app, database
):
    granted = await approve()
    reviewer = await as_persona(app, "reviewer")
    finance = await as_persona(app, "finance")
    await csrf_post(reviewer, f"/zuwendungen/{granted.grant_id}/raten/1", {})
    order = await PaymentOrder.objects().get(PaymentOrder.grant == granted.grant_id)
    await csrf_post(finance, f"/finanzen/anordnungen/{order.id}/freigeben", {"version": "1"})
    released = await PaymentOrder.select(PaymentOrder.id).where(PaymentOrder.status == P.RELEASED)

    desk = await finance.get("/finanzen/anordnungen?status=released")
    offered = re.findall(r'name="auswahl" value="(\d+)" checked', desk.text)
    assert sorted(map(int, offered)) == sorted(r["id"] for r in released)  # all pre-selected
    token = finance.cookies["csrftoken"]
    nothing = await finance.post("/finanzen/anordnungen/auswahl", data={"_csrf_token": token})
    assert nothing.status_code == 400
    assert "mindestens eine freigegebene Anordnung" in nothing.text
    confirm = await finance.post("/finanzen/anordnungen/auswahl",
                                 data={"_csrf_token": token, "auswahl": [str(order.id), "2147483647"]})  # fmt: skip
    assert confirm.status_code == 200
    fields = hidden_fields(confirm.text)
    assert (fields["anzahl"], fields["summe_cents"]) == ("1", str(order.amount_cents))
    assert f"Jetzt übermitteln: 1 Anordnungen, {Money(order.amount_cents).format()}" in confirm.text

    stale = await finance.post("/finanzen/anordnungen/uebermitteln", data={
        **fields, "_csrf_token": token, "auswahl": [str(order.id)], "summe_cents": str(order.amount_cents + 1)})  # fmt: skip
    assert stale.status_code == 409
    assert "Die Auswahl hat sich inzwischen geändert" in stale.text
    sent = await finance.post("/finanzen/anordnungen/uebermitteln",
                              data={**fields, "_csrf_token": token, "auswahl": [str(order.id)]})  # fmt: skip
    assert sent.status_code == 200
    assert sent.headers["content-disposition"].startswith("attachment;")
    again = await finance.post("/finanzen/anordnungen/uebermitteln",
                               data={**fields, "_csrf_token": token, "auswahl": [str(order.id)]})  # fmt: skip
    assert again.content == sent.content  # the second click found the first batch
    assert await ExportBatch.count().where(ExportBatch.idempotency_key == fields["token"]) == 1
    order = await PaymentOrder.objects().get(PaymentOrder.id == order.id)
    assert order.status == P.EXPORTED
    others = [r["id"] for r in released if r["id"] != order.id]
    assert await PaymentOrder.count().where(
        PaymentOrder.id.is_in(others or [0]) & (PaymentOrder.status == P.RELEASED)
    ) == len(others)
    assert sent.headers["content-security-policy"] == DOWNLOAD_POLICY
    sheet = load_workbook(io.BytesIO(sent.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert order.order_number in values
    assert order.purpose in values
    await reviewer.aclose()
    await finance.aclose()


async def test_the_batch_list_is_paged_newest_first(app, database):
    finance = await as_persona(app, "finance")
    user = await User.objects().get(User.subject == "demo-finance")
    await ExportBatch.insert(*[ExportBatch(number=f"AO-2001-{n:04d}", created_by=user.id, created_at=datetime(2001, 1, 1, tzinfo=UTC),
                                           idempotency_key=f"seite-{n}") for n in range(45)])  # fmt: skip
    first = await finance.get("/finanzen/anordnungen?status=paid")
    numbers = re.findall(r'<th scope="row">(AO-\d{4}-\d{4})</th>', first.text)
    assert len(numbers) == 20
    assert "stapelseite=2" in first.text
    last = await finance.get("/finanzen/anordnungen?status=paid&stapelseite=3")
    assert re.findall(r'<th scope="row">(AO-\d{4}-\d{4})</th>', last.text)
    assert "stapelseite=2" in last.text
    assert "stapelseite=4" not in last.text
    await finance.aclose()
