"""The decision pack (Beschlussvorlage) of a call for the Integrationsrat: its figures, the Word
and Excel files, and recording the committee's decisions for the whole call in one step."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from grants.demo.seed import load_once
from grants.money import Money
from grants.services import decision_pack, reviews
from grants.services.users import load_principal
from grants.tables import (
    Application,
    AuditEvent,
    BudgetCommitment,
    BudgetLine,
    Call,
    Decision,
    Organisation,
    Review,
    User,
)
from grants.vocabulary import DecisionKind, FinancingType, Recommendation
from grants.workflow import ApplicationStatus
from portal.review.letters import render_letter
from portal.security import DOWNLOAD_POLICY
from reports.excel.decision_pack import decision_pack_workbook
from reports.excel.workbooks import EUR, Column, TableSheet, new_workbook, to_bytes
from reports.word.decision_pack import decision_pack_document
from tests.support import applying, reviewing
from tests.support.login import csrf_post, hidden_fields, sign_in
from tests.support.office import calc_rows

pytestmark = pytest.mark.anyio

EVIL_NAME = '=HYPERLINK("http://boese.example","Klick")\x0b e. V.'


async def as_persona(app, persona: str) -> httpx.AsyncClient:
    staff = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await sign_in(staff, persona)
    await staff.get("/")
    return staff


async def review(staff: httpx.AsyncClient, app_id: int, recognised: str, outcome: str) -> None:
    """Review through the pages: personnel (30.000) recognised in part, then recommend and
    complete. Plan A 34.800, D 4.800: Fehlbedarf gives recognised − 2.000 (cap 30.000)."""
    page = f"/pruefung/antraege/{app_id}"
    started = await csrf_post(
        staff, f"{page}/beginnen", {"version": await applying.version(app_id)}
    )
    assert started.status_code == 303, started.text
    assessed = await reviewing.assess(
        staff,
        app_id,
        {0: {"verdict": "partial", "recognised": recognised, "reason": "Stellenanteil zu hoch"}},
    )
    assert assessed.status_code == 303, assessed.text
    recommended = await csrf_post(staff, f"{page}/empfehlung", {
        **await review_ids(app_id), "recommendation": outcome, "financing_type": "shortfall", "cap": "30.000,00",
        "conditions": "anbest_p",
    })  # fmt: skip
    assert recommended.status_code == 303, recommended.text
    done = await csrf_post(staff, f"{page}/abschliessen", await review_ids(app_id))
    assert done.status_code == 303, done.text


async def review_ids(app_id: int) -> dict[str, str]:
    from grants.services.reviews import current

    found = await current(app_id)
    return {"review": str(found.id), "review_version": str(found.version)}


@pytest.fixture
async def world(client, database):
    """The test call (its own budget line) and the signatory signed in on ``client``."""
    found = await applying.open_call()
    await sign_in(client, "signatory")
    await client.get("/")
    return found


async def ready_applications(
    app, client: httpx.AsyncClient, world: dict, *reviews: tuple[str, str]
) -> list[int]:
    """Applications submitted by the association and reviewed by Julia Becker, one per
    ``(recognised personnel, recommendation)``; all "entscheidungsreif"."""
    ids = []
    reviewer = await as_persona(app, "reviewer")
    for recognised, outcome in reviews:
        app_id = await applying.start(client, world)
        await applying.complete(client, app_id, world)
        assert (await applying.submit(client, app_id)).status_code == 303
        await review(reviewer, app_id, recognised, outcome)
        ids.append(app_id)
    await reviewer.aclose()
    statuses = await Application.select(Application.status).where(Application.id.is_in(ids))
    assert {s["status"] for s in statuses} == {ApplicationStatus.READY}
    return ids


async def user_id(persona: str) -> int:
    return (await User.objects().get(User.subject == f"demo-{persona}")).id


async def test_the_pack_shows_the_recommendations_against_the_budget_as_in_the_database(
    app, client, world
):
    ready = await ready_applications(app, client, world, ("28.000,00", "approve_partly"),
                                     ("26.000,00", "approve_partly"), ("28.000,00", "reject"),
                                     ("24.000,00", "approve_partly"))  # fmt: skip
    approver = await as_persona(app, "approver")
    decided_id = ready.pop()  # the fourth is decided already: 24.000 bound on the line
    year = world["year"]
    decided = await csrf_post(approver, f"/pruefung/antraege/{decided_id}/entscheidung", {
        "recommendation": "approve_partly", "financing_type": "shortfall", "cap": "30.000,00",
        "period_start": f"01.01.{year}", "period_end": f"31.12.{year}", "payment_mode": "instalments",
        "instalments": "4", "conditions": "anbest_p", "reasons": "Personalkosten anteilig anerkannt.",
        "version": await applying.version(decided_id),
    })  # fmt: skip
    assert decided.status_code == 303, decided.text

    principal = await load_principal(await user_id("approver"))
    pack = await decision_pack.pack(principal, world["call"])

    # Everything again, straight from the tables.
    apps = {a["id"]: a for a in await Application.select().where(Application.call == world["call"])}
    assert [r.application_id for r in pack.rows] == sorted(
        [*ready, decided_id], key=lambda i: apps[i]["file_number"]
    )
    reviews = {r["application"]: r for r in await Review.select().where(
        Review.application.is_in([*ready, decided_id])).order_by(Review.id).output(load_json=True)}  # fmt: skip
    expected = {
        app_id: reviews[app_id]["parameters"].get("approved_cents", 0)
        if reviews[app_id]["recommendation"] != "reject"
        else 0
        for app_id in [*ready, decided_id]
    }
    assert {r.application_id: r.proposed.cents for r in pack.rows} == expected
    assert [expected[i] for i in ready] == [2_800_000, 2_600_000, 0]  # 28.000, 26.000, rejection
    assert {r.application_id: r.requested.cents for r in pack.rows} == {
        i: apps[i]["requested_cents"] for i in [*ready, decided_id]
    }
    rows = {r.application_id: r for r in pack.rows}
    assert [rows[i].recommendation_label for i in ready] == [
        "Teilbewilligung",
        "Teilbewilligung",
        "Ablehnung",
    ]
    assert rows[decided_id].status is ApplicationStatus.PARTLY_APPROVED
    assert rows[decided_id].decided.cents == 2_400_000
    assert (rows[ready[0]].organisation, rows[ready[0]].district_label) == (
        (await Organisation.objects().get(Organisation.id == world["organisation"])).legal_name,
        "Ehrenfeld",
    )
    call = await Call.objects().get(Call.id == world["call"])
    committed = sum(c["amount_cents"] for c in await BudgetCommitment.select(BudgetCommitment.amount_cents)
                    .where(BudgetCommitment.budget_line == call.budget_line))  # fmt: skip
    assert committed == 2_400_000
    assert pack.requested.cents == sum(apps[i]["requested_cents"] for i in [*ready, decided_id])
    assert pack.proposed.cents == 2_800_000 + 2_600_000 + 0 + 2_400_000
    assert pack.proposed_open.cents == 5_400_000
    assert (pack.budget.cents, pack.committed.cents) == (call.budget_cents, committed)
    assert pack.remaining.cents == call.budget_cents - committed - 5_400_000

    page = await approver.get(f"/pruefung/aufrufe/{world['call']}/beschlussvorlage")
    assert page.status_code == 200
    assert "Beschlussvorlage für den Integrationsrat" in page.text
    for amount in (pack.requested, pack.proposed, pack.committed, pack.remaining):
        assert amount.format() in page.text
    assert page.text.count('name="entscheidung-') == 3 + 3 + 2  # no approval for the rejection
    queue = await approver.get("/pruefung", params={"aufruf": str(world["call"])})
    assert f"/pruefung/aufrufe/{world['call']}/beschlussvorlage" in queue.text

    # The committee: approve the first, defer the second, reject the recommended rejection.
    fields = hidden_fields(page.text)
    choices = {f"entscheidung-{ready[0]}": "approve", f"entscheidung-{ready[1]}": "defer",
               f"entscheidung-{ready[2]}": "reject"}  # fmt: skip
    result = await csrf_post(approver, f"/pruefung/aufrufe/{world['call']}/beschluesse",
                             {**fields, **choices, "resolution": "Sitzung vom 12.03."})  # fmt: skip
    assert result.status_code == 200, result.text
    assert "1 zurückgestellt" in result.text
    status = {a["id"]: a["status"] for a in await Application.select(Application.id, Application.status)
              .where(Application.id.is_in(ready))}  # fmt: skip
    assert [status[i] for i in ready] == [
        ApplicationStatus.PARTLY_APPROVED,
        ApplicationStatus.READY,
        ApplicationStatus.REJECTED,
    ]
    rejection = await Decision.objects().get(Decision.application == ready[2])
    assert (rejection.kind, rejection.approved_cents) == (DecisionKind.REJECTION, 0)
    assert "Sitzung vom 12.03." in rejection.reasons
    await approver.aclose()


async def test_the_excel_file_is_safe_and_typed_and_the_word_file_has_the_sums(app, client, world):
    await Organisation.update({Organisation.legal_name: EVIL_NAME}).where(
        Organisation.id == world["organisation"]
    )
    await ready_applications(
        app, client, world, ("28.000,00", "approve_partly"), ("26.000,00", "approve_partly")
    )
    staff = await as_persona(app, "reviewer")
    answer = await staff.get(f"/pruefung/aufrufe/{world['call']}/beschlussvorlage.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "Beschlussvorlage%20Testaufruf" in answer.headers["content-disposition"]
    assert answer.headers["content-security-policy"] == DOWNLOAD_POLICY
    sheet = load_workbook(io.BytesIO(answer.content))["Beschlussvorlage"]
    assert sheet["A1"].value.startswith("Beschlussvorlage für den Integrationsrat – Testaufruf")
    assert sheet["A1"].font.bold
    assert "Förderaufruf: Testaufruf" in sheet["A2"].value
    assert sheet["A3"].value.startswith("Erstellt am ")
    header = [c.value for c in sheet[5]]
    assert header[:3] == ["Aktenzeichen", "Träger", "Vorhaben"]
    assert all(c.font.bold for c in sheet[5] if c.value)
    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:J7"
    names = [sheet.cell(row=r, column=2) for r in (6, 7)]
    for cell in names:  # the organisation's "=" name stays text, without the control character
        assert cell.data_type == "s"
        assert cell.value == EVIL_NAME.replace("\x0b", "")
        assert cell.quotePrefix
    proposed = header.index("Vorgeschlagen") + 1
    assert [sheet.cell(row=r, column=proposed).value for r in (6, 7)] == [28000, 26000]
    assert all(sheet.cell(row=r, column=proposed).number_format == EUR for r in (6, 7))
    assert sheet.cell(row=8, column=1).value == "Summe"
    letter = sheet.cell(row=5, column=proposed).column_letter
    assert sheet.cell(row=8, column=proposed).value == f"=SUM({letter}6:{letter}7)"
    assert sheet.cell(row=8, column=proposed).number_format == EUR
    labels = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2) for r in range(9, 16)}
    assert labels["verbleibt nach den Vorschlägen"].value == 1_000_000 - 54_000
    assert labels["verbleibt nach den Vorschlägen"].number_format == EUR

    answer = await staff.get(f"/pruefung/aufrufe/{world['call']}/beschlussvorlage.docx")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == DOWNLOAD_POLICY
    assert answer.headers["content-disposition"].startswith("attachment;")
    document = WordDocument(io.BytesIO(answer.content))
    assert document.core_properties.title.startswith("Beschlussvorlage für den Integrationsrat")
    assert document.core_properties.language == "de-DE"
    assert document.paragraphs[0].text == "Beschlussvorlage für den Integrationsrat"
    recommendations, budget = document.tables
    head = recommendations.rows[0]
    assert [c.text for c in head.cells][-3:] == ["Beantragt", "Vorgeschlagen", "Bewilligt"]
    assert (
        head._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader"
        )
        is not None
    )
    assert all(run.bold for cell in head.cells for run in cell.paragraphs[0].runs)
    sums = [c.text for c in recommendations.rows[-1].cells]
    assert sums[0] == "Summe"
    assert sums[-3:] == ["60.000,00\u00a0€", "54.000,00\u00a0€", "0,00\u00a0€"]  # none decided yet
    figures = {row.cells[0].text: row.cells[1].text for row in budget.rows}
    assert figures["Budget des Förderaufrufs"] == "1.000.000,00\u00a0€"
    assert figures["verbleibt nach den Vorschlägen"] == "946.000,00\u00a0€"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Haushaltsjahr" in text
    assert "Der Integrationsrat beschließt" in text
    await staff.aclose()


async def test_the_committee_decides_the_whole_call_in_one_step_within_the_budget(
    app, client, world
):
    ready = await ready_applications(app, client, world, ("28.000,00", "approve_partly"),
                                     ("26.000,00", "approve_partly"), ("24.000,00", "approve_partly"))  # fmt: skip
    line = (await Call.objects().get(Call.id == world["call"])).budget_line
    await BudgetLine.update({BudgetLine.appropriation_cents: 5_400_000}).where(
        BudgetLine.id == line
    )  # room for the first two (28.000 + 26.000), not for the third (24.000)

    reviewer = await as_persona(app, "reviewer")
    page = await reviewer.get(f"/pruefung/aufrufe/{world['call']}/beschlussvorlage")
    assert page.status_code == 200  # the reviewer sees the pack …
    assert 'name="entscheidung-' not in page.text  # … but gets no form
    refused = await csrf_post(reviewer, f"/pruefung/aufrufe/{world['call']}/beschluesse",
                              {f"entscheidung-{i}": "approve" for i in ready})  # fmt: skip
    assert refused.status_code == 403
    assert not await Decision.exists().where(Decision.application.is_in(ready))

    approver = await as_persona(app, "approver")
    page = await approver.get(f"/pruefung/aufrufe/{world['call']}/beschlussvorlage")
    fields = hidden_fields(page.text)
    assert {f"version-{i}" for i in ready} <= set(fields)
    result = await csrf_post(approver, f"/pruefung/aufrufe/{world['call']}/beschluesse",
                             {**fields, **{f"entscheidung-{i}": "approve" for i in ready}})  # fmt: skip
    assert result.status_code == 200, result.text
    assert "2 entschieden, 1 nicht entschieden" in result.text
    assert ("Die Haushaltsmittel reichen nicht: Ansatz 54.000,00\u00a0€, bereits gebunden 54.000,00\u00a0€, "
            "verfügbar 0,00\u00a0€, diese Entscheidung 24.000,00\u00a0€.") in result.text  # fmt: skip

    decided = {d["application"]: d for d in await Decision.select().where(
        Decision.application.is_in(ready)).output(load_json=True)}  # fmt: skip
    assert set(decided) == set(ready[:2])
    reviewer_id, approver_id = await user_id("reviewer"), await user_id("approver")
    for app_id, cents in zip(ready[:2], (2_800_000, 2_600_000), strict=True):
        decision = decided[app_id]
        assert (decision["reviewer"], decision["decided_by"]) == (reviewer_id, approver_id)
        assert (decision["kind"], decision["approved_cents"]) == (
            DecisionKind.PARTIAL_APPROVAL,
            cents,
        )
        assert decision["payment_mode"] == "instalments"
        assert decision["letter"] is not None
        assert len(decision["payment_schedule"]) == 4  # four instalments
    booked = sum(c["amount_cents"] for c in await BudgetCommitment.select(BudgetCommitment.amount_cents)
                 .where(BudgetCommitment.budget_line == line))  # fmt: skip
    assert booked == 5_400_000
    status = {a["id"]: a["status"] for a in await Application.select(Application.id, Application.status)
              .where(Application.id.is_in(ready))}  # fmt: skip
    assert [status[i] for i in ready] == [
        ApplicationStatus.PARTLY_APPROVED,
        ApplicationStatus.PARTLY_APPROVED,
        ApplicationStatus.READY,
    ]

    # The pack now shows two decided and one still open, with nothing left of the line.
    pack = await decision_pack.pack(await load_principal(approver_id), world["call"])
    assert [r.application_id for r in pack.ready] == [ready[2]]
    assert (pack.committed.cents, pack.proposed_open.cents) == (5_400_000, 2_400_000)
    assert pack.line_available.cents == -2_400_000
    await reviewer.aclose()
    await approver.aclose()


async def test_a_decided_or_foreign_application_is_refused_not_decided_twice(app, client, world):
    (app_id,) = await ready_applications(app, client, world, ("28.000,00", "approve_partly"))
    approver = await load_principal(await user_id("approver"))
    choices = [(app_id, int(await applying.version(app_id)), decision_pack.CommitteeChoice.APPROVE),
               (999_999, 1, decision_pack.CommitteeChoice.APPROVE)]  # fmt: skip
    first = await decision_pack.record_committee_decisions(
        approver, world["call"], choices, render_letter
    )
    assert [d.application_id for d in first.decided] == [app_id]
    assert [r.reason for r in first.refused] == [decision_pack.NOT_IN_PACK]
    again = await decision_pack.record_committee_decisions(
        approver, world["call"], choices[:1], render_letter
    )
    assert again.decided == []
    assert again.refused[0].reason == "Der Antrag ist bereits „Teilbewilligt“."
    assert await Decision.count().where(Decision.application == app_id) == 1


async def test_the_pack_page_runs_the_same_queries_for_few_or_many_applications(
    app, client, world, queries
):
    approver = await as_persona(app, "approver")
    calls = {c["title"]: c["id"] for c in await Call.select(Call.id, Call.title)}
    many = calls["Interkulturelle Zentren 2026"]

    async def counted(call_id: int) -> int:
        await approver.get(f"/pruefung/aufrufe/{call_id}/beschlussvorlage")  # the session settles
        with queries() as q:
            page = await approver.get(f"/pruefung/aufrufe/{call_id}/beschlussvorlage")
        assert page.status_code == 200
        return q.value

    few = await counted(world["call"])  # no application yet
    principal = await load_principal(await user_id("approver"))
    assert len((await decision_pack.pack(principal, many)).rows) >= 20
    assert await counted(many) == few
    assert (await approver.get("/pruefung/aufrufe/999999/beschlussvorlage")).status_code == 404
    await approver.aclose()


def test_an_empty_pack_makes_valid_files_and_user_text_never_becomes_a_formula():
    empty = decision_pack.DecisionPack(
        call_id=1, call_title="=Aufruf", programme="IKZ", fiscal_year=2027, budget_line="0504 / 15",
        budget=Money(100_000), appropriation=Money(100_000), committed=Money(0), rows=[],
        created_at=datetime(2027, 3, 1, 9, 30, tzinfo=UTC),
    )  # fmt: skip
    sheet = load_workbook(io.BytesIO(decision_pack_workbook(empty))).active
    assert sheet["A3"].value == "Erstellt am 01.03.2027, 10:30 Uhr"
    assert sheet["A6"].value == "Summe"
    assert sheet["G6"].value == "=0"  # a SUM over no rows would point at itself
    assert sheet.auto_filter.ref == "A5:J5"
    document = WordDocument(io.BytesIO(decision_pack_document(empty)))
    assert "0 Anträge" in "\n".join(p.text for p in document.paragraphs)

    workbook = new_workbook()
    table = TableSheet(workbook, "Prüfung: [alle]", (Column("Text", 10),), title="T", selection="S",
                       created_at=empty.created_at)  # fmt: skip
    for text in ("=1+1", "+49 221 1234", "-5", "@SUM(A1)", "normal\x07"):
        table.row((text,))
    table.totals("Summe")
    sheet = load_workbook(io.BytesIO(to_bytes(workbook)))["Prüfung   alle"]
    cells = [sheet.cell(row=r, column=1) for r in range(6, 11)]
    assert [c.value for c in cells] == ["=1+1", "+49 221 1234", "-5", "@SUM(A1)", "normal"]
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False]


async def test_each_committee_decision_commits_alone_one_refusal_undoes_nothing(committed):
    """Real transactions: the budget refusal of the third leaves the first two committed."""
    await load_once()
    call = await Call.objects().get(Call.title == "Interkulturelle Zentren 2027")
    ready = await Application.select(Application.id, Application.version).where(
        (Application.call == call.id) & (Application.status == ApplicationStatus.READY)
    ).order_by(Application.file_number).limit(3)  # fmt: skip
    assert len(ready) == 3
    approver = await load_principal(await user_id("approver"))
    recommended = [await reviews.current(row["id"]) for row in ready]
    assert all(r is not None and r.parameters for r in recommended)  # the demo's reviews carry them
    amounts = [r.parameters["approved_cents"] for r in recommended if r is not None]
    await Review.update({Review.parameters: {}}).where(Review.id == recommended[0].id)
    first = [(ready[0]["id"], ready[0]["version"], decision_pack.CommitteeChoice.APPROVE)]
    missing = await decision_pack.record_committee_decisions(
        approver, call.id, first, render_letter
    )
    assert [r.reason for r in missing.refused] == [decision_pack.MISSING_PARAMETERS]
    await Review.update({Review.parameters: recommended[0].parameters}).where(
        Review.id == recommended[0].id
    )
    before = sum(c["amount_cents"] for c in await BudgetCommitment.select(BudgetCommitment.amount_cents)
                 .where(BudgetCommitment.budget_line == call.budget_line))  # fmt: skip
    await BudgetLine.update({BudgetLine.appropriation_cents: before + amounts[0] + amounts[1]}).where(
        BudgetLine.id == call.budget_line
    )  # fmt: skip

    outcome = await decision_pack.record_committee_decisions(
        approver, call.id,
        [(r["id"], r["version"], decision_pack.CommitteeChoice.APPROVE) for r in ready], render_letter,
    )  # fmt: skip
    assert [(d.application_id, d.amount.cents) for d in outcome.decided] == [
        (ready[0]["id"], amounts[0]),
        (ready[1]["id"], amounts[1]),
    ]
    assert [r.application_id for r in outcome.refused] == [ready[2]["id"]]
    assert outcome.refused[0].reason.startswith("Die Haushaltsmittel reichen nicht")
    after = sum(c["amount_cents"] for c in await BudgetCommitment.select(BudgetCommitment.amount_cents)
                .where(BudgetCommitment.budget_line == call.budget_line))  # fmt: skip
    assert after - before == amounts[0] + amounts[1]
    assert not await Decision.exists().where(Decision.application == ready[2]["id"])
    assert await AuditEvent.exists().where(AuditEvent.action == "call.committee_decisions_recorded")


@pytest.mark.office
def test_libreoffice_calculates_the_same_sums_as_the_database_to_the_cent():
    rows = [
        decision_pack.PackRow(
            application_id=number, version=1, file_number=f"IKZ-2027-{number:04d}", organisation=EVIL_NAME,
            title="Begegnung", district="muelheim", status=ApplicationStatus.READY,
            requested=Money(1_234_567 + number), recommendation=Recommendation.APPROVE,
            proposed=Money(1_000_001 * number), reviewer="Prüferin", financing_type=FinancingType.SHORTFALL,
            parameters={}, conditions=(), period_start=None, period_end=None,
        )
        for number in (1, 2, 3)
    ]  # fmt: skip
    pack = decision_pack.DecisionPack(
        call_id=1, call_title="Aufruf", programme="IKZ", fiscal_year=2027, budget_line="0504 / 15",
        budget=Money(10_000_000), appropriation=Money(20_000_000), committed=Money(5_000_000), rows=rows,
        created_at=datetime(2027, 3, 1, 9, 30, tzinfo=UTC),
    )  # fmt: skip

    table = calc_rows(decision_pack_workbook(pack))
    header = table[4]
    requested, proposed = header.index("Beantragt"), header.index("Vorgeschlagen")
    assert [row[1] for row in table[5:8]] == [
        EVIL_NAME.replace("\x0b", "")
    ] * 3  # text, not a formula
    totals = table[8]
    assert totals[0] == "Summe"
    assert Decimal(totals[requested]) == pack.requested.to_decimal()  # 37.037,07 €
    assert (
        Decimal(totals[proposed]) == Money.total(r.proposed for r in rows).to_decimal()
    )  # 60.000,06 €
    remaining = {row[0]: row[1] for row in table[10:]}["verbleibt nach den Vorschlägen"]
    assert Decimal(remaining) == pack.remaining.to_decimal() == Decimal("-10000.06")


async def test_every_call_s_pack_is_reachable_from_the_navigation(app, client, world, queries):
    """ "Beschlussvorlagen" in the staff navigation lists the calls, newest year first, with the
    applications ready for decision, in the same queries for 1 or 60 calls; paged by 25."""
    reviewer = await as_persona(app, "reviewer")
    start = await reviewer.get("/")
    assert 'href="/pruefung/beschlussvorlagen"' in start.text
    page = await reviewer.get("/pruefung/beschlussvorlagen")
    assert f'href="/pruefung/aufrufe/{world["call"]}/beschlussvorlage"' in page.text
    years = [int(y) for y in re.findall(r'<td class="num">(\d{4})</td>', page.text)]
    assert years == sorted(years, reverse=True)
    with queries() as few:
        await reviewer.get("/pruefung/beschlussvorlagen")
    template = {
        k: v
        for k, v in (await Call.objects().get(Call.id == world["call"])).to_dict().items()
        if k != "id"
    }
    await Call.insert(*[Call(**{**template, "title": f"Aufruf {n}"})
                        for n in range(60)])  # fmt: skip
    with queries() as many:
        first = await reviewer.get("/pruefung/beschlussvorlagen")
    assert many.value == few.value
    assert first.text.count('/beschlussvorlage"') == 25
    assert "?seite=2" in first.text
    assert (await reviewer.get("/pruefung/beschlussvorlagen?seite=3")).status_code == 200
    assert (await client.get("/pruefung/beschlussvorlagen")).status_code in {403, 404}
    await reviewer.aclose()
