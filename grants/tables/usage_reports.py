"""Usage reports (Verwendungsnachweise): narrative, indicators, actuals and receipts."""

from piccolo.columns import BigInt, Boolean, Date, Integer, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.applications import PlanLine
from grants.tables.awards import GrantAward
from grants.tables.people import User
from grants.vocabulary import UsageReportKind
from grants.workflow import UsageReportStatus


class UsageReport(Record, tablename="usage_report"):
    grant = ref(GrantAward)
    kind = choice(UsageReportKind)
    status = choice(UsageReportStatus, index=True)
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    due_date = Date(null=True, default=None)
    narrative = Text()  # Sachbericht
    confirmed = Boolean(default=False)  # figures truthful, receipts kept
    reviewer = ref(User, null=True)
    submitted_by = ref(User, null=True)
    submitted_at = moment()
    created_at = created_at()
    version = version()


class ActualLine(Record, tablename="actual_line"):
    """The actual amount of one plan line (zahlenmäßiger Nachweis), mapped by the line's id."""

    usage_report = ref(UsageReport)
    plan_line = ref(PlanLine)
    amount_cents = cents()
    recognised_cents = cents(null=True)
    note = Text()
    version = version()


class Receipt(Record, tablename="receipt"):
    """One entry of the receipt list (Belegliste)."""

    usage_report = ref(UsageReport)
    actual_line = ref(ActualLine, null=True)
    number = Integer()
    receipt_date = Date(null=True, default=None)
    payee = Varchar(length=200)
    purpose = Varchar(length=300)
    amount_cents = cents()
    paid_on = Date(null=True, default=None)
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
