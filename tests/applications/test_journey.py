"""The applicant's journey through the pages: every step, submission, versions, hand-back."""

import io
import re

import pytest
from docx import Document as WordDocument

from grants.tables import Application, ApplicationVersion, AuditEvent, ChangeRequest, Notification
from grants.workflow import ApplicationStatus
from portal.security import DOWNLOAD_POLICY
from tests.support import applying
from tests.support.applying import complete, start, step, submit
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def world(database):
    return await applying.open_call()


async def test_a_member_completes_and_a_signatory_submits(client, app, world):
    await sign_in(client, "member")
    app_id = await start(client, world)
    overview = await client.get(f"/antraege/{app_id}")
    assert overview.text.count(">Offen<") == 5
    assert "0 von 5 Abschnitten erledigt" in overview.text
    await complete(client, app_id, world)
    overview = await client.get(f"/antraege/{app_id}")
    assert overview.text.count(">Erledigt<") == 5
    assert "5 von 5 Abschnitten erledigt</strong> – jetzt prüfen und einreichen" in overview.text

    check = await client.get(f"/antraege/{app_id}/pruefen")
    assert "Einreichen darf nur eine vertretungsberechtigte Person" in check.text
    assert (await submit(client, app_id)).status_code == 403  # a member may not submit

    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as board:
        await sign_in(board, "signatory")
        await board.get("/")
        done = await submit(board, app_id)
        assert done.status_code == 303, done.text
        page = await board.get(done.headers["location"])
    assert "Der Antrag ist eingereicht (Fassung 1)." in page.text
    stored = await Application.objects().get(Application.id == app_id)
    assert stored.status == ApplicationStatus.SUBMITTED
    assert re.fullmatch(rf"IKZ-{world['year']}-\d{{4}}", stored.file_number)
    version = await ApplicationVersion.objects().get(ApplicationVersion.application == app_id)
    assert version.number == 1
    assert len(version.content_sha256) == 64
    assert "Verlauf" in page.text
    assert "Eingereicht" in page.text
    mails = await Notification.select(Notification.recipient, Notification.subject)
    assert {m["subject"] for m in mails} == {f"Antrag {stored.file_number} eingegangen"}
    assert "mehmet.kaya@demo.foerderportal.example" in {m["recipient"] for m in mails}

    document = await client.get(f"/antraege/{app_id}/fassungen/1/antrag.docx")
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert document.headers["content-security-policy"] == DOWNLOAD_POLICY
    text = "\n".join(p.text for p in WordDocument(io.BytesIO(document.content)).paragraphs)
    assert "Beratung und Begegnung in Ehrenfeld" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unbalanced", "nicht ausgeglichen: es fehlen 1.000,00\xa0€"),
        ("closed", "Der Förderaufruf ist seit"),
        ("no statutes", "Der Schritt „Anlagen“ ist noch nicht vollständig."),
        ("tax notice expired", "Der Freistellungsbescheid ist abgelaufen (gültig bis"),
    ],
)
async def test_submission_is_refused_with_a_clear_message(client, world, change, message):
    from datetime import timedelta

    from grants import clock
    from grants.tables import Attachment, Call, Organisation

    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await start(client, world)
    await complete(client, app_id, world)
    if change == "unbalanced":
        await step(
            client, app_id, "finanzplan", {"requested": "29.000,00", "financing_type": "shortfall"}
        )
    elif change == "closed":
        await Call.update({Call.closes_at: clock.now() - timedelta(minutes=1)}).where(
            Call.id == world["call"]
        )
    elif change == "no statutes":
        await Attachment.delete().where(Attachment.kind == "statutes")
    else:
        await Organisation.update(
            {Organisation.tax_exemption_valid_until: clock.today() - timedelta(days=1)}
        ).where(Organisation.id == world["organisation"])
    refused = await submit(client, app_id)
    assert refused.status_code == 400
    assert "Der Antrag kann noch nicht eingereicht werden" in refused.text
    assert message in refused.text
    assert (
        await Application.objects().get(Application.id == app_id)
    ).status == ApplicationStatus.DRAFT


async def test_an_extended_deadline_allows_a_late_submission(client, world):
    from datetime import timedelta

    from grants import clock
    from grants.tables import Call

    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await start(client, world)
    await complete(client, app_id, world)
    await Call.update({Call.closes_at: clock.now() - timedelta(days=2)}).where(
        Call.id == world["call"]
    )
    await Application.update(
        {Application.deadline_extended_until: clock.now() + timedelta(days=5)}
    ).where(Application.id == app_id)
    assert (await submit(client, app_id)).status_code == 303


async def test_changes_requested_reopen_the_application_and_resubmission_makes_version_two(
    client, app, world
):
    import httpx

    from grants.services import applications
    from grants.services.users import load_principal
    from grants.tables import User

    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await start(client, world)
    await complete(client, app_id, world)
    await submit(client, app_id)

    reviewer = await load_principal((await User.objects().get(User.subject == "demo-reviewer")).id)
    current = int(await applying.version(app_id))
    await applications.start_review(reviewer, app_id, current)
    from datetime import timedelta

    from grants import clock

    await applications.request_changes(reviewer, app_id, current + 1, "Bitte die Honorare begründen.",
                                       clock.today() + timedelta(days=14))  # fmt: skip
    overview = await client.get(f"/antraege/{app_id}")
    assert "Nachforderung des Kommunalen Integrationszentrums" in overview.text
    assert "Bitte die Honorare begründen." in overview.text

    plan = await client.get(f"/antraege/{app_id}/finanzplan")
    line_key = re.search(r"/finanzplan/posten/([0-9a-f-]{36})", plan.text).group(1)
    changed = await step(client, app_id, "finanzplan/posten", {
        "kind_path": "ausgabe", "line_key": line_key, "category": "personnel", "description": "Sozialberatung",
        "amount": "31.000,00", "staff_function": "Sozialarbeiter:in", "fte": "0,5",
    })  # fmt: skip
    assert changed.status_code == 303, changed.text
    await step(
        client, app_id, "finanzplan", {"requested": "31.000,00", "financing_type": "shortfall"}
    )
    await step(client, app_id, "projekt", {**applying.PROJECT, "title": "Beratung und Begegnung in Ehrenfeld 2.0",
                                           "period_start": f"{world['year']}-01-01", "period_end": f"{world['year']}-12-31"})  # fmt: skip
    assert (await submit(client, app_id)).status_code == 303
    assert await ApplicationVersion.count().where(ApplicationVersion.application == app_id) == 2
    assert not await ChangeRequest.exists().where(
        (ChangeRequest.application == app_id) & ChangeRequest.resolved_at.is_null()
    )

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as staff:
        await sign_in(staff, "reviewer")
        diff = await staff.get(f"/antraege/{app_id}/fassungen")
    assert diff.status_code == 200
    assert "Beratung und Begegnung in Ehrenfeld 2.0" in diff.text
    assert "30.000,00\xa0€" in diff.text
    assert "31.000,00\xa0€" in diff.text
    assert (await client.get(f"/antraege/{app_id}/fassungen")).status_code == 403  # staff only


async def test_withdrawal_needs_a_signatory_and_a_reason(client, app, world):
    await sign_in(client, "signatory")
    await client.get("/")
    app_id = await start(client, world)
    no_reason = await step(client, app_id, "zurueckziehen", {"reason": "  "})
    assert no_reason.status_code == 400
    assert "Bitte ausfüllen." in no_reason.text
    done = await step(client, app_id, "zurueckziehen", {"reason": "Wir haben keine Räume mehr."})
    assert done.status_code == 303
    stored = await Application.objects().get(Application.id == app_id)
    assert (stored.status, stored.withdrawal_reason) == (
        ApplicationStatus.WITHDRAWN,
        "Wir haben keine Räume mehr.",
    )
    assert await AuditEvent.exists().where(AuditEvent.action == "application.withdrawn")
    again = await step(
        client,
        app_id,
        "projekt",
        {
            **applying.PROJECT,
            "period_start": f"{world['year']}-01-01",
            "period_end": f"{world['year']}-12-31",
        },
    )
    assert again.status_code == 409
    assert "kann nicht mehr geändert werden" in again.text
    assert (await client.get(f"/antraege/{app_id}/projekt")).headers[
        "location"
    ] == f"/antraege/{app_id}"


async def test_a_member_cannot_withdraw(client, world):
    await sign_in(client, "member")
    await client.get("/")
    app_id = await start(client, world)
    assert (await step(client, app_id, "zurueckziehen", {"reason": "weil"})).status_code == 403


async def test_messages_with_files_and_internal_notes(client, app, world):
    import httpx

    await sign_in(client, "member")
    await client.get("/")
    app_id = await start(client, world)
    sent = await client.post(f"/antraege/{app_id}/nachrichten",
                             data={"_csrf_token": client.cookies["csrftoken"], "body": "Frage zur Miete"},
                             files={"attachment": ("mietvertrag.pdf", applying.PDF, "application/pdf")})  # fmt: skip
    assert sent.status_code == 303, sent.text
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as staff:
        await sign_in(staff, "reviewer")
        await staff.get("/")
        page = await staff.get(f"/antraege/{app_id}")
        assert "Frage zur Miete" in page.text
        assert "mietvertrag.pdf" in page.text
        await csrf_post(
            staff, f"/antraege/{app_id}/nachrichten", {"body": "Nur für uns", "internal": "true"}
        )
        await csrf_post(staff, f"/antraege/{app_id}/nachrichten", {"body": "Antwort an den Verein"})
    page = await client.get(f"/antraege/{app_id}")
    assert "Antwort an den Verein" in page.text
    assert "Nur für uns" not in page.text
    link = re.search(rf'href="(/antraege/{app_id}/anlagen/\d+)"', page.text).group(1)
    file = await client.get(link)
    assert file.content == applying.PDF
    assert file.headers["content-disposition"].startswith("attachment;")
    assert file.headers["content-security-policy"] == DOWNLOAD_POLICY
    assert file.headers["x-content-type-options"] == "nosniff"


async def test_the_list_page_costs_the_same_queries_for_one_or_many_applications(
    client, world, queries
):
    await sign_in(client, "member")
    await client.get("/")
    await start(client, world)
    with queries() as one:
        await client.get("/antraege")
    for _ in range(4):
        await start(client, world)
    with queries() as five:
        page = await client.get("/antraege")
    assert page.text.count("/antraege/") >= 5
    assert one.value == five.value


async def test_taken_over_applications_show_their_milestones_from_their_dates(client, world):
    from grants.tables import Membership

    own = (await Membership.objects().get(Membership.user.subject == "demo-member")).organisation
    decided = (
        await Application.select(Application.id)
        .where(
            (Application.organisation == own) & (Application.status == ApplicationStatus.APPROVED)
        )
        .first()
    )
    await sign_in(client, "member")
    page = await client.get(f"/antraege/{decided['id']}")
    timeline = page.text.split('id="verlauf"')[1].split("</ol>")[0]
    assert "Entwurf angelegt" in timeline
    assert "Eingereicht" in timeline
    assert "Bewilligt" in timeline
