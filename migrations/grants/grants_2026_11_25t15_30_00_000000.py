"""Uniqueness over several columns, as unique indexes (Piccolo's composite constraints fail on SQLite)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-25T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes over several columns"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_app_user_issuer_subject"
    ' ON app_user ("issuer", "subject")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_user_role_user_role"
    ' ON user_role ("user", "role")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_membership_user_organisation"
    ' ON membership ("user", "organisation")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_budget_line_fiscal_year_product_plan_line_account_cost_centre"
    ' ON budget_line ("fiscal_year", "product", "plan_line", "account", "cost_centre")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_application_version_application_number"
    ' ON application_version ("application", "number")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_plan_line_application_line_key"
    ' ON plan_line ("application", "line_key")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_line_assessment_review_plan_line"
    ' ON line_assessment ("review", "plan_line")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_decision_application_number"
    ' ON decision ("application", "number")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_grant_award_application"
    ' ON grant_award ("application")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_fiscal_year_share_decision_year"
    ' ON fiscal_year_share ("decision", "year")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_actual_line_usage_report_plan_line"
    ' ON actual_line ("usage_report", "plan_line")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_receipt_usage_report_number"
    ' ON receipt ("usage_report", "number")',
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_indicator_value_usage_report_indicator_dimension"
    ' ON indicator_value ("usage_report", "indicator", "dimension")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="grants", description=DESCRIPTION)

    async def create_indexes():
        for statement in STATEMENTS:
            await engine_finder().run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
