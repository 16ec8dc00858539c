"""Bad input at every step: a German message at the field, what was typed kept, nothing written."""

import pytest

from grants.tables import Application, Attachment, PlanLine
from tests.support import applying
from tests.support.applying import start, step, upload
from tests.support.login import sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def draft(client, database):
    world = await applying.open_call()
    await sign_in(client, "member")
    await client.get("/")
    return await start(client, world), world


def expense(amount: str, **extra: str) -> dict[str, str]:
    return {
        "kind_path": "ausgabe",
        "category": "material",
        "description": "Material",
        "amount": amount,
        **extra,
    }


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("1.234,5", 123450), ("1234,56", 123456), ("1.234.567,89", 123456789), ("99", 9900)],
)
async def test_amounts_are_read_exactly_to_the_cent(client, draft, typed, cents):
    app_id, _ = draft
    assert (await step(client, app_id, "finanzplan/posten", expense(typed))).status_code == 303
    line = await PlanLine.objects().get(PlanLine.application == app_id)
    assert line.amount_cents == cents


@pytest.mark.parametrize(
    ("quantity", "shown"), [("120", "120"), ("1,5", "1,5"), ("0,125", "0,125")]
)
async def test_the_plan_shows_quantities_as_typed(client, draft, quantity, shown):
    app_id, _ = draft
    line = expense("", quantity=quantity, unit_price="45,00")
    assert (await step(client, app_id, "finanzplan/posten", line)).status_code == 303
    plan = await client.get(f"/antraege/{app_id}/finanzplan")
    assert f"{shown} × 45,00\xa0€" in plan.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1234.50", "„1234.50“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ("-5", "Bitte keinen negativen Betrag eingeben."),
        ("1e3", "„1e3“ ist kein Betrag. Bitte so eingeben: 1.234,56"),
        ("12,345", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
        ("", "Bitte einen Betrag angeben (oder Menge und Einzelpreis)."),
        ("123456789012345", "Bitte höchstens 999.999.999,99\xa0€ eingeben."),
        ("0", "Der Betrag muss größer als 0 sein."),
    ],
)
async def test_bad_amounts_get_a_german_message_and_keep_the_input(client, draft, typed, message):
    app_id, _ = draft
    answer = await step(
        client, app_id, "finanzplan/posten", expense(typed, description="Mein Text bleibt")
    )
    assert answer.status_code == 400
    assert message in answer.text
    assert 'href="#feld-amount"' in answer.text
    assert f'value="{typed}"' in answer.text
    assert 'value="Mein Text bleibt"' in answer.text
    assert await PlanLine.count().where(PlanLine.application == app_id) == 0


HUGE = "9" * 27  # beyond the 28 digits of decimal arithmetic once scaled to cents
PERSONNEL = {"kind_path": "ausgabe", "category": "personnel", "description": "Beratung",
             "staff_function": "Beratung", "amount": "1.000"}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "typed", "field", "message"),
    [
        ("finanzplan/posten", expense(HUGE), "amount", "Bitte höchstens 999.999.999,99\xa0€"),
        ("finanzplan/posten", expense("", quantity="2", unit_price=HUGE), "unit_price",
         "Bitte höchstens 999.999.999,99\xa0€"),
        ("finanzplan/posten", expense("", quantity=HUGE, unit_price="1"), "quantity",
         "Bitte eine Zahl zwischen 0 und 1000000000 eingeben."),
        ("finanzplan/posten", {**PERSONNEL, "fte": HUGE + ",5"}, "fte",
         "Bitte eine Zahl zwischen 0 und 10 eingeben."),
        ("finanzplan", {"requested": HUGE, "financing_type": "shortfall"}, "requested",
         "Bitte höchstens 999.999.999,99\xa0€"),
    ],
)  # fmt: skip
async def test_numbers_of_many_digits_are_a_field_message(
    client, draft, path, typed, field, message
):
    app_id, _ = draft
    answer = await step(client, app_id, path, typed)
    assert answer.status_code == 400
    assert f'href="#feld-{field}"' in answer.text
    assert message in answer.text


async def test_quantity_times_unit_price_is_rounded_half_up(client, draft):
    app_id, _ = draft
    line = expense("", quantity="3,333", unit_price="0,15")
    assert (await step(client, app_id, "finanzplan/posten", line)).status_code == 303
    stored = await PlanLine.objects().get(PlanLine.application == app_id)
    assert (stored.quantity_milli, stored.unit_price_cents, stored.amount_cents) == (
        3333,
        15,
        50,
    )  # 0,49995 €


async def test_personnel_lines_need_function_and_fte_and_no_names_are_asked(client, draft):
    app_id, _ = draft
    answer = await step(client, app_id, "finanzplan/posten",
                        {"kind_path": "ausgabe", "category": "personnel", "description": "Beratung", "amount": "1.000"})  # fmt: skip
    assert "Bitte die Funktion angeben (keine Namen)." in answer.text
    assert "Bitte den Stellenanteil in VZÄ angeben, z. B. 0,5." in answer.text


async def test_third_party_funds_need_their_source(client, draft):
    app_id, _ = draft
    answer = await step(client, app_id, "finanzplan/posten",
                        {"kind_path": "einnahme", "category": "third_party", "description": "Land", "amount": "500"})  # fmt: skip
    assert answer.status_code == 400
    assert "Bitte angeben, wer die Drittmittel gibt." in answer.text


async def test_requested_grant_must_fit_the_programme(client, draft):
    app_id, _ = draft
    answer = await step(
        client, app_id, "finanzplan", {"requested": "50.000,00", "financing_type": "shortfall"}
    )
    assert answer.status_code == 400
    assert "Das Programm fördert höchstens 40.000,00\xa0€." in answer.text
    assert 'value="50.000,00"' in answer.text


async def test_project_dates_outside_the_fiscal_year_and_overlong_texts(client, draft):
    app_id, world = draft
    year = world["year"]
    project = {**applying.PROJECT, "title": "x" * 301, "period_start": f"{year - 1}-12-01",
               "period_end": f"{year}-12-31", "early_start_requested": "true"}  # fmt: skip
    answer = await step(client, app_id, "projekt", project)
    assert answer.status_code == 400
    assert "Bitte höchstens 300 Zeichen eingeben (jetzt 301)." in answer.text
    project["title"] = "Titel"
    answer = await step(client, app_id, "projekt", project)
    assert f"Der Zeitraum muss im Haushaltsjahr {year} liegen." in answer.text
    assert "Bitte begründen Sie den vorzeitigen Beginn." in answer.text
    project["period_end"] = f"{year}-01-01"
    project["period_start"] = f"{year}-02-01"
    answer = await step(client, app_id, "projekt", project)
    assert "Das Ende muss nach dem Beginn liegen." in answer.text
    assert (await Application.objects().get(Application.id == app_id)).title == ""


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "satzung.pdf",
            b"MZ\x90\x00\x03" + b"\x00" * 200,
            "Der Inhalt der Datei passt nicht zur Endung „.pdf“.",
        ),
        ("programm.exe", b"MZ\x90\x00\x03" + b"\x00" * 200, "Erlaubt sind PDF, JPEG, PNG"),
        (
            "../../etc/passwd.pdf",
            applying.PDF,
            "Der Dateiname darf keine Pfadangaben oder Steuerzeichen enthalten.",
        ),
        (
            "..\\satzung.pdf",
            applying.PDF,
            "Der Dateiname darf keine Pfadangaben oder Steuerzeichen enthalten.",
        ),
        ("leer.pdf", b"", "Die Datei ist leer."),
        (
            "riesig.pdf",
            b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024),
            "Die Datei ist größer als 20 MB.",
        ),
    ],
    ids=["renamed-exe", "exe", "path", "backslash-path", "empty", "over-20-mb"],
)
async def test_bad_files_are_refused_at_the_field(client, draft, filename, content, message):
    app_id, _ = draft
    answer = await upload(client, app_id, "statutes", filename, content)
    assert answer.status_code == 400
    assert message in answer.text
    assert await Attachment.count().where(Attachment.application == app_id) == 0


async def test_control_characters_never_reach_a_stored_filename(client, draft):
    app_id, _ = draft
    await upload(client, app_id, "statutes", "satzung\x07\x1b.pdf", applying.PDF)
    for row in await Attachment.select(Attachment.filename).where(Attachment.application == app_id):
        assert not any(ord(ch) < 32 for ch in row["filename"])


async def test_bidirectional_controls_never_reach_a_stored_name_or_title(client, draft):
    app_id, world = draft
    await upload(client, app_id, "statutes", "rechnung\u202efdp.exe.pdf", applying.PDF)
    stored = await Attachment.objects().get(Attachment.application == app_id)
    assert stored.filename == "rechnungfdp.exe.pdf"
    project = {**applying.PROJECT, "title": "Treff\u2067 \u200fim\u202b Veedel",
               "summary": "مرحبا\u200f (Begrüßung)", "period_start": f"{world['year']}-01-01",
               "period_end": f"{world['year']}-12-31"}  # fmt: skip
    assert (await step(client, app_id, "projekt", project)).status_code == 303
    saved = await Application.objects().get(Application.id == app_id)
    assert saved.title == "Treff im Veedel"
    assert saved.summary == "مرحبا\u200f (Begrüßung)"  # long texts keep their marks …
    page = await client.get(f"/antraege/{app_id}/projekt")
    assert "مرحبا (Begrüßung)" in page.text  # … but no page shows them
    assert "\u202e" not in (await client.get(f"/antraege/{app_id}/anlagen")).text


async def test_a_body_over_the_route_limit_is_413(client, draft):
    app_id, _ = draft
    answer = await upload(
        client, app_id, "statutes", "gross.pdf", b"%PDF" + b"0" * (22 * 1024 * 1024)
    )
    assert answer.status_code == 413


async def test_office_documents_are_checked_inside(client, draft):
    app_id, _ = draft
    assert (
        await upload(client, app_id, "statutes", "satzung.docx", applying.docx_bytes())
    ).status_code == 303
    stored = await Attachment.objects().get(Attachment.application == app_id)
    assert stored.media_type.endswith("wordprocessingml.document")
    from grants import files

    assert (
        files.read(stored.sha256) == applying.docx_bytes() or files.path_of(stored.sha256).exists()
    )


async def test_the_same_draft_saved_by_two_people_keeps_the_second_persons_input(
    client, app, draft
):
    import httpx

    app_id, world = draft
    version_seen_by_both = await applying.version(app_id)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as other:
        await sign_in(other, "signatory")
        await other.get("/")
        first = await other.post(f"/antraege/{app_id}/antragsteller", data={
            "_csrf_token": other.cookies["csrftoken"], "version": version_seen_by_both, "centre": str(world["centre"]),
        })  # fmt: skip
        assert first.status_code == 303
    project = {**applying.PROJECT, "_csrf_token": client.cookies["csrftoken"], "version": version_seen_by_both,
               "title": "Mein sorgfältig getippter Titel", "period_start": f"{world['year']}-01-01",
               "period_end": f"{world['year']}-12-31"}  # fmt: skip
    second = await client.post(f"/antraege/{app_id}/projekt", data=project)
    assert second.status_code == 409
    assert "inzwischen von jemand anderem geändert" in second.text
    assert 'value="Mein sorgfältig getippter Titel"' in second.text
    assert (await Application.objects().get(Application.id == app_id)).title == ""
    again = await client.post(f"/antraege/{app_id}/projekt",
                              data={**project, "version": await applying.version(app_id)})  # fmt: skip
    assert again.status_code == 303


async def test_foreign_applications_are_404_everywhere(client, app, draft):
    import httpx

    from grants.tables import Membership, Organisation

    app_id, _ = draft
    own = (await Membership.objects().get(Membership.user.subject == "demo-member")).organisation
    foreign = (
        await Application.select(Application.id).where(Application.organisation != own).first()
    )
    for path in ("", "/projekt", "/finanzplan", "/anlagen", "/pruefen", "/fassungen/1/antrag.docx"):
        assert (await client.get(f"/antraege/{foreign['id']}{path}")).status_code == 404, path
    answer = await step(client, foreign["id"], "projekt", applying.PROJECT)
    assert answer.status_code == 404
    assert Organisation is not None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as staff:
        await sign_in(staff, "auditor")
        assert (await staff.get(f"/antraege/{app_id}")).status_code == 200  # staff read everything
        assert (
            await staff.get(f"/antraege/{app_id}/projekt")
        ).status_code == 403  # … but edit nothing
