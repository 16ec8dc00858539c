"""Amendments after approval: asked by the association, reviewed, decided with four eyes; the
Änderungsbescheid becomes the grant's new decision and the budget follows the difference."""

import io
import re

import httpx
import pytest
from docx import Document as WordDocument

from grants.tables import (
    Amendment,
    BudgetCommitment,
    Decision,
    Document,
    GrantAward,
    PaymentOrder,
    User,
    UserRole,
)
from tests.review.test_decision_flow import as_persona, decision_form, review_to_ready
from tests.support import applying
from tests.support.login import csrf_post, sign_in

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


def verlauf(html: str) -> str:
    """The Verlauf section of the association's overview."""
    return html.split('id="verlauf"')[1].split("</section>")[0]


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


async def test_the_grant_cannot_sink_below_what_is_paid_out_or_ordered(client, approved):
    app_id, world, _, _ = approved
    grant = await GrantAward.objects().get(GrantAward.application == app_id)
    line = await BudgetCommitment.objects().get(BudgetCommitment.grant == grant.id)
    await PaymentOrder.insert(PaymentOrder(grant=grant.id, budget_line=line.budget_line, kind="instalment",
                                           status="paid", amount_cents=2_000_000))  # fmt: skip
    answer = await ask(client, app_id, world, requested="10.000,00")
    assert answer.status_code == 400
    assert "Ausgezahlt oder angeordnet sind schon 20.000,00\u00a0€" in answer.text
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
    second = verlauf(page.text).split("Geänderte Ausgaben")[2]
    assert re.search(
        r"Personalausgaben.*?32\.000,00\xa0€.*?31\.000,00\xa0€.*?-1\.000,00\xa0€", second, re.S
    )
    await recommend_and_approve(reviewer, approver, app_id)
    grant = await GrantAward.objects().get(GrantAward.application == app_id)
    new = await Decision.objects().get(Decision.id == grant.current_decision)
    # A 34.800 − 1.000 = 33.800 (not the original plan's 30.000 + 1.000); 33.800 − D 4.800 = 29.000
    assert (new.number, new.eligible_cents, new.approved_cents) == (3, 3380000, 2900000)
    assert "bisher 32.000,00\xa0€, nunmehr 31.000,00\xa0€" in await letter_text(approver, new)


async def test_the_verlauf_shows_the_request_the_decision_and_the_changes(client, approved):
    app_id, world, reviewer, approver = approved
    await ask(client, app_id, world)
    await recommend_and_approve(reviewer, approver, app_id)
    history = verlauf((await client.get(f"/antraege/{app_id}")).text)
    asked, decided = history.split("Änderungsantrag gestellt")[1].split("Änderung bewilligt")
    assert asked.startswith(", von Mehmet Kaya")
    assert f"01.01.{world['year']} – 31.12.{world['year']}" in asked
    assert "30.000,00\xa0€" in asked  # the grant asked for
    assert "Mehr Beratungsstunden nötig." in asked
    assert re.search(
        r"Personalausgaben.*?30\.000,00\xa0€.*?32\.000,00\xa0€.*?2\.000,00\xa0€", asked, re.S
    )
    assert decided.startswith(" (Änderungsbescheid), von Dr. Andrea Hoffmann")
    # A 34.800 − D 4.800 = 30.000; before, 28.000 were approved
    assert "Die Zuwendung beträgt nun 30.000,00\xa0€ (bisher 28.000,00\xa0€)" in decided
    for raw in ("amendment.", "approved", "requested", "rejected"):
        assert raw not in history


async def test_the_verlauf_shows_a_refusal_and_who_refused(client, approved):
    app_id, world, reviewer, approver = approved
    await ask(client, app_id, world)
    amendment = await Amendment.objects().first()
    await csrf_post(reviewer, f"/pruefung/aenderungen/{amendment.id}/empfehlung",
                    {"version": str(amendment.version), "application": str(app_id), "recommendation": "Nein."})  # fmt: skip
    await csrf_post(approver, f"/pruefung/aenderungen/{amendment.id}/entscheidung",
                    {"version": str(amendment.version + 1), "application": str(app_id), "outcome": "reject",
                     "reasons": "Nicht begründet."})  # fmt: skip
    history = verlauf((await client.get(f"/antraege/{app_id}")).text)
    assert "Änderung abgelehnt, von Dr. Andrea Hoffmann" in history
    assert "Es bleibt beim bisherigen Bescheid." in history


async def test_a_member_sees_who_may_request_an_amendment(client, app, approved):
    app_id, _, _, _ = approved
    page = await client.get(f"/antraege/{app_id}")  # the signatory
    assert ">Änderung beantragen</a>" in page.text
    assert "Eine Änderung beantragen darf nur" not in page.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as member:
        await sign_in(member, "member")
        page = await member.get(f"/antraege/{app_id}")
        assert ">Änderung beantragen</a>" not in page.text
        assert (
            "Eine Änderung beantragen darf nur eine vertretungsberechtigte Person Ihrer Organisation: "
            "Mehmet Kaya"
        ) in page.text
        assert (await member.get(f"/antraege/{app_id}/aenderung")).status_code == 403
