"""Applications (Anträge): start, read, save step by step, submit, withdraw, and the review
transitions that hand an application back to the association (Nachforderung).

Who may do what:
- KI staff see every application; an association's people see their organisation's only
  (anything else is :class:`NotFound`, never the data).
- Members and signatories edit drafts and applications with changes requested; only a
  signatory submits or withdraws. Every save takes the version the form was built from and
  fails with :class:`Conflict` when someone saved meanwhile.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from grants import audit, clock, db, notifications
from grants.audit import Actor
from grants.clock import BERLIN
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.paging import Page, page_of, window
from grants.services.organisations import tax_exemption_status
from grants.services.users import Principal
from grants.tables import (
    Application,
    ApplicationVersion,
    Attachment,
    AuditEvent,
    Call,
    Centre,
    ChangeRequest,
    Organisation,
    PlanLine,
    Review,
)
from grants.vocabulary import (
    STAFF_ROLES,
    AttachmentKind,
    District,
    FinancingType,
    OfferType,
    PlanLineKind,
    Role,
    TargetGroup,
)
from grants.workflow import APPLICATION, ApplicationStatus, TransitionNotAllowed, advance

EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.CHANGES_REQUESTED)
REQUIRED_ATTACHMENTS = (AttachmentKind.STATUTES, AttachmentKind.TAX_EXEMPTION)
LIMITS = {"title": 300, "summary": 3000, "goals": 3000, "early_start_reason": 1000, "reason": 1000}


@dataclass(frozen=True, slots=True)
class LineView:
    id: int
    line_key: str
    kind: PlanLineKind
    category: str
    description: str
    amount: Money
    quantity_milli: int | None = None
    unit_price: Money | None = None
    staff_function: str = ""
    fte_milli: int | None = None
    pay_group: str = ""
    source: str = ""
    position: int = 0


@dataclass(frozen=True, slots=True)
class AttachmentView:
    id: int
    kind: AttachmentKind
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """An application with its plan and attachments, as its readers see it."""

    id: int
    version: int
    status: ApplicationStatus
    file_number: str | None
    organisation_id: int
    organisation_name: str
    centre_id: int | None
    centre_name: str | None
    call_id: int
    call_title: str
    programme: str
    programme_short: str
    fiscal_year: int
    closes_at: datetime
    deadline_extended_until: datetime | None
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
    financing_type: FinancingType
    requested: Money
    declarations: dict[str, bool]
    submitted_at: datetime | None
    created_at: datetime
    decided_at: datetime | None = None
    withdrawn_at: datetime | None = None
    reviewer_id: int | None = None
    handed_over_at: datetime | None = None
    handed_over_by: str = ""  # the member's name, while the draft lies before the signatories
    lines: list[LineView] = field(default_factory=list)
    attachments: list[AttachmentView] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def expenses(self) -> list[LineView]:
        return [line for line in self.lines if line.kind is PlanLineKind.EXPENSE]

    @property
    def revenues(self) -> list[LineView]:
        return [line for line in self.lines if line.kind is PlanLineKind.REVENUE]

    @property
    def total_expenses(self) -> Money:
        return Money.total(line.amount for line in self.expenses)

    @property
    def total_revenues(self) -> Money:
        return Money.total(line.amount for line in self.revenues)

    @property
    def shortfall(self) -> Money:
        """What the other revenue leaves open: expenses − revenues (the Fehlbetrag)."""
        return self.total_expenses - self.total_revenues

    @property
    def gap(self) -> Money:
        """What is left to close: expenses − revenues − requested grant (0 when balanced)."""
        return self.total_expenses - self.total_revenues - self.requested

    @property
    def balanced(self) -> bool:
        return not self.gap and bool(self.expenses)

    @property
    def deadline(self) -> datetime:
        extended = self.deadline_extended_until
        return max(self.closes_at, extended) if extended else self.closes_at

    def attachments_of(self, kind: AttachmentKind) -> list[AttachmentView]:
        return [a for a in self.attachments if a.kind is kind]


# -- reading ---------------------------------------------------------------------------------


def is_staff(principal: Principal) -> bool:
    return not principal.roles.isdisjoint(STAFF_ROLES)


async def get(principal: Principal, application_id: int) -> ApplicationView:
    """The application with lines and attachments (three queries), or :class:`NotFound`."""
    query = Application.select(
        *Application.all_columns(
            exclude=[Application.organisation, Application.centre, Application.call]
        ),
        Application.organisation.id.as_alias("organisation_id"),
        Application.organisation.legal_name.as_alias("organisation_name"),
        Application.centre.id.as_alias("centre_id"),
        Application.centre.name.as_alias("centre_name"),
        Application.call.id.as_alias("call_id"),
        Application.call.title.as_alias("call_title"),
        Application.call.closes_at.as_alias("closes_at"),
        Application.call.programme.name.as_alias("programme"),  # type: ignore[union-attr]
        Application.call.programme.short_name.as_alias("programme_short"),  # type: ignore[union-attr]
        Application.call.fiscal_year.year.as_alias("fiscal_year"),  # type: ignore[union-attr]
        Application.handed_over_by.display_name.as_alias("handed_over_by_name"),
    ).where(Application.id == application_id)
    if not is_staff(principal):
        query = query.where(Application.organisation.is_in(list(principal.organisation_ids) or [0]))
    row = await query.output(load_json=True).first()
    if row is None:
        raise NotFound(application_id)
    lines = (
        await PlanLine.select()
        .where(PlanLine.application == application_id)
        .order_by(PlanLine.kind)
        .order_by(PlanLine.position)
        .order_by(PlanLine.id)
    )
    attachments = (
        await Attachment.select()
        .where(
            (Attachment.application == application_id)
            & Attachment.deleted_at.is_null()
            & Attachment.message.is_null()
        )
        .order_by(Attachment.uploaded_at)
    )
    return _view(row, lines, attachments)


def _view(
    row: dict[str, Any], lines: list[dict[str, Any]], attachments: list[dict[str, Any]]
) -> ApplicationView:
    return ApplicationView(
        id=row["id"], version=row["version"], status=ApplicationStatus(row["status"]),
        file_number=row["file_number"], organisation_id=row["organisation_id"],
        organisation_name=row["organisation_name"], centre_id=row["centre_id"], centre_name=row["centre_name"],
        call_id=row["call_id"], call_title=row["call_title"], programme=row["programme"],
        programme_short=row["programme_short"], fiscal_year=row["fiscal_year"], closes_at=row["closes_at"],
        deadline_extended_until=row["deadline_extended_until"], title=row["title"], summary=row["summary"],
        goals=row["goals"], target_groups=list(row["target_groups"] or []),
        planned_offers=list(row["planned_offers"] or []), languages=list(row["languages"] or []),
        district=row["district"], period_start=row["period_start"], period_end=row["period_end"],
        early_start_requested=row["early_start_requested"], early_start_reason=row["early_start_reason"],
        financing_type=FinancingType(row["financing_type"]), requested=Money(row["requested_cents"]),
        declarations=dict(row["declarations"] or {}), submitted_at=row["submitted_at"],
        created_at=row["created_at"], decided_at=row["decided_at"], withdrawn_at=row["withdrawn_at"],
        reviewer_id=row["reviewer"], handed_over_at=row["handed_over_at"],
        handed_over_by=row["handed_over_by_name"] or "",
        lines=[LineView(
            id=line["id"], line_key=line["line_key"], kind=PlanLineKind(line["kind"]), category=line["category"],
            description=line["description"], amount=Money(line["amount_cents"]),
            quantity_milli=line["quantity_milli"],
            unit_price=Money(line["unit_price_cents"]) if line["unit_price_cents"] is not None else None,
            staff_function=line["staff_function"], fte_milli=line["fte_milli"], pay_group=line["pay_group"],
            source=line["source"], position=line["position"],
        ) for line in lines],
        attachments=[AttachmentView(
            id=a["id"], kind=AttachmentKind(a["kind"]), filename=a["filename"], media_type=a["media_type"],
            size_bytes=a["size_bytes"], sha256=a["sha256"], uploaded_at=a["uploaded_at"],
        ) for a in attachments],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ListItem:
    id: int
    status: ApplicationStatus
    file_number: str | None
    title: str
    organisation_name: str
    call_title: str
    requested: Money
    updated_at: datetime | None


async def listing(principal: Principal, page: int = 1) -> Page[ListItem]:
    """One page of the applications of the principal's organisations, newest first (one query)."""
    ids = list(principal.organisation_ids)
    if not ids:
        return Page([])
    limit, offset = window(page)
    rows = await Application.select(
        Application.id, Application.status, Application.file_number, Application.title,
        Application.organisation.legal_name, Application.call.title, Application.requested_cents,
        Application.updated_at,
    ).where(Application.organisation.is_in(ids)).order_by(Application.id, ascending=False).limit(limit).offset(offset)  # fmt: skip
    return page_of([
        ListItem(r["id"], ApplicationStatus(r["status"]), r["file_number"], r["title"] or "(ohne Titel)",
                 r["organisation.legal_name"], r["call.title"], Money(r["requested_cents"]), r["updated_at"])
        for r in rows
    ], page)  # fmt: skip


# -- steps -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    key: str
    title: str
    done: bool


def tasks(app: ApplicationView, organisation_has_register: bool) -> list[Task]:
    """The task list of a draft (pure): each step and whether it is complete."""
    project = bool(app.title and app.summary and app.goals and app.period_start and app.period_end
                   and app.planned_offers and (app.early_start_reason or not app.early_start_requested))  # fmt: skip
    required = [
        *REQUIRED_ATTACHMENTS,
        *([AttachmentKind.REGISTER_EXTRACT] if organisation_has_register else []),
    ]
    declarations = app.declarations
    declared = bool(declarations.get("truthful") and declarations.get("privacy_notice")
                    and "input_tax_deduction" in declarations
                    and (declarations.get("no_early_start") or app.early_start_requested))  # fmt: skip
    steps = [
        Task("antragsteller", "Antragsteller und Zentrum", app.centre_id is not None),
        Task("projekt", "Projekt", project),
        Task(
            "finanzplan", "Kosten- und Finanzierungsplan", app.balanced and app.requested.cents > 0
        ),
        Task("anlagen", "Anlagen", all(app.attachments_of(kind) for kind in required)),
        Task("erklaerungen", "Erklärungen", declared),
    ]
    return steps


async def _organisation(organisation_id: int) -> dict[str, Any]:
    row = await Organisation.select().where(Organisation.id == organisation_id).first()
    if row is None:
        raise NotFound(organisation_id)
    return row


async def organisation_of(app: ApplicationView) -> dict[str, Any]:
    return await _organisation(app.organisation_id)


async def task_list(principal: Principal, app: ApplicationView) -> list[Task]:
    organisation = await _organisation(app.organisation_id)
    return tasks(app, bool(organisation["register_number"]))


def _check_editor(principal: Principal, app: ApplicationView) -> None:
    if principal.role_in(app.organisation_id) is None:
        raise Forbidden(app.id)
    if not app.editable:
        raise Conflict(f"Der Antrag ist „{app.status.label}“ und kann nicht mehr geändert werden.")


async def touch(app_id: int, version: int, changes: dict[Any, Any] | None = None) -> int:
    """Write ``changes`` and bump the version, if nobody saved meanwhile; returns the new version.

    Any change takes back a hand-over for signature: the signatories were shown another draft.
    """
    values = {
        Application.handed_over_at: None,
        Application.handed_over_by: None,
        **(changes or {}),
        Application.updated_at: clock.now(),
        Application.version: version + 1,
    }
    done = (
        await Application.update(values)
        .where((Application.id == app_id) & (Application.version == version))
        .returning(Application.version)
    )
    if not done:
        raise Conflict("Der Antrag wurde inzwischen von jemand anderem geändert.")
    return int(done[0]["version"])


async def edit(principal: Principal, application_id: int, version: int) -> ApplicationView:
    """Load the application for a change by ``principal``; refuses when they may not."""
    app = await get(principal, application_id)
    _check_editor(principal, app)
    if app.version != version:
        raise Conflict("Der Antrag wurde inzwischen von jemand anderem geändert.")
    return app


async def start(
    principal: Principal, call_id: int, organisation_id: int, request_id: str = "-"
) -> int:
    """Open a draft for an open call; returns its id."""
    if principal.role_in(organisation_id) is None:
        raise NotFound(organisation_id)
    now = clock.now()
    async with db.transaction():
        call = (
            await Call.select(Call.id, Call.programme.default_financing_type)
            .where((Call.id == call_id) & (Call.opens_at <= now) & (Call.closes_at > now))
            .first()
        )
        if call is None:
            raise Invalid({"call": "Dieser Förderaufruf ist nicht geöffnet."})
        organisation = await _organisation(organisation_id)
        row = await Application.insert(Application(
            organisation=organisation_id, call=call_id, status=ApplicationStatus.DRAFT,
            district=organisation["district"], financing_type=call["programme.default_financing_type"],
            created_by=principal.id, updated_at=now,
        )).returning(Application.id)  # fmt: skip
        app_id = int(row[0]["id"])
        await audit.record(Actor(principal.id, request_id), "application.created", "application", app_id,
                           organisation=organisation_id)  # fmt: skip
    return app_id


async def save_applicant(principal: Principal, application_id: int, version: int, centre_id: int | None,
                         request_id: str = "-") -> int:  # fmt: skip
    async with db.transaction():
        app = await edit(principal, application_id, version)
        centre = (
            await Centre.select(Centre.id)
            .where((Centre.id == (centre_id or 0)) & (Centre.organisation == app.organisation_id))
            .first()
        )
        if centre is None:
            raise Invalid({"centre": "Bitte ein Zentrum Ihrer Organisation wählen."})
        new = await touch(app.id, version, {Application.centre: centre["id"]})
        await log_saved(principal, app, "applicant", request_id)
    return new


@dataclass(frozen=True, slots=True)
class ProjectInput:
    title: str
    summary: str
    goals: str
    target_groups: list[TargetGroup]
    planned_offers: list[OfferType]
    languages: list[str]
    district: District
    period_start: date
    period_end: date
    early_start_requested: bool
    early_start_reason: str


def check_project(data: ProjectInput, fiscal_year: int) -> dict[str, str]:
    """German messages per field for a project that cannot be right (pure)."""
    errors: dict[str, str] = {}
    if data.period_end < data.period_start:
        errors["period_end"] = "Das Ende muss nach dem Beginn liegen."
    elif data.period_start.year != fiscal_year or data.period_end.year != fiscal_year:
        errors["period_start"] = f"Der Zeitraum muss im Haushaltsjahr {fiscal_year} liegen."
    if data.early_start_requested and not data.early_start_reason:
        errors["early_start_reason"] = "Bitte begründen Sie den vorzeitigen Beginn."
    return errors


async def save_project(principal: Principal, application_id: int, version: int, data: ProjectInput,
                       request_id: str = "-") -> int:  # fmt: skip
    async with db.transaction():
        app = await edit(principal, application_id, version)
        if errors := check_project(data, app.fiscal_year):
            raise Invalid(errors)
        new = await touch(app.id, version, {
            Application.title: data.title, Application.summary: data.summary, Application.goals: data.goals,
            Application.target_groups: [g.value for g in data.target_groups],
            Application.planned_offers: [o.value for o in data.planned_offers],
            Application.languages: data.languages, Application.district: data.district,
            Application.period_start: data.period_start, Application.period_end: data.period_end,
            Application.early_start_requested: data.early_start_requested,
            Application.early_start_reason: data.early_start_reason if data.early_start_requested else "",
        })  # fmt: skip
        await log_saved(principal, app, "project", request_id)
    return new


async def save_declarations(principal: Principal, application_id: int, version: int,
                            declarations: dict[str, bool], request_id: str = "-") -> int:  # fmt: skip
    async with db.transaction():
        app = await edit(principal, application_id, version)
        errors = {
            k: "Bitte bestätigen."
            for k in ("truthful", "privacy_notice")
            if not declarations.get(k)
        }
        if not declarations.get("no_early_start") and not app.early_start_requested:
            errors["no_early_start"] = "Bitte bestätigen, dass das Projekt noch nicht begonnen hat."
        if errors:
            raise Invalid(errors)
        new = await touch(app.id, version, {Application.declarations: declarations})
        await log_saved(principal, app, "declarations", request_id)
    return new


async def log_saved(principal: Principal, app: ApplicationView, step: str, request_id: str) -> None:
    await audit.record(Actor(principal.id, request_id), "application.saved", "application", app.id,
                       organisation=app.organisation_id, data={"step": step})  # fmt: skip


# -- submission ------------------------------------------------------------------------------


def applicable_deadline(app: ApplicationView, handed_back_until: date | None) -> datetime:
    """Until when the application may be (re)submitted: while a Nachforderung is open, the end
    of its last day (or a later extension) — not the call's Antragsfrist; otherwise that."""
    if app.status is not ApplicationStatus.CHANGES_REQUESTED or handed_back_until is None:
        return app.deadline
    end = datetime.combine(handed_back_until + timedelta(days=1), time(), BERLIN)
    extended = app.deadline_extended_until
    return max(end, extended) if extended else end


def submission_problems(app: ApplicationView, organisation: dict[str, Any], now: datetime,
                        handed_back_until: date | None = None) -> list[str]:  # fmt: skip
    """Why the application cannot be submitted yet (pure; empty when it can);
    ``handed_back_until`` is the deadline of the open Nachforderung, if any."""
    problems = []
    if now >= applicable_deadline(app, handed_back_until):
        problems.append(
            f"Die Frist der Nachforderung ist am {handed_back_until:%d.%m.%Y} abgelaufen."
            if app.status is ApplicationStatus.CHANGES_REQUESTED and handed_back_until else
            f"Der Förderaufruf ist seit {app.deadline.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr geschlossen."
        )  # fmt: skip
    for task in tasks(app, bool(organisation["register_number"])):
        if not task.done and task.key != "finanzplan":
            problems.append(f"Der Schritt „{task.title}“ ist noch nicht vollständig.")
    if not app.expenses:
        problems.append("Der Kosten- und Finanzierungsplan enthält noch keine Ausgaben.")
    elif app.gap:
        gap = app.gap
        problems.append(
            f"Der Kosten- und Finanzierungsplan ist nicht ausgeglichen: es fehlen {gap.format()}."
            if gap.cents > 0 else
            f"Einnahmen und beantragte Zuwendung übersteigen die Ausgaben um {(-gap).format()}."
        )  # fmt: skip
    if app.requested.cents <= 0:
        problems.append("Bitte die beantragte Zuwendung angeben.")
    notice = tax_exemption_status(
        organisation["tax_exemption_valid_until"], now.astimezone(BERLIN).date()
    )
    if notice.blocks_submission:
        problems.append(notice.message)
    return problems


async def _file_number(app: ApplicationView) -> str:
    """The next Aktenzeichen of the programme and year, e.g. ``IKZ-2027-0004``."""
    prefix = f"{app.programme_short}-{app.fiscal_year}-"
    await db.lock(f"file_number:{prefix}")
    taken = await Application.select(Application.file_number).where(
        Application.file_number.like(f"{prefix}%")
    )
    highest = max((int(r["file_number"].rsplit("-", 1)[-1]) for r in taken), default=0)
    return f"{prefix}{highest + 1:04d}"


def snapshot(
    app: ApplicationView, organisation: dict[str, Any], number: int, at: datetime
) -> dict[str, Any]:
    """The frozen, JSON-able content of a submitted version."""
    return {
        "application": {
            "file_number": app.file_number, "title": app.title, "summary": app.summary, "goals": app.goals,
            "target_groups": app.target_groups, "planned_offers": app.planned_offers,
            "languages": app.languages, "district": app.district,
            "period_start": app.period_start.isoformat() if app.period_start else None,
            "period_end": app.period_end.isoformat() if app.period_end else None,
            "early_start_requested": app.early_start_requested, "early_start_reason": app.early_start_reason,
            "financing_type": app.financing_type.value, "requested_cents": app.requested.cents,
            "declarations": app.declarations,
        },
        "organisation": {k: organisation[k] for k in ("legal_name", "legal_form", "street", "postcode", "city",
                                                      "iban", "account_holder")},
        "centre": {"name": app.centre_name} if app.centre_name else None,
        "call": {"title": app.call_title, "programme": app.programme, "fiscal_year": app.fiscal_year},
        "lines": [{
            "line_key": line.line_key, "kind": line.kind.value, "category": line.category,
            "description": line.description, "quantity_milli": line.quantity_milli,
            "unit_price_cents": line.unit_price.cents if line.unit_price else None,
            "amount_cents": line.amount.cents, "staff_function": line.staff_function,
            "fte_milli": line.fte_milli, "pay_group": line.pay_group, "source": line.source,
            "position": line.position,
        } for line in app.lines],
        "attachments": [{"kind": a.kind.value, "filename": a.filename, "size_bytes": a.size_bytes,
                         "sha256": a.sha256} for a in app.attachments],
        "submitted_at": at.isoformat(), "version": number,
    }  # fmt: skip


async def submit(
    principal: Principal, application_id: int, version: int, request_id: str = "-"
) -> int:
    """Freeze a version, give the file number, tell the association; returns the version number.

    Resubmitted after a Nachforderung, an application whose review is still open goes straight
    back "in Prüfung": the review continues where it stood, and its reviewer is told.
    """
    async with db.transaction():
        app = await edit(principal, application_id, version)
        reviewer = (
            await _open_reviewer(app) if app.status is ApplicationStatus.CHANGES_REQUESTED else None
        )
        status = advance_status("resubmit" if reviewer else "submit", app, principal)
        organisation = await _organisation(app.organisation_id)
        now = clock.now()
        handed_back = await open_change_request(app.id)
        until = handed_back["deadline"] if handed_back else None
        if problems := submission_problems(app, organisation, now, until):
            raise Invalid({f"problem{n}": text for n, text in enumerate(problems)})
        file_number = app.file_number or await _file_number(app)
        app = replace(app, file_number=file_number)
        previous = await ApplicationVersion.count().where(ApplicationVersion.application == app.id)
        number = previous + 1
        content = snapshot(app, organisation, number, now)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        await ApplicationVersion.insert(ApplicationVersion(
            application=app.id, number=number, snapshot=content, submitted_by=principal.id, submitted_at=now,
            content_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        ))  # fmt: skip
        await touch(app.id, version, {
            Application.status: status, Application.file_number: file_number, Application.submitted_at: now,
        })  # fmt: skip
        await ChangeRequest.update({ChangeRequest.resolved_at: now}).where(
            (ChangeRequest.application == app.id) & ChangeRequest.resolved_at.is_null()
        )
        await audit.record(Actor(principal.id, request_id), "application.submitted", "application", app.id,
                           organisation=app.organisation_id, data={"version": number, "file_number": file_number})  # fmt: skip
        for recipient in {principal.email, organisation["email"]} - {""}:
            await notifications.enqueue(
                recipient=recipient, subject=f"Antrag {file_number} eingegangen",
                body=(f"Guten Tag,\n\nder Antrag „{app.title}“ ({file_number}, Fassung {number}) ist am "
                      f"{now.astimezone(BERLIN):%d.%m.%Y um %H:%M} Uhr beim Kommunalen Integrationszentrum "
                      f"Köln eingegangen. Eingereicht von {principal.display_name}.\n\n"
                      "Den Stand sehen Sie jederzeit im Förderportal.\n"),
            )  # fmt: skip
        if reviewer and reviewer["reviewer.email"]:
            await notifications.enqueue(
                recipient=reviewer["reviewer.email"], subject=f"Antrag {file_number} erneut eingereicht",
                body=(f"Guten Tag,\n\nder Verein hat den Antrag „{app.title}“ ({file_number}) nach Ihrer "
                      f"Nachforderung als Fassung {number} erneut eingereicht. Ihre Prüfung geht weiter; "
                      "geänderte Posten sind zur neuen Bewertung markiert.\n"),
            )  # fmt: skip
    return number


async def _open_reviewer(app: ApplicationView) -> dict[str, Any] | None:
    """The reviewer of the application's open review (one not completed), if there is one."""
    return await Review.select(Review.reviewer.email).where(
        (Review.application == app.id) & Review.completed_at.is_null()
    ).order_by(Review.id, ascending=False).first()  # fmt: skip


def advance_status(action: str, app: ApplicationView, principal: Principal) -> ApplicationStatus:
    roles = set(principal.roles)
    if (held := principal.role_in(app.organisation_id)) is not None:
        roles |= {held} | ({Role.MEMBER} if held is Role.SIGNATORY else set())
    try:
        return ApplicationStatus(advance(APPLICATION, action, app.status, roles))
    except TransitionNotAllowed as exc:
        if exc.role_missing:
            raise Forbidden(str(exc)) from exc
        raise Conflict(str(exc)) from exc


async def withdraw(principal: Principal, application_id: int, version: int, reason: str,
                   request_id: str = "-") -> None:  # fmt: skip
    """A signatory withdraws the application before a decision, giving a reason."""
    async with db.transaction():
        app = await get(principal, application_id)
        if app.version != version:
            raise Conflict("Der Antrag wurde inzwischen von jemand anderem geändert.")
        status = advance_status("withdraw", app, principal)
        if not reason.strip():
            raise Invalid({"reason": "Bitte geben Sie einen Grund an."})
        await touch(app.id, version, {Application.status: status, Application.withdrawn_at: clock.now(),
                                       Application.withdrawal_reason: reason.strip()})  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "application.withdrawn", "application", app.id,
                           organisation=app.organisation_id)  # fmt: skip


# -- hand-back by the KI (the review screens come with the review) --------------------------


async def start_review(
    principal: Principal, application_id: int, version: int, request_id: str = "-"
) -> None:
    async with db.transaction():
        app = await get(principal, application_id)
        if app.version != version:
            raise Conflict("Der Antrag wurde inzwischen von jemand anderem geändert.")
        status = advance_status("start_review", app, principal)
        await touch(
            app.id, version, {Application.status: status, Application.reviewer: principal.id}
        )
        await audit.record(Actor(principal.id, request_id), "application.review_started", "application", app.id,
                           organisation=app.organisation_id)  # fmt: skip


async def request_changes(principal: Principal, application_id: int, version: int, points: str,
                          deadline: date, request_id: str = "-") -> None:  # fmt: skip
    """Nachforderung: the application goes back to the association with points and a deadline."""
    async with db.transaction():
        app = await get(principal, application_id)
        if app.version != version:
            raise Conflict("Der Antrag wurde inzwischen von jemand anderem geändert.")
        status = advance_status("request_changes", app, principal)
        if not points.strip():
            raise Invalid({"points": "Bitte nennen Sie, was nachzureichen ist."})
        if deadline <= clock.today():
            raise Invalid({"deadline": "Die Frist muss in der Zukunft liegen."})
        await touch(app.id, version, {Application.status: status})
        await ChangeRequest.insert(ChangeRequest(application=app.id, points=points.strip(), deadline=deadline,
                                                 requested_by=principal.id))  # fmt: skip
        organisation = await _organisation(app.organisation_id)
        if organisation["email"]:
            await notifications.enqueue(
                recipient=organisation["email"], subject=f"Nachforderung zu Antrag {app.file_number}",
                body=(f"Guten Tag,\n\nzu Ihrem Antrag „{app.title}“ ({app.file_number}) bitten wir bis zum "
                      f"{deadline:%d.%m.%Y} um Folgendes:\n\n{points.strip()}\n\n"
                      "Sie können den Antrag im Förderportal ergänzen und erneut einreichen.\n"),
            )  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "application.changes_requested", "application",
                           app.id, organisation=app.organisation_id, data={"deadline": deadline.isoformat()})  # fmt: skip


# -- history ---------------------------------------------------------------------------------


TIMELINE_LABELS = {
    "application.created": "Entwurf angelegt",
    "application.submitted": "Eingereicht",
    "application.review_started": "Prüfung begonnen",
    "application.changes_requested": "Nachforderung gestellt",
    "application.handed_over": "Zur Unterschrift vorgelegt",
    "application.withdrawn": "Zurückgezogen",
    "application.approved": "Bewilligt",
    "application.partly_approved": "Teilweise bewilligt",
    "application.rejected": "Abgelehnt",
    "amendment.requested": "Änderungsantrag gestellt",
    "amendment.approved": "Änderung bewilligt (Änderungsbescheid)",
    "amendment.rejected": "Änderung abgelehnt",
}


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    label: str
    detail: str
    actor: str = ""  # who did it, where the audit trail knows
    action: str = ""
    amendment_id: int | None = None  # for the events of an amendment: which one


async def timeline(app: ApplicationView) -> list[Event]:
    """The milestones of an application and of its amendments, oldest first (saves of single
    steps left out).

    Applications taken over from elsewhere (the demo data, a migration) have no audit events of
    their own; their milestones come from the dates on the application itself.
    """
    rows = await AuditEvent.select(
        AuditEvent.occurred_at, AuditEvent.action, AuditEvent.data, AuditEvent.actor.display_name,
    ).where(
        (AuditEvent.entity == "application") & (AuditEvent.entity_id == app.id)
        & AuditEvent.action.is_in(list(TIMELINE_LABELS))
    ).order_by(AuditEvent.id).output(load_json=True)  # fmt: skip
    events = []
    for row in rows:
        data = row["data"] or {}
        detail = f"Fassung {data['version']}" if "version" in data else ""
        if "deadline" in data:
            detail = f"Frist {date.fromisoformat(data['deadline']):%d.%m.%Y}"
        events.append(Event(row["occurred_at"], TIMELINE_LABELS[row["action"]], detail,
                            row["actor.display_name"] or "", row["action"], data.get("amendment")))  # fmt: skip
    if not any(event.action.startswith("application.") for event in events):
        return sorted(_timeline_from_dates(app) + events, key=lambda event: event.at)
    return events


def _timeline_from_dates(app: ApplicationView) -> list[Event]:
    dated = [(app.created_at, "Entwurf angelegt"), (app.submitted_at, "Eingereicht"),
             (app.decided_at, app.status.label), (app.withdrawn_at, "Zurückgezogen")]  # fmt: skip
    return [Event(at, label, "") for at, label in dated if at is not None]


async def open_change_request(application_id: int) -> dict[str, Any] | None:
    return await ChangeRequest.select(ChangeRequest.points, ChangeRequest.deadline,
                                      ChangeRequest.requested_at).where(
        (ChangeRequest.application == application_id) & ChangeRequest.resolved_at.is_null()
    ).first()  # fmt: skip


async def versions(app: ApplicationView) -> list[dict[str, Any]]:
    """The submitted versions of an application the caller has loaded, oldest first."""
    return await ApplicationVersion.select(
        ApplicationVersion.number, ApplicationVersion.snapshot, ApplicationVersion.submitted_at,
        ApplicationVersion.content_sha256,
    ).where(ApplicationVersion.application == app.id).order_by(ApplicationVersion.number).output(
        load_json=True
    )  # fmt: skip
