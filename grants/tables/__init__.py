"""The Piccolo tables of the whole domain (DOMAIN.md §2), one module per aggregate."""

from piccolo.table import Table

from grants.tables.applications import (
    Application,
    ApplicationVersion,
    Attachment,
    ChangeRequest,
    PlanLine,
)
from grants.tables.audit import AuditEvent
from grants.tables.awards import (
    Amendment,
    BaseRate,
    Decision,
    FiscalYearShare,
    GrantAward,
    Settlement,
)
from grants.tables.budget import BudgetCommitment, BudgetLine, FiscalYear
from grants.tables.communication import Document, Message, Notification
from grants.tables.organisations import Centre, Invitation, Membership, Organisation
from grants.tables.payments import ExportBatch, FundsRequest, PaymentOrder
from grants.tables.people import DevOidcCode, RateCounter, User, UserRole, WebSession
from grants.tables.programmes import Call, Programme, TextBlock
from grants.tables.reviews import LineAssessment, Review
from grants.tables.usage_reports import (
    ActualLine,
    IndicatorValue,
    Receipt,
    ReportReminder,
    UsageReport,
    UsageReportVersion,
)

# In dependency order: a table comes after every table it references.
TABLES: tuple[type[Table], ...] = (
    User, UserRole, WebSession, RateCounter, DevOidcCode,
    Organisation, Centre, Membership, Invitation,
    FiscalYear, BudgetLine, Programme, Call, TextBlock,
    Application, ApplicationVersion, PlanLine,
    Review, LineAssessment,
    Document, Decision, GrantAward, FiscalYearShare, BaseRate, BudgetCommitment, Amendment,
    FundsRequest, ExportBatch, PaymentOrder,
    UsageReport, UsageReportVersion, ReportReminder, ActualLine, Receipt, IndicatorValue, Settlement,
    ChangeRequest,
    Message, Attachment, Notification,
    AuditEvent,
)  # fmt: skip

# Uniqueness over several columns (or added later: SQLite cannot add a UNIQUE column), as unique
# indexes named ux_<table>_<columns> that the migrations create.
UNIQUE_TOGETHER: tuple[tuple[type[Table], tuple[str, ...]], ...] = (
    (User, ("issuer", "subject")),
    (UserRole, ("user", "role")),
    (Membership, ("user", "organisation")),
    (BudgetLine, ("fiscal_year", "product", "plan_line", "account", "cost_centre")),
    (ApplicationVersion, ("application", "number")),
    (PlanLine, ("application", "line_key")),
    (LineAssessment, ("review", "plan_line")),
    (Decision, ("application", "number")),
    (GrantAward, ("application",)),
    (FiscalYearShare, ("decision", "year")),
    (ActualLine, ("usage_report", "plan_line")),
    (Receipt, ("usage_report", "number")),
    (IndicatorValue, ("usage_report", "indicator", "dimension")),
    (UsageReportVersion, ("usage_report", "number")),
    (ReportReminder, ("grant", "kind", "due_date")),
    (ExportBatch, ("idempotency_key",)),
)


def unique_index_name(table: type[Table], columns: tuple[str, ...]) -> str:
    return f"ux_{table._meta.tablename}_{'_'.join(columns)}"


__all__ = [t.__name__ for t in TABLES] + ["TABLES", "UNIQUE_TOGETHER", "unique_index_name"]
