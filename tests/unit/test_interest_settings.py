"""Settings for interest and refunds: the margin over the base rate and the de-minimis limit."""

from pathlib import Path

import pytest

from grants.money import Money
from grants.settings import ConfigurationError, load_settings

BASE = {"SECRET_KEY": "x" * 40, "ENV": "demo"}


def settings(tmp_path: Path, **env: str):
    return load_settings({f"GRANTS_{k}": v for k, v in {**BASE, **env}.items()}, base_dir=tmp_path)


def test_the_margin_is_three_points_and_nothing_is_waived_by_default(tmp_path):
    s = settings(tmp_path)
    assert s.interest_margin_basis_points == 300
    assert s.refund_de_minimis == Money(0)


def test_margin_and_de_minimis_limit_are_configurable(tmp_path):
    s = settings(tmp_path, INTEREST_MARGIN_BASIS_POINTS="500", REFUND_DE_MINIMIS_CENTS=" 2500 ")
    assert s.interest_margin_basis_points == 500
    assert s.refund_de_minimis == Money(2_500)
    assert settings(tmp_path, INTEREST_MARGIN_BASIS_POINTS="0").interest_margin_basis_points == 0


@pytest.mark.parametrize("raw", ["-1", "3,5", "3 %", "drei", "10001", "٣٠٠"])
def test_a_bad_margin_is_one_german_line(tmp_path, raw):
    with pytest.raises(ConfigurationError) as caught:
        settings(tmp_path, INTEREST_MARGIN_BASIS_POINTS=raw)
    assert caught.value.problems == [
        f"GRANTS_INTEREST_MARGIN_BASIS_POINTS: {raw!r} ist keine ganze Zahl von 0 bis 10000"
    ]


@pytest.mark.parametrize("raw", ["-100", "25,00", "25 €", "100000000000"])
def test_a_bad_de_minimis_limit_is_one_german_line(tmp_path, raw):
    with pytest.raises(ConfigurationError) as caught:
        settings(tmp_path, REFUND_DE_MINIMIS_CENTS=raw)
    assert caught.value.problems == [
        f"GRANTS_REFUND_DE_MINIMIS_CENTS: {raw!r} ist keine ganze Zahl von 0 bis 99999999999"
    ]
