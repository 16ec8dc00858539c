"""Keeping the budget: finance (and admins) open fiscal years, declare a budget in force and
maintain budget lines — audited, with optimistic locking; the appropriation never falls below
what is committed; bad input comes back at the field with what was typed; others are refused."""

from __future__ import annotations

import re
from html import unescape

import pytest

from grants import audit
from grants.errors import Conflict, Forbidden, Invalid
from grants.money import Money
from grants.services import budget
from grants.services.budget import LineData
from grants.tables import AuditEvent, BudgetCommitment, BudgetLine, FiscalYear
from grants.vocabulary import ProvisionalRule
from tests.support.login import csrf_post, hidden_fields
from tests.support.principals import principal

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


def field_error(html: str, field: str) -> str:
    """The message shown at a field ('' when there is none)."""
    found = re.search(rf'id="fehler-{field}">.*?</span> (.*?)</p>', html)
    return unescape(found.group(1)) if found else ""


def line_form(**changes: str) -> dict[str, str]:
    form = {"product": "0504", "plan_line": "15", "account": "53180000", "cost_centre": "1304DEMO",
            "name": "Demokratieförderung", "appropriation": "1.234.567,89"}  # fmt: skip
    return {**form, **changes}


def line_data(**changes: object) -> LineData:
    values: dict[str, object] = {"product": "0504", "plan_line": "15", "account": "53180000",
                                 "cost_centre": "1304DEMO", "name": "Demokratieförderung",
                                 "appropriation": Money(100_000_00)}  # fmt: skip
    return LineData(**{**values, **changes})  # type: ignore[arg-type]


async def ikz_line(year: int) -> BudgetLine:
    return await BudgetLine.objects().get(
        (BudgetLine.fiscal_year.year == year) & (BudgetLine.cost_centre == "1304IKZ")
    )


async def committed(line_id: int) -> int:
    rows = await BudgetCommitment.select(BudgetCommitment.amount_cents).where(
        BudgetCommitment.budget_line == line_id
    )
    return sum(r["amount_cents"] for r in rows)


async def events(action: str) -> list[dict]:
    return await (
        AuditEvent.select().where(AuditEvent.action == action).output(load_json=True).order_by(AuditEvent.id)
    )  # fmt: skip


# -- fiscal years ----------------------------------------------------------------------------


async def test_finance_opens_a_fiscal_year_with_the_lines_of_the_year_before(demo):
    finance = await principal("finance")
    year_id = await budget.create_fiscal_year(finance, 2028, copy_lines=True, request_id="r-1")
    year = await FiscalYear.objects().get(FiscalYear.id == year_id)
    assert (year.year, year.budget_in_force, year.version) == (2028, False, 1)
    copied = (
        await BudgetLine.select()
        .where(BudgetLine.fiscal_year == year_id)
        .order_by(BudgetLine.cost_centre)
    )
    before = (
        await BudgetLine.select()
        .where(BudgetLine.fiscal_year.year == 2027)
        .order_by(BudgetLine.cost_centre)
    )
    codes = ("product", "plan_line", "account", "cost_centre", "name")
    assert [tuple(r[c] for c in codes) for r in copied] == [
        tuple(r[c] for c in codes) for r in before
    ]
    assert {r["appropriation_cents"] for r in copied} == {0}
    (event,) = await events("fiscal_year.created")
    assert (event["entity_id"], event["actor"], event["request_id"]) == (year_id, finance.id, "r-1")
    assert event["data"] == {"year": 2028, "copied_lines": 2}
    bare = await budget.create_fiscal_year(await principal("admin"), 2035)
    assert not await BudgetLine.exists().where(BudgetLine.fiscal_year == bare)
    assert await audit.verify_chain() is None


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (None, "Bitte ein Jahr zwischen 2000 und 2100 angeben, z. B. 2028."),
        (1999, "Bitte ein Jahr zwischen 2000 und 2100 angeben, z. B. 2028."),
        (2101, "Bitte ein Jahr zwischen 2000 und 2100 angeben, z. B. 2028."),
        (2027, "Das Haushaltsjahr 2027 gibt es schon."),
    ],
)
async def test_a_fiscal_year_needs_a_plausible_new_year(demo, year, message):
    before = await FiscalYear.count()
    with pytest.raises(Invalid) as refused:
        await budget.create_fiscal_year(await principal("finance"), year)
    assert refused.value.errors == {"year": message}
    assert await FiscalYear.count() == before
    assert not await events("fiscal_year.created")


async def test_only_finance_and_admins_change_the_budget(demo):
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    line = await ikz_line(2027)
    for persona in ("approver", "reviewer", "auditor", "member", "guest"):
        someone = await principal(persona)
        with pytest.raises(Forbidden):
            await budget.create_fiscal_year(someone, 2029)
        with pytest.raises(Forbidden):
            await budget.set_budget_in_force(someone, year.id, year.version, True)
        with pytest.raises(Forbidden):
            await budget.create_line(someone, year.id, line_data())
        with pytest.raises(Forbidden):
            await budget.update_line(someone, line.id, line.version, line_data())
    assert not await FiscalYear.exists().where(FiscalYear.year == 2029)
    assert (await FiscalYear.objects().get(FiscalYear.id == year.id)).budget_in_force is False
    assert await AuditEvent.count().where(AuditEvent.action.like("fiscal_year.%")) == 0


async def test_the_budget_is_declared_in_force_and_withdrawn_with_the_version(demo):
    finance = await principal("finance")
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    assert await budget.set_budget_in_force(finance, year.id, year.version, True, "r-2")
    stored = await FiscalYear.objects().get(FiscalYear.id == year.id)
    assert (stored.budget_in_force, stored.version) == (True, year.version + 1)
    with pytest.raises(Conflict):  # the form of before the change
        await budget.set_budget_in_force(finance, year.id, year.version, False)
    assert (await FiscalYear.objects().get(FiscalYear.id == year.id)).budget_in_force is True
    assert not await budget.set_budget_in_force(finance, year.id, stored.version, True)  # no change
    assert await budget.set_budget_in_force(
        await principal("admin"), year.id, stored.version, False
    )
    stored = await FiscalYear.objects().get(FiscalYear.id == year.id)
    assert (stored.budget_in_force, stored.version) == (False, year.version + 2)
    set_event, unset_event = await events("fiscal_year.budget_in_force_set") + await events(
        "fiscal_year.budget_in_force_unset"
    )
    assert (set_event["entity"], set_event["entity_id"], set_event["request_id"]) == (
        "fiscal_year",
        year.id,
        "r-2",
    )
    assert set_event["data"] == {"year": 2027, "version": year.version + 1}
    assert unset_event["data"] == {"year": 2027, "version": year.version + 2}


# -- budget lines ----------------------------------------------------------------------------


async def test_a_line_is_created_and_changed_with_audit_and_version(demo):
    finance = await principal("finance")
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    line_id = await budget.create_line(finance, year.id, line_data(), request_id="r-3")
    stored = await BudgetLine.objects().get(BudgetLine.id == line_id)
    assert (stored.cost_centre, stored.appropriation_cents, stored.version) == (
        "1304DEMO",
        10_000_000,
        1,
    )
    (created,) = await events("budget_line.created")
    assert created["data"]["appropriation_cents"] == 10_000_000
    assert created["data"]["year"] == 2027

    await budget.update_line(
        finance, line_id, 1, line_data(name="Demokratie leben", appropriation=Money(12_345_600))
    )
    stored = await BudgetLine.objects().get(BudgetLine.id == line_id)
    assert (stored.name, stored.appropriation_cents, stored.version) == (
        "Demokratie leben",
        12_345_600,
        2,
    )
    (updated,) = await events("budget_line.updated")
    assert updated["data"] == {"version": 2, "changes": {
        "name": {"from": "Demokratieförderung", "to": "Demokratie leben"},
        "appropriation_cents": {"from": 10_000_000, "to": 12_345_600},
    }}  # fmt: skip
    with pytest.raises(Conflict):
        await budget.update_line(finance, line_id, 1, line_data(name="Veraltet"))
    assert (await BudgetLine.objects().get(BudgetLine.id == line_id)).name == "Demokratie leben"
    assert await audit.verify_chain() is None


async def test_the_appropriation_never_falls_below_what_is_committed(demo):
    finance = await principal("finance")
    line = await ikz_line(2026)
    bound = await committed(line.id)
    assert bound > 0
    too_low = Money(bound - 1)
    with pytest.raises(Invalid) as refused:
        await budget.update_line(finance, line.id, line.version, line_data(
            product=line.product, plan_line=line.plan_line, account=line.account, cost_centre=line.cost_centre,
            name=line.name, appropriation=too_low))  # fmt: skip
    assert refused.value.errors == {
        "appropriation": f"Der Ansatz von {too_low.format()} liegt unter den bereits gebundenen "
        f"Mitteln von {Money(bound).format()}."
    }
    assert (
        await BudgetLine.objects().get(BudgetLine.id == line.id)
    ).appropriation_cents == line.appropriation_cents
    await budget.update_line(
        finance,
        line.id,
        line.version,
        line_data(
            product=line.product,
            plan_line=line.plan_line,
            account=line.account,
            cost_centre=line.cost_centre,
            name=line.name,
            appropriation=Money(bound),
        ),
    )  # fmt: skip — exactly what is bound is allowed
    assert (await BudgetLine.objects().get(BudgetLine.id == line.id)).appropriation_cents == bound


def test_the_message_names_both_figures():
    assert budget.committed_message(Money(50_000_000), Money(61_234_500)) == (
        "Der Ansatz von 500.000,00\xa0€ liegt unter den bereits gebundenen Mitteln von 612.345,00\xa0€."
    )


async def test_codes_are_unique_within_a_year_and_all_fields_are_checked(demo):
    finance = await principal("finance")
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    with pytest.raises(Invalid) as refused:
        await budget.create_line(finance, year.id, line_data(cost_centre="1304IKZ"))
    assert refused.value.errors == {
        "product": "Die Haushaltsstelle 0504 / 15 / 53180000 / 1304IKZ gibt es in diesem Haushaltsjahr schon."
    }
    with pytest.raises(Invalid) as refused:
        await budget.create_line(finance, year.id, line_data(product=" ", name="x" * 201, appropriation=None),
                                 unreadable={"appropriation": "„zehn“ ist kein Betrag."})  # fmt: skip
    assert refused.value.errors == {
        "product": "Bitte ausfüllen.",
        "name": "Bitte höchstens 200 Zeichen eingeben (jetzt 201).",
        "appropriation": "„zehn“ ist kein Betrag.",
    }
    other_year = await FiscalYear.objects().get(FiscalYear.year == 2026)
    assert await budget.create_line(finance, other_year.id, line_data(cost_centre="1304DEMO"))
    assert await budget.create_line(
        finance, year.id, line_data(cost_centre="1304DEMO")
    )  # same codes, other year
    assert not await events("budget_line.updated")


# -- the pages -------------------------------------------------------------------------------


async def test_finance_creates_a_year_and_puts_its_budget_in_force_through_the_pages(signed_in):
    finance = await signed_in("finance")
    page = await finance.get("/haushalt/jahre")
    assert page.status_code == 200
    assert "Haushaltsjahre" in page.text
    created = await csrf_post(finance, "/haushalt/jahre", {"year": "2028", "copy_lines": "true"})
    assert created.status_code == 303
    assert created.headers["location"] == "/haushalt/jahre"
    page = await finance.get("/haushalt/jahre")
    assert "Haushaltsjahr 2028 angelegt." in page.text
    year = await FiscalYear.objects().get(FiscalYear.year == 2028)
    assert await BudgetLine.count().where(BudgetLine.fiscal_year == year.id) == 2

    action = f"/haushalt/jahre/{year.id}/in-kraft"
    form = re.search(rf'<form method="post" action="{action}">(.*?)</form>', page.text, re.S).group(
        1
    )
    fields = hidden_fields(form)
    assert fields["version"] == "1"
    assert fields["in_force"] == "true"
    done = await csrf_post(finance, action, fields)
    assert done.status_code == 303
    assert (await FiscalYear.objects().get(FiscalYear.id == year.id)).budget_in_force is True
    assert (
        "Haushalt 2028: Haushaltssatzung in Kraft." in (await finance.get("/haushalt/jahre")).text
    )

    stale = await csrf_post(finance, action, {"version": "1", "in_force": ""})  # the old form again
    assert stale.status_code == 409
    assert "Inzwischen geändert" in stale.text
    assert (await FiscalYear.objects().get(FiscalYear.id == year.id)).budget_in_force is True
    withdrawn = await csrf_post(finance, action, {"version": "2", "in_force": ""})
    assert withdrawn.status_code == 303
    assert (await FiscalYear.objects().get(FiscalYear.id == year.id)).budget_in_force is False


async def test_a_bad_year_is_shown_at_the_field_and_kept(signed_in):
    finance = await signed_in("finance")
    before = await FiscalYear.count()
    answer = await csrf_post(finance, "/haushalt/jahre", {"year": "20x8"})
    assert answer.status_code == 400
    assert "<title>Fehler: " in answer.text
    assert 'href="#feld-year"' in answer.text
    assert (
        field_error(answer.text, "year")
        == "Bitte ein Jahr zwischen 2000 und 2100 angeben, z. B. 2028."
    )
    assert 'value="20x8"' in answer.text
    answer = await csrf_post(finance, "/haushalt/jahre", {"year": "2026"})
    assert field_error(answer.text, "year") == "Das Haushaltsjahr 2026 gibt es schon."
    assert await FiscalYear.count() == before


async def test_finance_maintains_lines_through_the_pages(signed_in):
    finance = await signed_in("finance")
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    assert (await finance.get(f"/haushalt/jahre/{year.id}/stellen/neu")).status_code == 200
    created = await csrf_post(finance, f"/haushalt/jahre/{year.id}/stellen/neu", line_form())
    assert created.status_code == 303
    assert created.headers["location"] == "/haushalt?jahr=2027"
    page = await finance.get(created.headers["location"])
    assert "Haushaltsstelle „Demokratieförderung“ für 2027 angelegt." in page.text
    assert "1.234.567,89\xa0€" in page.text
    line = await BudgetLine.objects().get(BudgetLine.cost_centre == "1304DEMO")
    assert (line.appropriation_cents, line.fiscal_year) == (123_456_789, year.id)

    edit = await finance.get(f"/haushalt/stellen/{line.id}/bearbeiten")
    assert 'value="1.234.567,89"' in edit.text
    changed = await csrf_post(finance, f"/haushalt/stellen/{line.id}/bearbeiten",
                              line_form(appropriation="2.000.000", version="1"))  # fmt: skip
    assert changed.status_code == 303
    assert (
        await BudgetLine.objects().get(BudgetLine.id == line.id)
    ).appropriation_cents == 200_000_000
    stale = await csrf_post(finance, f"/haushalt/stellen/{line.id}/bearbeiten",
                            line_form(name="Alt", version="1"))  # fmt: skip
    assert stale.status_code == 409
    assert "Inzwischen geändert" in stale.text
    assert 'value="Alt"' in stale.text  # the input is kept
    assert 'name="version" value="2"' in stale.text  # saving again overwrites deliberately


async def test_a_too_low_appropriation_is_refused_at_the_field_with_the_figures(signed_in):
    finance = await signed_in("finance")
    line = await ikz_line(2026)
    bound = Money(await committed(line.id))
    answer = await csrf_post(finance, f"/haushalt/stellen/{line.id}/bearbeiten", line_form(
        cost_centre="1304IKZ", name=line.name, appropriation="500.000,00", version=str(line.version)))  # fmt: skip
    assert answer.status_code == 400
    assert field_error(answer.text, "appropriation") == (
        f"Der Ansatz von 500.000,00\xa0€ liegt unter den bereits gebundenen Mitteln von {bound.format()}."
    )
    assert 'value="500.000,00"' in answer.text
    assert (
        await BudgetLine.objects().get(BudgetLine.id == line.id)
    ).appropriation_cents == line.appropriation_cents
    answer = await csrf_post(finance, f"/haushalt/stellen/{line.id}/bearbeiten", line_form(
        cost_centre="", appropriation="zehn", version=str(line.version)))  # fmt: skip
    assert re.findall(r'<li><a href="#feld-(\w+)">', answer.text) == [
        "cost_centre",
        "appropriation",
    ]
    assert (
        field_error(answer.text, "appropriation")
        == "„zehn“ ist kein Betrag. Bitte so eingeben: 1.234,56"
    )


async def test_readers_see_the_budget_but_not_its_forms(signed_in):
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    line = await ikz_line(2027)
    for persona in ("approver", "reviewer", "auditor"):
        client = await signed_in(persona)
        overview = await client.get("/haushalt")
        assert overview.status_code == 200
        assert "bearbeiten" not in overview.text.lower()
        assert (await client.get("/haushalt/jahre")).status_code == 403
        assert (await client.get(f"/haushalt/stellen/{line.id}/bearbeiten")).status_code == 403
        refused = await csrf_post(
            client, f"/haushalt/jahre/{year.id}/in-kraft", {"version": "1", "in_force": "true"}
        )
        assert refused.status_code == 403
    assert (await FiscalYear.objects().get(FiscalYear.id == year.id)).budget_in_force is False


async def test_finance_sets_what_grants_under_reservation_get_until_the_budget_is_in_force(
    signed_in,
):
    """§ 82 GO NRW: per fiscal year, wait for the budget or a monthly twelfth — audited, locked."""
    finance = await signed_in("finance")
    year = await FiscalYear.objects().get(FiscalYear.year == 2027)
    assert year.provisional_rule == ProvisionalRule.WAIT
    page = await finance.get("/haushalt/jahre")
    assert "vorläufige Haushaltsführung (§ 82 GO NRW)" in page.text
    action = f"/haushalt/jahre/{year.id}/vorlaeufige-haushaltsfuehrung"
    form = re.search(rf'<form method="post" action="{action}">(.*?)</form>', page.text, re.S).group(
        1
    )
    assert '<option value="wait" selected>warten auf den Haushalt</option>' in form
    fields = hidden_fields(form)
    done = await csrf_post(finance, action, {**fields, "provisional_rule": "twelfth"})
    assert done.status_code == 303
    stored = await FiscalYear.objects().get(FiscalYear.id == year.id)
    assert (stored.provisional_rule, stored.version) == ("twelfth", year.version + 1)
    page = await finance.get("/haushalt/jahre")
    assert "je Monat höchstens ein Zwölftel des Vorjahresbetrags" in page.text
    (event,) = await events("fiscal_year.provisional_rule_set")
    assert event["data"] == {"year": 2027, "rule": "twelfth", "version": year.version + 1}
    stale = await csrf_post(finance, action, {**fields, "provisional_rule": "wait"})  # old version
    assert stale.status_code == 409
    bad = await csrf_post(
        finance, action, {"version": str(stored.version), "provisional_rule": "alles"}
    )
    assert bad.status_code == 400
    with pytest.raises(Forbidden):
        await budget.set_provisional_rule(await principal("reviewer"), year.id, stored.version,
                                          ProvisionalRule.WAIT)  # fmt: skip
    assert not await budget.set_provisional_rule(await principal("finance"), year.id, stored.version,
                                                 ProvisionalRule.TWELFTH)  # fmt: skip
