"""Applications (Anträge), their frozen versions, the cost and financing plan, attachments."""

from piccolo.columns import JSONB, BigInt, Boolean, Date, Integer, Text, Varchar

from grants.tables._columns import Record, cents, choice, created_at, moment, ref, version
from grants.tables.organisations import Centre, Organisation
from grants.tables.people import User
from grants.tables.programmes import Call
from grants.vocabulary import AttachmentKind, District, FinancingType, PlanLineKind
from grants.workflow import ApplicationStatus


class Application(Record, tablename="application"):
    """The working copy an association edits; submitting freezes an ApplicationVersion."""

    organisation = ref(Organisation)
    centre = ref(Centre, null=True)
    call = ref(Call)
    status = choice(ApplicationStatus, index=True)
    file_number = Varchar(length=40, null=True, default=None, unique=True)  # Aktenzeichen
    title = Varchar(length=300)
    summary = Text()
    goals = Text()
    target_groups = JSONB(default=[])
    planned_offers = JSONB(default=[])
    languages = JSONB(default=[])  # ISO 639 codes
    district = choice(District)
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    early_start_requested = Boolean(default=False)
    early_start_reason = Text()
    financing_type = choice(FinancingType)
    requested_cents = cents()
    declarations = JSONB(default={})
    deadline_extended_until = moment()
    reviewer = ref(User, null=True)
    created_by = ref(User, null=True)
    created_at = created_at()
    updated_at = moment()
    submitted_at = moment()
    decided_at = moment()
    withdrawn_at = moment()
    withdrawal_reason = Text()
    handed_over_at = moment()  # a member laid the finished draft before the signatories
    handed_over_by = ref(User, null=True)
    version = version()


class ApplicationVersion(Record, tablename="application_version"):
    """An immutable snapshot made at each submission (fields and plan lines as JSON)."""

    application = ref(Application)
    number = Integer()
    snapshot = JSONB(default={})
    content_sha256 = Varchar(length=64)
    submitted_by = ref(User, null=True)
    submitted_at = created_at()


class PlanLine(Record, tablename="plan_line"):
    """A line of the cost and financing plan; ``line_key`` stays stable across versions."""

    application = ref(Application)
    line_key = Varchar(length=36, index=True)
    kind = choice(PlanLineKind)
    category = Varchar(length=40)  # ExpenseCategory or RevenueType value
    description = Varchar(length=300)
    quantity_milli = BigInt(null=True, default=None)  # quantity × 1000, for quantity × unit price
    unit_price_cents = cents(null=True)
    amount_cents = cents()
    staff_function = Varchar(length=200)  # personnel lines: function, never a name
    fte_milli = Integer(null=True, default=None)  # VZÄ × 1000
    pay_group = Varchar(length=20)  # e.g. TVöD E 9b
    source = Varchar(length=200)  # third-party funds: who gives them
    position = Integer(default=0)
    version = version()


class Attachment(Record, tablename="attachment"):
    """Metadata of an uploaded file; the content lies outside the web root under its hash."""

    organisation = ref(Organisation)
    application = ref(Application, null=True)
    message = ref("grants.tables.communication.Message", null=True)
    usage_report = ref("grants.tables.usage_reports.UsageReport", null=True)
    receipt = ref("grants.tables.usage_reports.Receipt", null=True)  # a sampled receipt's copy
    kind = choice(AttachmentKind, AttachmentKind.OTHER)
    filename = Varchar(length=255)
    media_type = Varchar(length=120)
    size_bytes = BigInt()
    sha256 = Varchar(length=64, index=True)
    uploaded_by = ref(User, null=True)
    uploaded_at = created_at()
    deleted_at = moment()


class ChangeRequest(Record, tablename="change_request"):
    """A Nachforderung: points to fix by a deadline, for an application or a usage report."""

    application = ref(Application, null=True)
    usage_report = ref("grants.tables.usage_reports.UsageReport", null=True)
    points = Text()
    deadline = Date(null=True, default=None)
    requested_by = ref(User)
    requested_at = created_at()
    resolved_at = moment()
