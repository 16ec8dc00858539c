"""Review and decision through the pages: a reviewer reviews, another person approves, the
association sees the letter; four eyes, conflicts, bad parameters and the budget are enforced."""

import hashlib
import io
import json
import re

import httpx
import pytest
from docx import Document as WordDocument

from grants.tables import (
    Application,
    BudgetCommitment,
    BudgetLine,
    Call,
    Decision,
    Document,
    FiscalYearShare,
    GrantAward,
    Notification,
    User,
    UserRole,
)
from grants.workflow import ApplicationStatus, GrantStatus
from portal.security import DOWNLOAD_POLICY
from tests.support import applying, reviewing
from tests.support.login import csrf_post, sign_in
from tests.support.office import word_text

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


async def as_persona(app, persona: str) -> httpx.AsyncClient:
    staff = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    await sign_in(staff, persona)
    await staff.get("/")
    return staff


async def review_to_ready(
    staff: httpx.AsyncClient, app_id: int, outcome: str = "approve_partly"
) -> None:
    page = f"/pruefung/antraege/{app_id}"
    assert (
        await csrf_post(staff, f"{page}/beginnen", {"version": await applying.version(app_id)})
    ).status_code == 303
    assessed = await reviewing.assess(
        staff,
        app_id,
        {0: {"verdict": "partial", "recognised": "28.000,00", "reason": "Stellenanteil zu hoch"}},
    )  # the personnel line
    assert assessed.status_code == 303, assessed.text
    ids = await _review_ids(staff, app_id)
    recommended = await csrf_post(staff, f"{page}/empfehlung", {
        **ids, "recommendation": outcome, "financing_type": "shortfall", "cap": "30.000,00",
        "conditions": "anbest_p",
    })  # fmt: skip
    assert recommended.status_code == 303, recommended.text
    done = await csrf_post(staff, f"{page}/abschliessen", await _review_ids(staff, app_id))
    assert done.status_code == 303, done.text


async def _review_ids(staff: httpx.AsyncClient, app_id: int) -> dict[str, str]:
    from grants.services.reviews import current

    review = await current(app_id)
    return {"review": str(review.id), "review_version": str(review.version)}


def decision_form(world: dict, **changes: str) -> dict[str, str]:
    year = world["year"]
    return {"recommendation": "approve_partly", "financing_type": "shortfall", "cap": "30.000,00",
            "period_start": f"01.01.{year}", "period_end": f"31.12.{year}", "payment_mode": "instalments",
            "instalments": "4", "conditions": "anbest_p", "reasons": "Personalkosten anteilig anerkannt.",
            **changes}  # fmt: skip


async def test_reviewer_reviews_approver_decides_association_sees_the_letter(
    client, app, submitted
):
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    assert (
        await Application.objects().get(Application.id == app_id)
    ).status == ApplicationStatus.READY

    approver = await as_persona(app, "approver")
    form = await approver.get(f"/pruefung/antraege/{app_id}/entscheidung")
    assert form.status_code == 200
    decided = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung",
                              {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert decided.status_code == 303, decided.text

    # A = 34.800 − 2.000 = 32.800, D = 4.800 → Fehlbedarf min(H 30.000, 28.000) = 28.000
    decision = await Decision.objects().get(Decision.application == app_id)
    assert (decision.eligible_cents, decision.other_funding_cents, decision.approved_cents) == (
        3280000,
        480000,
        2800000,
    )
    reviewer_user = await User.objects().get(User.subject == "demo-reviewer")
    approver_user = await User.objects().get(User.subject == "demo-approver")
    assert (decision.reviewer, decision.decided_by) == (reviewer_user.id, approver_user.id)
    assert sum(i["cents"] for i in json.loads(decision.payment_schedule)) == 2800000
    grant = await GrantAward.objects().get(GrantAward.application == app_id)
    assert grant.status == GrantStatus.APPROVED
    shares = await FiscalYearShare.select(FiscalYearShare.year, FiscalYearShare.amount_cents).where(
        FiscalYearShare.decision == decision.id)  # fmt: skip
    assert shares == [{"year": world["year"], "amount_cents": 2800000}]
    booked = await BudgetCommitment.select(BudgetCommitment.amount_cents).where(
        BudgetCommitment.grant == grant.id
    )
    assert booked == [{"amount_cents": 2800000}]
    assert (
        await Application.objects().get(Application.id == app_id)
    ).status == ApplicationStatus.PARTLY_APPROVED

    letter = await letter_in_inbox(client, world, "Teilbewilligung")
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(letter)).paragraphs)
    assert "28.000,00\u00a0€" in text
    assert "Verwaltungsgericht Köln" in text
    stored = await Document.objects().get(Document.application == app_id)
    assert stored.sha256 == hashlib.sha256(letter).hexdigest()
    assert await Notification.exists().where(Notification.subject.like("Teilbewilligung%"))
    await reviewer.aclose()
    await approver.aclose()


async def letter_in_inbox(client: httpx.AsyncClient, world: dict, kind: str) -> bytes:
    """The association's newest letter, fetched through its document inbox."""
    inbox = await client.get(f"/organisationen/{world['organisation']}/bescheide")
    assert kind in inbox.text
    letter = await client.get(re.search(r'href="(/dokumente/\d+)"', inbox.text).group(1))
    assert letter.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert letter.headers["content-security-policy"] == DOWNLOAD_POLICY
    return letter.content


@pytest.mark.office
async def test_the_letter_opens_in_libreoffice_with_the_decided_figures(client, app, submitted):
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    approver = await as_persona(app, "approver")
    decided = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung",
                              {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert decided.status_code == 303, decided.text
    application = await Application.objects().get(Application.id == app_id)

    text = word_text(await letter_in_inbox(client, world, "Teilbewilligung"))
    for expected in (
        "Teilbewilligung",
        f"Aktenzeichen: {application.file_number}",
        "eine Zuwendung in Höhe von 28.000,00\u00a0€",  # Z = min(H 30.000, A 32.800 − D 4.800)
        "Die zuwendungsfähigen Gesamtausgaben werden auf 32.800,00\u00a0€ festgesetzt",
        "eigene und sonstige Mittel von 4.800,00\u00a0€",
        "Verwaltungsgericht Köln",
    ):
        assert expected in text, expected
    await reviewer.aclose()
    await approver.aclose()


async def test_the_reviewer_cannot_approve_their_own_review(client, app, submitted):
    app_id, world = submitted
    reviewer_user = await User.objects().get(User.subject == "demo-reviewer")
    await UserRole.insert(UserRole(user=reviewer_user.id, role="approver", source="admin"))
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    refused = await csrf_post(reviewer, f"/pruefung/antraege/{app_id}/entscheidung",
                              {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert refused.status_code == 403
    assert "Vier-Augen-Prinzip" in refused.text
    assert not await Decision.exists().where(Decision.application == app_id)
    await reviewer.aclose()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"financing_type": "share", "share": "150"},
            "Der Anteil muss über 0 und höchstens 100 % liegen.",
        ),
        ({"cap": "-5"}, "Bitte keinen negativen Betrag eingeben."),
        ({"cap": ""}, "Höchstbetrag"),
    ],
    ids=["share-over-100", "negative-cap", "shortfall-without-cap"],
)
async def test_parameters_that_contradict_the_type_are_refused(
    client, app, submitted, changes, message
):
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    approver = await as_persona(app, "approver")
    answer = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung",
                             {**decision_form(world, **changes), "version": await applying.version(app_id)})  # fmt: skip
    assert answer.status_code == 400
    assert message in answer.text
    assert not await Decision.exists().where(Decision.application == app_id)
    await reviewer.aclose()
    await approver.aclose()


async def test_a_decision_on_a_changed_application_is_a_conflict(client, app, submitted):
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    approver = await as_persona(app, "approver")
    stale = int(await applying.version(app_id)) - 1
    answer = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung",
                             {**decision_form(world), "version": str(stale)})  # fmt: skip
    assert answer.status_code == 409
    assert "geändert, seit Sie ihn geöffnet haben" in answer.text
    await reviewer.aclose()
    await approver.aclose()


async def test_a_decision_over_the_available_budget_is_refused_with_the_figures(
    client, app, submitted
):
    app_id, world = submitted
    line = (await Call.objects().get(Call.id == world["call"])).budget_line
    await BudgetLine.update({BudgetLine.appropriation_cents: 2_500_000}).where(
        BudgetLine.id == line
    )
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    approver = await as_persona(app, "approver")
    answer = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung",
                             {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert answer.status_code == 400
    assert ("Die Haushaltsmittel reichen nicht: Ansatz 25.000,00\u00a0€, bereits gebunden 0,00\u00a0€, "
            "verfügbar 25.000,00\u00a0€, diese Entscheidung 28.000,00\u00a0€.") in answer.text  # fmt: skip
    assert not await BudgetCommitment.exists().where(BudgetCommitment.budget_line == line)
    await reviewer.aclose()
    await approver.aclose()


async def test_the_queue_filters_and_searches(client, app, submitted):
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    stored = await Application.objects().get(Application.id == app_id)
    page = await reviewer.get("/pruefung", params={"suche": stored.file_number})
    assert page.status_code == 200
    assert stored.file_number in page.text
    assert "1 Anträge" in page.text
    page = await reviewer.get(
        "/pruefung", params={"status": "submitted", "aufruf": str(world["call"])}
    )
    assert f"/pruefung/antraege/{app_id}" in page.text
    mine = await reviewer.get("/pruefung", params={"bearbeitung": "ich"})
    assert f"/pruefung/antraege/{app_id}" not in mine.text
    await reviewer.aclose()
