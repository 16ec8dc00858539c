"""Counting the SQL statements a piece of code runs, to keep list pages free of N+1 queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from grants import db


@dataclass
class QueryCount:
    start: int
    end: int | None = None

    @property
    def value(self) -> int:
        current = self.end if self.end is not None else db.get_engine().query_id
        return current - self.start


@contextmanager
def count_queries() -> Iterator[QueryCount]:
    """Every statement Piccolo runs on the engine bumps its ``query_id``; count the difference."""
    engine = db.get_engine()
    counter = QueryCount(start=engine.query_id)
    try:
        yield counter
    finally:
        counter.end = engine.query_id


@pytest.fixture
def queries():
    return count_queries
