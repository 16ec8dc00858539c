"""The current time, always timezone-aware UTC (one place to freeze it in tests)."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
