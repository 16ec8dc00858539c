"""What the crash test reads from the database after a restart, as JSON on stdout:

    python -m tests.robustness.crash_check <application id>

run with the crashed server's GRANTS_* environment: the messages of the application, each budget
line's figures in cents (appropriation, committed, paid) and version, and the first audit event
that breaks the chain (null when it is intact).
"""

from __future__ import annotations

import asyncio
import json
import sys

from grants import audit, db
from grants.tables import Message

FIGURES = """
SELECT b.id, b.version, b.appropriation_cents AS appropriation,
       (SELECT COALESCE(SUM(c.amount_cents), 0) FROM budget_commitment c
         WHERE c.budget_line = b.id) AS committed,
       (SELECT COALESCE(SUM(p.amount_cents), 0) FROM payment_order p
         WHERE p.budget_line = b.id AND p.status = 'paid') AS paid
FROM budget_line b ORDER BY b.id
"""


async def main(application_id: int) -> dict[str, object]:
    messages = await Message.select(Message.body).where(Message.application == application_id)
    return {
        "messages": [m["body"] for m in messages],
        "lines": {
            str(row["id"]): {
                key: int(row[key]) for key in ("version", "appropriation", "committed", "paid")
            }
            for row in await db.fetch(FIGURES)
        },
        "audit_broken_at": await audit.verify_chain(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
