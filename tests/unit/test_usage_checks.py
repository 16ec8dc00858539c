"""The automatic checks of a usage report: DOMAIN.md §4 end to end, receipts, period, late use."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants import financing
from grants.financing import Parameters
from grants.money import Money
from grants.usage_checks import (
    CheckReport,
    LateUse,
    Payout,
    ReceiptEntry,
    ReportFacts,
    ReportLine,
    check_report,
)
from grants.vocabulary import FinancingType as F
from grants.vocabulary import PlanLineKind

EXPENSE, REVENUE = PlanLineKind.EXPENSE, PlanLineKind.REVENUE
BASE_RATE_1_27 = [(date(2025, 7, 1), 127)]
START, END = date(2026, 1, 1), date(2026, 12, 31)


def euro(amount: str | int) -> Money:
    return Money.from_decimal(Decimal(amount))


# The worked example of DOMAIN.md §4: (key, label, plan, actual) per line.
EXPENSES = [
    ("personnel", "Personal", 30_000, 29_000),
    ("fees", "Honorare", 8_000, 9_200),
    ("rent", "Miete", 7_000, 7_000),
    ("material", "Sachkosten", 3_000, 1_300),
    ("publicity", "Öffentlichkeitsarbeit", 2_000, 500),
]
REVENUES = [
    ("own", "Eigenmittel", 5_000, 5_000),
    ("land", "Landesmittel", 10_000, 10_000),
    ("income", "Teilnahmebeiträge", 2_000, 2_800),
    ("donations", "Spenden", 1_000, 1_700),
]
A, D, H = euro(50_000), euro(18_000), euro(32_000)
SHORTFALL = Parameters(F.SHORTFALL, A, D, cap=H)
SHARE = Parameters(F.SHARE, A, D, share=Decimal("0.64"), cap=H)
FIXED = Parameters(F.FIXED, A, D, fixed=euro(32_000))


def lines(expenses=EXPENSES, revenues=REVENUES) -> tuple[ReportLine, ...]:
    return tuple(
        ReportLine(key, label, kind, euro(plan), None if actual is None else euro(actual))
        for kind, rows in ((EXPENSE, expenses), (REVENUE, revenues))
        for key, label, plan, actual in rows
    )


def receipts_for(report_lines, day=date(2026, 2, 1)) -> tuple[ReceiptEntry, ...]:
    """One receipt per line with an actual, for exactly the actual, paid on ``day``."""
    return tuple(
        ReceiptEntry(number, line.kind, line.line_key, day, line.actual, day)
        for number, line in enumerate((ln for ln in report_lines if ln.actual), start=1)
    )


def facts(parameters=SHORTFALL, report_lines=None, paid=H, receipts=None, **changes) -> ReportFacts:
    report_lines = lines() if report_lines is None else report_lines
    base = ReportFacts(
        parameters=parameters,
        approved=financing.approved_grant(parameters),
        period_start=START,
        period_end=END,
        early_start=None,
        lines=report_lines,
        receipts=receipts_for(report_lines) if receipts is None else receipts,
        payouts=(Payout(date(2026, 1, 15), paid),),
        simplified=False,
        units_actual=None,
        base_rates=BASE_RATE_1_27,
    )
    return replace(base, **changes)


def codes(report: CheckReport) -> list[str]:
    return [finding.code for finding in report.findings]


def finding(report: CheckReport, code: str):
    (found,) = [f for f in report.findings if f.code == code]
    return found


# --- The worked example of DOMAIN.md §4 ------------------------------------------------------


def with_actuals(expense_actuals, revenue_actuals):
    return lines(
        [(k, label, plan, a) for (k, label, plan, _), a in zip(EXPENSES, expense_actuals, strict=True)],
        [(k, label, plan, a) for (k, label, plan, _), a in zip(REVENUES, revenue_actuals, strict=True)],
    )  # fmt: skip


PER_UNIT = Parameters(F.PER_UNIT, euro(4_800), euro(0), unit_rate=euro(400), units_planned=12)
FULL = Parameters(F.FULL, euro(10_000), euro(0))
FULL_LINES = lines(
    [("personnel", "Personal", 10_000, 9_200)], [("income", "Teilnahmebeiträge", 0, 300)]
)


@pytest.mark.parametrize(
    ("the_facts", "expected"),
    [
        pytest.param(facts(SHORTFALL), (27_500, 4_500, 0), id="fehlbedarf"),
        pytest.param(facts(SHARE), (29_120, 2_880, 0), id="anteil"),
        pytest.param(
            facts(SHARE, with_actuals([29_000, 9_200, 7_000, 1_300, 500], [5_000, 10_000, 2_000, 1_000])),
            (30_080, 1_920, 0), id="anteil-ohne-mehr-D",
        ),
        pytest.param(facts(FIXED), (32_000, 0, 0), id="festbetrag"),
        pytest.param(
            facts(FIXED, with_actuals([28_000, 2_000, 0, 0, 0], [5_000, 10_000, 2_800, 1_700])),
            (30_000, 2_000, 0), id="festbetrag-A30",
        ),
        pytest.param(
            facts(PER_UNIT, lines([("rent", "Miete", 4_800, 3_600)], []), euro(4_800), units_actual=9),
            (3_600, 1_200, 0), id="pauschale",
        ),
        pytest.param(facts(FULL, FULL_LINES, euro(10_000)), (8_900, 1_100, 0), id="voll"),
        pytest.param(
            facts(SHORTFALL, with_actuals([32_000, 8_000, 7_000, 3_000, 2_000], [5_000, 10_000, 2_000, 1_000])),
            (32_000, 0, 0), id="overspending",
        ),
        pytest.param(facts(SHORTFALL, paid=euro(20_000)), (27_500, 0, 7_500), id="nachzahlung"),
    ],
)  # fmt: skip
def test_the_worked_example_of_domain_section_4_through_the_checks(the_facts, expected):
    report = check_report(the_facts)
    final, refund, subsequent = (euro(amount) for amount in expected)
    assert (report.final_grant, report.refund, report.subsequent) == (final, refund, subsequent)
    assert report.paid == the_facts.payouts[0].amount
    assert not report.blocking, report.findings
    assert report.late_use == ()
    assert report.late_use_interest == Money(0)
    assert final.format() in finding(report, "final_grant").message


def test_the_worked_example_reports_its_figures_and_the_extra_revenue():
    report = check_report(facts(SHARE))
    assert report.deviation.recognised == euro(47_000)
    assert report.receipt_totals == {
        key: euro(actual) for key, _, _, actual in [*EXPENSES, *REVENUES]
    }
    assert report.extra_revenue == euro(1_500)
    extra = finding(report, "extra_revenue")
    # p · (D′ − D) = 0.64 × 1,500 = 960 € less grant
    assert not extra.blocking
    assert euro(960).format() in extra.message
    assert "Anteilfinanzierung" in extra.message
    assert "zurückzuzahlen wären " + euro(2_880).format() in finding(report, "final_grant").message


def test_extra_revenue_does_not_reduce_a_fixed_amount():
    report = check_report(facts(FIXED))
    assert "mindern sie die Zuwendung nicht" in finding(report, "extra_revenue").message


def test_a_paid_out_amount_below_the_de_minimis_limit_is_not_reclaimed():
    report = check_report(facts(SHORTFALL, paid=euro(27_550), de_minimis=euro(100)))
    assert (report.refund, report.subsequent) == (Money(0), Money(0))
    assert "Bagatellgrenze" in finding(report, "final_grant").message


# --- The 20 % rule ---------------------------------------------------------------------------


def test_fees_fifteen_percent_over_plan_are_covered_by_savings():
    report = check_report(facts())
    fees = next(line for line in report.deviation.lines if line.key == "fees")
    assert (fees.plan, fees.actual, fees.deviation) == (euro(8_000), euro(9_200), euro(1_200))
    assert (fees.percent, fees.covered, fees.recognised) == (Decimal("15.0"), True, euro(9_200))
    assert report.deviation.covered
    assert not {"excess_not_covered", "expense_cut"} & set(codes(report))


def test_an_excess_without_savings_is_a_warning_not_a_block():
    report_lines = with_actuals([30_000, 9_200, 7_000, 3_000, 2_000], [5_000, 10_000, 2_000, 1_000])
    report = check_report(facts(SHORTFALL, report_lines))
    warning = finding(report, "excess_not_covered")
    assert not warning.blocking
    assert warning.line_key == "fees"
    assert "Honorare" in warning.message
    assert "+15,0 %" in warning.message
    assert euro(1_200).format() in warning.message
    assert not report.blocking
    # the total is binding: Z′ ≤ Z caps what the uncovered excess would add
    assert report.final_grant == euro(32_000)


def test_a_line_more_than_twenty_percent_over_plan_is_cut():
    report_lines = with_actuals([25_000, 8_000, 7_000, 4_000, 2_000], [5_000, 10_000, 2_000, 1_000])
    report = check_report(facts(SHORTFALL, report_lines))
    cut = finding(report, "expense_cut")
    assert cut.line_key == "material"
    assert not cut.blocking
    assert euro(3_600).format() in cut.message
    assert "20 %" in cut.message
    assert report.deviation.recognised == euro(45_600)
    assert report.final_grant == euro(45_600 - 18_000)


def test_an_amended_line_is_judged_without_tolerance():
    report_lines = tuple(
        replace(line, amended=True) if line.line_key == "fees" else line for line in lines()
    )
    report = check_report(facts(SHORTFALL, report_lines))
    assert "Änderungsbescheid" in finding(report, "expense_cut").message
    assert report.final_grant == euro(47_000 - 1_200 - 19_500)


# --- Actuals and receipts --------------------------------------------------------------------


def test_a_line_without_actual_blocks():
    report_lines = with_actuals([29_000, None, 7_000, 1_300, 500], [5_000, 10_000, 2_800, 1_700])
    report = check_report(facts(SHORTFALL, report_lines))
    missing = finding(report, "actual_missing")
    assert missing.blocking
    assert missing.line_key == "fees"
    assert "Honorare" in missing.message
    assert report.blocking


def test_receipts_that_do_not_add_up_block_with_the_difference():
    receipts = list(receipts_for(lines()))
    receipts[0] = replace(receipts[0], amount=euro(28_000))  # personnel: 29,000 entered
    report = check_report(facts(receipts=tuple(receipts)))
    assert report.receipt_totals["personnel"] == euro(28_000)
    problem = finding(report, "receipts_do_not_add_up")
    assert problem.blocking
    assert problem.line_key == "personnel"
    assert euro(28_000).format() in problem.message
    assert f"Differenz {euro(1_000).format()}" in problem.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"line_key": None}, "receipt_without_line"),
        ({"line_key": "travel"}, "receipt_unknown_line"),
        ({"kind": REVENUE}, "receipt_kind_mismatch"),
        ({"receipt_date": None}, "receipt_without_date"),
    ],
)
def test_a_receipt_that_belongs_nowhere_blocks(change, code):
    extra = replace(ReceiptEntry(99, EXPENSE, "rent", START, euro(0), None), **change)
    report = check_report(facts(receipts=(*receipts_for(lines()), extra)))
    problem = finding(report, code)
    assert problem.blocking
    assert problem.receipt_number == 99
    assert "Beleg Nr. 99" in problem.message


def test_negative_amounts_block():
    receipts = (
        *receipts_for(lines()),
        ReceiptEntry(98, EXPENSE, "rent", START, euro(-50), None),
        ReceiptEntry(99, EXPENSE, "rent", START, euro(50), None),
    )
    report_lines = with_actuals([29_000, 9_200, 7_000, 1_300, 500], [5_000, -1, 2_800, 1_700])
    report = check_report(facts(SHORTFALL, report_lines, receipts=receipts))
    assert finding(report, "receipt_negative").receipt_number == 98
    assert finding(report, "actual_negative").line_key == "land"


@pytest.mark.parametrize(
    ("early_start", "receipt_date", "outside"),
    [
        (None, date(2025, 12, 31), "vor dem Beginn des Bewilligungszeitraums am 01.01.2026"),
        (None, START, None),
        (None, END, None),
        (None, date(2027, 1, 1), "nach dem Ende des Bewilligungszeitraums am 31.12.2026"),
        (date(2025, 11, 15), date(2025, 12, 31), None),
        (date(2025, 11, 15), date(2025, 11, 15), None),
        (date(2025, 11, 15), date(2025, 11, 14), "vor dem genehmigten vorzeitigen Maßnahmebeginn am 15.11.2025"),
        (date(2025, 11, 15), date(2027, 1, 1), "nach dem Ende des Bewilligungszeitraums am 31.12.2026"),
    ],
)  # fmt: skip
def test_receipts_must_date_from_the_period_or_the_early_start(early_start, receipt_date, outside):
    receipts = list(receipts_for(lines()))
    receipts[2] = replace(receipts[2], receipt_date=receipt_date)
    report = check_report(facts(receipts=tuple(receipts), early_start=early_start))
    found = [f for f in report.findings if f.code == "receipt_outside_period"]
    if outside is None:
        assert found == []
        assert not report.blocking
    else:
        (problem,) = found
        assert problem.blocking
        assert problem.receipt_number == 3
        assert problem.message == f"Beleg Nr. 3 vom {receipt_date:%d.%m.%Y} liegt {outside}."


def test_a_simplified_report_has_no_receipt_checks_and_says_late_use_is_unknown():
    report = check_report(facts(receipts=(), simplified=True))
    assert report.receipt_totals == {}
    assert not report.blocking
    assert "receipts_do_not_add_up" not in codes(report)
    note = finding(report, "late_use_not_checked")
    assert not note.blocking
    assert "einfachen Verwendungsnachweis" in note.message
    assert (report.final_grant, report.refund) == (euro(27_500), euro(4_500))


def test_a_per_unit_report_needs_the_units():
    per_unit = facts(PER_UNIT, lines([("rent", "Miete", 4_800, 3_600)], []), euro(4_800))
    missing = finding(check_report(per_unit), "units_missing")
    assert missing.blocking
    assert missing.message == "Bitte die Zahl der tatsächlich erbrachten Einheiten angeben."
    negative = finding(check_report(replace(per_unit, units_actual=-1)), "units_missing")
    assert "nicht negativ" in negative.message


# --- Late use (§ 49a Abs. 4 VwVfG NRW) -------------------------------------------------------


def spending(*rows: tuple[date, int]) -> tuple[ReceiptEntry, ...]:
    return tuple(
        ReceiptEntry(n, EXPENSE, "personnel", day, euro(amount), day)
        for n, (day, amount) in enumerate(rows, start=1)
    )


def late_facts(payouts, receipts, **changes) -> ReportFacts:
    total = sum(r.amount.cents for r in receipts)
    report_lines = lines([("personnel", "Personal", 50_000, None)], [])
    report_lines = (replace(report_lines[0], actual=Money(total)),)
    return facts(
        Parameters(F.FULL, euro(50_000), euro(0)),
        report_lines,
        receipts=receipts,
        payouts=tuple(Payout(day, euro(amount)) for day, amount in payouts),
        **changes,
    )


def test_money_used_late_bears_interest_from_payout_until_use():
    # § 49a Abs. 4 VwVfG NRW: interest "für die Zeit von der Auszahlung bis zur
    # zweckentsprechenden Verwendung" — the two months decide only WHETHER interest is due,
    # it then runs from the payout. 01.02.–15.05.2026 are 103 days (the day of use not counted,
    # as financing.interest counts), so DOMAIN.md's 10,000 € over 103 days at 1.27 % + 3 points
    # → 120.50 € is money paid out on 01.02. and used on 15.05., six weeks after 01.04.
    report = check_report(
        late_facts([(date(2026, 2, 1), 10_000)], spending((date(2026, 5, 15), 10_000)))
    )
    assert report.late_use == (
        LateUse(euro(10_000), date(2026, 2, 1), date(2026, 5, 15), 103, euro("120.50")),
    )
    assert report.late_use_interest == euro("120.50")
    late = finding(report, "late_use")
    assert not late.blocking
    assert late.message == (
        f"Von der Auszahlung am 01.02.2026 wurden {euro(10_000).format()} erst am 15.05.2026 "
        "verwendet, später als zwei Monate nach der Auszahlung; dafür fallen für 103 Tage Zinsen "
        f"von {euro('120.50').format()} an (§ 49a Abs. 4 VwVfG NRW)."
    )  # fmt: skip


def test_use_on_the_last_day_of_the_two_months_is_in_time():
    report = check_report(
        late_facts([(date(2026, 2, 1), 10_000)], spending((date(2026, 4, 1), 10_000)))
    )
    assert report.late_use == ()
    assert "late_use" not in codes(report)


def test_expenses_use_the_payouts_first_in_first_out():
    payouts = [(date(2026, 4, 1), 5_000), (date(2026, 2, 1), 5_000)]  # in any order
    receipts = spending(
        (date(2026, 3, 15), 3_000),  # 3,000 of the February payout, in time
        (date(2026, 5, 15), 4_000),  # 2,000 of February late; 2,000 of April in time (≤ 01.06.)
        (date(2026, 6, 10), 3_000),  # 3,000 of April late
    )
    report = check_report(late_facts(payouts, receipts))
    # 2,000 × 4.27 % × 103/365 = 24.0997… → 24.10; 3,000 × 4.27 % × 70/365 = 24.5671… → 24.57
    assert report.late_use == (
        LateUse(euro(2_000), date(2026, 2, 1), date(2026, 5, 15), 103, euro("24.10")),
        LateUse(euro(3_000), date(2026, 4, 1), date(2026, 6, 10), 70, euro("24.57")),
    )
    assert report.late_use_interest == euro("48.67")


def test_pre_financed_expenses_use_the_payout_on_arrival_and_unused_money_is_no_late_use():
    receipts = spending((date(2026, 1, 10), 4_000), (date(2026, 9, 1), 1_000))
    report = check_report(
        late_facts([(date(2026, 2, 1), 4_000), (date(2026, 8, 1), 5_000)], receipts)
    )
    assert report.late_use == ()  # 1,000 used in time, 4,000 of August never used: a refund


def test_late_use_interest_below_the_de_minimis_limit_is_waived():
    payouts, receipts = [(date(2026, 2, 1), 10_000)], spending((date(2026, 5, 15), 10_000))
    report = check_report(late_facts(payouts, receipts, de_minimis=euro(200)))
    assert report.late_use[0].interest == euro("120.50")
    assert report.late_use_interest == Money(0)
    assert "Bagatellgrenze" in finding(report, "late_use_waived").message


def test_late_use_without_a_base_rate_is_reported_without_interest():
    payouts, receipts = [(date(2026, 2, 1), 10_000)], spending((date(2026, 5, 15), 10_000))
    report = check_report(late_facts(payouts, receipts, base_rates=[]))
    assert report.late_use[0].interest == Money(0)
    assert report.late_use_interest == Money(0)
    assert "kein Basiszinssatz hinterlegt" in finding(report, "late_use").message


DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
AMOUNTS = st.integers(min_value=1, max_value=20_000)


@given(
    payouts=st.lists(st.tuples(DAYS, AMOUNTS), min_size=1, max_size=5),
    spent=st.lists(st.tuples(DAYS, AMOUNTS), max_size=12),
)
def test_late_use_never_exceeds_what_was_paid_out_or_spent(payouts, spent):
    report = check_report(late_facts(payouts, spending(*spent)))
    used = Money.total(use.amount for use in report.late_use)
    assert used <= euro(min(sum(a for _, a in payouts), sum(a for _, a in spent)))
    for use in report.late_use:
        assert use.used_on > financing.use_by(use.paid_out_on)
        assert use.days == (use.used_on - use.paid_out_on).days
        assert use.interest == financing.late_use_interest(
            use.amount, use.paid_out_on, use.used_on, BASE_RATE_1_27
        )
    assert report.late_use_interest == Money.total(use.interest for use in report.late_use)
    assert not report.blocking


@given(
    actuals=st.lists(st.integers(min_value=0, max_value=60_000), min_size=9, max_size=9),
    paid=st.integers(min_value=0, max_value=40_000),
    offset=st.integers(min_value=0, max_value=364),
)
def test_receipts_matching_the_actuals_in_the_period_never_block(actuals, paid, offset):
    report_lines = with_actuals(actuals[:5], actuals[5:])
    receipts = receipts_for(report_lines, START + timedelta(days=offset))
    report = check_report(facts(SHARE, report_lines, euro(paid), receipts))
    assert not report.blocking, report.findings
    assert report.final_grant <= report.deviation.recognised
    assert report.final_grant <= H
    assert report.refund - report.subsequent == report.paid - report.final_grant


def test_own_funds_and_own_work_need_no_receipts():
    """Eigenmittel and Eigenleistung are no income with a receipt: their lines are not summed."""
    own = ReportLine(
        "own", "Eigenmittel", PlanLineKind.REVENUE, euro(5_000), euro(5_000), receipted=False
    )
    fees = ReportLine("fees", "Teilnahmebeiträge", PlanLineKind.REVENUE, euro(2_000), euro(2_000))
    found = check_report(facts(report_lines=(own, fees), receipts=()))
    unsummed = {f.line_key for f in found.findings if f.code == "receipts_do_not_add_up"}
    assert unsummed == {"fees"}
