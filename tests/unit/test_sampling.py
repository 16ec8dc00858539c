"""Monetary-unit sampling of receipts: reproducible, threshold items always, larger amounts likelier."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.money import Money
from grants.sampling import SEED_LIMIT, SampleItem, draw, new_seed

ITEMS = [SampleItem(n, Money(cents)) for n, cents in enumerate([120_00, 35_50, 990_00, 4_20, 50_000_00, 780_00, 12_00, 310_00, 65_00, 1_500_00], start=1)]  # fmt: skip
NONE = Money(0)

items_strategy = st.lists(
    st.integers(min_value=0, max_value=10_000_000), min_size=0, max_size=40
).map(lambda amounts: [SampleItem(n, Money(c)) for n, c in enumerate(amounts, start=1)])


def test_the_same_seed_gives_the_same_sample():
    first = draw(ITEMS, seed=4711, size=3, threshold=Money(1_000_00))
    again = draw(list(ITEMS), seed=4711, size=3, threshold=Money(1_000_00))
    assert first == again
    assert first.seed == 4711
    assert first.size == 3
    assert first.threshold == Money(1_000_00)


def test_different_seeds_usually_give_different_samples():
    samples = {draw(ITEMS, seed=seed, size=3, threshold=NONE).numbers for seed in range(30)}
    assert len(samples) >= 10


@given(items=items_strategy, seed=st.integers(0, SEED_LIMIT), size=st.integers(0, 50),
       threshold=st.integers(0, 10_000_000))  # fmt: skip
def test_threshold_items_are_always_in_and_size_counts_the_others(items, seed, size, threshold):
    sample = draw(items, seed=seed, size=size, threshold=Money(threshold))
    certain = {i.number for i in items if threshold and i.amount.cents >= threshold}
    assert certain <= set(sample.numbers)
    assert len(sample.numbers) == len(certain) + min(size, len(items) - len(certain))
    assert list(sample.numbers) == sorted(set(sample.numbers))
    assert sample == draw(items, seed=seed, size=size, threshold=Money(threshold))


def test_a_size_larger_than_the_items_takes_them_all():
    sample = draw(ITEMS, seed=1, size=100, threshold=Money(1_000_00))
    assert sample.numbers == tuple(range(1, 11))
    assert sample.method.endswith("Die übrigen Belege (8) werden alle geprüft.")


def test_larger_amounts_are_drawn_more_often():
    # one item carries three quarters of the amount: drawn in about 75 % of 2,000 seeds
    # (binomial standard deviation ≈ 1 %; a uniform draw would give 50 %)
    items = [SampleItem(1, Money(300_00)), SampleItem(2, Money(100_00))]
    counts = Counter(
        draw(items, seed=seed, size=1, threshold=NONE).numbers for seed in range(2_000)
    )
    assert 0.70 < counts[(1,)] / 2_000 < 0.80
    counts = Counter(
        n for seed in range(500) for n in draw(ITEMS, seed=seed, size=2, threshold=NONE).numbers
    )
    assert counts[5] > 480  # 50,000 € of 54,786.70 €: 91 % in the first draw, 99 % in two
    assert counts[5] > counts[3] > counts[4]  # 50,000 € > 990 € > 4.20 €


def test_receipts_of_nothing_are_drawn_only_after_all_others():
    items = [SampleItem(1, NONE), SampleItem(2, Money(1)), SampleItem(3, NONE)]
    for seed in range(20):
        assert 2 in draw(items, seed=seed, size=1, threshold=NONE).numbers
        assert len(draw(items, seed=seed, size=2, threshold=NONE).numbers) == 2


def test_the_method_is_described_for_the_audit_memo():
    sample = draw(ITEMS, seed=4711, size=3, threshold=Money(1_000_00))
    assert sample.method.startswith("Stichprobe nach VV Nr. 11.1 zu § 44 LHO")
    assert "Startwert 4711" in sample.method
    assert f"alle Belege ab {Money(1_000_00).format()} (2)." in sample.method
    assert "Aus den übrigen Belegen (8) wurden 3 betragsproportional gezogen" in sample.method
    assert "Ohne Schwellenwert" in draw(ITEMS, seed=1, size=3, threshold=NONE).method
    assert draw(ITEMS, seed=1, size=0, threshold=NONE).method.endswith(
        "Aus den übrigen Belegen (10) wird keiner gezogen."
    )
    assert draw(ITEMS, seed=1, size=0, threshold=Money(1)).method.endswith(
        "Weitere Belege gibt es nicht."
    )


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError, match="negative"):
        draw(ITEMS, seed=1, size=-1, threshold=NONE)


def test_new_seeds_are_fresh():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) > 15
    assert all(0 <= seed < SEED_LIMIT for seed in seeds)
