"""The demo data: deterministic, Köln-like, consistent with the money rules, loadable once."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, time

import pytest

from grants import clock, files
from grants.budget_rules import final_from
from grants.demo import seed
from grants.demo.data import DEMO_PDF, READY_TITLE, TODAY, Ref, build
from grants.services import applications, payments, signatures
from grants.services.calls import open_calls
from grants.services.users import load_principal
from grants.tables import (
    Application,
    Centre,
    GrantAward,
    Organisation,
    PaymentOrder,
    PlanLine,
    User,
)
from grants.vocabulary import District, FinancingType, PlanLineKind
from grants.workflow import ApplicationStatus, GrantStatus, PaymentOrderStatus, UsageReportStatus

DATA = build()


def rows(table: str) -> list[dict]:
    return DATA.of(table)


def test_same_seed_same_data_and_another_seed_other_data():
    assert build(2026) == DATA
    assert build(1) != DATA


def test_koeln_like_associations_and_centres_in_every_district():
    assert len(rows("organisation")) == 35
    assert len(rows("centre")) == 40
    per_district = Counter(c["district"] for c in rows("centre"))
    assert set(per_district) == set(District)
    assert min(per_district.values()) >= 2


def test_every_iban_passes_the_mod_97_check():
    for org in rows("organisation"):
        iban = org["iban"]
        digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
        assert len(iban) == 22
        assert int(digits) % 97 == 1, iban


@pytest.mark.parametrize(
    ("table", "states"),
    [("application", ApplicationStatus), ("grant_award", GrantStatus),
     ("payment_order", PaymentOrderStatus), ("usage_report", UsageReportStatus)],
)  # fmt: skip
def test_every_state_of_the_grants_life_is_present(table, states):
    assert {r["status"] for r in rows(table)} == set(states)


def test_every_plan_balances():
    lines = defaultdict(list)
    for line in rows("plan_line"):
        lines[line["application"]].append(line)
    for index, app in enumerate(rows("application")):
        plan = lines[Ref("application", index)]
        expenses = sum(x["amount_cents"] for x in plan if x["kind"] is PlanLineKind.EXPENSE)
        revenues = sum(x["amount_cents"] for x in plan if x["kind"] is PlanLineKind.REVENUE)
        assert expenses == revenues + app["requested_cents"], app["title"]
        for line in plan:
            if line.get("quantity_milli") is not None:
                assert (
                    line["amount_cents"]
                    == line["quantity_milli"] * line["unit_price_cents"] // 1000
                )


def test_file_numbers_are_unique_and_only_drafts_lack_one():
    numbers = [a["file_number"] for a in rows("application") if a["file_number"]]
    assert len(numbers) == len(set(numbers))
    assert all(a["status"] in (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)
               for a in rows("application") if not a["file_number"])  # fmt: skip


def test_four_eyes_on_decisions_and_released_orders():
    for decision in rows("decision"):
        assert decision["reviewer"] != decision["decided_by"]
    for order in rows("payment_order"):
        if order["released_by"]:
            assert order["certified_by"] != order["released_by"]


def test_decisions_follow_the_financing_formulas():
    for d in rows("decision"):
        if d["approved_cents"] == 0:
            continue
        if d["financing_type"] is FinancingType.SHORTFALL:
            assert d["approved_cents"] == min(
                d["cap_cents"], d["eligible_cents"] - d["other_funding_cents"]
            )
        else:
            assert d["approved_cents"] == d["fixed_cents"]
        if d["payment_schedule"]:
            assert sum(i["cents"] for i in d["payment_schedule"]) == d["approved_cents"]


def test_money_never_exceeds_what_was_approved_or_appropriated():
    approved = {Ref("grant_award", i): DATA.get(g["current_decision"])["approved_cents"]
                for i, g in enumerate(rows("grant_award"))}  # fmt: skip
    paid = Counter()
    for order in rows("payment_order"):
        if order["status"] is PaymentOrderStatus.PAID:
            paid[order["grant"]] += order["amount_cents"]
    assert all(paid[grant] <= approved[grant] for grant in approved)
    committed = Counter()
    for booking in rows("budget_commitment"):
        committed[booking["budget_line"]] += booking["amount_cents"]
    for line, amount in committed.items():
        assert 0 < amount <= DATA.get(line)["appropriation_cents"]


def test_settlements_follow_the_shortfall_rule():
    for s in rows("settlement"):
        grant = DATA.get(s["grant"])
        decision = DATA.get(grant["current_decision"])
        z = decision["approved_cents"]
        a, d = s["recognised_expenses_cents"], s["recognised_other_funding_cents"]
        expected = (
            min(z, a)
            if decision["financing_type"] is FinancingType.FIXED
            else min(z, max(0, a - d))
        )
        assert s["final_cents"] == expected
        assert s["refund_cents"] == max(0, s["paid_cents"] - expected)


@pytest.mark.anyio
async def test_load_once_fills_an_empty_database_and_only_once(database):
    assert await seed.load_once(DATA) is True
    for table, name in [(Organisation, "organisation"), (Centre, "centre"), (Application, "application"),
                        (PlanLine, "plan_line"), (GrantAward, "grant_award"), (PaymentOrder, "payment_order")]:  # fmt: skip
        assert await table.count() == len(rows(name)), name
    assert await seed.load_once(DATA) is False
    calls = await open_calls(at=datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert [c.title for c in calls] == ["Interkulturelle Zentren 2027"]


def test_2027_is_not_in_force_and_has_one_grant_paid_under_section_82_and_one_waiting():
    """Provisional budget management in the demo: two IKZ grants for 2027 decided in October
    2026 — one final and without reservation, its first instalment released; one under
    reservation, its first instalment certified and waiting for the budget."""
    (year_2027,) = [y for y in rows("fiscal_year") if y["year"] == 2027]
    assert year_2027["budget_in_force"] is False
    decided = {}
    for index, decision in enumerate(rows("decision")):
        app = DATA.get(decision["application"])
        if app["period_start"].year == 2027 and decision["approved_cents"]:
            decided[Ref("decision", index)] = decision
    assert sorted(d["budget_reservation"] for d in decided.values()) == [False, True]
    grants = {
        Ref("grant_award", i): g
        for i, g in enumerate(rows("grant_award"))
        if g["current_decision"] in decided
    }
    orders = {decided[grants[o["grant"]]["current_decision"]]["budget_reservation"]: o
              for o in rows("payment_order") if o["grant"] in grants}  # fmt: skip
    assert orders[False]["status"] is PaymentOrderStatus.RELEASED
    assert orders[True]["status"] is PaymentOrderStatus.CERTIFIED
    assert all(o["due_date"].year == 2027 for o in orders.values())
    for order in orders.values():  # certified and released by two people, before the demo's today
        assert order["released_by"] != order["certified_by"]
        assert order["certified_at"].date() <= TODAY
    final = next(d for d in decided.values() if not d["budget_reservation"])
    assert final_from(final["notified_at"].date()) <= TODAY  # bestandskräftig


@pytest.mark.anyio
async def test_the_loaded_demo_says_which_2027_order_goes_out_and_which_waits(
    database, monkeypatch
):
    await seed.load_once(DATA)
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    orders = await PaymentOrder.select(
        PaymentOrder.id, PaymentOrder.status, PaymentOrder.grant.current_decision.budget_reservation,  # type: ignore[union-attr]
    ).where(PaymentOrder.budget_line.fiscal_year.year == 2027)  # type: ignore[union-attr]  # fmt: skip
    assert len(orders) == 2
    finance = await load_principal((await User.objects().get(User.subject == "demo-finance")).id)
    verdicts = {}
    for status in (PaymentOrderStatus.CERTIFIED, PaymentOrderStatus.RELEASED):
        verdicts |= (await payments.desk(finance, status)).verdicts
    by_reservation = {
        o["grant.current_decision.budget_reservation"]: verdicts[o["id"]] for o in orders
    }
    assert by_reservation[False].allowed
    assert "bestandskräftig und ohne Haushaltsvorbehalt" in by_reservation[False].reason
    assert by_reservation[True].waits
    assert "unter Haushaltsvorbehalt" in by_reservation[True].reason


@pytest.mark.anyio
async def test_ayse_can_lay_the_ready_draft_before_mehmet(database, monkeypatch):
    """The personas' association has a complete draft that its member may not submit."""
    await seed.load_once(DATA)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(TODAY, time(12), tzinfo=UTC))
    member = await load_principal((await User.objects().get(User.subject == "demo-member")).id)
    assert member is not None
    row = await Application.objects().get(Application.title == READY_TITLE)
    app = await applications.get(member, row.id)
    organisation = await applications.organisation_of(app)
    assert applications.submission_problems(app, organisation, clock.now()) == []
    assert app.attachments
    assert all(files.read(a.sha256) == DEMO_PDF for a in app.attachments)
    signers = await signatures.hand_over(member, app.id, app.version)
    assert [s.name for s in signers] == ["Mehmet Kaya"]
