"""The statements page and its downloads: German forms without JavaScript, streamed Excel files
as attachments, the page again with the messages when a selection is bad, and who may read."""

from __future__ import annotations

import io
import re
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook

from grants.demo.seed import load_once
from grants.tables import ExportBatch, Membership, Organisation, PaymentOrder
from grants.workflow import PaymentOrderStatus
from portal.security import DOWNLOAD_POLICY
from tests.support.login import sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
async def demo(database) -> dict[str, int]:
    await load_once()
    own = (await Membership.objects().get(Membership.user.subject == "demo-member")).organisation
    other = (await Organisation.select(Organisation.id).where(Organisation.id != own).first())["id"]
    return {"own": own, "other": other}


async def signed_in(app, persona: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await sign_in(client, persona)
    return client


async def test_the_page_offers_every_statement(app, demo):
    finance = await signed_in(app, "finance")
    page = await finance.get("/finanzen/auszuege")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Auszüge für die Finanzen</h1>" in html
    assert 'href="/finanzen/auszuege">Auszüge</a>' in html  # in the navigation
    for action in ("/finanzen/auszuege/auszahlungsanordnungen.xlsx", "/finanzen/auszuege/foerderliste.xlsx",
                   "/finanzen/auszuege/kontoauszug#kontoauszug"):  # fmt: skip
        assert f'<form method="get" action="{action}"' in html
    assert '<label for="feld-von">Zeitraum von</label>' in html
    assert "<legend>Der Zeitraum gilt für</legend>" in html
    batch = await ExportBatch.select(ExportBatch.number).first()
    assert batch["number"] in html
    assert '<option value="2026"' in html
    assert "Türkisch-Deutscher Kulturverein Ehrenfeld e. V." not in html  # found by a search
    assert '<label for="feld-traeger">Träger suchen</label>' in html
    await finance.aclose()


async def test_staff_find_an_association_for_its_account_statement(app, demo):
    finance = await signed_in(app, "finance")
    found = await finance.get(
        "/finanzen/auszuege/kontoauszug", params={"traeger": "kulturverein ehrenf"}
    )
    assert found.status_code == 200
    own = await Organisation.objects().get(
        Organisation.legal_name == "Türkisch-Deutscher Kulturverein Ehrenfeld e. V."
    )
    assert (
        f'<a href="/organisationen/{own.id}/kontoauszug.xlsx">Kontoauszug (Excel): '
        "Türkisch-Deutscher Kulturverein Ehrenfeld e. V.</a>"
    ) in found.text
    assert 'value="kulturverein ehrenf"' in found.text  # the search stays in the field
    nothing = await finance.get(
        "/finanzen/auszuege/kontoauszug", params={"traeger": "gibt es nicht 100%"}
    )
    assert "Kein Träger mit diesem Namen gefunden." in nothing.text
    many = await finance.get("/finanzen/auszuege/kontoauszug", params={"traeger": "e. V."})
    assert many.text.count("Kontoauszug (Excel): ") == 20
    assert "Es gibt mehr Treffer als die ersten 20; bitte genauer suchen." in many.text
    await finance.aclose()


async def test_the_payment_orders_download_as_a_streamed_attachment(app, demo):
    finance = await signed_in(app, "finance")
    answer = await finance.get("/finanzen/auszuege/auszahlungsanordnungen.xlsx",
                               params={"von": "01.01.2026", "bis": "31.03.2026", "datum": "due"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="Auszahlungsanordnungen_Faelligkeit_2026-01-01_2026-03-31.xlsx"'
    )
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.headers["content-security-policy"] == DOWNLOAD_POLICY
    sheet = load_workbook(io.BytesIO(answer.content)).active
    ordered = [PaymentOrderStatus.RELEASED, PaymentOrderStatus.EXPORTED, PaymentOrderStatus.PAID]
    expected = await PaymentOrder.count().where(
        (PaymentOrder.due_date >= date(2026, 1, 1)) & (PaymentOrder.due_date <= date(2026, 3, 31))
        & PaymentOrder.status.is_in(ordered)
    )  # fmt: skip
    assert expected > 10
    assert sheet.cell(6 + expected, 1).value == "Summe"
    assert sheet["A2"].value.startswith("Fälligkeit 01.01.2026–31.03.2026")

    batch = await ExportBatch.select(ExportBatch.id, ExportBatch.number).first()
    answer = await finance.get("/finanzen/auszuege/auszahlungsanordnungen.xlsx",
                               params={"von": "", "bis": "", "exportlauf": str(batch["id"])})  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith(
        f'attachment; filename="Auszahlungsanordnungen_{batch["number"]}.xlsx"'
    )
    await finance.aclose()


async def test_a_bad_selection_shows_the_page_with_the_messages(app, demo):
    finance = await signed_in(app, "finance")
    url = "/finanzen/auszuege/auszahlungsanordnungen.xlsx"
    answer = await finance.get(url, params={"von": "01.04.2026", "bis": "31.01.2026"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in answer.text
    assert 'value="01.04.2026"' in answer.text  # what was typed comes back
    answer = await finance.get(url, params={"von": "32.13.2026", "bis": "31.01.2026"})
    assert answer.status_code == 400
    assert "Bitte ein gültiges Datum angeben" in answer.text
    answer = await finance.get(url, params={"von": "", "bis": ""})
    assert "Bitte einen Zeitraum oder einen Exportlauf auswählen." in answer.text
    answer = await finance.get(url, params={"von": "", "bis": "", "exportlauf": "999999"})
    assert answer.status_code == 404
    assert (
        await finance.get("/finanzen/auszuege/foerderliste.xlsx", params={"jahr": "x"})
    ).status_code == 400
    empty = await finance.get("/finanzen/auszuege/kontoauszug")
    assert empty.status_code == 400
    assert "Bitte den Namen des Trägers (oder einen Teil davon) eingeben." in empty.text
    await finance.aclose()


async def test_the_grant_list_and_the_account_statement_download(app, demo):
    auditor = await signed_in(app, "auditor")
    answer = await auditor.get("/finanzen/auszuege/foerderliste.xlsx", params={"jahr": "2025"})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith(
        'attachment; filename="Foerderliste_2025.xlsx"'
    )
    assert answer.headers["content-security-policy"] == DOWNLOAD_POLICY
    assert load_workbook(io.BytesIO(answer.content)).active["A1"].value == "Förderliste 2025"
    answer = await auditor.get(f"/organisationen/{demo['other']}/kontoauszug.xlsx")
    assert answer.status_code == 200
    assert re.match(r'attachment; filename="Kontoauszug_[A-Za-z0-9.-]+_\d{4}-\d\d-\d\d\.xlsx"',
                        answer.headers["content-disposition"])  # fmt: skip
    await auditor.aclose()


async def test_an_association_downloads_its_own_account_statement_only(app, demo):
    member = await signed_in(app, "member")
    own = await member.get(f"/organisationen/{demo['own']}/kontoauszug.xlsx")
    assert own.status_code == 200
    workbook = load_workbook(io.BytesIO(own.content))
    assert workbook.sheetnames == ["Zuwendungen", "Auszahlungen"]
    assert (
        workbook["Zuwendungen"]["A1"].value
        == "Kontoauszug – Türkisch-Deutscher Kulturverein Ehrenfeld e. V."
    )
    other = await member.get(f"/organisationen/{demo['other']}/kontoauszug.xlsx")
    assert other.status_code == 404
    for path in ("/finanzen/auszuege", "/finanzen/auszuege/foerderliste.xlsx?jahr=2026",
                 "/finanzen/auszuege/auszahlungsanordnungen.xlsx?von=01.01.2026&bis=31.12.2026"):  # fmt: skip
        assert (await member.get(path)).status_code == 403, path
    page = await member.get("/")
    assert 'href="/finanzen/auszuege"' not in page.text
    overview = await member.get(f"/organisationen/{demo['own']}")
    assert f'href="/organisationen/{demo["own"]}/kontoauszug.xlsx"' in overview.text
    await member.aclose()
