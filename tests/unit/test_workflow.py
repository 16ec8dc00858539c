"""The state machines of DOMAIN.md §3."""

import pytest

from grants.vocabulary import Role
from grants.workflow import (
    APPLICATION,
    GRANT,
    PAYMENT_ORDER,
    USAGE_REPORT,
    TransitionNotAllowed,
    actions_from,
    advance,
)
from grants.workflow import (
    ApplicationStatus as A,
)
from grants.workflow import (
    GrantStatus as G,
)
from grants.workflow import (
    PaymentOrderStatus as P,
)


def test_an_application_goes_from_draft_to_approval():
    state = A.DRAFT
    for action, role in [("submit", Role.SIGNATORY), ("start_review", Role.REVIEWER),
                         ("request_changes", Role.REVIEWER), ("submit", Role.SIGNATORY),
                         ("start_review", Role.REVIEWER), ("complete_review", Role.REVIEWER),
                         ("approve", Role.APPROVER)]:  # fmt: skip
        state = advance(APPLICATION, action, state, {role})
    assert state is A.APPROVED


def test_only_a_signatory_submits():
    with pytest.raises(TransitionNotAllowed) as caught:
        advance(APPLICATION, "submit", A.DRAFT, {Role.MEMBER})
    assert caught.value.role_missing
    assert "Berechtigung" in str(caught.value)


def test_a_decided_application_cannot_be_withdrawn():
    with pytest.raises(TransitionNotAllowed) as caught:
        advance(APPLICATION, "withdraw", A.APPROVED, {Role.SIGNATORY})
    assert not caught.value.role_missing
    assert "„Bewilligt“" in str(caught.value)


def test_reviewers_cannot_decide_and_approvers_cannot_review():
    with pytest.raises(TransitionNotAllowed):
        advance(APPLICATION, "approve", A.READY, {Role.REVIEWER})
    with pytest.raises(TransitionNotAllowed):
        advance(APPLICATION, "complete_review", A.IN_REVIEW, {Role.APPROVER})


def test_payment_order_follows_the_four_eyes_path():
    state = P.DRAFT
    for action, role in [("certify", Role.REVIEWER), ("release", Role.FINANCE),
                         ("export", Role.FINANCE), ("mark_paid", Role.FINANCE)]:  # fmt: skip
        state = advance(PAYMENT_ORDER, action, state, {role})
    assert state is P.PAID
    with pytest.raises(TransitionNotAllowed):
        advance(PAYMENT_ORDER, "cancel", P.PAID, {Role.FINANCE})


def test_a_grant_with_a_refund_ends_closed():
    state = G.APPROVED
    for action, role in [("pay", Role.FINANCE), ("report_due", Role.REVIEWER),
                         ("submit_report", Role.SIGNATORY), ("start_report_review", Role.REVIEWER),
                         ("settle", Role.REVIEWER), ("open_hearing", Role.REVIEWER),
                         ("set_refund", Role.APPROVER), ("record_refund", Role.FINANCE),
                         ("close", Role.APPROVER)]:  # fmt: skip
        state = advance(GRANT, action, state, {role})
    assert state is G.CLOSED


def test_actions_from_lists_what_a_role_may_do():
    assert sorted(actions_from(APPLICATION, A.READY, {Role.APPROVER})) == [
        "approve", "approve_partly", "reject", "reopen_review",
    ]  # fmt: skip
    assert actions_from(APPLICATION, A.READY, {Role.AUDITOR}) == []


@pytest.mark.parametrize("machine", [APPLICATION, GRANT, PAYMENT_ORDER, USAGE_REPORT])
def test_auditors_can_never_change_anything(machine):
    assert all(Role.AUDITOR not in step.roles for step in machine.values())


@pytest.mark.parametrize(
    ("machine", "states", "start"),
    [(APPLICATION, A, A.DRAFT), (GRANT, G, G.APPROVED), (PAYMENT_ORDER, P, P.DRAFT)],
)
def test_every_state_is_reachable_from_the_start(machine, states, start):
    reached, frontier = {start}, [start]
    while frontier:
        state = frontier.pop()
        for (_, source), step in machine.items():
            if source == state and step.to not in reached:
                reached.add(step.to)
                frontier.append(step.to)
    assert reached == set(states)


def test_a_resubmission_goes_back_into_the_open_review():
    assert advance(APPLICATION, "resubmit", A.CHANGES_REQUESTED, {Role.SIGNATORY}) is A.IN_REVIEW
    with pytest.raises(TransitionNotAllowed):
        advance(APPLICATION, "resubmit", A.DRAFT, {Role.SIGNATORY})
