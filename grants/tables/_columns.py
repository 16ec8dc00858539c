"""Column helpers that spell out the conventions once: cents, UTC timestamps, versions, FKs."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from piccolo.columns import BigInt, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

if TYPE_CHECKING:

    class Record(Table):
        """Base of every table; names the primary key Piccolo adds, for type checkers."""

        id: Serial

else:
    Record = Table


def cents(*, null: bool = False, **kwargs: Any) -> BigInt:
    """An amount in euro cents (see :mod:`grants.money`)."""
    return BigInt(null=null, default=None if null else 0, **kwargs)


def created_at() -> Timestamptz:
    return Timestamptz(default=TimestamptzNow())


def moment() -> Timestamptz:
    """An optional point in time, stored timezone-aware in UTC."""
    return Timestamptz(null=True, default=None)


def version() -> Integer:
    """Optimistic locking: every change sets ``version = version + 1 WHERE version = expected``."""
    return Integer(default=1)


def choice(enum: type[Enum], default: Enum | None = None, *, index: bool = False) -> Varchar:
    return Varchar(length=40, choices=enum, default=default or next(iter(enum)), index=index)


def ref(table: Any, *, null: bool = False, on_delete: OnDelete = OnDelete.restrict) -> ForeignKey:
    """A foreign key that refuses to delete what is still referenced (Piccolo's default cascades).

    ``table`` may be a dotted path ("grants.tables.awards.GrantAward") for a table defined later.
    """
    if isinstance(table, str):
        module_path, table_name = table.rsplit(".", 1)
        table = LazyTableReference(table_name, module_path=module_path)
    return ForeignKey(
        references=table,
        null=null,
        on_delete=on_delete,
        on_update=OnUpdate.restrict,
        index=True,
    )
