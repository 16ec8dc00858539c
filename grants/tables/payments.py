"""Requests for funds (Mittelabrufe), payment orders and their export batches."""

from piccolo.columns import Date, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.awards import GrantAward
from grants.tables.budget import BudgetLine
from grants.tables.people import User
from grants.vocabulary import PaymentKind
from grants.workflow import FundsRequestStatus, PaymentOrderStatus


class FundsRequest(Record, tablename="funds_request"):
    """A Mittelabruf (ANBest-P 1.4): only what is due within two months."""

    grant = ref(GrantAward)
    amount_cents = cents()
    purpose = Text()
    due_within_two_months_cents = cents()
    own_funds_used_cents = cents()
    third_party_used_cents = cents()
    submitted_by = ref(User, null=True)
    submitted_at = created_at()
    status = choice(FundsRequestStatus)
    reviewed_by = ref(User, null=True)
    reviewed_at = moment()
    rejection_reason = Text()
    version = version()


class ExportBatch(Record, tablename="export_batch"):
    """Payment orders sent to the cash office together."""

    number = Varchar(length=40, unique=True)
    created_by = ref(User)
    created_at = created_at()
    file_sha256 = Varchar(length=64)
    idempotency_key = Varchar(length=64, null=True, default=None)  # unique: UNIQUE_TOGETHER


class PaymentOrder(Record, tablename="payment_order"):
    """An Auszahlungsanordnung: certified by one person, released by another (four eyes)."""

    grant = ref(GrantAward)
    budget_line = ref(BudgetLine)
    funds_request = ref(FundsRequest, null=True)
    kind = choice(PaymentKind)
    status = choice(PaymentOrderStatus, index=True)
    amount_cents = cents()
    due_date = Date(null=True, default=None)
    purpose = Varchar(length=140)  # SEPA Verwendungszweck
    order_number = Varchar(length=40, null=True, default=None, unique=True)  # Anordnungs-Nr.
    idempotency_key = Varchar(length=64, null=True, default=None, unique=True)
    created_by = ref(User, null=True)
    created_at = created_at()
    certified_by = ref(User, null=True)
    certified_at = moment()
    released_by = ref(User, null=True)
    released_at = moment()
    batch = ref(ExportBatch, null=True)
    paid_on = Date(null=True, default=None)
    cash_reference = Varchar(length=40)  # Kassenzeichen
    version = version()
