"""Fill grant_award.next_instalment_due for existing grants, as
grants.services.payments.refresh_next_instalments keeps it from now on (a separate migration,
because Piccolo runs a migration's raw steps before its column changes)."""

import json
from datetime import date

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-07T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Fill the next instalment due of existing grants"


async def fill_next_instalment_due():
    engine = engine_finder()
    grants = await engine.run_ddl(
        "SELECT g.id, d.payment_schedule FROM grant_award g JOIN decision d ON d.id = g.current_decision"
        " WHERE g.status IN ('approved', 'paying', 'report_due') AND NOT g.payments_suspended"
        " AND d.payment_mode = 'instalments'"
    )
    orders = await engine.run_ddl(
        "SELECT \"grant\", due_date FROM payment_order"
        " WHERE kind = 'instalment' AND status <> 'cancelled'"
    )
    ordered = {(o["grant"], str(o["due_date"])) for o in orders}
    for grant in grants:
        schedule = grant["payment_schedule"]
        items = json.loads(schedule) if isinstance(schedule, str) else schedule
        open_dues = [i["due"] for i in items if (grant["id"], i["due"]) not in ordered]
        if open_dues:
            due = date.fromisoformat(min(open_dues))
            await engine.run_ddl(
                f"UPDATE grant_award SET next_instalment_due = '{due.isoformat()}'"
                f" WHERE id = {int(grant['id'])}"
            )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)
    manager.add_raw(fill_next_instalment_due)
    return manager
