"""The approver's decision form: only the chosen financing type's parameters (chosen without
JavaScript), payout and conditions proposed by the programme, a letter preview marked ENTWURF
that changes nothing, and after deciding the outcome with its letter."""

import io
import re

import pytest
from docx import Document as WordDocument

from grants.tables import (
    Application,
    AuditEvent,
    BudgetCommitment,
    Call,
    Decision,
    Document,
    GrantAward,
    Notification,
    Programme,
    User,
    UserRole,
)
from grants.workflow import ApplicationStatus
from tests.review.test_decision_flow import as_persona, decision_form, review_to_ready
from tests.support import applying
from tests.support.login import csrf_post

pytestmark = pytest.mark.anyio
PARAMETER_FIELDS = ("share", "cap", "fixed", "unit_rate", "units")


def parameter_fields(html: str) -> set[str]:
    """The financing parameters the page has inputs for."""
    return {name for name in PARAMETER_FIELDS if f'id="feld-{name}"' in html}


def checked(html: str, name: str) -> list[str]:
    """The values of the ticked boxes or radios called ``name``."""
    inputs = re.findall(rf'<input type="(?:checkbox|radio)"[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', i).group(1) for i in inputs if " checked" in i]


def word_paragraphs(docx: bytes) -> tuple[list[str], str]:
    """The paragraphs of a Word document's page header, and its body text."""
    document = WordDocument(io.BytesIO(docx))
    header = [p.text for p in document.sections[0].header.paragraphs]
    return header, "\n".join(p.text for p in document.paragraphs)


async def what_is_stored(app_id: int) -> tuple:
    application = await Application.objects().get(Application.id == app_id)
    return (application.version, application.status, await Decision.count(), await Document.count(),
            await GrantAward.count(), await BudgetCommitment.count(), await AuditEvent.count(),
            await Notification.count())  # fmt: skip


@pytest.fixture
async def ready(client, app, submitted):
    """The submitted application, reviewed (Fehlbedarf, H 30.000, ANBest-P) and ready; the approver."""
    app_id, world = submitted
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    approver = await as_persona(app, "approver")
    yield app_id, world, approver
    await reviewer.aclose()
    await approver.aclose()


async def test_the_form_shows_only_the_parameters_of_the_chosen_type(ready):
    app_id, world, approver = ready
    url = f"/pruefung/antraege/{app_id}/entscheidung"
    page = await approver.get(url)
    assert checked(page.text, "financing_type") == ["shortfall"]  # as the reviewer recommended
    assert parameter_fields(page.text) == {"cap"}
    assert "Parameter der Fehlbedarfsfinanzierung" in page.text
    before = await what_is_stored(app_id)

    # "Art übernehmen" (no JavaScript): the form again, the new type's fields, the typed text kept
    typed = {**decision_form(world, financing_type="per_unit", reasons="Je Kurs ein Festbetrag."),
             "version": await applying.version(app_id), "aktion": "art"}  # fmt: skip
    switched = await csrf_post(approver, url, typed)
    assert switched.status_code == 200
    assert checked(switched.text, "financing_type") == ["per_unit"]
    assert parameter_fields(switched.text) == {"unit_rate", "units"}
    assert ">Je Kurs ein Festbetrag.</textarea>" in switched.text
    share = await csrf_post(approver, url, {**typed, "financing_type": "share"})
    assert parameter_fields(share.text) == {"share", "cap"}
    full = await csrf_post(approver, url, {**typed, "financing_type": "full"})
    assert parameter_fields(full.text) == set()
    assert await what_is_stored(app_id) == before  # choosing the type decides nothing

    # a value of another type that a browser still sends is not read
    decided = await csrf_post(approver, url, {**decision_form(world, financing_type="fixed", fixed="25.000,00",
                                                              cap="1,00", recommendation="approve_partly"),
                                              "version": await applying.version(app_id)})  # fmt: skip
    assert decided.status_code == 303, decided.text
    decision = await Decision.objects().get(Decision.application == app_id)
    assert (decision.financing_type, decision.fixed_cents, decision.cap_cents) == (
        "fixed",
        2_500_000,
        None,
    )
    assert decision.approved_cents == 2_500_000


async def test_payout_and_conditions_are_proposed_from_the_programme(ready):
    app_id, world, approver = ready
    programme = (await Call.objects().get(Call.id == world["call"])).programme
    await Programme.update({Programme.payment_mode: "instalments", Programme.instalments: 6,
                            Programme.standard_conditions: ["vergabe", "zinsen_49a"]}).where(
        Programme.id == programme)  # fmt: skip
    page = (await approver.get(f"/pruefung/antraege/{app_id}/entscheidung")).text
    assert re.search(r'id="feld-instalments" name="instalments" type="text" value="6"', page)
    assert checked(page, "payment_mode") == ["instalments"]
    # the programme's standard conditions and the reviewer's proposal (ANBest-P), nothing else
    assert sorted(checked(page, "conditions")) == ["anbest_p", "vergabe", "zinsen_49a"]
    assert "Vorgabe des Programms: 6." in page

    await Programme.update({Programme.payment_mode: "on_request"}).where(Programme.id == programme)
    page = (await approver.get(f"/pruefung/antraege/{app_id}/entscheidung")).text
    assert checked(page, "payment_mode") == ["on_request"]


async def test_the_preview_is_a_draft_letter_and_changes_nothing(ready):
    app_id, world, approver = ready
    before = await what_is_stored(app_id)
    preview = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung/vorschau",
                              {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert preview.status_code == 200, preview.headers
    assert preview.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "Entwurf-Teilbewilligung" in preview.headers["content-disposition"]
    header, text = word_paragraphs(preview.content)
    assert "ENTWURF" in header  # on every page
    assert text.startswith("ENTWURF\n")  # and above the letter
    assert "Vorschau ohne Rechtswirkung" in text
    assert "Teilbewilligung" in text
    assert (
        "eine Zuwendung in Höhe von 28.000,00\u00a0€" in text
    )  # min(H 30.000, A 32.800 − D 4.800)
    assert "Die Allgemeinen Nebenbestimmungen" in text  # the ticked condition
    assert await what_is_stored(app_id) == before
    assert (
        await Application.objects().get(Application.id == app_id)
    ).status == ApplicationStatus.READY


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"cap": ""}, "cap", "Bei Fehlbedarfsfinanzierung ist ein Höchstbetrag vorgeschrieben."),
    ({"instalments": "20"}, "instalments", "Bitte eine Zahl von 1 bis 12 eingeben."),
    ({"period_end": "01.01.2000"}, "period_end", "Das Ende des Bewilligungszeitraums muss nach dem Beginn liegen."),
], ids=["no-cap", "too-many-instalments", "end-before-start"])  # fmt: skip
async def test_bad_input_in_the_preview_is_shown_at_the_fields(ready, changes, field, message):
    app_id, world, approver = ready
    before = await what_is_stored(app_id)
    answer = await csrf_post(approver, f"/pruefung/antraege/{app_id}/entscheidung/vorschau",
                             {**decision_form(world, **changes), "version": await applying.version(app_id)})  # fmt: skip
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert re.search(
        rf'id="fehler-{field}"><span class="visually-hidden">Fehler:</span> {message}</p>',
        answer.text,
    )
    assert f'<a href="#feld-{field}">{message}</a>' in answer.text
    assert await what_is_stored(app_id) == before


async def test_after_deciding_the_page_shows_the_outcome_and_the_letter(ready, client):
    app_id, world, approver = ready
    url = f"/pruefung/antraege/{app_id}/entscheidung"
    decided = await csrf_post(
        approver, url, {**decision_form(world), "version": await applying.version(app_id)}
    )
    assert decided.status_code == 303, decided.text
    assert decided.headers["location"] == url
    page = (await approver.get(url)).text
    assert "Entschieden: Teilbewilligung 28.000,00\u00a0€ als Fehlbedarfsfinanzierung" in page
    letter = await Document.objects().get(Document.application == app_id)
    link = re.search(r'<a class="button" href="(/dokumente/\d+)">Bescheid herunterladen', page)
    assert link.group(1) == f"/dokumente/{letter.id}"
    assert "Entscheiden und Bescheid erstellen" not in page  # decided: no form any more
    download = await approver.get(link.group(1))
    assert download.status_code == 200
    header, text = word_paragraphs(download.content)
    assert "ENTWURF" not in header
    assert "ENTWURF" not in text
    assert "28.000,00\u00a0€" in text
    again = await csrf_post(
        approver, url, {**decision_form(world), "version": await applying.version(app_id)}
    )
    assert again.status_code in (400, 409)
    assert 'role="alert"' in again.text  # the form is gone, the reason for the refusal is not
    assert "Die Entscheidung ist nicht gespeichert" in again.text
    assert 'href="#feld-' not in again.text


async def test_the_reviewer_may_not_preview_the_letter_of_their_own_review(client, app, submitted):
    app_id, world = submitted
    reviewer_user = await User.objects().get(User.subject == "demo-reviewer")
    await UserRole.insert(UserRole(user=reviewer_user.id, role="approver", source="admin"))
    reviewer = await as_persona(app, "reviewer")
    await review_to_ready(reviewer, app_id)
    refused = await csrf_post(reviewer, f"/pruefung/antraege/{app_id}/entscheidung/vorschau",
                              {**decision_form(world), "version": await applying.version(app_id)})  # fmt: skip
    assert refused.status_code == 403
    assert "Vier-Augen-Prinzip" in refused.text
    await reviewer.aclose()
