"""Decisions (Bescheide) and the grants (Zuwendungen) they create."""

from piccolo.columns import JSONB, BigInt, Boolean, Date, Integer, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.applications import Application
from grants.tables.people import User
from grants.vocabulary import DecisionKind, FinancingType, PaymentMode
from grants.workflow import GrantStatus


class Decision(Record, tablename="decision"):
    """An immutable decision with every financing parameter of DOMAIN.md §4.

    A: eligible expenses, D: other funding, p: share (basis points, 6400 = 64 %), H: cap,
    F: fixed amount, rate × units for a Pauschale, Z: the approved grant.
    """

    application = ref(Application)
    kind = choice(DecisionKind)
    number = Integer(default=1)  # 1 = first decision, 2… = amendments
    financing_type = choice(FinancingType)
    eligible_cents = cents()
    other_funding_cents = cents()
    share_basis_points = Integer(null=True, default=None)
    cap_cents = cents(null=True)
    fixed_cents = cents(null=True)
    unit_rate_cents = cents(null=True)
    units_planned = Integer(null=True, default=None)
    approved_cents = cents()
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    budget_reservation = Boolean(default=False)  # unter Haushaltsvorbehalt
    payment_mode = choice(PaymentMode)
    payment_schedule = JSONB(default=[])  # [{"due": "2026-03-31", "cents": 800000}, …]
    usage_report_due = Date(null=True, default=None)
    conditions = JSONB(default=[])  # TextBlock keys
    reasons = Text()
    conflict_of_interest = Text()  # who did not take part, and why
    reviewer = ref(User, null=True)
    decided_by = ref(User, null=True)
    decided_at = created_at()
    notified_at = moment()  # Bekanntgabe
    letter = ref("grants.tables.communication.Document", null=True)


class GrantAward(Record, tablename="grant_award"):
    """A grant's lifecycle; its amounts are those of its current decision."""

    application = ref(Application)
    current_decision = ref(Decision)
    status = choice(GrantStatus, index=True)
    payments_suspended = Boolean(default=False)
    # The earliest instalment without an order while the grant pays out in instalments (else
    # NULL): kept by grants.services.payments.refresh_next_instalments for the payments desk.
    next_instalment_due = Date(null=True, default=None, index=True)
    created_at = created_at()
    version = version()


class FiscalYearShare(Record, tablename="fiscal_year_share"):
    """How a decision's amount is split over fiscal years (multi-year grants)."""

    decision = ref(Decision)
    year = Integer()
    amount_cents = cents()


class BaseRate(Record, tablename="base_rate"):
    """The Basiszinssatz (§ 247 BGB) valid from a date, in basis points (may be negative)."""

    valid_from = Date(unique=True)
    rate_basis_points = BigInt()
    note = Varchar(length=200)


class Settlement(Record, tablename="settlement"):
    """The Abrechnung of a grant after its usage report: A′, D′, Z′, refund, interest."""

    grant = ref(GrantAward)
    usage_report = ref("grants.tables.usage_reports.UsageReport")
    recognised_expenses_cents = cents()
    recognised_other_funding_cents = cents()
    final_cents = cents()
    paid_cents = cents()
    refund_cents = cents()
    subsequent_cents = cents()
    interest_cents = cents()  # § 49a Abs. 3 VwVfG NRW, on the refund
    late_use_interest_cents = cents()  # § 49a Abs. 4 VwVfG NRW, on money used late
    interest_from = Date(null=True, default=None)  # the day the decision ceased to be effective
    refund_due_date = Date(null=True, default=None)
    hearing_sent_at = moment()
    hearing_deadline = Date(null=True, default=None)
    refund_decided_at = moment()
    repaid_at = moment()
    repaid_cents = cents()
    cash_reference = Varchar(length=40)  # Kassenzeichen of the receivable
    notes = Text()
    recognised_by = ref(User, null=True)  # who recognised the figures
    settled_by = ref(User, null=True)
    signed_off_by = ref(User, null=True)  # four eyes: not the one who recognised the figures
    signed_off_at = moment()
    subsequent_order = ref("grants.tables.payments.PaymentOrder", null=True)
    created_at = created_at()
    version = version()


class Amendment(Record, tablename="amendment"):
    """A change an association asks for after approval (period, plan, amount within the cap).

    It is reviewed like an application; an approval becomes an Änderungsbescheid, a new decision
    of the grant, and moves the committed budget by the difference.
    """

    grant = ref(GrantAward)
    status = Varchar(length=20, default="requested")  # requested, approved, rejected, withdrawn
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    requested_cents = cents()  # the grant the association asks for now (≤ the cap)
    plan = JSONB(default=[])  # [{"line_key": …, "amount_cents": …}] — new amounts of plan lines
    reason = Text()
    requested_by = ref(User, null=True)
    requested_at = created_at()
    reviewer = ref(User, null=True)
    recommendation = Text()
    decision = ref(Decision, null=True)
    decided_at = moment()
    version = version()
