"""Amendments after approval: asked by the association, reviewed, decided with four eyes; the
Änderungsbescheid becomes the grant's new decision and the budget follows the difference."""

import io
import re

import pytest
from docx import Document as WordDocument

from grants.tables import (
    Amendment,
    BudgetCommitment,
    Decision,
    Document,
    GrantAward,
    User,
    UserRole,
)
from tests.review.test_decision_flow import as_persona, decision_form, review_to_ready
from tests.support import applying
from tests.support.login import csrf_post

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def approved(client, app, submitted):
    """The submitted application, partly approved with 28.000 € (A 32.800, D 4.800, H 30.000)."""
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    approver = await as_persona(app, "approver")
    decided = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung",
                              {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert decided.status_code == 303, decided.text
    yield app_id, world, reviewer, approver
    await reviewer.aclose()
    await approver.aclose()


async def ask(client, app_id: int, world: dict, personnel_costs: str = "32.000,00", **changes: str):
    page = await client.get(f"/antraege/{app_id}/aenderung")
    personnel = re.search(r'name="(line_[0-9a-f-]{36})"', page.text).group(1)
    data = {"period_start": f"01.01.{world['year']}", "period_end": f"31.12.{world['year']}",
            "requested": "30.000,00", personnel: personnel_costs, "reason": "Mehr Beratungsstunden nötig.", **changes}  # fmt: skip
    return await csrf_post(client, f"/antraege/{app_id}/aenderung", data)


async def recommend_and_approve(reviewer, approver, app_id: int) -> None:
    amendment = await Amendment.objects().order_by(Amendment.id, ascending=False).first()
    await csrf_post(reviewer, f"/pruefung/aenderungen/{amendment.id}/empfehlung",
                    {"version": str(amendment.version), "application": str(app_id), "recommendation": "Plausibel."})  # fmt: skip
    amendment = await Amendment.objects().get(Amendment.id == amendment.id)
    done = await csrf_post(approver, f"/pruefung/aenderungen/{amendment.id}/entscheidung",
                           {"version": str(amendment.version), "application": str(app_id), "outcome": "approve"})  # fmt: skip
    assert done.status_code == 303, done.text


async def letter_text(client, decision: Decision) -> str:
    answer = await client.get(f"/dokumente/{decision.letter}")
    return "\n".join(p.text for p in WordDocument(io.BytesIO(answer.content)).paragraphs)


async def test_an_approved_amendment_is_a_new_decision_and_moves_the_budget(client, approved):
    app_id, world, reviewer, approver = approved
    asked = await ask(client, app_id, world)
    assert asked.status_code == 303, asked.text
    page = await reviewer.get(f"/pruefung/antraege/{app_id}")
    assert "(in Prüfung)" in page.text
    assert re.search(
        r"Personalausgaben.*?30\.000,00\xa0€.*?32\.000,00\xa0€.*?2\.000,00\xa0€", page.text, re.S
    )
    await recommend_and_approve(reviewer, approver, app_id)
    grant = await GrantAward.objects().get(GrantAward.application == app_id)
    new = await Decision.objects().get(Decision.id == grant.current_decision)
    # personnel planned 30.000 → now 32.000: A 32.800 + 2.000 = 34.800; 34.800 − D 4.800 = 30.000 = H
    assert (new.kind, new.number, new.eligible_cents, new.approved_cents) == (
        "amendment",
        2,
        3480000,
        3000000,
    )
    booked = [r["amount_cents"] for r in await BudgetCommitment.select(BudgetCommitment.amount_cents).where(
        BudgetCommitment.grant == grant.id).order_by(BudgetCommitment.id)]  # fmt: skip
    assert booked == [2800000, 200000]
    letter = await Document.objects().get(Document.id == new.letter)
    assert letter.title.startswith("Änderungsbescheid")
    text = await letter_text(approver, new)
    assert "„Personalausgaben" in text
    assert "bisher 30.000,00\xa0€, nunmehr 32.000,00\xa0€" in text
    assert (
        "zuwendungsfähigen Ausgaben betragen nunmehr 34.800,00\xa0€ (bisher 32.800,00\xa0€)" in text
    )
    page = await reviewer.get(f"/pruefung/antraege/{app_id}")
    assert "(bewilligt)" in page.text
    assert "(approved)" not in page.text
    inbox = await client.get(f"/organisationen/{world['organisation']}/bescheide")
    assert "Änderungsbescheid" in inbox.text


async def test_more_than_the_cap_is_refused_at_the_field(client, approved):
    app_id, world, _, _ = approved
    answer = await ask(client, app_id, world, requested="31.000,00")
    assert answer.status_code == 400
    assert "höchstens 30.000,00\u00a0€" in answer.text
    assert await Amendment.count() == 0


async def test_the_reviewer_of_an_amendment_cannot_decide_it(client, approved):
    app_id, world, reviewer, _ = approved
    await ask(client, app_id, world)
    reviewer_user = await User.objects().get(User.subject == "demo-reviewer")
    await UserRole.insert(UserRole(user=reviewer_user.id, role="approver", source="admin"))
    amendment = await Amendment.objects().first()
    await csrf_post(reviewer, f"/pruefung/aenderungen/{amendment.id}/empfehlung",
                    {"version": str(amendment.version), "application": str(app_id), "recommendation": "Gut."})  # fmt: skip
    amendment = await Amendment.objects().first()
    answer = await csrf_post(reviewer, f"/pruefung/aenderungen/{amendment.id}/entscheidung",
                             {"version": str(amendment.version), "application": str(app_id), "outcome": "approve"})  # fmt: skip
    page = await reviewer.get(answer.headers["location"])
    assert "Vier-Augen-Prinzip" in page.text
    assert (await Amendment.objects().first()).status == "requested"


async def test_a_rejected_amendment_changes_nothing(client, approved):
    app_id, world, reviewer, approver = approved
    await ask(client, app_id, world)
    amendment = await Amendment.objects().first()
    await csrf_post(reviewer, f"/pruefung/aenderungen/{amendment.id}/empfehlung",
                    {"version": str(amendment.version), "application": str(app_id), "recommendation": "Nein."})  # fmt: skip
    amendment = await Amendment.objects().first()
    await csrf_post(approver, f"/pruefung/aenderungen/{amendment.id}/entscheidung",
                    {"version": str(amendment.version), "application": str(app_id), "outcome": "reject",
                     "reasons": "Nicht begründet."})  # fmt: skip
    assert (await Amendment.objects().first()).status == "rejected"
    assert await Decision.count().where(Decision.application == app_id) == 1


async def test_a_second_amendment_changes_the_amounts_the_first_set(client, approved):
    app_id, world, reviewer, approver = approved
    await ask(client, app_id, world)
    await recommend_and_approve(reviewer, approver, app_id)
    asked = await ask(client, app_id, world, personnel_costs="31.000,00", reason="Weniger Stunden.")
    assert asked.status_code == 303, asked.text
    page = await client.get(f"/antraege/{app_id}")
    second = page.text.split('id="aenderungen"')[1].split("Geänderte Ausgaben")[2]
    assert re.search(
        r"Personalausgaben.*?32\.000,00\xa0€.*?31\.000,00\xa0€.*?-1\.000,00\xa0€", second, re.S
    )
    await recommend_and_approve(reviewer, approver, app_id)
    grant = await GrantAward.objects().get(GrantAward.application == app_id)
    new = await Decision.objects().get(Decision.id == grant.current_decision)
    # A 34.800 − 1.000 = 33.800 (not the original plan's 30.000 + 1.000); 33.800 − D 4.800 = 29.000
    assert (new.number, new.eligible_cents, new.approved_cents) == (3, 3380000, 2900000)
    assert "bisher 32.000,00\xa0€, nunmehr 31.000,00\xa0€" in await letter_text(approver, new)
