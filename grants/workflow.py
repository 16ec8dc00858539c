"""The state machines of DOMAIN.md §3, each a table that fits on one screen (pure).

A transition is looked up by (action, current state); it names the next state and the roles
that may take it. Services call :func:`advance` and so refuse anything the table does not allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from grants.vocabulary import Labelled, Role

R = Role


class ApplicationStatus(Labelled):
    DRAFT = "draft", "Entwurf"
    SUBMITTED = "submitted", "Eingereicht"
    IN_REVIEW = "in_review", "In Prüfung"
    CHANGES_REQUESTED = "changes_requested", "Nachforderung"
    READY = "ready", "Entscheidungsreif"
    APPROVED = "approved", "Bewilligt"
    PARTLY_APPROVED = "partly_approved", "Teilbewilligt"
    REJECTED = "rejected", "Abgelehnt"
    WITHDRAWN = "withdrawn", "Zurückgezogen"


class GrantStatus(Labelled):
    APPROVED = "approved", "Bewilligt"
    PAYING = "paying", "Auszahlungen"
    REPORT_DUE = "report_due", "VN fällig"
    REPORT_SUBMITTED = "report_submitted", "VN eingereicht"
    REPORT_IN_REVIEW = "report_in_review", "VN in Prüfung"
    REPORT_CHANGES_REQUESTED = "report_changes_requested", "Nachforderung zum VN"
    SETTLED = "settled", "Abgerechnet"
    HEARING = "hearing", "Anhörung"
    REFUND_SET = "refund_set", "Rückforderung festgesetzt"
    REFUNDED = "refunded", "erstattet"
    CLOSED = "closed", "Abgeschlossen"


class PaymentOrderStatus(Labelled):
    DRAFT = "draft", "Entwurf"
    CERTIFIED = "certified", "sachlich richtig"
    RELEASED = "released", "freigegeben"
    EXPORTED = "exported", "an Kasse übermittelt"
    PAID = "paid", "ausgezahlt"
    CANCELLED = "cancelled", "storniert"


class FundsRequestStatus(Labelled):
    SUBMITTED = "submitted", "eingegangen"
    ORDERED = "ordered", "angeordnet"
    REJECTED = "rejected", "abgelehnt"


class UsageReportStatus(Labelled):
    DRAFT = "draft", "Entwurf"
    SUBMITTED = "submitted", "eingereicht"
    IN_REVIEW = "in_review", "in Prüfung"
    CHANGES_REQUESTED = "changes_requested", "Nachforderung"
    ACCEPTED = "accepted", "geprüft"


@dataclass(frozen=True, slots=True)
class Step:
    to: Labelled
    roles: frozenset[Role]


def _machine(
    rows: Iterable[tuple[str, Iterable[Labelled], Labelled, Iterable[Role]]],
) -> Mapping[tuple[str, Labelled], Step]:
    return {
        (action, source): Step(to, frozenset(roles))
        for action, sources, to, roles in rows
        for source in sources
    }


A = ApplicationStatus
OPEN_APPLICATION = (A.DRAFT, A.SUBMITTED, A.IN_REVIEW, A.CHANGES_REQUESTED, A.READY)
APPLICATION = _machine([
    # action            from                               to                  who
    ("submit",          [A.DRAFT, A.CHANGES_REQUESTED],    A.SUBMITTED,        [R.SIGNATORY]),
    ("resubmit",        [A.CHANGES_REQUESTED],             A.IN_REVIEW,        [R.SIGNATORY]),  # its review goes on
    ("start_review",    [A.SUBMITTED],                     A.IN_REVIEW,        [R.REVIEWER]),
    ("request_changes", [A.IN_REVIEW],                     A.CHANGES_REQUESTED, [R.REVIEWER]),
    ("complete_review", [A.IN_REVIEW],                     A.READY,            [R.REVIEWER]),
    ("reopen_review",   [A.READY],                         A.IN_REVIEW,        [R.REVIEWER, R.APPROVER]),
    ("approve",         [A.READY],                         A.APPROVED,         [R.APPROVER]),
    ("approve_partly",  [A.READY],                         A.PARTLY_APPROVED,  [R.APPROVER]),
    ("reject",          [A.READY],                         A.REJECTED,         [R.APPROVER]),
    ("withdraw",        OPEN_APPLICATION,                  A.WITHDRAWN,        [R.SIGNATORY]),
])  # fmt: skip

G = GrantStatus
REPORTING = (G.APPROVED, G.PAYING)
GRANT = _machine([
    ("pay",                  [G.APPROVED],                   G.PAYING,                   [R.FINANCE]),
    ("report_due",           REPORTING,                      G.REPORT_DUE,               [R.REVIEWER]),
    # A report may come before the reviewer marks it due: from approved or paying as well.
    ("submit_report",        [*REPORTING, G.REPORT_DUE, G.REPORT_CHANGES_REQUESTED], G.REPORT_SUBMITTED, [R.SIGNATORY]),
    ("start_report_review",  [G.REPORT_SUBMITTED],           G.REPORT_IN_REVIEW,         [R.REVIEWER]),
    ("request_report_changes", [G.REPORT_IN_REVIEW],         G.REPORT_CHANGES_REQUESTED, [R.REVIEWER]),
    ("settle",               [G.REPORT_IN_REVIEW],           G.SETTLED,                  [R.REVIEWER, R.APPROVER]),
    ("open_hearing",         [G.SETTLED],                    G.HEARING,                  [R.REVIEWER, R.APPROVER]),
    ("set_refund",           [G.HEARING],                    G.REFUND_SET,               [R.APPROVER]),
    ("record_refund",        [G.REFUND_SET],                 G.REFUNDED,                 [R.FINANCE]),
    ("close",                [G.SETTLED, G.REFUNDED],        G.CLOSED,                   [R.REVIEWER, R.APPROVER]),
])  # fmt: skip

P = PaymentOrderStatus
PAYMENT_ORDER = _machine([
    ("certify",  [P.DRAFT],                    P.CERTIFIED, [R.REVIEWER, R.FINANCE]),
    ("release",  [P.CERTIFIED],                P.RELEASED,  [R.FINANCE]),
    ("export",   [P.RELEASED],                 P.EXPORTED,  [R.FINANCE]),
    ("mark_paid", [P.EXPORTED],                P.PAID,      [R.FINANCE]),
    ("cancel",   [P.DRAFT, P.CERTIFIED, P.RELEASED], P.CANCELLED, [R.REVIEWER, R.FINANCE]),
])  # fmt: skip

U = UsageReportStatus
USAGE_REPORT = _machine([
    ("submit",          [U.DRAFT, U.CHANGES_REQUESTED], U.SUBMITTED,         [R.SIGNATORY]),
    ("start_review",    [U.SUBMITTED],                  U.IN_REVIEW,         [R.REVIEWER]),
    ("request_changes", [U.IN_REVIEW],                  U.CHANGES_REQUESTED, [R.REVIEWER]),
    ("accept",          [U.IN_REVIEW],                  U.ACCEPTED,          [R.REVIEWER, R.APPROVER]),  # by settling
])  # fmt: skip


class TransitionNotAllowed(Exception):
    """The action is not possible from this state, or not for these roles."""

    def __init__(self, action: str, state: Labelled, *, role_missing: bool) -> None:
        self.action, self.state, self.role_missing = action, state, role_missing
        reason = "Ihnen fehlt die Berechtigung" if role_missing else f"Status „{state.label}“"
        super().__init__(f"Aktion „{action}“ ist nicht möglich ({reason}).")


def advance(
    machine: Mapping[tuple[str, Labelled], Step],
    action: str,
    state: Labelled,
    roles: Iterable[Role],
) -> Labelled:
    """The state after ``action``; raises :class:`TransitionNotAllowed` otherwise."""
    step = machine.get((action, state))
    if step is None:
        raise TransitionNotAllowed(action, state, role_missing=False)
    if step.roles.isdisjoint(roles):
        raise TransitionNotAllowed(action, state, role_missing=True)
    return step.to


def actions_from(
    machine: Mapping[tuple[str, Labelled], Step], state: Labelled, roles: Iterable[Role]
) -> list[str]:
    """The actions these roles may take in ``state`` — for showing the right buttons."""
    held = set(roles)
    return [action for (action, source), step in machine.items()
            if source == state and not step.roles.isdisjoint(held)]  # fmt: skip
