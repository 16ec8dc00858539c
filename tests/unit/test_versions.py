"""Version diff: fields, plan lines matched by line_key, attachments, totals, display rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.money import Money
from grants.versions import Totals, diff, display_value

PERSONNEL = "4b0a2c1e-0000-4000-8000-000000000001"
FEES = "4b0a2c1e-0000-4000-8000-000000000002"
OWN_FUNDS = "4b0a2c1e-0000-4000-8000-000000000003"
STATUTES_SHA = "a" * 64


def line(
    key: str, kind: str, category: str, cents: int, position: int, **extra: Any
) -> dict[str, Any]:
    return {
        "line_key": key, "kind": kind, "category": category, "description": f"Zeile {position}",
        "quantity_milli": None, "unit_price_cents": None, "amount_cents": cents,
        "staff_function": "", "fte_milli": None, "pay_group": "", "source": "", "position": position,
        **extra,
    }  # fmt: skip


def snapshot() -> dict[str, Any]:
    return {
        "application": {
            "file_number": "IKZ-2027-0004", "title": "Begegnung in Kalk", "summary": "Beratung und Treff",
            "goals": "Teilhabe", "target_groups": ["refugees", "women"],
            "planned_offers": ["social_counselling", "open_meeting"], "languages": ["tr", "ar"],
            "district": "kalk", "period_start": "2027-01-01", "period_end": "2027-12-31",
            "early_start_requested": False, "early_start_reason": "", "financing_type": "shortfall",
            "requested_cents": 2_000_000,
            "declarations": {"no_early_start": True, "input_tax_deduction": False, "truthful": True,
                             "privacy_notice": True},
        },
        "organisation": {
            "legal_name": "Kulturverein Kalk e. V.", "legal_form": "ev", "street": "Kalker Hauptstraße 1",
            "postcode": "51103", "city": "Köln", "iban": "DE89370400440532013000", "account_holder": "Kulturverein Kalk e. V.",
        },
        "centre": {"name": "Interkulturelles Zentrum Kalk"},
        "call": {"title": "Förderaufruf 2027", "programme": "Förderung der Interkulturellen Zentren", "fiscal_year": 2027},
        "lines": [
            line(PERSONNEL, "expense", "personnel", 2_000_000, 0, staff_function="Sozialarbeiter:in",
                 fte_milli=500, pay_group="TVöD SuE S 12"),
            line(FEES, "expense", "fees", 480_000, 1, quantity_milli=120_000, unit_price_cents=4_000),
            line(OWN_FUNDS, "revenue", "own_funds", 480_000, 2),
        ],
        "attachments": [{"kind": "statutes", "filename": "satzung.pdf", "size_bytes": 1000, "sha256": STATUTES_SHA}],
        "submitted_at": "2026-10-15T09:30:00+00:00",
        "version": 1,
    }  # fmt: skip


def revised(**changes: Any) -> dict[str, Any]:
    new = copy.deepcopy(snapshot())
    new["version"], new["submitted_at"] = 2, "2026-12-01T10:00:00+00:00"
    for section, values in changes.items():
        new[section].update(values)
    return new


def line_of(snap: dict[str, Any], key: str) -> dict[str, Any]:
    return next(item for item in snap["lines"] if item["line_key"] == key)


def test_identical_snapshots_give_an_empty_diff():
    result = diff(snapshot(), snapshot())
    assert result.is_empty
    assert result.totals_before == result.totals_after


def test_submission_time_and_version_number_are_no_change():
    assert diff(snapshot(), revised()).is_empty


def test_changed_title():
    result = diff(snapshot(), revised(application={"title": "Begegnung & Beratung in Kalk"}))
    [change] = result.fields
    assert (change.section, change.field, change.label) == ("application", "title", "Titel")
    assert (change.old, change.new) == ("Begegnung in Kalk", "Begegnung & Beratung in Kalk")


def test_changed_amount_is_a_changed_line_not_removed_and_added():
    new = revised()
    line_of(new, FEES).update(quantity_milli=100_000, amount_cents=400_000)
    result = diff(snapshot(), new)
    assert result.lines_added == result.lines_removed == ()
    [changed] = result.lines_changed
    assert changed.line.line_key == FEES
    assert changed.line.category == "Honorare"
    assert [(c.label, c.old, c.new) for c in changed.changes] == [
        ("Menge", "120", "100"),
        ("Betrag", "4.800,00\u00a0€", "4.000,00\u00a0€"),
    ]


def test_added_and_removed_lines():
    new = revised()
    new["lines"] = [item for item in new["lines"] if item["line_key"] != FEES]
    new["lines"].append(line("new-key", "revenue", "donations", 50_000, 3))
    result = diff(snapshot(), new)
    [added], [removed] = result.lines_added, result.lines_removed
    assert (added.line_key, added.kind, added.category, added.amount) == (
        "new-key", "revenue", "Spenden", Money(50_000),
    )  # fmt: skip
    assert (removed.line_key, removed.category, removed.amount) == (
        FEES,
        "Honorare",
        Money(480_000),
    )
    assert result.lines_changed == ()


def test_category_change_shows_german_labels():
    new = revised()
    line_of(new, FEES)["category"] = "material"
    [changed] = diff(snapshot(), new).lines_changed
    [change] = changed.changes
    assert (change.label, change.old, change.new) == ("Kategorie", "Honorare", "Sachausgaben")


def test_revenue_categories_use_revenue_labels():
    new = revised()
    line_of(new, OWN_FUNDS)["category"] = "third_party"
    [changed] = diff(snapshot(), new).lines_changed
    assert (changed.changes[0].old, changed.changes[0].new) == ("Eigenmittel", "Drittmittel")


def test_reordering_lines_is_no_change():
    new = revised()
    for position, item in enumerate(reversed(new["lines"])):
        item["position"] = position
    assert diff(snapshot(), new).is_empty


def test_field_values_are_shown_in_german():
    new = revised(
        application={
            "requested_cents": 2_100_000, "financing_type": "share", "early_start_requested": True,
            "period_end": "2027-06-30", "target_groups": ["families"], "languages": ["tr", "uk"],
            "declarations": {**snapshot()["application"]["declarations"], "input_tax_deduction": True},
        },
        organisation={"legal_form": "ggmbh"},
    )  # fmt: skip
    shown = {
        change.field: (change.label, change.old, change.new)
        for change in diff(snapshot(), new).fields
    }
    assert shown == {
        "requested_cents": ("Beantragte Zuwendung", "20.000,00\u00a0€", "21.000,00\u00a0€"),
        "financing_type": ("Finanzierungsart", "Fehlbedarfsfinanzierung", "Anteilfinanzierung"),
        "early_start_requested": ("Vorzeitiger Maßnahmebeginn beantragt", "nein", "ja"),
        "period_end": ("Ende des Durchführungszeitraums", "31.12.2027", "30.06.2027"),
        "target_groups": ("Zielgruppen", "Geflüchtete, Frauen", "Familien"),
        "languages": ("Sprachen", "Türkisch, Arabisch", "Türkisch, Ukrainisch"),
        "declarations.input_tax_deduction": (
            "Erklärung: Der Träger ist zum Vorsteuerabzug berechtigt", "nein", "ja",
        ),
        "legal_form": ("Rechtsform", "eingetragener Verein (e. V.)", "gemeinnützige GmbH"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "kind", "shown"),
    [
        ("amount_cents", 123_456, "", "1.234,56\u00a0€"),
        ("fte_milli", 500, "", "0,5"),
        ("quantity_milli", 1_200_000, "", "1.200"),
        ("category", "fees_income", "revenue", "Teilnahmebeiträge und Einnahmen"),
        ("category", "unknown", "expense", "unknown"),
        ("district", "muelheim", "", "Mülheim"),
        ("planned_offers", ["youth", "culture"], "", "Jugend, Kultur/Freizeit"),
        ("iban", "DE89370400440532013000", "", "DE89 3704 0044 0532 0130 00"),
        ("fiscal_year", 2027, "", "2027"),
        ("period_start", "not a date", "", "not a date"),
        ("title", None, "", ""),
        ("target_groups", [], "", ""),
    ],
)
def test_display_value(field, value, kind, shown):
    assert display_value(field, value, kind) == shown


def test_centre_removed():
    new = revised()
    new["centre"] = None
    [change] = diff(snapshot(), new).fields
    assert (change.section, change.label, change.old, change.new) == (
        "centre", "Zentrum", "Interkulturelles Zentrum Kalk", "",
    )  # fmt: skip


def test_attachments_added_and_removed_by_hash_and_kind():
    new = revised()
    new["attachments"] = [
        {
            "kind": "statutes",
            "filename": "satzung-2026.pdf",
            "size_bytes": 1200,
            "sha256": "b" * 64,
        },
        {"kind": "other", "filename": "satzung.pdf", "size_bytes": 1000, "sha256": STATUTES_SHA},
    ]
    result = diff(snapshot(), new)
    assert [(a.label, a.filename) for a in result.attachments_added] == [
        ("Satzung", "satzung-2026.pdf"),
        ("Sonstige Unterlage", "satzung.pdf"),
    ]
    assert [(a.kind, a.sha256) for a in result.attachments_removed] == [("statutes", STATUTES_SHA)]


def test_renamed_attachment_with_same_content_is_no_change():
    new = revised()
    new["attachments"][0]["filename"] = "Satzung_final.pdf"
    assert diff(snapshot(), new).is_empty


def test_totals_before_and_after():
    new = revised(application={"requested_cents": 1_950_000})
    line_of(new, FEES)["amount_cents"] = 430_000
    result = diff(snapshot(), new)
    assert result.totals_before == Totals(Money(2_480_000), Money(480_000), Money(2_000_000))
    assert result.totals_after == Totals(Money(2_430_000), Money(480_000), Money(1_950_000))
    assert result.totals_before.balanced
    assert result.totals_after.balanced


def test_missing_keys_count_as_empty():
    old = snapshot()
    del old["organisation"], old["centre"], old["attachments"]
    del old["application"]["declarations"], old["application"]["early_start_reason"]
    for item in old["lines"][1:]:  # not the personnel line
        del item["source"], item["pay_group"], item["fte_milli"]
    new = revised()
    new["organisation"] = {"city": ""}
    new["centre"], new["attachments"] = None, []
    result = diff(old, new)
    assert [(c.field, c.old, c.new) for c in result.fields] == [
        ("declarations.no_early_start", "", "ja"),
        ("declarations.input_tax_deduction", "", "nein"),
        ("declarations.truthful", "", "ja"),
        ("declarations.privacy_notice", "", "ja"),
    ]
    assert result.lines_changed == ()


def test_empty_snapshots():
    result = diff({}, {"lines": None, "attachments": None, "application": None})
    assert result.is_empty
    assert result.totals_after == Totals(Money(0), Money(0), Money(0))


def test_lines_without_key_are_matched_by_place():
    old, new = snapshot(), revised()
    for snap in (old, new):
        for item in snap["lines"]:
            del item["line_key"]
    new["lines"][0]["amount_cents"] = 1
    result = diff(old, new)
    assert [c.line.line_key for c in result.lines_changed] == ["#0"]
    assert result.lines_added == result.lines_removed == ()


# -- properties ------------------------------------------------------------------------------

KEYS = [f"4b0a2c1e-0000-4000-8000-00000000000{i}" for i in range(6)]

plan_line = st.builds(
    line,
    key=st.just(""),
    kind=st.sampled_from(["expense", "revenue"]),
    category=st.sampled_from(["personnel", "fees", "own_funds", "donations", "odd"]),
    cents=st.integers(min_value=0, max_value=10**9),
    position=st.integers(min_value=0, max_value=20),
    description=st.text(max_size=20),
    quantity_milli=st.none() | st.integers(min_value=0, max_value=10**6),
)


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
    lines = [{**draw(plan_line), "line_key": key} for key in keys]
    application = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "title": st.text(max_size=30),
                "requested_cents": st.integers(min_value=0, max_value=10**9),
                "target_groups": st.lists(st.sampled_from(["refugees", "women", "other"])),
                "early_start_requested": st.booleans(),
                "period_start": st.dates().map(str) | st.text(max_size=10),
                "declarations": st.dictionaries(st.sampled_from(["truthful", "privacy_notice"]), st.booleans()),
            },
        )
    )  # fmt: skip
    attachments = draw(
        st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["statutes", "other"]), "sha256": st.sampled_from(["a", "b", "c"]),
                 "filename": st.text(max_size=10), "size_bytes": st.integers(0, 10**6)}
            ),
            max_size=4,
        )
    )  # fmt: skip
    centre = draw(st.none() | st.fixed_dictionaries({"name": st.text(max_size=10)}))
    return {
        "application": application,
        "centre": centre,
        "lines": lines,
        "attachments": attachments,
    }


@given(snapshots())
def test_a_snapshot_never_differs_from_itself(snap):
    result = diff(snap, copy.deepcopy(snap))
    assert result.is_empty
    assert result.totals_before == result.totals_after


@given(snapshots(), snapshots())
def test_every_line_key_in_only_one_version_is_reported(old, new):
    result = diff(old, new)
    old_keys = {item["line_key"] for item in old["lines"]}
    new_keys = {item["line_key"] for item in new["lines"]}
    assert {s.line_key for s in result.lines_added} == new_keys - old_keys
    assert {s.line_key for s in result.lines_removed} == old_keys - new_keys
    assert {c.line.line_key for c in result.lines_changed} <= old_keys & new_keys
