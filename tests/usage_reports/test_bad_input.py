"""Bad input at each step of the usage report: a German message, what was typed kept, nothing written."""

import pytest

from grants.tables import (
    ActualLine,
    GrantAward,
    IndicatorValue,
    Membership,
    PlanLine,
    Receipt,
    UsageReport,
)
from grants.workflow import GrantStatus
from tests.support.login import csrf_post, sign_in
from tests.support.reporting import home, own_grant, step

pytestmark = [pytest.mark.anyio, pytest.mark.shared_demo]


@pytest.fixture
async def due(client):
    """The personas' grant whose report is due, with the demo's draft (actuals, receipts)."""
    grant_id = await own_grant(GrantStatus.REPORT_DUE)
    await sign_in(client, "member")
    return grant_id


async def _report(grant_id: int) -> dict:
    return await UsageReport.select().where(UsageReport.grant == grant_id).first()


async def _actuals(report_id: int) -> dict[int, int]:
    rows = await ActualLine.select().where(ActualLine.usage_report == report_id)
    return {r["plan_line"]: r["amount_cents"] for r in rows}


async def test_an_actual_for_a_line_not_in_the_plan_is_refused(client, due):
    report = await _report(due)
    before = await _actuals(report["id"])
    line = next(iter(before))
    other = await PlanLine.select(PlanLine.id).where(PlanLine.id.not_in(list(before))).first()
    answer = await step(
        client, due, "zahlen", {f"actual-{line}": "1,00", f"actual-{other['id']}": "5.000,00"}
    )
    assert answer.status_code == 400
    assert "Ist-Beträge gibt es nur für Zeilen des bewilligten Finanzplans." in answer.text
    assert await _actuals(report["id"]) == before
    assert (await _report(due))["version"] == report["version"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-20,00", "Bitte keinen negativen Betrag eingeben."), ("zwölf", "ist kein Betrag")],
)
async def test_a_negative_or_unreadable_amount_is_refused_and_kept(client, due, amount, message):
    report = await _report(due)
    before = await _actuals(report["id"])
    line = next(iter(before))
    answer = await step(client, due, "zahlen", {f"actual-{line}": amount})
    assert answer.status_code == 400
    assert message in answer.text
    assert f'value="{amount}"' in answer.text
    assert await _actuals(report["id"]) == before


async def test_a_deviation_over_20_percent_needs_an_explanation(client, due):
    report = await _report(due)
    rows = await ActualLine.select(ActualLine.plan_line, ActualLine.plan_line.amount_cents).where(
        ActualLine.usage_report == report["id"])  # fmt: skip
    line = rows[0]
    twice = f"{line['plan_line.amount_cents'] * 2 // 100},00"
    answer = await step(client, due, "zahlen", {f"actual-{line['plan_line']}": twice})
    assert answer.status_code == 400
    assert "mehr als 20 %" in answer.text
    explained = await step(client, due, "zahlen", {f"actual-{line['plan_line']}": twice,
                                                   f"note-{line['plan_line']}": "Zweiter Kurs wegen Nachfrage."})  # fmt: skip
    assert explained.status_code == 303
    assert (await _actuals(report["id"]))[line["plan_line"]] == line["plan_line.amount_cents"] * 2


@pytest.mark.parametrize(
    ("value", "message"),
    [("viele", "ist keine Zahl"), ("-3", "Bitte eine Zahl zwischen 0 und"), ("2,5", "ganze Zahl")],
)
async def test_a_count_that_is_not_a_whole_number_is_refused(client, due, value, message):
    report = await _report(due)
    before = await IndicatorValue.count().where(IndicatorValue.usage_report == report["id"])
    answer = await step(
        client,
        due,
        "sachbericht",
        {"goals_results": "Gut.", "ind-contacts_by_gender-female": value},
    )
    assert answer.status_code == 400
    assert message in answer.text
    assert "Gut." in answer.text  # what was typed stays
    assert await IndicatorValue.count().where(IndicatorValue.usage_report == report["id"]) == before


async def test_a_receipt_outside_the_period_or_without_an_actual_is_refused(client, due):
    report = await _report(due)
    before = await Receipt.count().where(Receipt.usage_report == report["id"])
    line = (
        await ActualLine.select(ActualLine.plan_line).where(ActualLine.usage_report == report["id"])
    )[0]
    receipt = {"plan_line": str(line["plan_line"]), "receipt_date": "15.03.2019", "payee": "Druckerei",
               "purpose": "Flyer", "amount": "100,00"}  # fmt: skip
    answer = await step(client, due, "belege", receipt)
    assert answer.status_code == 400
    assert "außerhalb des Bewilligungszeitraums" in answer.text
    revenue = await ActualLine.select(ActualLine.id, ActualLine.plan_line).where(
        (ActualLine.usage_report == report["id"]) & (ActualLine.plan_line.kind == "revenue")).first()  # fmt: skip
    await ActualLine.delete().where(ActualLine.id == revenue["id"])
    unreported = await step(client, due, "belege", {**receipt, "receipt_date": "15.03.2025",
                                                    "plan_line": str(revenue["plan_line"])})  # fmt: skip
    assert unreported.status_code == 400
    assert "Für diese Zeile ist noch kein Ist-Betrag eingetragen." in unreported.text
    forged = await step(client, due, "belege", {**receipt, "plan_line": "999999999"})
    assert forged.status_code == 400
    assert "Bitte eine Zeile des bewilligten Finanzplans wählen." in forged.text
    assert await Receipt.count().where(Receipt.usage_report == report["id"]) == before


async def test_a_missing_confirmation_is_refused(client, due):
    answer = await step(client, due, "bestaetigung", {"economical": "true"})
    assert answer.status_code == 400
    assert "Bitte bestätigen." in answer.text
    assert not (await _report(due))["confirmed"]


async def test_a_stale_version_is_a_conflict(client, due):
    report = await _report(due)
    line = next(iter(await _actuals(report["id"])))
    answer = await csrf_post(client, f"{home(due)}/zahlen",
                             {"version": str(report["version"] - 1), f"actual-{line}": "1,00"})  # fmt: skip
    assert answer.status_code == 409
    assert "inzwischen von jemand anderem geändert" in answer.text
    assert 'value="1,00"' in answer.text
    assert (await _actuals(report["id"]))[line] != 100


async def test_another_organisations_grant_is_not_found(client, due):
    organisation = (
        await Membership.objects().get(Membership.user.subject == "demo-member")
    ).organisation
    other = await GrantAward.select(GrantAward.id).where(
        (GrantAward.status == GrantStatus.REPORT_DUE) & (GrantAward.application.organisation != organisation)
    ).first()  # fmt: skip
    assert (await client.get(home(other["id"]))).status_code == 404
    assert (await client.get(f"{home(other['id'])}/zahlen")).status_code == 404
    assert (
        await csrf_post(client, f"{home(other['id'])}/zahlen", {"version": "1"})
    ).status_code == 404


async def test_staff_may_not_fill_an_association_s_report(client, due):
    await sign_in(client, "reviewer")
    assert (await client.get(home(due))).status_code == 403


async def test_a_receipt_is_changed_and_deleted_on_the_page(client, due):
    report = await _report(due)
    receipt = (
        await Receipt.select()
        .where(Receipt.usage_report == report["id"])
        .order_by(Receipt.number)
        .first()
    )
    line = (
        await ActualLine.select(ActualLine.plan_line)
        .where(ActualLine.id == receipt["actual_line"])
        .first()
    )
    form = await client.get(f"{home(due)}/belege/{receipt['id']}")
    assert form.status_code == 200
    assert f'value="{receipt["payee"]}"' in form.text
    changed = await step(client, due, "belege", {
        "receipt_id": str(receipt["id"]), "plan_line": str(line["plan_line"]), "receipt_date": "01.04.2025",
        "payee": "Copyshop Ehrenfeld", "purpose": "Plakate", "amount": "99,90",
    }, page=f"belege/{receipt['id']}")  # fmt: skip
    assert changed.status_code == 303, changed.text
    stored = await Receipt.select().where(Receipt.id == receipt["id"]).first()
    assert (stored["number"], stored["payee"], stored["amount_cents"]) == (
        receipt["number"],
        "Copyshop Ehrenfeld",
        9990,
    )
    before = await Receipt.count().where(Receipt.usage_report == report["id"])
    deleted = await step(client, due, f"belege/{receipt['id']}/loeschen", {}, page="belege")
    assert deleted.status_code == 303
    assert await Receipt.count().where(Receipt.usage_report == report["id"]) == before - 1
    gone = await client.get(f"{home(due)}/belege/{receipt['id']}")
    assert gone.status_code == 404
