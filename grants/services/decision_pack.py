"""The decision pack (Beschlussvorlage) of a call for the Integrationsrat, and recording the
committee's decisions for the whole call in one step (DOMAIN.md §1, §4, §6).

The pack lists every application of a call that is ready for decision or already decided, with
the reviewer's recommendation and proposed grant, against the call's budget. The approver then
records what the Integrationsrat decided: each application is decided with
:func:`grants.services.decisions.decide` — still a four-eyes decision that commits the budget —
each in its own transaction, so one refusal does not undo the others.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from grants import audit, clock, db
from grants.audit import Actor
from grants.errors import Conflict, Forbidden, Invalid, NotFound
from grants.money import Money
from grants.services import decisions
from grants.services.applications import is_staff
from grants.services.decisions import LetterRenderer
from grants.services.users import Principal
from grants.tables import Application, BudgetCommitment, Call, Decision, Review
from grants.vocabulary import District, FinancingType, Labelled, PaymentMode, Recommendation, Role
from grants.workflow import ApplicationStatus

logger = logging.getLogger(__name__)

DECIDED = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.PARTLY_APPROVED,
    ApplicationStatus.REJECTED,
)
IN_PACK = (ApplicationStatus.READY, *DECIDED)
INSTALMENTS = 4


class CommitteeChoice(Labelled):
    """What the Integrationsrat decided about one application."""

    APPROVE = "approve", "bewilligen wie empfohlen"
    REJECT = "reject", "ablehnen"
    DEFER = "defer", "zurückstellen"


# -- the pack --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackRow:
    """One application of the pack with the reviewer's recommendation."""

    application_id: int
    version: int
    file_number: str | None
    organisation: str
    title: str
    district: str
    status: ApplicationStatus
    requested: Money
    recommendation: Recommendation | None
    proposed: Money  # the review's proposed grant; 0 for a recommended rejection
    reviewer: str | None
    financing_type: FinancingType
    parameters: dict[str, Any]
    conditions: tuple[str, ...]
    period_start: date | None
    period_end: date | None
    decided: Money | None = None  # the approved grant of the current decision, once decided

    @property
    def ready(self) -> bool:
        return self.status is ApplicationStatus.READY

    @property
    def district_label(self) -> str:
        try:
            return District(self.district).label
        except ValueError:
            return self.district

    @property
    def recommendation_label(self) -> str:
        return self.recommendation.label if self.recommendation else "keine Empfehlung"


@dataclass(frozen=True, slots=True)
class DecisionPack:
    """A call's recommendations against its budget (amounts exact, in cents)."""

    call_id: int
    call_title: str
    programme: str
    fiscal_year: int
    budget_line: str  # "0504 / 15 / 53180000 / 1304IKZ – name"
    budget: Money  # the call's budget
    appropriation: Money  # the Ansatz of the call's budget line
    committed: Money  # already bound on the call's budget line
    rows: list[PackRow]
    created_at: datetime

    @property
    def ready(self) -> list[PackRow]:
        return [row for row in self.rows if row.ready]

    @property
    def decided(self) -> list[PackRow]:
        return [row for row in self.rows if not row.ready]

    @property
    def requested(self) -> Money:
        return Money.total(row.requested for row in self.rows)

    @property
    def proposed(self) -> Money:
        """What the reviews propose, for all applications of the pack."""
        return Money.total(row.proposed for row in self.rows)

    @property
    def decided_total(self) -> Money:
        """What the decisions so far approved."""
        return Money.total(row.decided for row in self.rows if row.decided is not None)

    @property
    def proposed_open(self) -> Money:
        """What the reviews propose for the applications still to decide."""
        return Money.total(row.proposed for row in self.ready)

    @property
    def remaining(self) -> Money:
        """The call's budget less what is bound and what the open proposals would bind."""
        return self.budget - self.committed - self.proposed_open

    @property
    def line_available(self) -> Money:
        """What the budget line can still carry after the open proposals."""
        return self.appropriation - self.committed - self.proposed_open


@dataclass(frozen=True, slots=True)
class PackCall:
    """A call whose decision pack can be opened, with its applications ready for decision."""

    call_id: int
    title: str
    programme: str
    fiscal_year: int
    ready: int


async def calls(
    principal: Principal, page: int = 1, per_page: int = 25
) -> tuple[list[PackCall], bool]:
    """The calls, newest fiscal year first, one page of them (two queries), and whether
    another page follows."""
    if not is_staff(principal):
        raise Forbidden("review")
    rows = await Call.select(
        Call.id, Call.title, Call.programme.name, Call.fiscal_year.year,
    ).order_by(Call.fiscal_year.year, Call.id, ascending=False).limit(per_page + 1).offset(
        (max(page, 1) - 1) * per_page
    )  # fmt: skip
    ids = [r["id"] for r in rows[:per_page]]
    ready = {r["call"]: r["n"] for r in await Application.select(
        Application.call, Count(Application.id, alias="n")
    ).where((Application.status == ApplicationStatus.READY) & Application.call.is_in(ids or [0])).group_by(
        Application.call
    )}  # fmt: skip
    found = [PackCall(r["id"], r["title"], r["programme.name"], r["fiscal_year.year"], ready.get(r["id"], 0))
             for r in rows[:per_page]]  # fmt: skip
    return found, len(rows) > per_page


async def pack(principal: Principal, call_id: int) -> DecisionPack:
    """The decision pack of a call (staff only; five queries, whatever the number of rows)."""
    if not is_staff(principal):
        raise NotFound(call_id)
    call = await Call.select(
        Call.id, Call.title, Call.budget_cents, Call.budget_line,
        Call.programme.name, Call.fiscal_year.year,
        Call.budget_line.product, Call.budget_line.plan_line, Call.budget_line.account,
        Call.budget_line.cost_centre, Call.budget_line.name,
        Call.budget_line.appropriation_cents,
    ).where(Call.id == call_id).first()  # fmt: skip
    if call is None:
        raise NotFound(call_id)
    in_call = (Application.call == call_id) & Application.status.is_in(list(IN_PACK))
    applications = await Application.select(
        Application.id, Application.version, Application.file_number, Application.title,
        Application.organisation.legal_name, Application.district, Application.status,
        Application.requested_cents, Application.period_start, Application.period_end,
    ).where(in_call).order_by(Application.file_number).order_by(Application.id)  # fmt: skip
    ids = [a["id"] for a in applications] or [0]  # their reviews and decisions by index
    review_rows = await Review.select(
        Review.id, Review.application, Review.recommendation, Review.financing_type, Review.parameters,
        Review.conditions, Review.reviewer.display_name,
    ).where(Review.application.is_in(ids)).order_by(Review.id).output(load_json=True)  # fmt: skip
    latest_review = {r["application"]: r for r in review_rows}  # the last one wins
    decision_rows = await Decision.select(
        Decision.application, Decision.approved_cents
    ).where(Decision.application.is_in(ids)).order_by(Decision.number).order_by(Decision.id)  # fmt: skip
    current_decision = {d["application"]: Money(d["approved_cents"]) for d in decision_rows}
    committed = await BudgetCommitment.select(Sum(BudgetCommitment.amount_cents, alias="cents")).where(
        BudgetCommitment.budget_line == call["budget_line"]
    ).first()  # fmt: skip
    line = " / ".join(
        str(call[f"budget_line.{k}"]) for k in ("product", "plan_line", "account", "cost_centre")
    )
    return DecisionPack(
        call_id=call["id"], call_title=call["title"], programme=call["programme.name"],
        fiscal_year=call["fiscal_year.year"],
        budget_line=f"{line} – {call['budget_line.name']}" if call["budget_line.name"] else line,
        budget=Money(call["budget_cents"]), appropriation=Money(call["budget_line.appropriation_cents"]),
        committed=Money(int((committed or {}).get("cents") or 0)),
        rows=[_row(a, latest_review.get(a["id"]), current_decision.get(a["id"])) for a in applications],
        created_at=clock.now(),
    )  # fmt: skip


def _row(app: dict[str, Any], review: dict[str, Any] | None, decided: Money | None) -> PackRow:
    recommendation = (
        Recommendation(review["recommendation"]) if review and review["recommendation"] else None
    )
    parameters = dict((review or {}).get("parameters") or {})
    proposed = (
        Money(int(parameters.get("approved_cents") or 0))
        if recommendation and recommendation is not Recommendation.REJECT
        else Money(0)
    )
    status = ApplicationStatus(app["status"])
    return PackRow(
        application_id=app["id"], version=app["version"], file_number=app["file_number"],
        organisation=app["organisation.legal_name"], title=app["title"], district=app["district"], status=status,
        requested=Money(app["requested_cents"]), recommendation=recommendation, proposed=proposed,
        reviewer=review["reviewer.display_name"] if review else None,
        financing_type=FinancingType(review["financing_type"]) if review else FinancingType.SHORTFALL,
        parameters=parameters, conditions=tuple((review or {}).get("conditions") or ()),
        period_start=app["period_start"], period_end=app["period_end"],
        decided=decided if status in DECIDED else None,
    )  # fmt: skip


# -- the committee's decisions ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decided:
    application_id: int
    file_number: str | None
    organisation: str
    title: str
    outcome: Recommendation
    amount: Money
    decision_id: int


@dataclass(frozen=True, slots=True)
class Refused:
    application_id: int
    file_number: str | None
    organisation: str
    title: str
    reason: str  # German, for the approver


@dataclass(frozen=True, slots=True)
class Outcome:
    """What recording the committee's decisions did, application by application."""

    call_id: int
    call_title: str
    decided: list[Decided] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    deferred: list[PackRow] = field(default_factory=list)


NOT_IN_PACK = "Der Antrag gehört nicht zu diesem Förderaufruf oder ist nicht entscheidungsreif."
NO_PARAMETERS = (
    "Empfohlen ist eine Ablehnung; eine Bewilligung braucht Finanzierungsparameter. "
    "Bitte über diesen Antrag einzeln entscheiden."
)
MISSING_PARAMETERS = (
    "Die Empfehlung enthält keine Finanzierungsparameter. Bitte über diesen Antrag einzeln "
    "entscheiden."
)
TECHNICAL = (
    "Technischer Fehler beim Entscheiden oder beim Erstellen des Bescheids; "
    "bitte einzeln entscheiden."
)


async def record_committee_decisions(
    principal: Principal,
    call_id: int,
    choices: Sequence[tuple[int, int, CommitteeChoice]],
    render_letter: LetterRenderer,
    request_id: str = "-",
    *,
    resolution: str = "",
) -> Outcome:
    """Record the Integrationsrat's decisions for a call: ``(application id, version, choice)``.

    Approvals follow the review's recommendation (its parameters, its conditions, the
    application's period, payment in four instalments); rejections give the committee's
    resolution as reasons. Each decision is its own transaction; refusals (budget, four eyes,
    conflicts) are reported with their German reason and do not undo the others.
    """
    if Role.APPROVER not in principal.roles:
        raise Forbidden("Nur die Leitung trägt die Beschlüsse des Integrationsrats ein.")
    current = await pack(principal, call_id)
    rows = {row.application_id: row for row in current.rows}
    outcome = Outcome(call_id=current.call_id, call_title=current.call_title)
    for application_id, version, choice in choices:
        row = rows.get(application_id)
        if row is None:
            outcome.refused.append(Refused(application_id, None, "", "", NOT_IN_PACK))
            continue
        if choice is CommitteeChoice.DEFER:
            outcome.deferred.append(row)
            continue
        refusal = _refusal(row, choice)
        if refusal:
            outcome.refused.append(_refused(row, refusal))
            continue
        data = _decision_input(current, row, choice, resolution)
        try:
            async with _own_transaction():
                decision_id = await decisions.decide(
                    principal, application_id, version, data, render_letter, request_id
                )
        except Invalid as exc:
            outcome.refused.append(_refused(row, " ".join(exc.errors.values())))
        except (Conflict, Forbidden) as exc:
            outcome.refused.append(_refused(row, str(exc)))
        except NotFound:
            outcome.refused.append(_refused(row, "Den Antrag gibt es nicht (mehr)."))
        except Exception:  # one broken letter must not hide what was decided before it
            logger.exception("committee decision on application %s failed", application_id)
            outcome.refused.append(_refused(row, TECHNICAL))
        else:
            amount = Money(0) if data.outcome is Recommendation.REJECT else row.proposed
            outcome.decided.append(Decided(row.application_id, row.file_number, row.organisation,
                                           row.title, data.outcome, amount, decision_id))  # fmt: skip
    async with db.transaction():
        await audit.record(Actor(principal.id, request_id), "call.committee_decisions_recorded", "call", call_id,
                           data={"decided": [d.application_id for d in outcome.decided],
                                 "refused": [r.application_id for r in outcome.refused],
                                 "deferred": [r.application_id for r in outcome.deferred]})  # fmt: skip
    return outcome


def _refusal(row: PackRow, choice: CommitteeChoice) -> str:
    if not row.ready:
        return f"Der Antrag ist bereits „{row.status.label}“."
    if choice is CommitteeChoice.APPROVE and row.recommendation in (None, Recommendation.REJECT):
        return NO_PARAMETERS
    if choice is CommitteeChoice.APPROVE and "approved_cents" not in row.parameters:
        return MISSING_PARAMETERS
    return ""


def _refused(row: PackRow, reason: str) -> Refused:
    return Refused(row.application_id, row.file_number, row.organisation, row.title, reason)


def _decision_input(
    current: DecisionPack, row: PackRow, choice: CommitteeChoice, resolution: str
) -> decisions.DecisionInput:
    """The decision as recommended (approval) or a rejection by the committee."""
    params = row.parameters
    start = row.period_start or date(current.fiscal_year, 1, 1)
    end = row.period_end or date(current.fiscal_year, 12, 31)
    if choice is CommitteeChoice.REJECT:
        reasons = _with(resolution, f"Der Integrationsrat hat über die Verteilung der Mittel des "
                        f"Förderaufrufs „{current.call_title}“ beraten und beschlossen, diesen Antrag "
                        "nicht zu fördern.")  # fmt: skip
        return decisions.DecisionInput(
            outcome=Recommendation.REJECT, financing_type=row.financing_type,
            period_start=start, period_end=end, reasons=reasons,
        )  # fmt: skip
    share = params.get("share_basis_points")
    reasons = _with(resolution, f"Der Integrationsrat hat die Verteilung der Mittel des Förderaufrufs "
                    f"„{current.call_title}“ beschlossen; die Zuwendung folgt der Empfehlung der Prüfung.")  # fmt: skip
    return decisions.DecisionInput(
        outcome=row.recommendation or Recommendation.APPROVE, financing_type=row.financing_type,
        period_start=start, period_end=end,
        share=Decimal(share) / 10000 if share is not None else None,
        cap=_money(params.get("cap_cents")), fixed=_money(params.get("fixed_cents")),
        unit_rate=_money(params.get("unit_rate_cents")), units=params.get("units_planned"),
        payment_mode=PaymentMode.INSTALMENTS, instalments=INSTALMENTS, conditions=row.conditions,
        reasons=reasons,
    )  # fmt: skip


def _with(resolution: str, sentence: str) -> str:
    """The standard sentence, then what the approver noted about the committee's resolution."""
    return f"{sentence}\n{resolution.strip()}" if resolution.strip() else sentence


def _money(cents: int | None) -> Money | None:
    return Money(int(cents)) if cents is not None else None


@asynccontextmanager
async def _own_transaction() -> AsyncIterator[None]:
    """Let one decision fail alone: a savepoint inside a surrounding transaction, else nothing
    (the decision opens its own transaction)."""
    surrounding = db.get_engine().current_transaction.get()
    if surrounding is None:
        yield
        return
    savepoint = await surrounding.savepoint()
    try:
        yield
    except BaseException:
        await savepoint.rollback_to()
        raise
    await savepoint.release()
