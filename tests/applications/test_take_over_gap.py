"""'Fehlbetrag als beantragte Förderung übernehmen': the requested grant becomes expenses − other
revenue, to the cent, with the version check and the audit event of every other save."""

import pytest

from grants.tables import Application, AuditEvent
from tests.support import applying
from tests.support.applying import start, step
from tests.support.login import csrf_post, sign_in

pytestmark = pytest.mark.anyio
BUTTON = "Fehlbetrag als beantragte Förderung übernehmen"


@pytest.fixture
async def draft(client, database):
    """A draft with expenses of 12.345,67 € + 3 × 0,07 € and revenue of 100,10 € (gap 12.245,78 €)."""
    world = await applying.open_call()
    await sign_in(client, "member")
    await client.get("/")
    app_id = await start(client, world)
    for line in (
        {"kind_path": "ausgabe", "category": "material", "description": "Material", "amount": "12.345,67"},
        {"kind_path": "ausgabe", "category": "material", "description": "Kopien", "quantity": "3", "unit_price": "0,07"},
        {"kind_path": "einnahme", "category": "own_funds", "description": "Beiträge", "amount": "100,10"},
    ):  # fmt: skip
        assert (await step(client, app_id, "finanzplan/posten", line)).status_code == 303
    return app_id


async def requested_cents(app_id: int) -> int:
    row = (
        await Application.select(Application.requested_cents)
        .where(Application.id == app_id)
        .first()
    )
    return row["requested_cents"]


async def saves(app_id: int) -> int:
    return await AuditEvent.count().where(
        (AuditEvent.action == "application.saved") & (AuditEvent.entity_id == app_id)
    )


async def test_the_gap_becomes_the_requested_grant_to_the_cent(client, draft):
    plan = await client.get(f"/antraege/{draft}/finanzplan")
    assert BUTTON in plan.text
    assert "12.245,78\xa0€" in plan.text
    before = await saves(draft)
    answer = await step(client, draft, "finanzplan/fehlbetrag", {})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/antraege/{draft}/finanzplan"
    assert await requested_cents(draft) == 1224578
    assert await saves(draft) == before + 1
    plan = await client.get(answer.headers["location"])
    assert "Der Fehlbetrag ist als beantragte Zuwendung übernommen." in plan.text
    assert "Ja: Ausgaben = Einnahmen + beantragte Zuwendung." in plan.text
    assert BUTTON not in plan.text  # nothing left to take over


async def test_a_stale_page_takes_over_nothing(client, draft):
    stale = await applying.version(draft)
    assert (
        await step(
            client, draft, "finanzplan", {"requested": "6.000,00", "financing_type": "shortfall"}
        )
    ).status_code == 303
    before = await saves(draft)
    answer = await csrf_post(client, f"/antraege/{draft}/finanzplan/fehlbetrag", {"version": stale})
    assert answer.status_code == 409
    assert "inzwischen von jemand anderem geändert" in answer.text
    assert await requested_cents(draft) == 600000
    assert await saves(draft) == before


async def test_without_a_gap_there_is_nothing_to_take_over(client, draft):
    extra = {
        "kind_path": "einnahme",
        "category": "own_funds",
        "description": "Spende",
        "amount": "20.000",
    }
    assert (await step(client, draft, "finanzplan/posten", extra)).status_code == 303
    assert BUTTON not in (await client.get(f"/antraege/{draft}/finanzplan")).text
    before = await saves(draft)
    answer = await step(client, draft, "finanzplan/fehlbetrag", {})
    assert answer.status_code == 400
    assert "Beantragte Zuwendung: Es gibt keinen Fehlbetrag" in answer.text
    assert await requested_cents(draft) == 0
    assert await saves(draft) == before


async def test_a_gap_below_the_programme_minimum_is_refused(client, draft):
    extra = {
        "kind_path": "einnahme",
        "category": "own_funds",
        "description": "Spende",
        "amount": "10.000",
    }
    assert (await step(client, draft, "finanzplan/posten", extra)).status_code == 303
    answer = await step(client, draft, "finanzplan/fehlbetrag", {})
    assert answer.status_code == 400
    assert "Beantragte Zuwendung: Das Programm fördert ab 5.000,00\xa0€." in answer.text
    assert await requested_cents(draft) == 0
