"""Filling in an application through the pages, as the demo association's people would."""

from __future__ import annotations

import io
from datetime import date, timedelta

import httpx
from docx import Document as WordDocument

from grants import clock
from grants.demo.seed import load_once
from grants.tables import (
    Application,
    BudgetLine,
    Call,
    Centre,
    FiscalYear,
    Membership,
    Organisation,
    Programme,
)
from tests.support.login import csrf_post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes(text: str = "Satzung") -> bytes:
    buffer = io.BytesIO()
    document = WordDocument()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


async def open_call(database: object = None) -> dict[str, int]:
    """Demo data plus an IKZ call open now (whatever today is); the association's tax notice valid."""
    await load_once()
    today = clock.today()
    year = await FiscalYear.objects().get_or_create(FiscalYear.year == today.year,
                                                    defaults={FiscalYear.budget_in_force: True})  # fmt: skip
    line = await BudgetLine.objects().get_or_create(
        (BudgetLine.fiscal_year == year.id) & (BudgetLine.cost_centre == "1304IKZ-TEST"),
        defaults={
            BudgetLine.product: "0504",
            BudgetLine.plan_line: "15",
            BudgetLine.appropriation_cents: 10**8,
        },
    )
    programme = await Programme.objects().get(Programme.short_name == "IKZ")
    now = clock.now()
    call = await Call.insert(Call(programme=programme.id, fiscal_year=year.id, budget_line=line.id,
                                  title=f"Testaufruf {today.year}", opens_at=now - timedelta(days=1),
                                  closes_at=now + timedelta(days=30), budget_cents=10**8)).returning(Call.id)  # fmt: skip
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-signatory")
    ).organisation
    await Organisation.update({Organisation.tax_exemption_valid_until: today + timedelta(days=365),
                               Organisation.register_number: "VR 4711"}).where(Organisation.id == organisation)  # fmt: skip
    centre = await Centre.select(Centre.id).where(Centre.organisation == organisation).first()
    return {
        "call": call[0]["id"],
        "organisation": organisation,
        "centre": centre["id"],
        "year": today.year,
    }


async def version(app_id: int) -> str:
    row = await Application.select(Application.version).where(Application.id == app_id).first()
    return str(row["version"])


async def start(client: httpx.AsyncClient, world: dict[str, int]) -> int:
    answer = await csrf_post(client, "/antraege/neu", {"call": str(world["call"])})
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].rsplit("/", 1)[-1])


async def step(
    client: httpx.AsyncClient, app_id: int, path: str, data: dict[str, object]
) -> httpx.Response:
    """POST one step with the current version (lists become repeated fields)."""
    fields = {"_csrf_token": client.cookies["csrftoken"], "version": await version(app_id), **data}
    return await client.post(f"/antraege/{app_id}/{path}", data=fields)


PROJECT = {
    "title": "Beratung und Begegnung in Ehrenfeld",
    "summary": "Soziale Beratung, offener Treff und Deutschkurse für Menschen aus vielen Ländern.",
    "goals": "Zugang zu Regelangeboten, Teilhabe, bessere Deutschkenntnisse.",
    "target_groups": ["newcomers", "families"],
    "planned_offers": ["social_counselling", "open_meeting", "german_language"],
    "languages": ["tr", "ar"],
    "district": "ehrenfeld",
}


async def complete(client: httpx.AsyncClient, app_id: int, world: dict[str, int]) -> None:
    """Every step of the task list, with a plan that balances (A 34.800 = D 4.800 + Z 30.000)."""
    year = world["year"]
    assert (
        await step(client, app_id, "antragsteller", {"centre": str(world["centre"])})
    ).status_code == 303
    project = {
        **PROJECT,
        "period_start": date(year, 1, 1).isoformat(),
        "period_end": date(year, 12, 31).isoformat(),
    }
    assert (await step(client, app_id, "projekt", project)).status_code == 303
    for line in (
        {"kind_path": "ausgabe", "category": "personnel", "description": "Sozialberatung", "amount": "30.000,00",
         "staff_function": "Sozialarbeiter:in", "fte": "0,5", "pay_group": "TVöD SuE S 12"},
        {"kind_path": "ausgabe", "category": "fees", "description": "Honorare Deutschkurs", "quantity": "120",
         "unit_price": "40,00"},
        {"kind_path": "einnahme", "category": "own_funds", "description": "Mitgliedsbeiträge", "amount": "4.800"},
    ):  # fmt: skip
        answer = await step(client, app_id, "finanzplan/posten", line)
        assert answer.status_code == 303, answer.text
    answer = await step(
        client, app_id, "finanzplan", {"requested": "30.000,00", "financing_type": "shortfall"}
    )
    assert answer.status_code == 303, answer.text
    for kind, name in (("statutes", "satzung.pdf"), ("tax_exemption", "freistellung.pdf"),
                       ("register_extract", "register.pdf")):  # fmt: skip
        answer = await upload(client, app_id, kind, name, PDF)
        assert answer.status_code == 303, answer.text
    declarations = {
        "no_early_start": "true",
        "input_tax_deduction": "nein",
        "truthful": "true",
        "privacy_notice": "true",
    }
    assert (await step(client, app_id, "erklaerungen", declarations)).status_code == 303


async def upload(
    client: httpx.AsyncClient, app_id: int, kind: str, filename: str, content: bytes
) -> httpx.Response:
    return await client.post(
        f"/antraege/{app_id}/anlagen",
        data={
            "_csrf_token": client.cookies["csrftoken"],
            "version": await version(app_id),
            "kind": kind,
        },
        files={"file": (filename, content, "application/octet-stream")},
    )


async def submit(client: httpx.AsyncClient, app_id: int) -> httpx.Response:
    return await step(client, app_id, "einreichen", {})
