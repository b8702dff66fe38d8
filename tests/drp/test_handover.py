"""A leaver's part in an open dispute is handed to their successor, recorded as one event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from drp.commands import Approve, Escalate, HandOver, Respond, Withdraw
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import EventKind, HandedOver
from drp.model import Actor, Status
from drp.roles import Role
from drp.routing import Audience, notices
from tests.drp.support import (
    CHAIR,
    CHAIRS_MANAGER,
    MON_21_DEC,
    PRACTITIONER,
    SERVICE_MANAGER,
    STRANGER,
    SYSTEM,
    TEAM_MANAGER,
    Trail,
    raise_command,
)

DEPUTY = Actor("tm-dora", Role.TEAM_MANAGER)
LATER = MON_21_DEC + timedelta(days=1)


def _trail(policy: str = "nottingham", **changes: object) -> Trail:
    return Trail.open(policy, raise_command(practitioner=PRACTITIONER.id, **changes))


def test_a_leaving_stage_owner_is_replaced_by_their_deputy_and_nothing_else_moves() -> None:
    trail = _trail()
    before = trail.dispute
    event = trail.do(HandOver(SYSTEM, LATER, TEAM_MANAGER.id, DEPUTY.id))
    assert event.kind is EventKind.HANDED_OVER
    assert event.payload == HandedOver(
        leaver=TEAM_MANAGER.id, successor=DEPUTY.id, parts=("owner",)
    )
    after = trail.dispute
    assert after.owners == (DEPUTY.id,)
    assert (after.status, after.stage, after.due_at) == (
        before.status,
        before.stage,
        before.due_at,
    )
    # The deputy now answers as the owner.
    trail.do(Respond(DEPUTY, LATER + timedelta(hours=1), "Assessment booked."))
    assert trail.dispute.status is Status.AWAITING_REVIEW


def test_a_leaving_chair_hands_over_the_review_and_the_raisers_buttons() -> None:
    trail = _trail()
    successor = Actor("chair-bea", Role.CHAIR)
    event = trail.do(HandOver(SYSTEM, LATER, CHAIR.id, successor.id))
    assert isinstance(event.payload, HandedOver)
    assert event.payload.parts == ("raiser",)
    assert trail.dispute.raised_by == successor.id
    trail.refuses(Withdraw(CHAIR, LATER, "Gone."), NotPermitted)
    trail.do(Withdraw(successor, LATER, "Child moved away."))


def test_a_leaver_holding_several_parts_hands_over_each() -> None:
    trail = _trail(owners=(TEAM_MANAGER.id, PRACTITIONER.id))
    event = trail.do(HandOver(SYSTEM, LATER, PRACTITIONER.id, TEAM_MANAGER.id))
    assert isinstance(event.payload, HandedOver)
    assert event.payload.parts == ("owner", "practitioner")
    # The successor already owned it: listed once.
    assert trail.dispute.owners == (TEAM_MANAGER.id,)
    assert trail.dispute.practitioner == TEAM_MANAGER.id


def test_an_approver_who_leaves_is_replaced_while_agreement_is_awaited() -> None:
    trail = Trail.open(
        "cpc-standard", raise_command(stage="2", approvers=(CHAIRS_MANAGER.id,), owners=())
    )
    assert trail.dispute.status is Status.AWAITING_APPROVAL
    successor = Actor("csm-cy", Role.CHAIRS_SERVICE_MANAGER)
    trail.do(HandOver(SYSTEM, LATER, CHAIRS_MANAGER.id, successor.id))
    trail.refuses(Approve(CHAIRS_MANAGER, LATER, (SERVICE_MANAGER.id,)), NotPermitted)
    trail.do(Approve(successor, LATER, (SERVICE_MANAGER.id,)))


@pytest.mark.parametrize(
    ("actor", "leaver", "successor", "error"),
    [
        (CHAIR, TEAM_MANAGER.id, DEPUTY.id, NotPermitted),
        (SYSTEM, STRANGER.id, DEPUTY.id, CommandRejected),
        (SYSTEM, TEAM_MANAGER.id, TEAM_MANAGER.id, InvalidInput),
        (SYSTEM, TEAM_MANAGER.id, "", InvalidInput),
        (SYSTEM, TEAM_MANAGER.id, "system", InvalidInput),
    ],
    ids=["not-the-system", "holds-nothing", "to-themselves", "to-nobody", "to-the-system"],
)
def test_a_hand_over_that_makes_no_sense_changes_nothing(
    actor: Actor, leaver: str, successor: str, error: type[Exception]
) -> None:
    trail = _trail()
    trail.refuses(HandOver(actor, LATER, leaver, successor), error)  # type: ignore[arg-type]


def test_a_closed_dispute_is_not_handed_over() -> None:
    trail = _trail()
    trail.do(Withdraw(CHAIR, LATER, "Resolved informally."))
    trail.refuses(HandOver(SYSTEM, LATER, TEAM_MANAGER.id, DEPUTY.id), CommandRejected)


def test_the_successor_gets_the_card_and_the_chair_hears_of_it() -> None:
    trail = _trail()
    before = trail.dispute
    event = trail.do(HandOver(SYSTEM, LATER, TEAM_MANAGER.id, DEPUTY.id))
    told = notices(trail.policy, before, trail.dispute, event)
    assert [(n.person, n.audience) for n in told] == [
        (DEPUTY.id, Audience.ACT),
        (CHAIR.id, Audience.INFORM),
    ]


def test_a_dispute_escalated_after_a_hand_over_keeps_its_history() -> None:
    trail = _trail()
    trail.do(HandOver(SYSTEM, LATER, TEAM_MANAGER.id, DEPUTY.id))
    trail.do(Respond(DEPUTY, LATER, "Not agreed."))
    trail.do(Escalate(CHAIR, LATER, "Still drifting.", owners=(SERVICE_MANAGER.id,)))
    kinds = [e.kind for e in trail.events]
    assert kinds == [
        EventKind.RAISED,
        EventKind.HANDED_OVER,
        EventKind.RESPONDED,
        EventKind.ESCALATED,
    ]
