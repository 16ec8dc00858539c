"""The status of the tax-exemption notice (Freistellungsbescheid), a pure function."""

from datetime import date, timedelta

import pytest

from grants.services.organisations import TaxExemptionStatus as S
from grants.services.organisations import months_later, tax_exemption_status

TODAY = date(2026, 11, 30)
IN_THREE_MONTHS = date(2027, 2, 28)  # 30 February does not exist


def test_three_months_later_keeps_the_day_or_takes_the_months_last():
    assert months_later(TODAY, 3) == IN_THREE_MONTHS
    assert months_later(date(2026, 1, 15), 3) == date(2026, 4, 15)
    assert months_later(date(2026, 10, 31), 3) == date(2027, 1, 31)
    assert months_later(date(2027, 11, 30), 3) == date(2028, 2, 29)  # leap year


@pytest.mark.parametrize(
    ("valid_until", "status", "sentence", "blocks"),
    [
        (None, S.MISSING, "Es ist kein Freistellungsbescheid eingetragen. Bis ein gültiger "
         "Bescheid eingetragen ist, können keine Anträge eingereicht werden.", True),
        (TODAY - timedelta(days=1), S.EXPIRED, "Der Freistellungsbescheid ist abgelaufen (gültig "
         "bis 29.11.2026). Bis ein gültiger Bescheid eingetragen ist, können keine Anträge "
         "eingereicht werden.", True),
        (TODAY, S.EXPIRES_SOON, "Der Freistellungsbescheid ist nur noch bis 30.11.2026 gültig. "
         "Bitte tragen Sie rechtzeitig den neuen Bescheid ein.", False),
        (IN_THREE_MONTHS, S.EXPIRES_SOON, "Der Freistellungsbescheid ist nur noch bis 28.02.2027 "
         "gültig. Bitte tragen Sie rechtzeitig den neuen Bescheid ein.", False),
        (IN_THREE_MONTHS + timedelta(days=1), S.VALID,
         "Der Freistellungsbescheid ist gültig bis 01.03.2027.", False),
    ],
    ids=["missing", "expired-yesterday", "expires-today", "expires-in-three-months",
         "valid-beyond-three-months"],
)  # fmt: skip
def test_the_four_states_with_a_german_sentence(valid_until, status, sentence, blocks):
    found = tax_exemption_status(valid_until, TODAY)
    assert found.status is status
    assert found.message == sentence
    assert found.blocks_submission is blocks
    assert found.needs_attention is (status is not S.VALID)
