"""Reproducible samples of receipts for the in-depth check (VV Nr. 11.1 zu § 44 LHO NRW).

Monetary-unit sampling as weighted sampling without replacement: each draw picks one cent of
the amounts not yet drawn, uniformly (an integer from ``random.Random(seed)``), and takes the
receipt that cent belongs to — a receipt is drawn with a probability proportional to its amount,
and no receipt twice, so the sample has exactly ``size`` receipts besides those at or above the
threshold, which are always taken. Receipts of 0 € are drawn, uniformly, only once every other
receipt is. A Fenwick tree keeps each draw at O(log n). Pure: no I/O, no global random state.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from grants.money import Money

SEED_LIMIT = 10**10  # ten digits: short enough to quote in the audit memo and retype


@dataclass(frozen=True, slots=True)
class SampleItem:
    """A receipt that may be drawn: its number in the receipt list and its amount."""

    number: int
    amount: Money


@dataclass(frozen=True, slots=True)
class Sample:
    """The drawn sample; ``size`` is the number requested by monetary-unit sampling besides the
    threshold receipts; ``method`` describes the draw in German for the audit memo."""

    seed: int
    size: int
    threshold: Money
    method: str
    numbers: tuple[int, ...]  # receipt numbers drawn, ascending


def draw(items: Sequence[SampleItem], *, seed: int, size: int, threshold: Money) -> Sample:
    """Every receipt whose amount is at or above ``threshold`` (a threshold of 0 € means none),
    plus ``size`` of the others drawn by monetary-unit sampling — all of them if they are fewer.

    The same items (in the same order), seed, size and threshold give the same sample.
    """
    if size < 0:
        raise ValueError("the sample size must not be negative")
    certain = [item for item in items if _above(item, threshold)]
    rest = [item for item in items if not _above(item, threshold)]
    drawn = rest if size >= len(rest) else _weighted(rest, size, seed)
    numbers = tuple(sorted(item.number for item in [*certain, *drawn]))
    method = _method(seed, threshold, len(certain), len(rest), len(drawn))
    return Sample(seed, size, threshold, method, numbers)


def new_seed() -> int:
    """A fresh seed from the operating system's cryptographic source."""
    return secrets.randbelow(SEED_LIMIT)


def _above(item: SampleItem, threshold: Money) -> bool:
    return bool(threshold) and abs(item.amount.cents) >= threshold.cents


def _weighted(items: Sequence[SampleItem], size: int, seed: int) -> list[SampleItem]:
    rng = random.Random(seed)  # noqa: S311 — reproducible by design; the seed is recorded
    weights = _Fenwick([abs(item.amount.cents) for item in items])
    drawn: list[SampleItem] = []
    empty = [i for i, item in enumerate(items) if not item.amount]
    while len(drawn) < size:
        if weights.total:
            index = weights.find(rng.randrange(weights.total))
            weights.remove(index)
        else:
            index = empty.pop(rng.randrange(len(empty)))
        drawn.append(items[index])
    return drawn


class _Fenwick:
    """Prefix sums of integer weights that can be removed one by one (a binary indexed tree)."""

    def __init__(self, weights: list[int]) -> None:
        self.weights = weights
        self.tree = [0, *weights]
        for i in range(1, len(self.tree)):
            parent = i + (i & -i)
            if parent < len(self.tree):
                self.tree[parent] += self.tree[i]
        self.total = sum(weights)

    def remove(self, index: int) -> None:
        weight, self.weights[index] = self.weights[index], 0
        self.total -= weight
        i = index + 1
        while i < len(self.tree):
            self.tree[i] -= weight
            i += i & -i

    def find(self, target: int) -> int:
        """The index whose cumulative range [before, before + weight) holds ``target``."""
        position, step = 0, 1 << (len(self.tree) - 1).bit_length()
        while step:
            following = position + step
            if following < len(self.tree) and self.tree[following] <= target:
                position = following
                target -= self.tree[following]
            step >>= 1
        return position


def _method(seed: int, threshold: Money, certain: int, rest: int, drawn: int) -> str:
    text = "Stichprobe nach VV Nr. 11.1 zu § 44 LHO: "
    if threshold:
        text += f"Vollständig geprüft werden alle Belege ab {threshold.format()} ({certain})."
    else:
        text += "Ohne Schwellenwert für eine Vollprüfung."
    if not rest:
        return text + " Weitere Belege gibt es nicht."
    if drawn >= rest:
        return text + f" Die übrigen Belege ({rest}) werden alle geprüft."
    if not drawn:
        return text + f" Aus den übrigen Belegen ({rest}) wird keiner gezogen."
    return text + (
        f" Aus den übrigen Belegen ({rest}) wurden {drawn} betragsproportional gezogen "
        "(Monetary Unit Sampling ohne Zurücklegen: jeder Zug wählt gleichverteilt einen Cent der "
        "noch nicht gezogenen Belegbeträge, gezogen ist der Beleg, zu dem er gehört; größere "
        "Beträge werden daher eher gezogen). Zufallsgenerator Mersenne Twister (Python "
        f"random.Random) mit dem Startwert {seed}; derselbe Startwert, Schwellenwert und Umfang "
        "ergeben dieselbe Stichprobe."
    )
