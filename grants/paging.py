"""Pages of a list: a list page reads one page more than one row (``limit + 1``), never the
history; newest first unless the list says otherwise."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PER_PAGE = 25
MAX_PAGE = 100_000  # beyond any list; keeps the offset a small number


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """The rows of one page; ``has_next`` tells of more without counting them."""

    rows: list[T]
    number: int = 1
    has_next: bool = False

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def window(number: int, per_page: int = PER_PAGE) -> tuple[int, int]:
    """``(limit, offset)`` for page ``number`` (from 1): one row more than the page shows."""
    number = min(max(number, 1), MAX_PAGE)
    return per_page + 1, (number - 1) * per_page


def page_of(rows: Sequence[T], number: int, per_page: int = PER_PAGE) -> Page[T]:
    """The page from the rows a ``window`` query returned."""
    return Page(list(rows[:per_page]), min(max(number, 1), MAX_PAGE), len(rows) > per_page)
