"""Text blocks (Textbausteine): admins create and change them (audited, optimistic locking), the
key never changes, bad input comes back at the field with what was typed, KI staff read, and an
inactive block is no longer offered to reviewers and approvers."""

from __future__ import annotations

import re
from html import unescape

import pytest

from grants import audit
from grants.demo.seed import load_once
from grants.services import reviews
from grants.services.text_blocks import decisions_using, first_line
from grants.tables import AuditEvent, Decision, TextBlock
from tests.support.login import csrf_post, sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]
BODY = "Der Zuwendungsempfänger stellt Belege zehn Jahre lang bereit.\nAuf Verlangen auch digital."


@pytest.fixture
async def world(database):
    """The demo data with its six text blocks; ``anbest_p`` is a condition of decisions."""
    await load_once()
    blocks = await TextBlock.select(TextBlock.key, TextBlock.id)
    return {row["key"]: row["id"] for row in blocks}


def block_form(**changes: str) -> dict[str, str]:
    form = {"key": "belege_10", "title": "Aufbewahrung der Belege", "body": BODY, "active": "true"}
    return {**form, **changes}


def field_error(html: str, field: str) -> str:
    """The message shown at a field ('' when there is none)."""
    found = re.search(rf'id="fehler-{field}">.*?</span> (.*?)</p>', html)
    return unescape(found.group(1)) if found else ""


async def written() -> tuple[int, int]:
    return await TextBlock.count(), await AuditEvent.count()


async def stored(text_block_id: int) -> TextBlock:
    row = await TextBlock.objects().get(TextBlock.id == text_block_id)
    assert row is not None
    return row


async def test_admin_creates_a_text_block_with_an_audit_event(client, world):
    await sign_in(client, "admin")
    form = await client.get("/admin/textbausteine/neu")
    assert form.status_code == 200
    assert 'name="active" value="true" checked' in form.text  # new blocks start active
    created = await csrf_post(client, "/admin/textbausteine/neu", block_form())
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/textbausteine"
    page = await client.get("/admin/textbausteine")
    assert "Textbaustein „Aufbewahrung der Belege“ angelegt." in page.text
    assert "<code>belege_10</code>" in page.text
    assert "Der Zuwendungsempfänger stellt Belege zehn Jahre lang bereit." in page.text
    assert "Auf Verlangen auch digital." not in page.text  # only the first line in the list

    row = await TextBlock.objects().get(TextBlock.key == "belege_10")
    assert row is not None
    assert (row.title, row.body, row.active, row.version) == (
        "Aufbewahrung der Belege", BODY, True, 1,
    )  # fmt: skip
    event = await (
        AuditEvent.select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.data)
        .where(AuditEvent.action == "text_block.created")
        .output(load_json=True)
        .first()
    )
    assert event is not None
    assert (event["entity"], event["entity_id"]) == ("text_block", row.id)
    assert event["data"] == {"key": "belege_10", "title": "Aufbewahrung der Belege",
                             "body": BODY, "active": True}  # fmt: skip
    assert await audit.verify_chain() is None


async def test_admin_edits_and_deactivates_a_block_in_use(client, world):
    """``anbest_p`` is a condition of demo decisions: it can be deactivated, not deleted."""
    anbest = world["anbest_p"]
    assert await decisions_using("anbest_p") > 0
    assert await decisions_using("vergabe") == 0
    await sign_in(client, "admin")
    form = await client.get(f"/admin/textbausteine/{anbest}")
    assert form.status_code == 200
    assert 'value="anbest_p" readonly' in form.text
    assert re.search(r"Verwendet in \d+ Bescheiden\.", form.text)
    assert "nicht löschen, nur deaktivieren" in form.text
    assert 'name="delete"' not in form.text

    changed = await csrf_post(client, f"/admin/textbausteine/{anbest}", block_form(
        key="anbest_p", title="ANBest-P (Fassung 2027)", body="Die ANBest-P gelten.", active="",
        version="1",
    ))  # fmt: skip
    assert changed.status_code == 303
    assert changed.headers["location"] == "/admin/textbausteine"
    row = await stored(anbest)
    assert (row.key, row.title, row.body, row.active, row.version) == (
        "anbest_p", "ANBest-P (Fassung 2027)", "Die ANBest-P gelten.", False, 2,
    )  # fmt: skip
    event = await (
        AuditEvent.select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.data)
        .where(AuditEvent.action == "text_block.updated")
        .output(load_json=True)
        .first()
    )
    assert event is not None
    assert (event["entity"], event["entity_id"]) == ("text_block", anbest)
    assert event["data"]["version"] == 2
    assert event["data"]["changes"]["active"] == {"from": True, "to": False}
    assert event["data"]["changes"]["title"] == {
        "from": "ANBest-P",
        "to": "ANBest-P (Fassung 2027)",
    }
    assert "key" not in event["data"]["changes"]
    assert await audit.verify_chain() is None

    listing = await client.get("/admin/textbausteine")
    assert "Textbaustein „ANBest-P (Fassung 2027)“ gespeichert." in listing.text
    assert "nicht aktiv" in listing.text
    assert await Decision.count() > 0  # the decisions still name it
    assert await decisions_using("anbest_p") > 0


async def test_the_key_of_a_block_never_changes(client, world):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(client, f"/admin/textbausteine/{world['vergabe']}",
                             block_form(key="vergabe_neu", title="Vergabe neu", version="1"))  # fmt: skip
    assert answer.status_code == 400
    assert 'href="#feld-key"' in answer.text
    assert field_error(answer.text, "key").startswith(
        "Die Kennung „vergabe“ lässt sich nicht ändern"
    )
    assert 'value="vergabe" readonly' in answer.text  # the key that stays
    assert 'value="Vergabe neu"' in answer.text  # the rest of the input is kept
    assert await written() == before
    assert (await stored(world["vergabe"])).key == "vergabe"


PROBLEMS = [
    ({"key": "Mit Leerzeichen"}, "key",
     "Bitte nur Kleinbuchstaben ohne Umlaute, Ziffern und _ verwenden, ohne Leerzeichen, z. B. anbest_p."),
    ({"key": "x"}, "key", "Die Kennung muss 2 bis 60 Zeichen lang sein (jetzt 1)."),
    ({"key": "k" * 61}, "key", "Die Kennung muss 2 bis 60 Zeichen lang sein (jetzt 61)."),
    ({"key": "übergabe"}, "key",
     "Bitte nur Kleinbuchstaben ohne Umlaute, Ziffern und _ verwenden, ohne Leerzeichen, z. B. anbest_p."),
    ({"key": ""}, "key", "Bitte eine Kennung angeben, z. B. anbest_p."),
    ({"key": "anbest_p"}, "key",
     "Einen Textbaustein mit der Kennung „anbest_p“ gibt es schon. Bitte eine andere Kennung wählen."),
    ({"body": ""}, "body", "Bitte ausfüllen."),
    ({"body": "  \n "}, "body", "Bitte ausfüllen."),
    ({"body": "b" * 8001}, "body", "Bitte höchstens 8000 Zeichen eingeben (jetzt 8001)."),
    ({"title": "T" * 201}, "title", "Bitte höchstens 200 Zeichen eingeben (jetzt 201)."),
    ({"title": ""}, "title", "Bitte ausfüllen."),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field", "message"), PROBLEMS)
async def test_bad_input_is_shown_at_the_field_and_kept(client, world, changes, field, message):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(client, "/admin/textbausteine/neu", block_form(**changes))
    assert answer.status_code == 400
    assert "<title>Fehler: " in answer.text
    assert re.findall(r'<li><a href="#feld-(\w+)">', answer.text) == [field]
    assert field_error(answer.text, field) == message
    kept = {**block_form(), **changes}
    for name in ("key", "title"):
        if kept[name].strip():
            assert f'value="{kept[name]}"' in answer.text
    if kept["body"].strip():
        assert f">{kept['body']}</textarea>" in answer.text
    assert await written() == before


async def test_all_problems_are_reported_at_once_in_field_order(client, world):
    await sign_in(client, "admin")
    answer = await csrf_post(client, "/admin/textbausteine/neu",
                             block_form(key="x", title="", body="", active=""))  # fmt: skip
    assert answer.status_code == 400
    assert re.findall(r'<li><a href="#feld-(\w+)">', answer.text) == ["key", "title", "body"]
    assert 'name="active" value="true" checked' not in answer.text  # the unticked box stays so


async def test_bad_input_on_an_edit_is_kept_and_nothing_is_written(client, world):
    await sign_in(client, "admin")
    before = await written()
    answer = await csrf_post(client, f"/admin/textbausteine/{world['vergabe']}",
                             block_form(key="vergabe", title="Neu", body="", version="1"))  # fmt: skip
    assert answer.status_code == 400
    assert field_error(answer.text, "body") == "Bitte ausfüllen."
    assert 'value="Neu"' in answer.text
    assert await written() == before


async def test_a_stale_edit_is_refused_with_the_input_kept(client, world):
    vergabe = world["vergabe"]
    await sign_in(client, "admin")
    await TextBlock.update({TextBlock.body: "Von jemand anderem.", TextBlock.version: 2}).where(
        TextBlock.id == vergabe
    )
    before = await written()
    mine = block_form(key="vergabe", title="Vergabe (neu)", body="Mein Text.", version="1")
    stale = await csrf_post(client, f"/admin/textbausteine/{vergabe}", mine)
    assert stale.status_code == 409
    assert "Inzwischen geändert" in stale.text
    assert 'value="Vergabe (neu)"' in stale.text
    assert ">Mein Text.</textarea>" in stale.text
    assert '<input type="hidden" name="version" value="2">' in stale.text
    row = await stored(vergabe)
    assert (row.title, row.body, row.version) == ("Vergabe", "Von jemand anderem.", 2)
    assert await written() == before

    again = await csrf_post(client, f"/admin/textbausteine/{vergabe}", {**mine, "version": "2"})
    assert again.status_code == 303  # saving again knowingly overwrites
    row = await stored(vergabe)
    assert (row.title, row.body, row.version) == ("Vergabe (neu)", "Mein Text.", 3)


@pytest.mark.parametrize("persona", ["reviewer", "approver", "auditor"])
async def test_ki_staff_read_but_change_nothing(client, world, persona):
    await sign_in(client, persona)
    listing = await client.get("/admin/textbausteine")
    assert listing.status_code == 200
    assert "<code>anbest_p</code>" in listing.text
    assert "Neuen Textbaustein anlegen" not in listing.text
    block = await client.get(f"/admin/textbausteine/{world['zinsen_49a']}")
    assert block.status_code == 200
    assert "§ 49a Abs. 3 VwVfG NRW" in block.text
    assert '<form method="post" action="/admin/textbausteine' not in block.text
    before = await written()
    for path in ("/admin/textbausteine/neu", f"/admin/textbausteine/{world['zinsen_49a']}"):
        answer = await csrf_post(client, path, block_form(key="zinsen_49a", version="1"))
        assert answer.status_code == 403, path
    assert (await client.get("/admin/textbausteine/neu")).status_code == 403
    assert await written() == before
    assert (await stored(world["zinsen_49a"])).title == "Verzinsung"


async def test_finance_and_applicants_get_no_access(client, world):
    await sign_in(client, "finance")
    assert (await client.get("/admin/textbausteine")).status_code == 403
    assert (await client.get(f"/admin/textbausteine/{world['vergabe']}")).status_code == 403


@pytest.mark.parametrize("path", ["/admin/textbausteine", "/admin/textbausteine/neu"])
async def test_anonymous_users_are_sent_to_the_login(client, world, path):
    answer = await client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/auth/login?next=")


async def test_only_admins_see_the_navigation_link(client, world):
    await sign_in(client, "admin")
    assert 'href="/admin/textbausteine"' in (await client.get("/")).text
    await client.post("/auth/logout", data={"_csrf_token": client.cookies["csrftoken"]})
    client.cookies.clear()
    await sign_in(client, "reviewer")
    assert 'href="/admin/textbausteine"' not in (await client.get("/")).text


async def test_an_inactive_block_is_not_offered_to_reviewers(client, world):
    offered = {b["key"] for b in await reviews.text_blocks()}
    assert {"datenschutz", "anbest_p"} <= offered
    await sign_in(client, "admin")
    off = await csrf_post(client, f"/admin/textbausteine/{world['datenschutz']}",
                          block_form(key="datenschutz", title="Datenschutz", active="", version="1"))  # fmt: skip
    assert off.status_code == 303
    created = await csrf_post(client, "/admin/textbausteine/neu", block_form(active=""))
    assert created.status_code == 303
    assert await TextBlock.exists().where(TextBlock.key == "belege_10")

    offered = {b["key"] for b in await reviews.text_blocks()}
    assert "datenschutz" not in offered
    assert "belege_10" not in offered
    assert "anbest_p" in offered
    listing = await client.get("/admin/textbausteine")
    assert "<code>datenschutz</code>" in listing.text  # the list shows inactive blocks too
    assert listing.text.count("nicht aktiv") == 2

    on = await csrf_post(client, f"/admin/textbausteine/{world['datenschutz']}",
                         block_form(key="datenschutz", title="Datenschutz", version="2"))  # fmt: skip
    assert on.status_code == 303
    assert "datenschutz" in {b["key"] for b in await reviews.text_blocks()}


async def test_the_list_runs_a_constant_number_of_queries(client, world, queries):
    await sign_in(client, "admin")

    async def counted() -> int:
        with queries() as q:
            answer = await client.get("/admin/textbausteine")
        assert answer.status_code == 200
        return q.value

    few = await counted()
    for n in range(5):
        await TextBlock.insert(TextBlock(key=f"extra_{n}", title=f"Zusatz {n}", body=f"Text {n}"))
    many = await counted()
    assert few == many
    assert "<code>extra_4</code>" in (await client.get("/admin/textbausteine")).text


async def test_the_list_is_ordered_by_title(client, world):
    await sign_in(client, "admin")
    listing = await client.get("/admin/textbausteine")
    titles = re.findall(
        r'<th scope="row"><a href="/admin/textbausteine/\d+">(.*?)</a>', listing.text
    )
    assert len(titles) == 6
    assert titles == sorted(titles)


async def test_an_unknown_block_is_not_found(client, world):
    await sign_in(client, "admin")
    assert (await client.get("/admin/textbausteine/999999")).status_code == 404


def test_the_first_line_of_a_body():
    assert first_line("\n  Erste Zeile  \nZweite") == "Erste Zeile"
    assert first_line("") == ""
    long = first_line("wort " * 60)
    assert len(long) <= 120
    assert long.endswith("…")
