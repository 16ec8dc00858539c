"""Funding programmes, their calls per fiscal year, and the library of condition texts."""

from piccolo.columns import JSONB, Boolean, Integer, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.budget import BudgetLine, FiscalYear
from grants.vocabulary import FinancingType, PaymentMode


class Programme(Record, tablename="programme"):
    """A Förderprogramm; its rules are data, not code paths."""

    name = Varchar(length=200, unique=True)
    short_name = Varchar(length=40)
    description = Text()
    guideline = Text()
    default_financing_type = choice(FinancingType)
    cost_categories = JSONB(default=[])  # allowed ExpenseCategory values
    min_grant_cents = cents()
    max_grant_cents = cents(null=True)
    indicator_set = Varchar(length=40)
    interim_reports = Boolean(default=False)
    simplified_report = Boolean(default=False)  # einfacher Verwendungsnachweis allowed
    active = Boolean(default=True)
    payment_mode = choice(PaymentMode)  # proposed in the decision form
    instalments = Integer(default=4)  # fixed instalments proposed in the decision form
    standard_conditions = JSONB(default=[])  # TextBlock keys ticked in the decision form
    version = version()


class Call(Record, tablename="funding_call"):
    """A Förderaufruf of a programme for a fiscal year, paid from one budget line."""

    programme = ref(Programme)
    fiscal_year = ref(FiscalYear)
    budget_line = ref(BudgetLine)
    title = Varchar(length=200)
    description = Text()
    opens_at = moment()
    closes_at = moment()
    budget_cents = cents()
    created_at = created_at()
    version = version()


class TextBlock(Record, tablename="text_block"):
    """A condition (Nebenbestimmung) or letter passage that admins maintain."""

    key = Varchar(length=60, unique=True)
    title = Varchar(length=200)
    body = Text()
    active = Boolean(default=True)
    version = version()
