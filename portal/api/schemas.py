"""Request and response bodies of the JSON API (msgspec Structs).

Money travels as a decimal string with a dot, e.g. ``"1234.56"``, and is read exactly into
:class:`~grants.money.Money`; quantities likewise (``"0.5"``). Requests refuse unknown fields, so
nobody sets a status or an amount the use case does not take. Text goes through the same
readers as the pages (:class:`~portal.forms.Form`): trimmed, control characters dropped, the
same limits and German messages.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.datastructures import UploadFile
from litestar.typing import FieldDefinition

from grants.errors import Invalid
from grants.money import MAX_AMOUNT, Money
from grants.services import applications as apps
from grants.services import messages, plans
from grants.services.applications import ApplicationView, ListItem, ProjectInput, Task
from grants.services.calls import OpenCall
from grants.services.messages import MessageView
from grants.vocabulary import (
    AttachmentKind,
    District,
    ExpenseCategory,
    FinancingType,
    OfferType,
    PlanLineKind,
    TargetGroup,
)
from grants.workflow import ApplicationStatus
from portal.applications.controllers import LANGUAGES
from portal.forms import Form
from portal.inputs import Id

DECIMAL = re.compile(r"[0-9]+(?:\.([0-9]+))?")  # group 1: the decimals
MAX_QUANTITY = Decimal(10**9)

Amount = Annotated[str, msgspec.Meta(
    description="Euro als Dezimalzahl mit Punkt und höchstens zwei Nachkommastellen",
    examples=["1234.56"],
)]  # fmt: skip
Quantity = Annotated[str, msgspec.Meta(
    description="Dezimalzahl mit Punkt und höchstens drei Nachkommastellen", examples=["0.5"]
)]  # fmt: skip
# Required text: refused (422, "Bitte ausfüllen.") when empty or blank. Only documented here, not
# checked by msgspec, so that the Form readers report every field's problem at once in German.
Text = Annotated[
    str, msgspec.Meta(extra_json_schema={"extra": {"min_length": 1, "pattern": r"\S"}})
]


# -- reading ---------------------------------------------------------------------------------


def _decimal(form: Form, name: str, *, places: int, example: str, noun: str) -> Decimal | None:
    """A non-negative decimal string with a dot and at most ``places`` decimals, or None."""
    text = form.raw(name).strip()
    if not text:
        return None
    if text.startswith("-") and DECIMAL.fullmatch(text[1:]):
        form.error(name, f"Bitte keinen negativen {noun} angeben.")
        return None
    if not (match := DECIMAL.fullmatch(text)):
        form.error(name, f"„{text}“ ist kein gültiger {noun}. Bitte so angeben: {example}")
        return None
    if len(match[1] or "") > places:
        form.error(name, "Bitte höchstens zwei Nachkommastellen (Cent) angeben." if places == 2
                   else f"Bitte höchstens {places} Nachkommastellen angeben.")  # fmt: skip
        return None
    return Decimal(text)  # exact: the constructor does not round


def amount(form: Form, name: str, *, required: bool = True) -> Money | None:
    """A euro amount such as ``"1234.56"``, exactly to the cent."""
    value = _decimal(form, name, places=2, example="1234.56", noun="Betrag")
    if value is None:
        if required and name not in form.errors:
            form.error(name, "Bitte einen Betrag angeben.")
        return None
    if value > MAX_AMOUNT.to_decimal():
        form.error(name, f"Bitte höchstens {MAX_AMOUNT.format()} angeben.")
        return None
    return Money(int(value * 100))


def quantity(form: Form, name: str) -> Decimal | None:
    """An optional number such as ``"0.5"`` (at most three decimals)."""
    value = _decimal(form, name, places=3, example="0.5", noun="Wert")
    if value is not None and value > MAX_QUANTITY:
        form.error(name, f"Bitte höchstens {MAX_QUANTITY} angeben.")
        return None
    return value


def checked(form: Form) -> None:
    if not form.ok:
        raise Invalid(form.errors)


class RequestBody(msgspec.Struct, forbid_unknown_fields=True):
    """A request body: unknown fields are refused (422), never ignored."""


class RequestBodySchemas(StructSchemaPlugin):
    """Documents that request bodies refuse unknown fields: ``additionalProperties: false``.

    (Litestar's own plugin for msgspec Structs, which leaves ``forbid_unknown_fields`` out.)"""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return field_definition.is_subclass_of(RequestBody)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Any:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema


class Versioned(RequestBody):
    version: Id  # the version the client read; a newer one answers 409


class StartRequest(RequestBody):
    call_id: Id
    organisation_id: Id


class ApplicantRequest(Versioned):
    centre_id: Id


class ProjectRequest(Versioned, kw_only=True):
    title: Text
    summary: Text
    goals: Text
    target_groups: list[TargetGroup] = []
    planned_offers: list[OfferType]
    languages: list[str] = []
    district: District
    period_start: date
    period_end: date
    early_start_requested: bool = False
    early_start_reason: str = ""

    def to_input(self) -> ProjectInput:
        form = Form(msgspec.structs.asdict(self))
        data = ProjectInput(
            title=form.text("title", max_length=apps.LIMITS["title"]),
            summary=form.text("summary", max_length=apps.LIMITS["summary"], multiline=True),
            goals=form.text("goals", max_length=apps.LIMITS["goals"], multiline=True),
            target_groups=self.target_groups, planned_offers=self.planned_offers, languages=self.languages,
            district=self.district, period_start=self.period_start, period_end=self.period_end,
            early_start_requested=self.early_start_requested,
            early_start_reason=form.text("early_start_reason", required=False, multiline=True,
                                         max_length=apps.LIMITS["early_start_reason"]),
        )  # fmt: skip
        if not self.planned_offers:
            form.error("planned_offers", "Bitte mindestens eine Möglichkeit wählen.")
        if any(code not in LANGUAGES for code in self.languages):
            form.error("languages", "Bitte nur angebotene Sprachen wählen.")
        checked(form)
        return data


class FinancingRequest(Versioned):
    requested: Amount
    financing_type: FinancingType

    def to_money(self) -> Money:
        form = Form(msgspec.structs.asdict(self))
        requested = amount(form, "requested")
        checked(form)
        return requested or Money(0)


class DeclarationsRequest(Versioned, kw_only=True):
    no_early_start: bool = False
    truthful: bool = False
    privacy_notice: bool = False
    input_tax_deduction: bool

    def to_dict(self) -> dict[str, bool]:
        return {k: v for k, v in msgspec.structs.asdict(self).items() if k != "version"}


class LineRequest(Versioned):
    """A line of the plan: ``amount``, or ``quantity`` × ``unit_price``."""

    kind: PlanLineKind
    category: Text
    description: Text
    amount: Amount | None = None
    quantity: Quantity | None = None
    unit_price: Amount | None = None
    staff_function: str = ""
    fte: Quantity | None = None
    pay_group: str = ""
    source: str = ""

    def to_input(self) -> plans.LineInput:
        form = Form(msgspec.structs.asdict(self))
        personnel = self.category == ExpenseCategory.PERSONNEL.value
        data = plans.LineInput(
            kind=self.kind, category=self.category, description=form.text("description", max_length=300),
            amount=amount(form, "amount", required=False), quantity=quantity(form, "quantity"),
            unit_price=amount(form, "unit_price", required=False),
            staff_function=form.text("staff_function", required=False, max_length=200) if personnel else "",
            fte=quantity(form, "fte") if personnel else None,
            pay_group=form.text("pay_group", required=False, max_length=20) if personnel else "",
            source=form.text("source", required=False, max_length=200),
        )  # fmt: skip
        checked(form)
        return data


class UploadRequest(RequestBody):
    """multipart/form-data: ``version``, ``kind`` and ``file`` (at most 20 MB)."""

    version: Id
    kind: AttachmentKind
    file: UploadFile


class WithdrawRequest(Versioned):
    reason: Text

    def to_reason(self) -> str:
        form = Form({"reason": self.reason})
        reason = form.text("reason", max_length=apps.LIMITS["reason"], multiline=True)
        checked(form)
        return reason


class MessageRequest(RequestBody):
    body: str

    def to_text(self) -> str:
        form = Form({"body": self.body})
        body = form.text("body", required=False, max_length=messages.MAX_BODY, multiline=True)
        checked(form)
        return body


# -- answers ---------------------------------------------------------------------------------


def euro(money: Money) -> str:
    return f"{money.to_decimal():.2f}"


def _milli(value: int | None) -> str | None:
    return None if value is None else format(Decimal(value).scaleb(-3).normalize(), "f")


class CallOut(msgspec.Struct):
    id: int
    title: str
    programme: str
    fiscal_year: int
    closes_at: datetime
    budget: Amount

    @classmethod
    def of(cls, call: OpenCall) -> CallOut:
        return cls(
            call.id, call.title, call.programme, call.fiscal_year, call.closes_at, euro(call.budget)
        )


class ApplicationSummary(msgspec.Struct):
    id: int
    status: ApplicationStatus
    status_label: str
    file_number: str | None
    title: str
    organisation_name: str
    call_title: str
    requested: Amount
    updated_at: datetime | None

    @classmethod
    def of(cls, item: ListItem) -> ApplicationSummary:
        return cls(item.id, item.status, item.status.label, item.file_number, item.title,
                   item.organisation_name, item.call_title, euro(item.requested), item.updated_at)  # fmt: skip


class LineOut(msgspec.Struct):
    line_key: str
    kind: PlanLineKind
    category: str
    description: str
    amount: Amount
    quantity: Quantity | None
    unit_price: Amount | None
    staff_function: str
    fte: Quantity | None
    pay_group: str
    source: str
    position: int


class AttachmentOut(msgspec.Struct):
    id: int
    kind: AttachmentKind
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class TaskOut(msgspec.Struct):
    key: str
    title: str
    done: bool


class ProjectOut(msgspec.Struct):
    title: str
    summary: str
    goals: str
    target_groups: list[str]
    planned_offers: list[str]
    languages: list[str]
    district: str
    period_start: date | None
    period_end: date | None
    early_start_requested: bool
    early_start_reason: str


class FinancingOut(msgspec.Struct):
    """The requested grant and the plan's totals; ``gap`` = expenses − revenues − requested."""

    financing_type: FinancingType
    requested: Amount
    total_expenses: Amount
    total_revenues: Amount
    gap: Amount
    balanced: bool


class ApplicationDetail(msgspec.Struct):
    """An application as its readers see it; ``tasks`` and ``submission_problems`` only while
    it can be changed."""

    id: int
    version: int
    status: ApplicationStatus
    status_label: str
    editable: bool
    file_number: str | None
    organisation_id: int
    organisation_name: str
    centre_id: int | None
    centre_name: str | None
    call_id: int
    call_title: str
    programme: str
    fiscal_year: int
    deadline: datetime
    submitted_at: datetime | None
    created_at: datetime
    project: ProjectOut
    financing: FinancingOut
    lines: list[LineOut]
    declarations: dict[str, bool]
    attachments: list[AttachmentOut]
    tasks: list[TaskOut]
    submission_problems: list[str]

    @classmethod
    def of(cls, app: ApplicationView, tasks: list[Task], problems: list[str]) -> ApplicationDetail:
        return cls(
            id=app.id, version=app.version, status=app.status, status_label=app.status.label,
            editable=app.editable, file_number=app.file_number, organisation_id=app.organisation_id,
            organisation_name=app.organisation_name, centre_id=app.centre_id, centre_name=app.centre_name,
            call_id=app.call_id, call_title=app.call_title, programme=app.programme,
            fiscal_year=app.fiscal_year, deadline=app.deadline, submitted_at=app.submitted_at,
            created_at=app.created_at,
            project=ProjectOut(
                app.title, app.summary, app.goals, app.target_groups, app.planned_offers, app.languages,
                app.district, app.period_start, app.period_end, app.early_start_requested,
                app.early_start_reason,
            ),
            financing=FinancingOut(
                app.financing_type, euro(app.requested), euro(app.total_expenses),
                euro(app.total_revenues), euro(app.gap), app.balanced,
            ),
            lines=[LineOut(
                line.line_key, line.kind, line.category, line.description, euro(line.amount),
                _milli(line.quantity_milli), euro(line.unit_price) if line.unit_price else None,
                line.staff_function, _milli(line.fte_milli), line.pay_group, line.source, line.position,
            ) for line in app.lines],
            declarations=app.declarations,
            attachments=[AttachmentOut(a.id, a.kind, a.filename, a.media_type, a.size_bytes, a.sha256,
                                       a.uploaded_at) for a in app.attachments],
            tasks=[TaskOut(t.key, t.title, t.done) for t in tasks],
            submission_problems=problems,
        )  # fmt: skip


class LineCreated(msgspec.Struct):
    line_key: str
    application: ApplicationDetail


class AttachmentCreated(msgspec.Struct):
    attachment_id: int
    application: ApplicationDetail


class MessageFileOut(msgspec.Struct):
    id: int  # download: GET …/attachments/{id}
    filename: str
    size_bytes: int


class Problem(msgspec.Struct):
    """An error (``application/problem+json``); ``errors`` maps fields to German messages (422)."""

    status: int
    title: str
    detail: str
    request_id: str
    errors: dict[str, str] | None = None


class MessageOut(msgspec.Struct):
    id: int
    author: str
    from_staff: bool
    internal: bool
    body: str
    created_at: datetime
    files: list[MessageFileOut]

    @classmethod
    def of(cls, message: MessageView) -> MessageOut:
        return cls(message.id, message.author, message.from_staff, message.internal, message.body,
                   message.created_at, [MessageFileOut(f.id, f.filename, f.size_bytes) for f in message.files])  # fmt: skip
