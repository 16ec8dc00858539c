"""The assessment of a usage report's lines and receipts (pure rules)."""

from grants.money import Money
from grants.report_assessment import (
    RECEIPT_REASON,
    RULE_REASON,
    Item,
    ReceiptState,
    Verdict,
    check,
    proposal,
    receipt_ceiling,
    verdict_of,
)
from grants.vocabulary import LineVerdict

E = Money.parse


def test_no_cut_receipt_leaves_the_line_bounded_by_its_actual_only():
    assert receipt_ceiling([]) is None
    assert receipt_ceiling([ReceiptState(E("100"), None), ReceiptState(E("50"), E("50"))]) is None


def test_a_cut_receipt_bounds_its_line_by_the_recognised_receipts():
    receipts = [
        ReceiptState(E("100"), E("40")),
        ReceiptState(E("50"), None),
        ReceiptState(E("30"), E("0")),
    ]
    assert receipt_ceiling(receipts) == E("90")  # 40 + 50 (not assessed: in full) + 0


def test_the_proposal_is_the_20_percent_rule_capped_by_the_receipts():
    plain = proposal(E("1000"), E("1000"), None)
    assert (plain.verdict, plain.recognised, plain.reason) == (LineVerdict.FULL, E("1000"), "")
    ruled = proposal(E("1300"), E("1200"), None)
    assert (ruled.verdict, ruled.recognised, ruled.reason) == (
        LineVerdict.PARTIAL,
        E("1200"),
        RULE_REASON,
    )
    capped = proposal(E("1300"), E("1200"), E("900"))
    assert (capped.verdict, capped.recognised, capped.reason) == (
        LineVerdict.PARTIAL,
        E("900"),
        RECEIPT_REASON,
    )
    refused = proposal(E("500"), E("500"), E("0"))
    assert (refused.verdict, refused.recognised) == (LineVerdict.NONE, E("0"))


def test_verdict_of_an_amount():
    assert verdict_of(E("10"), E("10")) is LineVerdict.FULL
    assert verdict_of(E("10"), E("4")) is LineVerdict.PARTIAL
    assert verdict_of(E("10"), E("0")) is LineVerdict.NONE


def test_check_reads_full_reduced_and_refused():
    items = [Item(1, "Miete", E("700")), Item(2, "Honorare", E("900")), Item(3, "Druck", E("50"))]
    errors, found = check(items, [
        Verdict(1, LineVerdict.FULL, E("1"), "ignored"),
        Verdict(2, LineVerdict.PARTIAL, E("800"), " zu teuer "),
        Verdict(3, LineVerdict.NONE, None, "kein Beleg"),
    ])  # fmt: skip
    assert errors == {}
    assert [(a.item_id, a.verdict, a.recognised, a.reason) for a in found] == [
        (1, LineVerdict.FULL, E("700"), ""),
        (2, LineVerdict.PARTIAL, E("800"), "zu teuer"),
        (3, LineVerdict.NONE, E("0"), "kein Beleg"),
    ]


def test_check_names_each_bad_field():
    items = [Item(1, "Miete", E("700")), Item(2, "Honorare", E("900")), Item(3, "Druck", E("50"))]
    errors, found = check(items, [
        Verdict(2, LineVerdict.PARTIAL, E("900"), ""),
        Verdict(3, None, None, ""),
    ], prefix="x-")  # fmt: skip
    assert set(errors) == {"x-verdict-1", "x-reason-2", "x-recognised-2", "x-verdict-3"}
    assert "Miete" in errors["x-verdict-1"]
    assert found == []


def test_check_refuses_more_than_the_ceiling():
    items = [Item(1, "Miete", E("700"), ceiling=E("600"))]
    errors, _ = check(items, [Verdict(1, LineVerdict.FULL, None, "")])
    assert "600,00" in errors["verdict-1"]
    errors, _ = check(items, [Verdict(1, LineVerdict.PARTIAL, E("650"), "Grund")])
    assert set(errors) == {"recognised-1"}
    errors, found = check(items, [Verdict(1, LineVerdict.PARTIAL, E("600"), "Grund")])
    assert errors == {}
    assert found[0].recognised == E("600")
