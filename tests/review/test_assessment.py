"""The reviewer's work on the workspace: every expense line assessed in one form (all or
nothing), the grant computed as the letter states it, and a resubmission after a Nachforderung
that continues the review, keeping the assessments of unchanged lines."""

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest

from grants import clock
from grants.financing import Parameters, approved_grant, grant_computation
from grants.money import Money
from grants.services.applications import LineView
from grants.services.reviews import (
    LineAssessmentInput,
    check_assessments,
    current,
    line_fingerprint,
)
from grants.tables import Application, AuditEvent, LineAssessment, Notification, PlanLine, Review
from grants.vocabulary import FinancingType, LineVerdict, PlanLineKind
from grants.workflow import ApplicationStatus
from tests.review.test_decision_flow import as_persona
from tests.support import applying, reviewing
from tests.support.login import csrf_post

pytestmark = pytest.mark.anyio

CUT = {0: {"verdict": "partial", "recognised": "28.000,00", "reason": "Stellenanteil zu hoch"}}


def _text(html: str) -> str:
    return unescape(html).replace("\xa0", " ")


def line(line_id: int, cents: int, description: str = "Miete") -> LineView:
    return LineView(id=line_id, line_key=f"k{line_id}", kind=PlanLineKind.EXPENSE, category="rent",
                    description=description, amount=Money(cents))  # fmt: skip


def test_every_line_needs_a_verdict_and_a_cut_its_reason_and_amount():
    lines = [
        line(1, 100_000),
        line(2, 50_000, "Honorare"),
        line(3, 20_000, "Reise"),
        line(4, 9_000),
    ]
    errors, assessed = check_assessments(lines, [
        LineAssessmentInput(1, LineVerdict.FULL, None, ""),
        LineAssessmentInput(2, LineVerdict.PARTIAL, Money(50_000), ""),
        LineAssessmentInput(3, LineVerdict.NONE, None, "nicht förderfähig"),
        LineAssessmentInput(4, None, None, ""),
    ])  # fmt: skip
    assert errors == {
        "reason-2": "Bitte begründen Sie die Kürzung bei „Honorare“.",
        "recognised-2": "Bitte bei „Honorare“ einen Betrag über 0 und unter 500,00\xa0€ angeben.",
        "verdict-4": "Bitte bewerten Sie „Miete“.",
    }
    assert [(a.plan_line_id, a.verdict, a.recognised, a.reason) for a in assessed] == [
        (1, LineVerdict.FULL, Money(100_000), ""),
        (3, LineVerdict.NONE, Money(0), "nicht förderfähig"),
    ]


def test_a_line_changes_its_fingerprint_with_what_was_assessed_not_with_its_place():
    before = line(1, 100_000)
    assert line_fingerprint(before) == line_fingerprint(
        LineView(**{**_fields(before), "position": 5})
    )
    assert line_fingerprint(before) != line_fingerprint(
        LineView(**{**_fields(before), "amount": Money(90_000)})
    )
    assert line_fingerprint(before) != line_fingerprint(
        LineView(**{**_fields(before), "fte_milli": 500})
    )


def _fields(view: LineView) -> dict:
    return {name: getattr(view, name) for name in LineView.__slots__}


@pytest.mark.parametrize(("params", "formula", "cap", "approved"), [
    (Parameters(FinancingType.SHORTFALL, Money(4_023_456), Money(743_456), cap=Money(3_250_000)),
     Money(3_280_000), Money(3_250_000), Money(3_250_000)),
    (Parameters(FinancingType.SHARE, Money(1_000_000), Money(0), share=Decimal("0.64"), cap=Money(900_000)),
     Money(640_000), Money(900_000), Money(640_000)),
    (Parameters(FinancingType.FIXED, Money(1_000_000), Money(0), fixed=Money(500_000)), Money(500_000), None,
     Money(500_000)),
])  # fmt: skip
def test_the_computation_has_the_terms_of_the_approved_grant(params, formula, cap, approved):
    computed = grant_computation(params)
    assert (computed.formula, computed.cap, computed.approved) == (formula, cap, approved)
    assert computed.approved == approved_grant(params)
    assert computed.capped is (approved < formula)


async def _started(app, app_id: int):
    reviewer = await as_persona(app, "reviewer")
    page = f"/pruefung/antraege/{app_id}"
    started = await csrf_post(
        reviewer, f"{page}/beginnen", {"version": await applying.version(app_id)}
    )
    assert started.status_code == 303, started.text
    return reviewer, page


async def test_one_form_assesses_every_line_with_one_event_and_the_computation_follows(
    client, app, submitted
):
    app_id, _ = submitted
    reviewer, page = await _started(app, app_id)
    shown = _text((await reviewer.get(page)).text)
    assert "Funktion: Sozialarbeiter:in · 0,5 VZÄ · Entgeltgruppe TVöD SuE S 12" in shown
    assert "Mitgliedsbeiträge" in shown
    assert "Summe D" in shown
    assert (
        "Anerkannte Ausgaben 34.800,00 € − Einnahmen/Eigenmittel 4.800,00 € = 30.000,00 €" in shown
    )

    saved = await reviewing.assess(reviewer, app_id, CUT)
    assert saved.status_code == 303, saved.text
    review = await current(app_id)
    assert {a.verdict for a in review.assessments.values()} == {
        LineVerdict.PARTIAL,
        LineVerdict.FULL,
    }
    assert len(review.assessments) == 2
    events = await AuditEvent.select(AuditEvent.data).where(
        (AuditEvent.action == "review.lines_assessed") & (AuditEvent.entity_id == app_id)
    ).output(load_json=True)  # fmt: skip
    assert len(events) == 1
    assert events[0]["data"]["eligible_cents"] == 3_280_000

    shown = _text((await reviewer.get(page)).text)
    assert (
        "Anerkannte Ausgaben 32.800,00 € − Einnahmen/Eigenmittel 4.800,00 € = 28.000,00 €" in shown
    )
    assert "Zuwendung: <strong>28.000,00 €</strong>" in shown
    assert ("Die Zuwendung wird als Fehlbedarfsfinanzierung in Höhe des Fehlbedarfs zwischen den "
            "zuwendungsfähigen Gesamtausgaben von 32.800,00 € und den eigenen und sonstigen Mitteln von "
            "4.800,00 €, höchstens 28.000,00 €, gewährt.") in shown  # fmt: skip
    assert 'value="partial" checked' in shown
    assert 'value="28.000,00"' in shown

    recommended = await csrf_post(reviewer, f"{page}/empfehlung", {
        **await reviewing.review_ids(app_id), "recommendation": "approve_partly", "financing_type": "shortfall",
        "cap": "25.000,00",
    })  # fmt: skip
    assert recommended.status_code == 303, recommended.text
    shown = _text((await reviewer.get(page)).text)
    assert "= 28.000,00 €, begrenzt auf den Höchstbetrag 25.000,00 €" in shown
    assert "Zuwendung: <strong>25.000,00 €</strong>" in shown
    await reviewer.aclose()


async def test_bad_input_is_refused_at_the_fields_keeps_what_was_typed_and_writes_nothing(
    client, app, submitted
):
    app_id, _ = submitted
    reviewer, page = await _started(app, app_id)
    before = await reviewing.review_ids(app_id)
    refused = await reviewing.assess(reviewer, app_id, {
        0: {"verdict": "partial", "recognised": "", "reason": "Stellenanteil zu hoch"},
        1: {"verdict": "partial", "recognised": "zwölf", "reason": ""},
    })  # fmt: skip
    assert refused.status_code == 400
    shown = _text(refused.text)
    first, second = reviewing.line_ids(refused.text)
    assert "Bitte bei „Sozialberatung“ einen Betrag über 0 und unter 30.000,00 € angeben." in shown
    assert "Bitte begründen Sie die Kürzung bei „Honorare Deutschkurs“." in shown
    assert re.search(
        rf'id="fehler-recognised-{second}"', shown
    )  # the amount's own message at its field
    assert f'href="#feld-reason-{second}"' in shown
    assert "Stellenanteil zu hoch</textarea>" in shown
    assert 'value="zwölf"' in shown
    assert await LineAssessment.count().where(LineAssessment.review == int(before["review"])) == 0
    assert await reviewing.review_ids(app_id) == before

    stale = await csrf_post(reviewer, f"{page}/posten", {
        "review": before["review"], "review_version": str(int(before["review_version"]) - 1),
        **reviewing.assessment([first, second]),
    })  # fmt: skip
    assert stale.status_code == 409
    assert "inzwischen geändert" in stale.text
    other = await as_persona(app, "reviewer2")
    foreign = await csrf_post(
        other, f"{page}/posten", {**before, **reviewing.assessment([first, second])}
    )
    assert foreign.status_code == 403
    approver = await as_persona(app, "approver")
    assert (await csrf_post(approver, f"{page}/posten", {**before, **reviewing.assessment([first, second])})
            ).status_code == 403  # fmt: skip
    missing = await csrf_post(
        reviewer, f"{page}/posten", {**before, **reviewing.assessment([first])}
    )
    assert missing.status_code == 409
    assert "Seite neu" in _text(missing.text)
    assert await LineAssessment.count().where(LineAssessment.review == int(before["review"])) == 0
    for client_ in (reviewer, other, approver):
        await client_.aclose()


async def test_the_workspace_costs_the_same_queries_for_2_and_for_12_lines(
    client, app, submitted, queries
):
    app_id, _ = submitted
    reviewer, page = await _started(app, app_id)
    assert (await reviewing.assess(reviewer, app_id, CUT)).status_code == 303

    async def counted() -> int:
        await reviewer.get(page)
        with queries() as ran:
            answer = await reviewer.get(page)
        assert answer.status_code == 200
        return ran.value

    few = await counted()
    await PlanLine.insert(*[PlanLine(application=app_id, line_key=f"extra-{n}", kind=PlanLineKind.EXPENSE,
                                     category="material", description=f"Material {n}", amount_cents=10_000,
                                     position=10 + n) for n in range(10)])  # fmt: skip
    assert (await reviewing.assess(reviewer, app_id, CUT)).status_code == 303
    assert len(reviewing.line_ids((await reviewer.get(page)).text)) == 12
    assert await counted() == few
    await reviewer.aclose()


async def _request_changes(reviewer, page: str, app_id: int) -> None:
    asked = await csrf_post(reviewer, f"{page}/nachforderung", {
        "version": await applying.version(app_id), "points": "Bitte die Honorare genauer planen.",
        "deadline": (clock.today() + timedelta(days=14)).isoformat(),
    })  # fmt: skip
    assert asked.status_code == 303, asked.text


async def test_a_resubmission_continues_the_review_and_marks_the_changed_lines(
    client, app, submitted
):
    app_id, _ = submitted
    reviewer, page = await _started(app, app_id)
    assert (await reviewing.assess(reviewer, app_id, CUT)).status_code == 303
    review_before = await current(app_id)
    await _request_changes(reviewer, page, app_id)

    fees = (
        await PlanLine.select()
        .where((PlanLine.application == app_id) & (PlanLine.category == "fees"))
        .first()
    )
    changed = await applying.step(client, app_id, "finanzplan/posten", {
        "kind_path": "ausgabe", "line_key": fees["line_key"], "category": "fees",
        "description": "Honorare Deutschkurs", "quantity": "100", "unit_price": "40,00",
    })  # fmt: skip
    assert changed.status_code == 303, changed.text
    added = await applying.step(client, app_id, "finanzplan/posten", {
        "kind_path": "ausgabe", "category": "rent", "description": "Raummiete Kursraum", "amount": "800,00",
    })  # fmt: skip
    assert added.status_code == 303, added.text
    assert (await applying.submit(client, app_id)).status_code == 303

    status = await Application.select(Application.status).where(Application.id == app_id).first()
    assert status["status"] == ApplicationStatus.IN_REVIEW  # no second "Prüfung beginnen"
    assert await Review.count().where(Review.application == app_id) == 1
    assert await Notification.exists().where(Notification.subject.like("% erneut eingereicht"))
    review = await current(app_id)
    assert review.id == review_before.id
    assert review.version == review_before.version

    shown = _text((await reviewer.get(page)).text)
    assert "Prüfung beginnen" not in shown
    assert shown.count("geändert seit Ihrer Bewertung") == 1
    personnel, fee, rent = reviewing.line_ids(shown)
    assert f'name="verdict-{personnel}" value="partial" checked' in shown  # kept
    assert 'value="28.000,00"' in shown
    assert not re.search(rf'name="verdict-{fee}" value="\w+" checked', shown)  # to assess anew
    assert f'name="verdict-{rent}" value="full" checked' in shown  # new: suggested in full
    assert "Vorläufig: geänderte Posten zählen bis zur neuen Bewertung in voller Höhe." in shown

    recommended = await csrf_post(reviewer, f"{page}/empfehlung", {
        **await reviewing.review_ids(app_id), "recommendation": "approve_partly", "financing_type": "shortfall",
        "cap": "30.000,00",
    })  # fmt: skip
    assert recommended.status_code == 303, recommended.text
    early = await csrf_post(reviewer, f"{page}/abschliessen", await reviewing.review_ids(app_id))
    assert early.status_code == 400
    assert "bitte bewerten Sie „Honorare Deutschkurs“ neu" in _text(early.text)

    unanswered = await reviewing.assess(reviewer, app_id, {**CUT, 1: {"verdict": ""}})
    assert unanswered.status_code == 400
    assert "Bitte bewerten Sie „Honorare Deutschkurs“." in _text(unanswered.text)
    assert (await reviewing.assess(reviewer, app_id, CUT)).status_code == 303
    shown = _text((await reviewer.get(page)).text)
    assert "geändert seit Ihrer Bewertung" not in shown
    assert (
        await csrf_post(reviewer, f"{page}/abschliessen", await reviewing.review_ids(app_id))
    ).status_code == 303
    await reviewer.aclose()


async def test_an_assessed_line_can_be_deleted_after_a_nachforderung(client, app, submitted):
    app_id, _ = submitted
    reviewer, page = await _started(app, app_id)
    assert (await reviewing.assess(reviewer, app_id, CUT)).status_code == 303
    await _request_changes(reviewer, page, app_id)
    fees = (
        await PlanLine.select()
        .where((PlanLine.application == app_id) & (PlanLine.category == "fees"))
        .first()
    )
    deleted = await applying.step(
        client, app_id, f"finanzplan/posten/{fees['line_key']}/loeschen", {}
    )
    assert deleted.status_code == 303, deleted.text
    added = await applying.step(client, app_id, "finanzplan/posten", {
        "kind_path": "ausgabe", "category": "fees", "description": "Honorare Sprachcafé", "amount": "4.800,00",
    })  # fmt: skip
    assert added.status_code == 303, added.text
    assert (await applying.submit(client, app_id)).status_code == 303
    review = await current(app_id)
    assert len(review.assessments) == 1  # the personnel line's; the deleted line's went with it
    assert (await Application.select(Application.status).where(Application.id == app_id).first())["status"] == (
        ApplicationStatus.IN_REVIEW
    )  # fmt: skip
    await reviewer.aclose()
