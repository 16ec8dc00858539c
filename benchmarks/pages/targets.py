"""What the benchmark opens: the pages per persona, with ids looked up in the data."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

STAFF_START = ("reviewer", "approver", "finance", "admin", "auditor", "guest")


@dataclass(frozen=True)
class Page:
    label: str
    persona: str
    path: str
    template: bool = True  # an HTML page (compared with the framework floor), else JSON


async def pages(connection: asyncpg.Connection) -> list[Page]:
    async def value(sql: str, *args: object) -> int:
        found = await connection.fetchval(sql, *args)
        assert found is not None, sql
        return int(found)

    member_org = await value("SELECT m.organisation FROM membership m JOIN app_user u ON u.id = m.\"user\" "
                             "WHERE u.subject = 'demo-member'")  # fmt: skip
    draft = await value("SELECT id FROM application WHERE organisation = $1 AND status = 'draft' "
                        "AND title NOT LIKE 'Benchmark%' ORDER BY id LIMIT 1", member_org)  # fmt: skip
    own = await value("SELECT id FROM application WHERE organisation = $1 AND status = 'approved' "
                      "ORDER BY id DESC LIMIT 1", member_org)  # fmt: skip
    large = await value("SELECT a.id FROM application a JOIN plan_line p ON p.application = a.id "
                        "WHERE a.status IN ('submitted', 'in_review', 'changes_requested', 'ready') GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1")  # fmt: skip
    call = await value("SELECT \"call\" FROM application WHERE status IN ('ready', 'in_review', 'submitted') "
                       "GROUP BY \"call\" ORDER BY count(*) DESC LIMIT 1")  # fmt: skip
    line = await value(
        "SELECT budget_line FROM budget_commitment GROUP BY budget_line ORDER BY count(*) DESC LIMIT 1"
    )
    grant = await value(
        'SELECT "grant" FROM payment_order GROUP BY "grant" ORDER BY count(*) DESC, "grant" LIMIT 1'
    )
    starts = [Page(f"start ({p})", p, "/") for p in ("member", "signatory", *STAFF_START)]
    return [
        *starts,
        Page("calls", "member", "/foerderaufrufe"),
        Page("my applications", "member", "/antraege"),
        Page("task list", "member", f"/antraege/{own}"),
        Page("plan", "member", f"/antraege/{draft}/finanzplan"),
        Page("review queue", "reviewer", "/pruefung"),
        Page("review queue filtered", "reviewer", "/pruefung?status=in_review"),
        Page("review queue search", "reviewer", "/pruefung?suche=Verein"),
        Page("review workspace", "reviewer", f"/pruefung/antraege/{large}"),
        Page("decision pack", "approver", f"/pruefung/aufrufe/{call}/beschlussvorlage"),
        Page("usage report queue", "reviewer", "/pruefung/nachweise"),
        Page("usage report queue overdue", "reviewer", "/pruefung/nachweise?status=ueberfaellig"),
        Page("usage report queue search", "reviewer", "/pruefung/nachweise?suche=Verein"),
        Page("budget", "finance", "/haushalt"),
        Page("budget line", "finance", f"/haushalt/stellen/{line}"),
        Page("payments desk", "finance", "/finanzen/anordnungen"),
        Page("statements", "finance", "/finanzen/auszuege"),
        Page("grant payments", "finance", f"/zuwendungen/{grant}/zahlungen"),
        Page("API calls", "member", "/api/v1/calls", template=False),
        Page("API applications", "member", "/api/v1/applications", template=False),
        Page("API payment orders", "finance", "/api/v1/payment-orders", template=False),
        Page("API budget lines", "finance", "/api/v1/budget-lines?year=2026", template=False),
    ]


async def writable_drafts(connection: asyncpg.Connection, count: int) -> list[tuple[int, str]]:
    """``count`` draft applications of the member's association (copies of its draft, made once),
    each with the key of its first expense line: one per writing client, so that no two clients
    race for the same application's version."""
    member_org = await connection.fetchval("SELECT m.organisation FROM membership m JOIN app_user u "
                                           "ON u.id = m.\"user\" WHERE u.subject = 'demo-member'")  # fmt: skip
    existing = await connection.fetch(
        "SELECT id FROM application WHERE title LIKE 'Benchmark-Entwurf %' ORDER BY id"
    )
    ids = [r["id"] for r in existing]
    if len(ids) < count:
        source = await connection.fetchval("SELECT id FROM application WHERE organisation = $1 "
                                           "AND status = 'draft' ORDER BY id LIMIT 1", member_org)  # fmt: skip
        columns = [r["column_name"] for r in await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'application' "
            "AND column_name NOT IN ('id', 'title', 'file_number')")]  # fmt: skip
        line_columns = [r["column_name"] for r in await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'plan_line' "
            "AND column_name NOT IN ('id', 'application', 'line_key')")]  # fmt: skip
        listed, lines = (
            ", ".join(f'"{c}"' for c in columns),
            ", ".join(f'"{c}"' for c in line_columns),
        )
        for n in range(len(ids), count):
            new = await connection.fetchval(
                f"INSERT INTO application ({listed}, title) SELECT {listed}, $1 "  # noqa: S608 (names from the catalogue)
                "FROM application WHERE id = $2 RETURNING id",
                f"Benchmark-Entwurf {n + 1}",
                source,
            )
            await connection.execute(
                f"INSERT INTO plan_line ({lines}, application, line_key) SELECT {lines}, $1, "  # noqa: S608
                "gen_random_uuid()::text FROM plan_line WHERE application = $2",
                new,
                source,
            )
            ids.append(new)
    result = []
    for app in ids[:count]:
        key = await connection.fetchval("SELECT line_key FROM plan_line WHERE application = $1 "
                                        "AND kind = 'expense' ORDER BY position LIMIT 1", app)  # fmt: skip
        result.append((app, key))
    return result
