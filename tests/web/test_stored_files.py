"""Every file a record points at is there; a lost one is a German 410 and an error in the log."""

import io
import logging
import secrets

import pytest
from openpyxl import load_workbook

from grants import files
from grants.demo import seed
from grants.demo.data import build
from grants.services.users import Principal
from grants.tables import ExportBatch
from grants.vocabulary import Role
from reports.excel.statements import batch_statement
from tests.api.test_applications_api import API, PROBLEM, draft, signed_in, upload
from tests.support import applying

pytestmark = pytest.mark.anyio
FINANCE = Principal(id=0, display_name="Demodaten", email="", roles=frozenset({Role.FINANCE}))


async def test_the_demo_writes_the_file_of_every_batch_and_a_lost_one_is_410(client, caplog):
    await seed.load_once(build(), batch_file=lambda batch_id: batch_statement(FINANCE, batch_id))
    batches = await ExportBatch.select(ExportBatch.id, ExportBatch.number, ExportBatch.file_sha256)
    assert len(batches) >= 5
    for batch in batches:
        sheet = load_workbook(io.BytesIO(files.read(batch["file_sha256"]))).active
        assert batch["number"] in sheet["A1"].value + sheet["A2"].value
    await signed_in(client, "finance")
    url = f"/finanzen/stapel/{batches[0]['id']}/anordnungen.xlsx"
    assert (await client.get(url)).status_code == 200
    files.path_of(batches[0]["file_sha256"]).unlink()
    with caplog.at_level(logging.ERROR, logger="grants.files"):
        answer = await client.get(url)
    assert answer.status_code == 410
    assert "Die Datei ist nicht mehr vorhanden." in answer.text
    assert any(batches[0]["file_sha256"] in r.getMessage() for r in caplog.records)


async def test_a_lost_attachment_is_410_on_the_page_and_in_the_api(client):
    world = await applying.open_call()
    await signed_in(client, "member")
    app = await draft(client, world)
    content = applying.PDF + secrets.token_hex(8).encode()  # a file of this test only
    sent = await upload(client, app["id"], app["version"], "statutes", "satzung.pdf", content)
    assert sent.status_code == 201, sent.text
    attachment = sent.json()["attachment_id"]
    files.path_of(files.check("satzung.pdf", content).sha256).unlink()
    page = await client.get(f"/antraege/{app['id']}/anlagen/{attachment}")
    assert page.status_code == 410
    assert "Die Datei ist nicht mehr vorhanden." in page.text
    answer = await client.get(f"{API}/applications/{app['id']}/attachments/{attachment}")
    assert (answer.status_code, answer.headers["content-type"]) == (410, PROBLEM)
    assert answer.json()["title"] == "Datei nicht mehr vorhanden"
