"""Usage reports (Verwendungsnachweise): narrative, indicators, actuals and receipts."""

from piccolo.columns import JSONB, BigInt, Boolean, Date, Integer, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.applications import PlanLine
from grants.tables.awards import GrantAward
from grants.tables.people import User
from grants.vocabulary import PlanLineKind, UsageReportKind
from grants.workflow import UsageReportStatus


class UsageReport(Record, tablename="usage_report"):
    grant = ref(GrantAward)
    kind = choice(UsageReportKind)
    status = choice(UsageReportStatus, index=True)
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    due_date = Date(null=True, default=None)
    narrative = Text()  # Sachbericht
    # The Sachbericht's prompts (goals vs. results, changes, challenges, outlook): key → text.
    answers = JSONB(default={})
    simplified = Boolean(default=False)  # einfacher Verwendungsnachweis: no receipt list
    confirmed = Boolean(default=False)  # figures truthful, receipts kept
    # The drawn sample (VV Nr. 11.1 zu § 44 LHO): seed, method, threshold, receipt numbers, who, when.
    sample = JSONB(default={})
    reviewer = ref(User, null=True)
    submitted_by = ref(User, null=True)
    submitted_at = moment()
    updated_at = moment()
    created_at = created_at()
    version = version()


class UsageReportVersion(Record, tablename="usage_report_version"):
    """A submitted usage report, frozen as a snapshot (like an application's versions)."""

    usage_report = ref(UsageReport)
    number = Integer()
    snapshot = JSONB(default={})
    content_sha256 = Varchar(length=64)
    submitted_by = ref(User, null=True)
    submitted_at = created_at()


class ReportReminder(Record, tablename="report_reminder"):
    """A reminder of a usage report's due date, queued once per grant, kind and due date."""

    grant = ref(GrantAward)
    kind = Varchar(length=20)  # "before" (4 weeks ahead) or "overdue" (the day after)
    due_date = Date()
    queued_at = created_at()


class ActualLine(Record, tablename="actual_line"):
    """The actual amount of one plan line (zahlenmäßiger Nachweis), mapped by the line's id."""

    usage_report = ref(UsageReport)
    plan_line = ref(PlanLine)
    amount_cents = cents()
    recognised_cents = cents(null=True)  # NULL until the KI has assessed the line
    note = Text()  # the association's explanation of a deviation
    reason = Text()  # the KI's reason for reducing or refusing
    version = version()


class Receipt(Record, tablename="receipt"):
    """One entry of the receipt list (Belegliste)."""

    usage_report = ref(UsageReport)
    actual_line = ref(ActualLine, null=True)
    kind = choice(PlanLineKind)  # an expense or an income
    number = Integer()
    receipt_date = Date(null=True, default=None)
    payee = Varchar(length=200)
    purpose = Varchar(length=300)
    amount_cents = cents()
    paid_on = Date(null=True, default=None)
    recognised_cents = cents(null=True)  # NULL until the KI has assessed the receipt
    reason = Text()  # the KI's reason for reducing or refusing
    sampled = Boolean(default=False)  # drawn into the sample: the association uploads it
    version = version()


class IndicatorValue(Record, tablename="indicator_value"):
    """A count for the professional evaluation: indicator plus one dimension value.

    E.g. ("contacts_by_gender", "female", 412) or ("sessions", "social_counselling", 96).
    Counts only, never lists of participants (DOMAIN.md §7).
    """

    usage_report = ref(UsageReport)
    indicator = Varchar(length=60)
    dimension = Varchar(length=60)
    value = BigInt(default=0)
    created_at = created_at()
