"""The payment pages: a reviewer orders an instalment, finance releases it at the desk; the
association asks for funds and sees its errors at the fields; a bad confirmation file is listed."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from openpyxl import load_workbook

from grants.tables import ExportBatch, Membership, PaymentOrder, User
from grants.vocabulary import PaymentMode, Role
from grants.workflow import PaymentOrderStatus
from portal.security import DOWNLOAD_POLICY
from tests.payments.conftest import approve
from tests.support.login import csrf_post, sign_in

pytestmark = pytest.mark.anyio
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


async def test_finance_exports_the_released_orders_and_downloads_the_batch_file(app, database):
    granted = await approve()
    reviewer = await as_persona(app, "reviewer")
    finance = await as_persona(app, "finance")
    await csrf_post(reviewer, f"/zuwendungen/{granted.grant_id}/raten/1", {})
    order = await PaymentOrder.objects().get(PaymentOrder.grant == granted.grant_id)
    await csrf_post(finance, f"/finanzen/anordnungen/{order.id}/freigeben", {"version": "1"})

    desk = await finance.get("/finanzen/anordnungen?status=released")
    token = re.search(r'name="token" value="([0-9a-f]+)"', desk.text).group(1)
    sent = await csrf_post(finance, "/finanzen/anordnungen/uebermitteln", {"token": token})
    assert sent.status_code == 303
    assert (
        await csrf_post(finance, "/finanzen/anordnungen/uebermitteln", {"token": token})
    ).status_code == 303
    order = await PaymentOrder.objects().get(PaymentOrder.id == order.id)
    assert order.status == P.EXPORTED
    batches = await ExportBatch.select(ExportBatch.id).where(ExportBatch.idempotency_key == token)
    assert len(batches) == 1  # the second click found the first batch

    page = await finance.get(sent.headers["location"])
    link = re.search(
        rf'href="(/finanzen/stapel/{batches[0]["id"]}/anordnungen.xlsx)"', page.text
    ).group(1)
    download = await finance.get(link)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-security-policy"] == DOWNLOAD_POLICY
    sheet = load_workbook(io.BytesIO(download.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert order.order_number in values
    assert order.purpose in values
    await reviewer.aclose()
    await finance.aclose()
