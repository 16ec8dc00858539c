"""The library of text blocks (Textbausteine): conditions (Nebenbestimmungen) and letter passages
that KI admins maintain, reviewers and approvers choose, and decision letters print.

Reviews and decisions store a block's ``key``, so a key never changes once the block exists, and
there is no delete: a block no longer wanted is deactivated, which only takes it out of the
choice (:func:`grants.services.reviews.text_blocks`); existing decisions keep printing it.
Every change runs in one transaction, expects the record's ``version`` (optimistic locking) and
writes an audit event. Problems come back as :class:`~grants.errors.Invalid`, all at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grants import audit, db
from grants.audit import Actor
from grants.paging import Page, page_of, window
from grants.services.programmes import _plain, _raise_problems, _row, _save, _text
from grants.tables import TextBlock

KEY_MIN = 2
KEY_MAX = 60
TITLE_MAX = 200
BODY_MAX = 8000
FIRST_LINE_MAX = 120  # of the body, in the list
KEY = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True, slots=True)
class TextBlockData:
    """What an admin enters for a text block."""

    key: str
    title: str
    body: str
    active: bool


@dataclass(frozen=True, slots=True)
class TextBlockRecord:
    id: int
    version: int
    data: TextBlockData
    decisions: int  # how many decisions name it among their conditions


@dataclass(frozen=True, slots=True)
class TextBlockSummary:
    """A row of the list: the body shows with its first line only."""

    id: int
    key: str
    title: str
    first_line: str
    active: bool


async def list_text_blocks(page: int = 1) -> Page[TextBlockSummary]:
    """One page of the blocks, active and inactive, by title (one query)."""
    limit, offset = window(page)
    rows = await TextBlock.select(
        TextBlock.id, TextBlock.key, TextBlock.title, TextBlock.body, TextBlock.active
    ).order_by(TextBlock.title).order_by(TextBlock.key).limit(limit).offset(offset)  # fmt: skip
    return page_of(
        [
            TextBlockSummary(
                id=r["id"],
                key=r["key"],
                title=r["title"],
                first_line=first_line(r["body"]),
                active=bool(r["active"]),
            )
            for r in rows
        ],
        page,
    )


async def get_text_block(text_block_id: int) -> TextBlockRecord:
    """One block with the number of decisions using it (two queries); :class:`NotFound`."""
    row = await _row(TextBlock, text_block_id)
    return TextBlockRecord(
        id=row["id"],
        version=row["version"],
        data=TextBlockData(
            key=row["key"], title=row["title"], body=row["body"], active=bool(row["active"])
        ),
        decisions=await decisions_using(row["key"]),
    )


async def create_text_block(
    actor: Actor, data: TextBlockData, *, unreadable: Mapping[str, str] | None = None
) -> int:
    """Add a block; ``unreadable``: fields the caller could not parse, reported alongside."""
    async with db.transaction():
        errors = text_block_problems(data)
        if "key" not in errors and await TextBlock.exists().where(TextBlock.key == data.key):
            errors["key"] = (
                f"Einen Textbaustein mit der Kennung „{data.key}“ gibt es schon. Bitte eine "
                "andere Kennung wählen."
            )
        _raise_problems(TextBlockData, errors, unreadable)
        values = {"key": data.key, **_columns(data)}
        rows = await TextBlock.insert(TextBlock(**values)).returning(TextBlock.id)
        text_block_id = int(rows[0]["id"])
        await audit.record(actor, "text_block.created", "text_block", text_block_id,
                           data={k: _plain(v) for k, v in values.items()})  # fmt: skip
    return text_block_id


async def update_text_block(actor: Actor, text_block_id: int, version: int, data: TextBlockData,
                            *, unreadable: Mapping[str, str] | None = None) -> None:  # fmt: skip
    """Change title, body and ``active`` of a block still at ``version`` (else
    :class:`Conflict`); a different ``data.key`` is refused, the key stays."""
    async with db.transaction():
        current = await _row(TextBlock, text_block_id)
        errors = text_block_problems(data)
        errors.pop("key", None)
        if data.key != current["key"]:
            errors["key"] = (
                f"Die Kennung „{current['key']}“ lässt sich nicht ändern, weil Prüfungen und "
                "Bescheide sie speichern. Für eine andere Kennung bitte einen neuen Textbaustein "
                "anlegen und diesen deaktivieren."
            )
        _raise_problems(TextBlockData, errors, _without_key(unreadable))
        await _save(TextBlock, "text_block", current, version, _columns(data), actor)


def text_block_problems(data: TextBlockData) -> dict[str, str]:
    """The rules that need no database, in field order."""
    errors: dict[str, str] = {}
    if not data.key:
        errors["key"] = "Bitte eine Kennung angeben, z. B. anbest_p."
    elif not KEY.fullmatch(data.key):
        errors["key"] = (
            "Bitte nur Kleinbuchstaben ohne Umlaute, Ziffern und _ verwenden, ohne Leerzeichen, "
            "z. B. anbest_p."
        )
    elif not KEY_MIN <= len(data.key) <= KEY_MAX:
        errors["key"] = (
            f"Die Kennung muss {KEY_MIN} bis {KEY_MAX} Zeichen lang sein (jetzt {len(data.key)})."
        )
    _text(errors, "title", data.title, TITLE_MAX)
    _text(errors, "body", data.body, BODY_MAX)
    return errors


async def decisions_using(key: str) -> int:
    """How many decisions name ``key`` among their conditions (a JSON array of keys)."""
    if db.get_engine().engine_type == "postgres":
        sql = "SELECT count(*) AS n FROM decision WHERE conditions ? {}"
    else:
        sql = (
            "SELECT count(*) AS n FROM decision WHERE EXISTS "
            "(SELECT 1 FROM json_each(decision.conditions) WHERE json_each.value = {})"
        )
    rows = await db.fetch(sql, key)
    return int(rows[0]["n"])


def first_line(body: str) -> str:
    """The first non-empty line of ``body``, shortened to :data:`FIRST_LINE_MAX` characters."""
    line = next((part.strip() for part in body.splitlines() if part.strip()), "")
    if len(line) <= FIRST_LINE_MAX:
        return line
    return line[: FIRST_LINE_MAX - 1].rstrip() + "…"


def _columns(data: TextBlockData) -> dict[str, Any]:
    """What an update may change: never the key."""
    return {"title": data.title, "body": data.body, "active": data.active}


def _without_key(unreadable: Mapping[str, str] | None) -> dict[str, str]:
    """On update only our own message speaks about the key."""
    return {k: v for k, v in (unreadable or {}).items() if k != "key"}
