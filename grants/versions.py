"""What changed between two submitted versions of an application (pure, no I/O).

A version is frozen as a JSON-able snapshot (sections ``application``, ``organisation``,
``centre``, ``call``, ``lines``, ``attachments``). :func:`diff` compares two snapshots field by
field and the plan line by line, matched by ``line_key`` (DOMAIN.md §2). Values are shown as
the documents show them: euros, "ja"/"nein", German labels, dd.mm.yyyy. A key missing from an
older snapshot counts as empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

from grants.money import Money
from grants.vocabulary import (
    AttachmentKind,
    District,
    ExpenseCategory,
    FinancingType,
    Labelled,
    LegalForm,
    OfferType,
    PlanLineKind,
    RevenueType,
    TargetGroup,
)

Snapshot = Mapping[str, Any]

DECLARATIONS: dict[str, str] = {
    "no_early_start": "Mit dem Vorhaben wurde noch nicht begonnen",
    "input_tax_deduction": "Der Träger ist zum Vorsteuerabzug berechtigt",
    "truthful": "Die Angaben sind vollständig und richtig",
    "privacy_notice": "Die Datenschutzhinweise wurden zur Kenntnis genommen",
}
"""The declarations of an application: key → statement, answered with "ja" or "nein"."""

FIELD_LABELS: dict[str, dict[str, str]] = {
    "application": {
        "file_number": "Aktenzeichen",
        "title": "Titel",
        "summary": "Kurzbeschreibung",
        "goals": "Ziele",
        "target_groups": "Zielgruppen",
        "planned_offers": "Geplante Angebote",
        "languages": "Sprachen",
        "district": "Stadtbezirk",
        "period_start": "Beginn des Durchführungszeitraums",
        "period_end": "Ende des Durchführungszeitraums",
        "early_start_requested": "Vorzeitiger Maßnahmebeginn beantragt",
        "early_start_reason": "Begründung des vorzeitigen Maßnahmebeginns",
        "financing_type": "Finanzierungsart",
        "requested_cents": "Beantragte Zuwendung",
        **{f"declarations.{key}": f"Erklärung: {text}" for key, text in DECLARATIONS.items()},
    },
    "organisation": {
        "legal_name": "Name des Trägers",
        "legal_form": "Rechtsform",
        "street": "Straße und Hausnummer",
        "postcode": "Postleitzahl",
        "city": "Ort",
        "iban": "IBAN",
        "account_holder": "Kontoinhaber:in",
    },
    "centre": {"name": "Zentrum"},
    "call": {
        "title": "Förderaufruf",
        "programme": "Förderprogramm",
        "fiscal_year": "Haushaltsjahr",
    },
}
"""German labels of the compared fields per section; nested keys are written ``outer.inner``."""

LINE_LABELS: dict[str, str] = {
    "kind": "Art",
    "category": "Kategorie",
    "description": "Beschreibung",
    "quantity_milli": "Menge",
    "unit_price_cents": "Einzelpreis",
    "amount_cents": "Betrag",
    "staff_function": "Funktion",
    "fte_milli": "Stellenumfang (VZÄ)",
    "pay_group": "Entgeltgruppe",
    "source": "Mittelgeber",
}
"""German labels of the compared fields of a plan line (its position is layout, not content)."""

_ENUMS: dict[str, type[Labelled]] = {
    "target_groups": TargetGroup,
    "planned_offers": OfferType,
    "district": District,
    "financing_type": FinancingType,
    "legal_form": LegalForm,
    "kind": PlanLineKind,
}
_CATEGORIES: dict[str, type[Labelled]] = {
    PlanLineKind.EXPENSE: ExpenseCategory,
    PlanLineKind.REVENUE: RevenueType,
}
_DATES = frozenset({"period_start", "period_end"})
_GERMAN = Locale.parse("de_DE")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field: where it is, its German label, and both values as displayed."""

    section: str
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class LineSummary:
    """A plan line as a diff names it: kind, German category label, text and amount."""

    line_key: str
    kind: str
    category: str
    description: str
    amount: Money


@dataclass(frozen=True, slots=True)
class LineChange:
    """A line present in both versions (same ``line_key``), as it is now, with its changes."""

    line: LineSummary
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class AttachmentSummary:
    """An attachment as a diff names it; identified by content hash and kind."""

    kind: str
    label: str
    filename: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Totals:
    """The sums of a plan: expenses, revenues and the requested grant."""

    expenses: Money
    revenues: Money
    requested: Money

    @property
    def balanced(self) -> bool:
        """Whether total expenses = total revenues + requested grant (DOMAIN.md §2)."""
        return self.expenses == self.revenues + self.requested


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """Everything that differs between two versions, plus the totals before and after."""

    fields: tuple[FieldChange, ...]
    lines_added: tuple[LineSummary, ...]
    lines_removed: tuple[LineSummary, ...]
    lines_changed: tuple[LineChange, ...]
    attachments_added: tuple[AttachmentSummary, ...]
    attachments_removed: tuple[AttachmentSummary, ...]
    totals_before: Totals
    totals_after: Totals

    @property
    def is_empty(self) -> bool:
        """True when the two versions have the same content."""
        return not (
            self.fields
            or self.lines_added
            or self.lines_removed
            or self.lines_changed
            or self.attachments_added
            or self.attachments_removed
        )


def diff(old: Snapshot, new: Snapshot) -> VersionDiff:
    """Compare two snapshots: fields, plan lines by ``line_key``, attachments, totals."""
    old_lines, new_lines = _lines_by_key(old), _lines_by_key(new)
    old_files, new_files = _attachments_by_identity(old), _attachments_by_identity(new)
    return VersionDiff(
        fields=tuple(
            change
            for section, labels in FIELD_LABELS.items()
            for change in _field_changes(
                section, labels, snapshot_section(old, section), snapshot_section(new, section)
            )
        ),
        lines_added=tuple(_summary(k, line) for k, line in new_lines.items() if k not in old_lines),
        lines_removed=tuple(
            _summary(k, line) for k, line in old_lines.items() if k not in new_lines
        ),
        lines_changed=tuple(
            LineChange(_summary(key, line), changes)
            for key, line in new_lines.items()
            if key in old_lines and (changes := _line_changes(old_lines[key], line))
        ),
        attachments_added=tuple(a for k, a in new_files.items() if k not in old_files),
        attachments_removed=tuple(a for k, a in old_files.items() if k not in new_files),
        totals_before=totals(old),
        totals_after=totals(new),
    )


def totals(snapshot: Snapshot) -> Totals:
    """The sums of the plan of a snapshot; missing amounts count as zero."""
    lines = plan_lines(snapshot)
    return Totals(
        expenses=_sum(lines, PlanLineKind.EXPENSE),
        revenues=_sum(lines, PlanLineKind.REVENUE),
        requested=Money(int(snapshot_section(snapshot, "application").get("requested_cents") or 0)),
    )


def snapshot_section(snapshot: Snapshot, name: str) -> Mapping[str, Any]:
    """A section of a snapshot; an empty mapping when it is missing or null."""
    value = snapshot.get(name)
    return value if isinstance(value, Mapping) else {}


def plan_lines(snapshot: Snapshot) -> list[Mapping[str, Any]]:
    """The plan lines of a snapshot in their order (by ``position``, then as stored)."""
    lines = [line for line in snapshot.get("lines") or () if isinstance(line, Mapping)]
    return sorted(lines, key=lambda line: int(line.get("position") or 0))


def attachments(snapshot: Snapshot) -> list[AttachmentSummary]:
    """The attachments of a snapshot, in their order."""
    return [
        AttachmentSummary(
            kind=str(item.get("kind") or ""),
            label=_label(AttachmentKind, item.get("kind") or ""),
            filename=str(item.get("filename") or ""),
            size_bytes=int(item.get("size_bytes") or 0),
            sha256=str(item.get("sha256") or ""),
        )
        for item in snapshot.get("attachments") or ()
        if isinstance(item, Mapping)
    ]


def display_value(field: str, value: Any, kind: str = "") -> str:
    """A snapshot value as documents show it; ``kind`` tells a line's category vocabulary."""
    if value is None or (isinstance(value, str | list | tuple | dict) and not value):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | tuple):
        return ", ".join(display_value(field, item, kind) for item in value)
    if field.endswith("_cents"):
        return Money(int(value)).format()
    if field.endswith("_milli"):
        return thousandths(int(value))
    return _display_text(field, value, kind)


def thousandths(value: int) -> str:
    """A quantity or VZÄ stored in thousandths as people write it: ``120``, ``1,5``."""
    return format_decimal(Decimal(value) / 1000, locale="de_DE")


def _label(vocabulary: type[Labelled], value: Any) -> str:
    try:
        return vocabulary(value).label
    except ValueError:
        return str(value)


def _display_text(field: str, value: Any, kind: str) -> str:
    if field in _DATES:
        return _date(str(value))
    if field == "languages":
        return str(_GERMAN.languages.get(str(value), value))
    if field == "iban":
        compact = str(value).replace(" ", "")
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    if field == "category":
        return _label(_CATEGORIES.get(kind, ExpenseCategory), value)
    vocabulary = _ENUMS.get(field)
    return _label(vocabulary, value) if vocabulary else str(value)


def _date(text: str) -> str:
    try:
        return f"{date.fromisoformat(text[:10]):%d.%m.%Y}"
    except ValueError:
        return text


def _field(data: Mapping[str, Any], field: str) -> Any:
    outer, _, inner = field.partition(".")
    value = data.get(outer)
    if not inner:
        return value
    return value.get(inner) if isinstance(value, Mapping) else None


def _field_changes(
    section: str, labels: Mapping[str, str], old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[FieldChange]:
    changes = []
    for field, label in labels.items():
        before = display_value(field, _field(old, field))
        after = display_value(field, _field(new, field))
        if before != after:
            changes.append(FieldChange(section, field, label, before, after))
    return changes


def _line_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    changes = []
    for field, label in LINE_LABELS.items():
        before = display_value(field, old.get(field), str(old.get("kind") or ""))
        after = display_value(field, new.get(field), str(new.get("kind") or ""))
        if before != after:
            changes.append(FieldChange("lines", field, label, before, after))
    return tuple(changes)


def _summary(key: str, line: Mapping[str, Any]) -> LineSummary:
    kind = str(line.get("kind") or "")
    return LineSummary(
        line_key=key,
        kind=kind,
        category=display_value("category", line.get("category"), kind),
        description=str(line.get("description") or ""),
        amount=Money(int(line.get("amount_cents") or 0)),
    )


def _sum(lines: Sequence[Mapping[str, Any]], kind: PlanLineKind) -> Money:
    return Money(
        sum(int(line.get("amount_cents") or 0) for line in lines if line.get("kind") == kind)
    )


def _lines_by_key(snapshot: Snapshot) -> dict[str, Mapping[str, Any]]:
    """The plan lines by ``line_key``; a line without one is keyed by its place in the list."""
    return {
        str(line.get("line_key") or f"#{i}"): line for i, line in enumerate(plan_lines(snapshot))
    }


def _attachments_by_identity(snapshot: Snapshot) -> dict[tuple[str, str], AttachmentSummary]:
    return {(a.sha256, a.kind): a for a in attachments(snapshot)}
