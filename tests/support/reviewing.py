"""Assessing the expense lines through the review workspace's one form, as a browser sends it."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.login import csrf_post


def line_ids(workspace: str) -> list[str]:
    """The expense lines of the assessment form, in the order shown (personnel first)."""
    return re.findall(r'name="line" value="(\d+)"', workspace)


async def review_ids(app_id: int) -> dict[str, str]:
    from grants.services.reviews import current

    found = await current(app_id)
    assert found is not None
    return {"review": str(found.id), "review_version": str(found.version)}


def assessment(lines: list[str], cuts: dict[int, dict[str, str]] | None = None) -> dict[str, Any]:
    """All lines in full, except the ``cuts`` by position, e.g. ``{0: {"verdict": "partial",
    "recognised": "28.000,00", "reason": "…"}}``."""
    form: dict[str, Any] = {"line": lines}
    for n, line in enumerate(lines):
        cut = (cuts or {}).get(n, {})
        form |= {f"verdict-{line}": cut.get("verdict", "full"), f"recognised-{line}": cut.get("recognised", ""),
                 f"reason-{line}": cut.get("reason", "")}  # fmt: skip
    return form


async def assess(staff: httpx.AsyncClient, app_id: int, cuts: dict[int, dict[str, str]] | None = None,
                 **extra: Any) -> httpx.Response:  # fmt: skip
    """Post the one assessment form of the workspace: all lines in full except the ``cuts``."""
    page = f"/pruefung/antraege/{app_id}"
    lines = line_ids((await staff.get(page)).text)
    return await csrf_post(
        staff, f"{page}/posten", {**await review_ids(app_id), **assessment(lines, cuts), **extra}
    )
