"""The KI's review of an application (Prüfung): queues, the checks, an assessment per expense
line, the recommendation with the financing parameters, and handing over for decision.

Only KI staff work here; the reviewer of a case is the one who opened its review.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.query.functions.aggregate import Count

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.financing import GrantComputation, Parameters, approved_grant, check, grant_computation
from grants.money import Money
from grants.services import applications
from grants.services.applications import ApplicationView, LineView, is_staff, touch
from grants.services.users import Principal
from grants.tables import (
    Application,
    Call,
    ChangeRequest,
    LineAssessment,
    Organisation,
    Review,
    TextBlock,
    UserRole,
)
from grants.vocabulary import FinancingType, LineVerdict, Recommendation, Role
from grants.workflow import ApplicationStatus

OVERDUE_AFTER = timedelta(weeks=6)  # a submission waiting longer than this is overdue
OPEN = (
    ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.CHANGES_REQUESTED,
    ApplicationStatus.READY,
)  # fmt: skip
DECIDED = (
    ApplicationStatus.APPROVED, ApplicationStatus.PARTLY_APPROVED, ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
)  # fmt: skip
QUEUE = OPEN + DECIDED
SORTS = {
    "eingang": Application.submitted_at, "aktenzeichen": Application.file_number,
    "traeger": Application.organisation.legal_name, "betrag": Application.requested_cents,
}  # fmt: skip
FORMAL_CHECKS = {
    "complete": "Antrag vollständig",
    "attachments": "Pflichtanlagen vorhanden und lesbar",
    "tax_exemption": "Freistellungsbescheid gültig",
    "signature": "von vertretungsberechtigter Person eingereicht",
}
CONTENT_CHECKS = {
    "social_counselling": "Pflichtangebot Soziale Beratung",
    "open_meeting": "Pflichtangebot Offener Treff",
    "german_language": "Pflichtangebot Deutsch-Sprachförderung",
    "programme_criteria": "Förderkriterien des Programms erfüllt",
    "plausible_costs": "Kosten plausibel und angemessen",
}


def _staff(principal: Principal) -> None:
    if not is_staff(principal):
        raise NotFound("review")


# -- queues ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the queue shows; without a status the open applications, with ``decided`` those
    decided or withdrawn (the history)."""

    status: ApplicationStatus | None = None
    decided: bool = False
    programme_id: int | None = None
    call_id: int | None = None
    fiscal_year: int | None = None
    district: str | None = None
    reviewer_id: int | None = None
    overdue: bool = False
    search: str = ""
    sort: str = "eingang"
    descending: bool = False
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    file_number: str | None
    title: str
    organisation: str
    programme: str
    fiscal_year: int
    district: str
    status: ApplicationStatus
    requested: Money
    submitted_at: datetime | None
    reviewer: str | None


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the queue. Open applications (the work) come with their counts per status;
    the decided ones are history, paged without a total, which would grow with the years."""

    rows: list[QueueRow]
    total: int | None  # of open applications only
    counts: dict[ApplicationStatus, int]  # per open status, under the same filters
    page: int
    pages: int | None
    has_next: bool

    @property
    def open_total(self) -> int:
        return sum(self.counts.values())


def _statuses(f: QueueFilter) -> tuple[ApplicationStatus, ...]:
    if f.status in QUEUE:
        return (f.status,)
    return DECIDED if f.decided else OPEN


def _conditions(f: QueueFilter, now: datetime, organisations: list[int] | None) -> list[Combinable]:
    found: list[Combinable] = [  # drafts withdrawn before submission never reached the KI
        Application.status.is_in(list(_statuses(f))), Application.submitted_at.is_not_null(),
    ]  # fmt: skip
    if f.programme_id:
        found.append(Application.call.programme == f.programme_id)
    if f.call_id:
        found.append(Application.call == f.call_id)
    if f.fiscal_year:
        found.append(Application.call.fiscal_year.year == f.fiscal_year)  # type: ignore[union-attr]
    if f.district:
        found.append(Application.district == f.district)
    if f.reviewer_id:
        found.append(Application.reviewer == f.reviewer_id)
    if f.overdue:
        waiting = Application.status.is_in(
            [ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW]
        ) & (Application.submitted_at < now - OVERDUE_AFTER)
        found.append(waiting | Application.id.is_in(
            ChangeRequest.select(ChangeRequest.application).where(
                ChangeRequest.resolved_at.is_null() & (ChangeRequest.deadline < now.date())
            )
        ))  # fmt: skip
    if (
        organisations is not None
    ):  # a search: its text in file number or title, or its organisations
        text = db.search_text(f.search)
        found.append(db.contains(Application.file_number, text) | db.contains(Application.title, text)
                     | Application.organisation.is_in(organisations or [0]))  # fmt: skip
    return found


async def organisations_named(search: str) -> list[int] | None:
    """The organisations whose name contains the search text (None without a search). Asked
    first, so that the applications' condition stays on their own indexed columns (trigram
    indexes on PostgreSQL)."""
    if not (text := db.search_text(search)):
        return None
    rows = await Organisation.select(Organisation.id).where(
        db.contains(Organisation.legal_name, text)
    )
    return [r["id"] for r in rows]


def _where(conditions: list[Combinable]) -> Combinable:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


async def queue(principal: Principal, f: QueueFilter) -> QueuePage:
    """One page of the filtered queue plus the counts per open status (two queries, three with
    a search); the cost follows the open work and the page, not the years of history."""
    _staff(principal)
    now = clock.now()
    organisations = await organisations_named(f.search)
    where = _where(_conditions(f, now, organisations))
    counts_where = _where(_conditions(replace(f, status=None, decided=False), now, organisations))
    grouped = await Application.select(Application.status, Count(Application.id, alias="n")).where(
        counts_where
    ).group_by(Application.status)  # fmt: skip
    counts = {ApplicationStatus(g["status"]): g["n"] for g in grouped}
    history = set(_statuses(f)) <= set(DECIDED)
    total = None if history else sum(counts.get(s, 0) for s in _statuses(f))
    order = SORTS.get(f.sort, Application.submitted_at)
    per_page = max(1, min(f.per_page, 100))
    pages = None if total is None else max(1, -(-total // per_page))
    page = max(1, min(f.page, pages or f.page))
    descending = f.descending or (history and f.sort == "eingang")  # history: newest first
    rows = await Application.select(
        Application.id, Application.file_number, Application.title, Application.organisation.legal_name,
        Application.call.programme.short_name, Application.call.fiscal_year.year,  # type: ignore[union-attr]
        Application.district, Application.status, Application.requested_cents, Application.submitted_at,
        Application.reviewer.display_name,
    ).where(where).order_by(order, ascending=not descending).order_by(Application.id, ascending=not descending).limit(
        per_page + 1
    ).offset((page - 1) * per_page)  # fmt: skip
    return QueuePage(
        rows=[QueueRow(
            r["id"], r["file_number"], r["title"], r["organisation.legal_name"], r["call.programme.short_name"],
            r["call.fiscal_year.year"], r["district"], ApplicationStatus(r["status"]), Money(r["requested_cents"]),
            r["submitted_at"], r["reviewer.display_name"],
        ) for r in rows[:per_page]],
        total=total, counts=counts, page=page, pages=pages, has_next=len(rows) > per_page,
    )  # fmt: skip


CALL_CHOICES = 50  # calls offered in the queue's filter: the latest, and the chosen one


async def call_choices(chosen: int | None = None) -> list[tuple[int, str]]:
    """The calls to filter the queue by (id, title), the latest first: at most
    :data:`CALL_CHOICES` and the chosen one, never every call there ever was (two queries)."""
    rows = (
        await Call.select(Call.id, Call.title)
        .order_by(Call.id, ascending=False)
        .limit(CALL_CHOICES)
    )
    if chosen is not None and chosen not in {r["id"] for r in rows}:
        rows += await Call.select(Call.id, Call.title).where(Call.id == chosen)
    return [(r["id"], r["title"]) for r in rows]


async def reviewers() -> list[tuple[int, str]]:
    rows = await UserRole.select(UserRole.user, UserRole.user.display_name).where(
        UserRole.role == Role.REVIEWER
    ).order_by(UserRole.user.display_name)  # fmt: skip
    return [(r["user"], r["user.display_name"]) for r in rows]


async def assign(principal: Principal, application_id: int, version: int, reviewer_id: int,
                 request_id: str = "-") -> None:  # fmt: skip
    """Give the case to a reviewer (admins, approvers and reviewers may do so)."""
    if principal.roles.isdisjoint({Role.ADMIN, Role.APPROVER, Role.REVIEWER}):
        raise Forbidden("assign")
    async with db.transaction():
        app = await applications.get(principal, application_id)
        if app.version != version:
            raise Conflict("Der Antrag wurde inzwischen geändert.")
        if not await UserRole.exists().where(
            (UserRole.user == reviewer_id) & (UserRole.role == Role.REVIEWER)
        ):
            raise Invalid({"reviewer": "Bitte eine Person der Sachbearbeitung wählen."})
        await touch(app.id, version, {Application.reviewer: reviewer_id})
        await audit.record(Actor(principal.id, request_id), "application.assigned", "application", app.id,
                           organisation=app.organisation_id, data={"reviewer": reviewer_id})  # fmt: skip


# -- the review itself -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assessment:
    plan_line_id: int
    verdict: LineVerdict
    recognised: Money
    reason: str
    fingerprint: str = ""  # of the line as assessed; "" for assessments from before fingerprints


def line_fingerprint(line: LineView) -> str:
    """What an assessment judged of a line (pure): changes when the association changes the line."""
    content = [line.category, line.description, line.amount.cents, line.quantity_milli,
               line.unit_price.cents if line.unit_price else None, line.staff_function, line.fte_milli, line.pay_group]  # fmt: skip
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ReviewView:
    id: int
    version: int
    reviewer_id: int
    reviewer: str
    formal_check: dict[str, Any]
    content_check: dict[str, Any]
    internal_notes: str
    recommendation: Recommendation | None
    financing_type: FinancingType
    parameters: dict[str, Any]
    conditions: list[str]
    completed_at: datetime | None
    assessments: dict[int, Assessment] = field(default_factory=dict)

    def valid(self, line: LineView) -> Assessment | None:
        """The assessment of a line, unless the association changed the line since."""
        found = self.assessments.get(line.id)
        if found is None or found.fingerprint not in {"", line_fingerprint(line)}:
            return None
        return found

    def changed(self, app: ApplicationView) -> list[LineView]:
        """The expense lines changed since their assessment (after a Nachforderung): to assess anew."""
        return [
            line
            for line in app.expenses
            if line.id in self.assessments and self.valid(line) is None
        ]

    def recognised(self, app: ApplicationView) -> Money:
        """A: the eligible expenses — what the assessments recognise (unassessed or changed lines
        in full)."""
        return Money.total(
            found.recognised if (found := self.valid(line)) else line.amount
            for line in app.expenses
        )


async def current(application_id: int) -> ReviewView | None:
    """The latest review of an application with its line assessments (two queries)."""
    row = await Review.select(*Review.all_columns(), Review.reviewer.display_name).where(
        Review.application == application_id
    ).order_by(Review.id, ascending=False).output(load_json=True).first()  # fmt: skip
    if row is None:
        return None
    lines = await LineAssessment.select().where(LineAssessment.review == row["id"])
    return ReviewView(
        id=row["id"], version=row["version"], reviewer_id=row["reviewer"], reviewer=row["reviewer.display_name"],
        formal_check=row["formal_check"] or {}, content_check=row["content_check"] or {},
        internal_notes=row["internal_notes"],
        recommendation=Recommendation(row["recommendation"]) if row["recommendation"] else None,
        financing_type=FinancingType(row["financing_type"]), parameters=row["parameters"] or {},
        conditions=list(row["conditions"] or []), completed_at=row["completed_at"],
        assessments={a["plan_line"]: Assessment(a["plan_line"], LineVerdict(a["verdict"]), Money(a["recognised_cents"]),
                                                a["reason"], a["line_fingerprint"]) for a in lines},
    )  # fmt: skip


async def open_review(
    principal: Principal, application_id: int, version: int, request_id: str = "-"
) -> int:
    """A reviewer takes up a submitted application: it goes "in Prüfung" and gets a review."""
    if Role.REVIEWER not in principal.roles:
        raise Forbidden("review")
    async with db.transaction():
        app = await applications.get(principal, application_id)
        existing = await current(app.id)
        if app.status is ApplicationStatus.SUBMITTED:
            await applications.start_review(principal, app.id, version, request_id)
        elif app.status is not ApplicationStatus.IN_REVIEW:
            raise Conflict(f"Der Antrag ist „{app.status.label}“.")
        if existing and existing.completed_at is None:
            return existing.id
        row = await Review.insert(Review(application=app.id, reviewer=principal.id,
                                         financing_type=app.financing_type)).returning(Review.id)  # fmt: skip
    return int(row[0]["id"])


async def _editable_review(
    principal: Principal, review_id: int, version: int
) -> tuple[ReviewView, ApplicationView]:
    row = await Review.select(Review.application).where(Review.id == review_id).first()
    if row is None:
        raise NotFound(review_id)
    review = await current(row["application"])
    if review is None or review.id != review_id:
        raise Conflict("Es gibt inzwischen eine neuere Prüfung.")
    if review.reviewer_id != principal.id:
        raise Forbidden("Nur die zuständige Sachbearbeitung ändert diese Prüfung.")
    if review.version != version:
        raise Conflict("Die Prüfung wurde inzwischen geändert.")
    app = await applications.get(principal, row["application"])
    if app.status is not ApplicationStatus.IN_REVIEW:
        raise Conflict(f"Der Antrag ist „{app.status.label}“.")
    return review, app


async def _bump(review_id: int, version: int, changes: dict[Any, Any]) -> None:
    done = (
        await Review.update({**changes, Review.version: version + 1})
        .where((Review.id == review_id) & (Review.version == version))
        .returning(Review.id)
    )
    if not done:
        raise Conflict("Die Prüfung wurde inzwischen geändert.")


async def save_checks(principal: Principal, review_id: int, version: int, formal: dict[str, bool],
                      content: dict[str, bool], notes: str, request_id: str = "-") -> None:  # fmt: skip
    async with db.transaction():
        review, app = await _editable_review(principal, review_id, version)
        await _bump(review.id, version, {
            Review.formal_check: {k: bool(formal.get(k)) for k in FORMAL_CHECKS},
            Review.content_check: {k: bool(content.get(k)) for k in CONTENT_CHECKS},
            Review.internal_notes: notes,
        })  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "review.checks_saved", "application", app.id,
                           organisation=app.organisation_id)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LineAssessmentInput:
    """What the reviewer chose for one expense line; ``verdict`` None when nothing was chosen."""

    line_id: int
    verdict: LineVerdict | None
    recognised: Money | None
    reason: str


def check_assessments(
    lines: Sequence[LineView], inputs: Sequence[LineAssessmentInput]
) -> tuple[dict[str, str], list[Assessment]]:
    """German messages per field (``verdict-<line id>`` etc.) and the assessments of the lines
    (pure). Every expense line needs a verdict; a cut needs a reason; a part an amount between."""
    errors: dict[str, str] = {}
    found: list[Assessment] = []
    given = {i.line_id: i for i in inputs}
    for line in lines:
        item = given.get(line.id)
        if item is None or item.verdict is None:
            errors[f"verdict-{line.id}"] = f"Bitte bewerten Sie „{line.description}“."
            continue
        recognised = {LineVerdict.FULL: line.amount, LineVerdict.NONE: Money(0)}.get(
            item.verdict, item.recognised
        )
        if item.verdict is not LineVerdict.FULL and not item.reason.strip():
            errors[f"reason-{line.id}"] = (
                f"Bitte begründen Sie die Kürzung bei „{line.description}“."
            )
        if recognised is None or (
            item.verdict is LineVerdict.PARTIAL and not Money(0) < recognised < line.amount
        ):
            errors[f"recognised-{line.id}"] = (f"Bitte bei „{line.description}“ einen Betrag über 0 und unter "
                                               f"{line.amount.format()} angeben.")  # fmt: skip
            continue
        reason = item.reason.strip() if item.verdict is not LineVerdict.FULL else ""
        found.append(Assessment(line.id, item.verdict, recognised, reason, line_fingerprint(line)))
    return errors, found


async def assess_lines(principal: Principal, review_id: int, version: int, inputs: Sequence[LineAssessmentInput],
                       request_id: str = "-") -> None:  # fmt: skip
    """The financial check of all expense lines at once: each eligible in full, in part, or not.
    All or nothing, with one audit event."""
    async with db.transaction():
        review, app = await _editable_review(principal, review_id, version)
        if {i.line_id for i in inputs} != {line.id for line in app.expenses}:
            raise Conflict(
                "Der Kosten- und Finanzierungsplan hat sich geändert. Bitte laden Sie die Seite neu."
            )
        errors, assessments = check_assessments(app.expenses, inputs)
        if errors:
            raise Invalid(errors)
        await LineAssessment.delete().where(LineAssessment.review == review.id)
        if assessments:
            await LineAssessment.insert(*[LineAssessment(
                review=review.id, plan_line=a.plan_line_id, verdict=a.verdict, recognised_cents=a.recognised.cents,
                reason=a.reason, line_fingerprint=a.fingerprint,
            ) for a in assessments])  # fmt: skip
        await _bump(review.id, version, {})
        keys = {line.id: line.line_key for line in app.expenses}
        await audit.record(Actor(principal.id, request_id), "review.lines_assessed", "application", app.id,
                           organisation=app.organisation_id, data={
                               "lines": {keys[a.plan_line_id]: a.verdict.value for a in assessments},
                               "eligible_cents": Money.total(a.recognised for a in assessments).cents})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the reviewer recommends: the financing parameters and conditions."""

    recommendation: Recommendation
    financing_type: FinancingType
    share: Decimal | None = None
    cap: Money | None = None
    fixed: Money | None = None
    unit_rate: Money | None = None
    units: int | None = None
    conditions: tuple[str, ...] = ()


def parameters_of(
    app: ApplicationView, review: ReviewView | None, proposal: Proposal
) -> Parameters:
    """A = the recognised expenses, D = the planned revenues, the rest as proposed."""
    eligible = review.recognised(app) if review else app.total_expenses
    return Parameters(
        financing_type=proposal.financing_type,
        eligible=eligible,
        other_funding=app.total_revenues,
        share=proposal.share,
        cap=proposal.cap,
        fixed=proposal.fixed,
        unit_rate=proposal.unit_rate,
        units_planned=proposal.units,
    )


def stored_parameters(params: Parameters) -> dict[str, Any]:
    """JSON-able parameters (cents and basis points)."""
    return {
        "eligible_cents": params.eligible.cents, "other_funding_cents": params.other_funding.cents,
        "share_basis_points": int(params.share * 10000) if params.share is not None else None,
        "cap_cents": params.cap.cents if params.cap else None, "fixed_cents": params.fixed.cents if params.fixed else None,
        "unit_rate_cents": params.unit_rate.cents if params.unit_rate else None, "units_planned": params.units_planned,
        "approved_cents": approved_grant(params).cents,
    }  # fmt: skip


def stored_proposal(app: ApplicationView, review: ReviewView) -> Proposal:
    """The review's recommendation as a proposal; before one, the application's financing type
    with the requested grant as cap (as the recommendation form suggests)."""
    stored = review.parameters
    cents = {
        key: Money(stored[key]) if stored.get(key) else None
        for key in ("cap_cents", "fixed_cents", "unit_rate_cents")
    }
    basis_points = stored.get("share_basis_points")
    return Proposal(
        recommendation=review.recommendation or Recommendation.APPROVE, financing_type=review.financing_type,
        share=Decimal(basis_points) / 10000 if basis_points is not None else None,
        cap=cents["cap_cents"] or (None if stored else app.requested), fixed=cents["fixed_cents"],
        unit_rate=cents["unit_rate_cents"], units=stored.get("units_planned"), conditions=tuple(review.conditions),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class GrantPreview:
    """The grant as the letter would state it today: the proposal on the current assessments.
    ``computation`` is None while ``errors`` say what the proposal lacks. Reads like the
    letter's financing terms (:class:`reports.word.letters.FinancingTerms`)."""

    parameters: Parameters
    computation: GrantComputation | None
    errors: dict[str, str]
    changed: int  # lines changed by the association, not yet assessed anew

    financing_type = property(lambda self: self.parameters.financing_type)
    eligible = property(lambda self: self.parameters.eligible)
    other_funding = property(lambda self: self.parameters.other_funding)
    share = property(lambda self: self.parameters.share)
    fixed = property(lambda self: self.parameters.fixed)
    unit_rate = property(lambda self: self.parameters.unit_rate)
    units = property(lambda self: self.parameters.units_planned)

    @property
    def approved(self) -> Money:
        return self.computation.approved if self.computation else Money(0)


def preview(app: ApplicationView, review: ReviewView) -> GrantPreview | None:
    """The grant the review leads to, computed as the decision computes it (pure); None when
    the review recommends rejection."""
    proposal = stored_proposal(app, review)
    if proposal.recommendation is Recommendation.REJECT:
        return None
    params = parameters_of(app, review, proposal)
    errors = check(params)
    return GrantPreview(
        params, None if errors else grant_computation(params), errors, len(review.changed(app))
    )


async def recommend(principal: Principal, review_id: int, version: int, proposal: Proposal,
                    request_id: str = "-") -> Money:  # fmt: skip
    """Record the recommendation; returns the grant it leads to (Z)."""
    async with db.transaction():
        review, app = await _editable_review(principal, review_id, version)
        params = parameters_of(app, review, proposal)
        if proposal.recommendation is not Recommendation.REJECT and (errors := check(params)):
            raise Invalid(errors)
        known = {r["key"] for r in await text_blocks()}
        if unknown := set(proposal.conditions) - known:
            raise Invalid({"conditions": f"Unbekannte Textbausteine: {', '.join(sorted(unknown))}"})
        stored = (
            stored_parameters(params)
            if proposal.recommendation is not Recommendation.REJECT
            else {}
        )
        await _bump(review.id, version, {
            Review.recommendation: proposal.recommendation, Review.financing_type: proposal.financing_type,
            Review.parameters: stored, Review.conditions: list(proposal.conditions),
        })  # fmt: skip
        await audit.record(Actor(principal.id, request_id), "review.recommended", "application", app.id,
                           organisation=app.organisation_id, data={"recommendation": proposal.recommendation.value})  # fmt: skip
    return Money(stored.get("approved_cents", 0))


async def complete(
    principal: Principal, review_id: int, version: int, request_id: str = "-"
) -> None:
    """The review is done: the application is ready for decision (entscheidungsreif)."""
    async with db.transaction():
        review, app = await _editable_review(principal, review_id, version)
        if review.recommendation is None:
            raise Invalid({"recommendation": "Bitte zuerst eine Empfehlung abgeben."})
        if changed := review.changed(app):
            raise Invalid({f"verdict-{changed[0].id}": "Der Verein hat Posten geändert: bitte bewerten Sie "
                           f"„{changed[0].description}“ neu."})  # fmt: skip
        await _bump(review.id, version, {Review.completed_at: clock.now()})
        status = applications.advance_status("complete_review", app, principal)
        await touch(app.id, app.version, {Application.status: status})
        await audit.record(Actor(principal.id, request_id), "application.review_completed", "application", app.id,
                           organisation=app.organisation_id)  # fmt: skip


async def text_blocks() -> list[dict[str, Any]]:
    return await TextBlock.select(TextBlock.key, TextBlock.title, TextBlock.body).where(
        TextBlock.active == True  # noqa: E712
    ).order_by(TextBlock.title)  # fmt: skip
