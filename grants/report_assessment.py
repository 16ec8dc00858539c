"""The KI's assessment of a usage report, line by line and receipt by receipt (pure).

Each actual line is recognised in full, reduced (0 < amount < actual) or refused (0); anything
but "in full" needs a reason. The proposal for an expense line is what the 20 % rule recognises
(ANBest-P Nr. 1.2, :func:`grants.financing.deviation_check`); for a revenue line its actual.

Receipts and lines: as long as no receipt of a line is reduced or refused, the line is bounded
by its actual only. Once one is, the line may be recognised at most with the sum of its
receipts as recognised (receipts not assessed count in full): a cut receipt cuts its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from grants.money import Money
from grants.vocabulary import LineVerdict

RULE_REASON = "Überschreitung des Ansatzes um mehr als 20 % (ANBest-P Nr. 1.2)."
RECEIPT_REASON = "Belege dieser Zeile gekürzt oder nicht anerkannt."


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the reviewer chose for one line or receipt; ``verdict`` None when nothing was chosen."""

    item_id: int
    verdict: LineVerdict | None
    recognised: Money | None  # only read for a reduction
    reason: str


@dataclass(frozen=True, slots=True)
class Assessed:
    item_id: int
    verdict: LineVerdict
    recognised: Money
    reason: str


@dataclass(frozen=True, slots=True)
class Item:
    """A line or receipt to assess: its id, name for messages, the amount claimed and, for a
    line, the most it may be recognised with (None: its amount)."""

    item_id: int
    label: str
    amount: Money
    ceiling: Money | None = None


@dataclass(frozen=True, slots=True)
class ReceiptState:
    amount: Money
    recognised: Money | None  # None: not assessed


def receipt_ceiling(receipts: Iterable[ReceiptState]) -> Money | None:
    """The most a line may be recognised with because of its receipts: None while none of them
    is cut, else the sum of the receipts as recognised (unassessed ones in full)."""
    found = list(receipts)
    if not any(r.recognised is not None and r.recognised < r.amount for r in found):
        return None
    return Money.total(r.amount if r.recognised is None else r.recognised for r in found)


def verdict_of(amount: Money, recognised: Money) -> LineVerdict:
    if recognised >= amount:
        return LineVerdict.FULL
    return LineVerdict.NONE if recognised.cents == 0 else LineVerdict.PARTIAL


def proposal(actual: Money, rule: Money, ceiling: Money | None) -> Assessed:
    """The suggestion for a line not yet assessed: the 20 % rule's amount (``rule``; the actual
    for a revenue line), no more than its receipts allow."""
    recognised = min(actual, rule, ceiling if ceiling is not None else actual)
    reason = ""
    if recognised < actual:
        reason = RECEIPT_REASON if ceiling is not None and ceiling < rule else RULE_REASON
    return Assessed(0, verdict_of(actual, recognised), recognised, reason)


def check(
    items: Sequence[Item], inputs: Sequence[Verdict], *, prefix: str = ""
) -> tuple[dict[str, str], list[Assessed]]:
    """German messages per field (``<prefix>verdict-<id>``, ``…recognised-…``, ``…reason-…``) and
    the assessments. Every item needs a verdict; a reduction an amount over 0 and under the
    amount; anything but "in full" a reason; nothing above the item's ceiling."""
    errors: dict[str, str] = {}
    found: list[Assessed] = []
    given: Mapping[int, Verdict] = {i.item_id: i for i in inputs}
    for item in items:
        key = item.item_id
        chosen = given.get(key)
        if chosen is None or chosen.verdict is None:
            errors[f"{prefix}verdict-{key}"] = f"Bitte bewerten Sie „{item.label}“."
            continue
        recognised = {LineVerdict.FULL: item.amount, LineVerdict.NONE: Money(0)}.get(
            chosen.verdict, chosen.recognised
        )
        reason = chosen.reason.strip() if chosen.verdict is not LineVerdict.FULL else ""
        if chosen.verdict is not LineVerdict.FULL and not reason:
            errors[f"{prefix}reason-{key}"] = f"Bitte begründen Sie die Kürzung bei „{item.label}“."
        if recognised is None or (
            chosen.verdict is LineVerdict.PARTIAL and not Money(0) < recognised < item.amount
        ):
            errors[f"{prefix}recognised-{key}"] = (
                f"Bitte bei „{item.label}“ einen Betrag über 0 und unter {item.amount.format()} angeben."
            )
            continue
        if item.ceiling is not None and recognised > item.ceiling:
            field = f"{prefix}{'recognised' if chosen.verdict is LineVerdict.PARTIAL else 'verdict'}-{key}"
            errors[field] = (
                f"„{item.label}“ kann höchstens mit {item.ceiling.format()} anerkannt werden: "
                "so viel ergeben die anerkannten Belege dieser Zeile."
            )
            continue
        found.append(Assessed(key, chosen.verdict, recognised, reason))
    return errors, found
