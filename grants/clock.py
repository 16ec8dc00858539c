"""The current time, always timezone-aware UTC (one place to freeze it in tests)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Köln."""
    return now().astimezone(BERLIN).date()
