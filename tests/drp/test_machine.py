"""The dispute state machine, walked through every path each seed describes.

Deadlines are hand-computed from the published bank holidays (England: Fri 25 Dec 2026,
Mon 28 Dec 2026 Boxing Day substitute, Fri 1 Jan 2027), never from the code under test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from drp import tiers
from drp.calendar import LONDON
from drp.commands import (
    AlertImmediateHarm,
    Approve,
    Conclude,
    Decline,
    Escalate,
    Extend,
    NoteOverdue,
    Refer,
    Resolve,
    Respond,
    Withdraw,
)
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import EventKind, HarmAlerted, Raised
from drp.machine import decide, raise_dispute
from drp.model import MAX_TEXT, Action, Actor, Child, Outcome, Status
from drp.policy import Move
from drp.roles import Role
from tests.drp.support import (
    AMY,
    BEN,
    CHAIR,
    CHAIRS_MANAGER,
    CONSULTED,
    DIRECTOR,
    HEAD_OF_SERVICE,
    IRO,
    MON_21_DEC,
    OTHER_SIDE,
    PRACTITIONER,
    SCB_MANAGER,
    SERVICE_MANAGER,
    STRANGER,
    SYSTEM,
    TEAM_MANAGER,
    Trail,
    assert_legal,
    climbing_owners,
    concern,
    context,
    end_of,
    first_owner,
    london,
    owners_for,
    raise_command,
)

OTHER_PRACTITIONER = OTHER_SIDE[Role.PRACTITIONER]
OTHER_TEAM_MANAGER = OTHER_SIDE[Role.TEAM_MANAGER]


def opened(policy: str, actor: Actor = CHAIR, stage: str = "1", **changes: Any) -> Trail:
    """A dispute raised on Mon 21 Dec 2026 10:00 under a shipped profile."""
    profile = context(policy).policy
    changes.setdefault("owners", owners_for(profile, stage))
    return Trail.open(policy, raise_command(actor, stage, **changes))


def climb(trail: Trail, to_stage: str, at: datetime, raiser: Actor = CHAIR) -> datetime:
    """Respond and escalate stage by stage (and tier by tier, where a stage has tiers of
    management) until the dispute waits at ``to_stage``."""
    process = trail.policy.process(trail.dispute.process)
    while trail.dispute.stage != to_stage:
        here = trail.dispute.stage
        stage = process.stage(here)
        following = (
            stage if tiers.next_tier(stage, trail.dispute.tier) else process.next_stage(here)
        )
        assert following is not None
        at += timedelta(hours=1)
        trail.do(Respond(first_owner(trail.dispute), at, "Actions agreed with dates."))
        at += timedelta(hours=1)
        due = at.date() + timedelta(days=3) if following.timescale is None else None
        approvers = (
            (CHAIRS_MANAGER.id,)
            if following is not stage
            and trail.policy.needs_approval(process, following.key, Move.ESCALATE)
            else ()
        )
        owners = climbing_owners(trail.policy, trail.dispute)
        consulted = "The Board members, the day before" if following.consult else ""
        escalate = Escalate(
            raiser, at, "Not resolved.", owners=owners, approvers=approvers, due=due
        )
        trail.do(replace(escalate, consulted=consulted))
        if trail.dispute.status is Status.AWAITING_APPROVAL:
            trail.do(Approve(CHAIRS_MANAGER, at, owners))
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    return at


def respond(trail: Trail, at: datetime, text: str = "Core group booked for 4 January.") -> None:
    trail.do(Respond(first_owner(trail.dispute), at, text))


# --- every profile -------------------------------------------------------------------------

EVERY_STAGE = [
    (profile, stage.key)
    for profile in ("nottingham", "cpc-standard", "calderdale", "newham", "city-hackney")
    for stage in context(profile).policy.main.stages
]
EVERY_PROFILE = sorted({profile for profile, _ in EVERY_STAGE})


@pytest.mark.parametrize(("profile", "stage"), EVERY_STAGE, ids=str)
def test_dispute_resolved_at_each_stage_closes_there(profile: str, stage: str) -> None:
    trail = opened(profile)
    at = climb(trail, stage, MON_21_DEC)
    respond(trail, at + timedelta(hours=1))
    event = trail.do(Resolve(CHAIR, at + timedelta(hours=2), "Plan back on track."))
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.RESOLVED, stage, stage)
    assert trail.dispute.status is Status.CLOSED
    assert trail.dispute.outcome is Outcome.RESOLVED
    assert trail.dispute.owners == ()
    assert_legal(trail.dispute, trail.policy)


@pytest.mark.parametrize("profile", EVERY_PROFILE)
def test_raiser_withdraws_a_dispute_part_way_up_the_ladder(profile: str) -> None:
    trail = opened(profile)
    at = climb(trail, "2", MON_21_DEC)
    event = trail.do(Withdraw(CHAIR, at + timedelta(hours=1), "Child moved out of area."))
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.WITHDRAWN, "2", "2")
    assert trail.dispute.outcome is Outcome.WITHDRAWN
    assert trail.dispute.closed_at == at + timedelta(hours=1)


@pytest.mark.parametrize("profile", EVERY_PROFILE)
def test_immediate_harm_alert_records_an_event_and_changes_nothing_else(profile: str) -> None:
    trail = opened(profile)
    at = climb(trail, "2", MON_21_DEC)
    before = trail.dispute
    event = trail.do(AlertImmediateHarm(CHAIR, at, "Disclosure of assault at school today."))
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.IMMEDIATE_HARM, "2", "2")
    assert event.payload == HarmAlerted(details="Disclosure of assault at school today.")
    assert trail.dispute == replace(before, version=before.version + 1)


@pytest.mark.parametrize("profile", EVERY_PROFILE)
def test_only_the_raiser_may_withdraw_alert_or_refer(profile: str) -> None:
    trail = opened(profile)
    at = london(2026, 12, 22)
    trail.refuses(Withdraw(STRANGER, at, "x"), NotPermitted)
    trail.refuses(AlertImmediateHarm(TEAM_MANAGER, at, "x"), NotPermitted)
    for referral in trail.policy.referrals:  # cpc-standard has none
        trail.refuses(Refer(TEAM_MANAGER, at, referral.key, "x", consulted="y"), NotPermitted)


# --- Nottingham (seed 000) -----------------------------------------------------------------


def test_nottingham_informal_discussion_resolved_by_team_manager_closes() -> None:
    trail = opened("nottingham", stage="informal", owners=(TEAM_MANAGER.id,))
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    assert trail.dispute.due_at == end_of(2026, 12, 30)  # 5 WD over Christmas: 22,23,24,29,30
    assert trail.dispute.overall_due_at is None  # the 20 days are for the formal process
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 23, 15), "Visit done; plan shared."))
    event = trail.do(Resolve(CHAIR, london(2026, 12, 24, 9), "Resolved informally."))
    assert event.kind is EventKind.RESOLVED
    assert (event.from_stage, event.to_stage) == ("informal", "informal")
    assert trail.dispute.outcome is Outcome.RESOLVED
    assert trail.dispute.closed_at == london(2026, 12, 24, 9)


def test_unresolved_informal_stage_becomes_formal_stage_1_starting_the_20_days() -> None:
    trail = opened("nottingham", stage="informal", owners=(TEAM_MANAGER.id,))
    trail.refuses(
        Escalate(CHAIR, london(2026, 12, 29, 9), "No reply", owners=(TEAM_MANAGER.id,)),
        CommandRejected,
    )
    event = trail.do(
        Escalate(CHAIR, london(2026, 12, 31, 9), "No reply in a week", owners=(TEAM_MANAGER.id,))
    )
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.ESCALATED, "informal", "1")
    assert trail.dispute.due_at == end_of(2027, 1, 8)  # 4,5,6,7,8 Jan
    assert trail.dispute.formal_started_at == london(2026, 12, 31, 9)
    assert trail.dispute.overall_due_at == end_of(2027, 1, 29)  # 20 WD from 31 Dec


def test_nottingham_stage_1_deadline_and_overall_20_working_days_skip_christmas() -> None:
    trail = opened("nottingham")
    assert trail.dispute.stage == "1"
    assert trail.dispute.owners == (TEAM_MANAGER.id,)
    assert trail.dispute.due_at == end_of(2026, 12, 30)
    assert trail.dispute.overall_due_at == end_of(2027, 1, 21)
    assert trail.last.payload == Raised(to="1", late=False, consulted=CONSULTED)


def test_unresolved_stage_1_escalates_to_service_manager() -> None:
    trail = opened("nottingham")
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 30, 16), "Will allocate in January."))
    event = trail.do(
        Escalate(
            CHAIR,
            london(2026, 12, 31, 9),
            "No allocation date",
            updated_concerns="Still unallocated.",
            owners=(SERVICE_MANAGER.id,),
        )
    )
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.ESCALATED, "1", "2")
    assert event.actor == CHAIR.id
    assert event.payload.reason == "No allocation date"
    assert event.payload.automatic is False
    assert trail.dispute.owners == (SERVICE_MANAGER.id,)
    assert trail.dispute.due_at == end_of(2027, 1, 8)
    assert trail.dispute.overall_due_at == end_of(2027, 1, 21)  # unchanged by escalation


def test_nottingham_escalated_step_by_step_to_legal_advice_then_concluded() -> None:
    trail = opened("nottingham")
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 30, 16), "Proposed actions."))
    trail.do(Escalate(CHAIR, london(2026, 12, 31, 9), "Not agreed", owners=(SERVICE_MANAGER.id,)))
    assert trail.dispute.due_at == end_of(2027, 1, 8)
    # Stage 2 is a meeting the CPC convenes and records.
    trail.do(Respond(CHAIR, london(2027, 1, 7, 15), "Meeting held; no agreement."))
    trail.do(
        Escalate(
            CHAIR,
            london(2027, 1, 8, 10),
            "Meeting failed",
            owners=(HEAD_OF_SERVICE.id,),
            consulted="The Principal Manager",  # seed 000: stage 3 "in conjunction with" them
        )
    )
    assert trail.dispute.due_at == end_of(2027, 1, 15)
    trail.do(Respond(HEAD_OF_SERVICE, london(2027, 1, 14, 12), "Resources reviewed."))
    trail.do(Escalate(CHAIR, london(2027, 1, 15, 10), "No change", owners=(DIRECTOR.id,)))
    assert trail.dispute.due_at == end_of(2027, 1, 21)  # capped: the 20 working days end
    trail.do(Respond(DIRECTOR, london(2027, 1, 21, 12), "Cannot fund this year."))
    trail.refuses(Conclude(CHAIR, london(2027, 1, 22, 9), "Closing"), CommandRejected)
    late = london(2027, 1, 22, 10)
    trail.refuses(Escalate(CHAIR, late, "Legal advice needed"), InvalidInput)  # not consulted
    event = trail.do(
        Escalate(CHAIR, late, "Legal advice needed", consulted="Principal Manager; Director")
    )
    assert (event.from_stage, event.to_stage) == ("4", "5")
    assert event.payload.consulted == "Principal Manager; Director"
    assert event.payload.final_step is True
    assert trail.dispute.status is Status.EXTERNAL
    assert (trail.dispute.owners, trail.dispute.due_at) == ((), None)
    event = trail.do(Conclude(CHAIR, london(2027, 2, 1, 10), "Referred to Corporate Director"))
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.CONCLUDED, "5", "5")
    assert trail.dispute.outcome is Outcome.CONCLUDED
    assert trail.dispute.overall_due_at == end_of(2027, 1, 21)
    assert [e.kind for e in trail.events].count(EventKind.ESCALATED) == 4
    assert [e.sequence for e in trail.events] == list(range(1, 11))


def test_nottingham_chair_cannot_skip_a_stage() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    error = trail.refuses(
        Escalate(
            CHAIR, london(2026, 12, 23), "Serious", to_stage="3", owners=(HEAD_OF_SERVICE.id,)
        ),
        CommandRejected,
    )
    assert "bypass" in str(error)
    error = trail.refuses(Escalate(CHAIR, london(2026, 12, 23), "Serious", to_stage="5"))
    assert "final step comes last" in str(error)


def test_nottingham_chair_records_the_stage_2_meeting_and_may_resolve_it() -> None:
    trail = opened("nottingham")
    at = climb(trail, "2", MON_21_DEC)
    trail.do(Respond(CHAIR, at + timedelta(hours=1), "Meeting agreed a new plan."))
    assert trail.dispute.responded_by == CHAIR.id
    trail.do(Resolve(CHAIR, at + timedelta(hours=2), "Agreed at the meeting."))
    assert trail.dispute.outcome is Outcome.RESOLVED


def test_nottingham_chair_cannot_answer_for_the_team_manager_at_stage_1() -> None:
    trail = opened("nottingham")
    trail.refuses(Respond(CHAIR, london(2026, 12, 22), "Done."), NotPermitted)


def test_nottingham_chair_withdraws_at_stage_3() -> None:
    trail = opened("nottingham")
    at = climb(trail, "3", MON_21_DEC)
    event = trail.do(Withdraw(CHAIR, at + timedelta(hours=1), "Child moved out of area."))
    assert (event.kind, event.from_stage, event.to_stage) == (EventKind.WITHDRAWN, "3", "3")
    assert trail.dispute.outcome is Outcome.WITHDRAWN


def test_nottingham_lscb_referral_runs_alongside_the_dispute() -> None:
    trail = opened("nottingham")
    at = climb(trail, "3", MON_21_DEC)
    before = trail.dispute
    event = trail.do(Refer(CHAIR, at + timedelta(hours=1), "lscb", "Internal process exhausted."))
    assert event.kind is EventKind.REFERRED
    assert event.payload.concurrent is True
    assert trail.dispute.referrals == ("lscb",)
    assert trail.dispute.status is before.status
    assert (trail.dispute.stage, trail.dispute.due_at) == (before.stage, before.due_at)


def test_nottingham_lscb_referral_may_close_the_dispute() -> None:
    trail = opened("nottingham")
    at = climb(trail, "2", MON_21_DEC)
    event = trail.do(
        Refer(CHAIR, at + timedelta(hours=1), "lscb", "Taken over by LSCB.", concurrent=False)
    )
    assert event.payload.concurrent is False
    assert trail.dispute.outcome is Outcome.REFERRED
    assert trail.dispute.referrals == ("lscb",)


def test_nottingham_never_escalates_by_itself_but_notes_the_overdue_response() -> None:
    trail = opened("nottingham")
    late = london(2026, 12, 31, 0, 5)
    trail.refuses(NoteOverdue(SYSTEM, london(2026, 12, 30, 23, 59)), CommandRejected)
    trail.refuses(Escalate(SYSTEM, late, "No response", owners=(SERVICE_MANAGER.id,)))
    trail.refuses(NoteOverdue(CHAIR, late), NotPermitted)
    event = trail.do(NoteOverdue(SYSTEM, late))
    assert (event.kind, event.actor) == (EventKind.OVERDUE, "system")
    assert event.payload.due_at.isoformat() == end_of(2026, 12, 30).isoformat()
    assert trail.dispute.overdue_noted
    trail.refuses(NoteOverdue(SYSTEM, late + timedelta(hours=1)), CommandRejected)
    trail.do(Escalate(CHAIR, late + timedelta(hours=9), "No reply", owners=(SERVICE_MANAGER.id,)))
    assert trail.dispute.overdue_noted is False


def test_chair_cannot_escalate_before_the_response_is_due() -> None:
    trail = opened("nottingham")
    error = trail.refuses(
        Escalate(CHAIR, london(2026, 12, 30, 16), "Impatient", owners=(SERVICE_MANAGER.id,)),
        CommandRejected,
    )
    assert "not yet due" in str(error)


def test_system_cannot_escalate_a_dispute_awaiting_the_chairs_review() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    trail.refuses(
        Escalate(SYSTEM, london(2027, 1, 20), "auto", owners=(SERVICE_MANAGER.id,)),
        CommandRejected,
    )


# --- cpc-standard (seed 001) ---------------------------------------------------------------


def test_cpc_informal_drp_takes_the_deadline_the_chair_agrees() -> None:
    trail = opened(
        "cpc-standard", stage="informal", owners=(TEAM_MANAGER.id,), due=date(2026, 12, 23)
    )
    assert trail.dispute.due_at == end_of(2026, 12, 23)
    respond(trail, london(2026, 12, 23, 11))
    trail.do(Resolve(CHAIR, london(2026, 12, 23, 12), "Report on Mosaic."))
    assert trail.dispute.outcome is Outcome.RESOLVED


def test_cpc_informal_drp_needs_a_deadline_that_is_not_in_the_past() -> None:
    ctx = context("cpc-standard")
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(stage="informal"), ctx)
    assert caught.value.field == "due"
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(stage="informal", due=date(2026, 12, 20)), ctx)
    assert (caught.value.field, caught.value.reason) == (
        "due",
        "the deadline cannot be in the past",
    )


def test_cpc_stage_1_is_sent_without_agreement() -> None:
    trail = opened("cpc-standard")
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    assert trail.dispute.due_at == end_of(2026, 12, 30)
    assert trail.dispute.overall_due_at is None


@pytest.mark.parametrize("stage", ["2", "3", "4"])
def test_cpc_stage_2_or_above_is_sent_once_the_chairs_manager_agrees(stage: str) -> None:
    owners = owners_for(context("cpc-standard").policy, stage)
    trail = opened("cpc-standard", stage=stage, approvers=(CHAIRS_MANAGER.id,))
    assert trail.dispute.status is Status.AWAITING_APPROVAL
    assert (trail.dispute.stage, trail.dispute.pending_stage) == ("", stage)
    assert trail.last.payload.awaiting_approval is True
    event = trail.do(Approve(CHAIRS_MANAGER, london(2026, 12, 22, 9), owners, "Agreed."))
    assert (event.kind, event.actor, event.from_stage, event.to_stage) == (
        EventKind.APPROVED,
        CHAIRS_MANAGER.id,
        "",
        stage,
    )
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    assert trail.dispute.owners == owners
    assert trail.dispute.due_at == end_of(2026, 12, 31)  # 5 WD from Tue 22 Dec


def test_cpc_stage_2_dispute_without_an_approver_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(stage="2"), context("cpc-standard"))
    assert caught.value.field == "approver"


def test_cpc_chair_cannot_agree_their_own_stage_2_dispute() -> None:
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(stage="2", approvers=(CHAIR.id,)), context("cpc-standard"))
    assert caught.value.field == "approver"


def test_cpc_only_the_named_chairs_manager_may_agree() -> None:
    trail = opened("cpc-standard", stage="2", approvers=(TEAM_MANAGER.id,))
    owners = (SERVICE_MANAGER.id,)
    trail.refuses(Approve(TEAM_MANAGER, london(2026, 12, 22), owners), NotPermitted)
    other_manager = Actor("csm-other", Role.CHAIRS_SERVICE_MANAGER)
    trail.refuses(Approve(other_manager, london(2026, 12, 22), owners), NotPermitted)
    trail.refuses(Decline(STRANGER, london(2026, 12, 22), "No"), NotPermitted)


def test_cpc_a_stage_2_deadline_cannot_be_set_by_the_chair_even_before_agreement() -> None:
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(
            raise_command(stage="2", approvers=(CHAIRS_MANAGER.id,), due=date(2026, 12, 23)),
            context("cpc-standard"),
        )
    assert caught.value.field == "due"


def test_cpc_declined_fresh_dispute_closes_as_not_agreed() -> None:
    trail = opened("cpc-standard", stage="2", approvers=(CHAIRS_MANAGER.id,))
    event = trail.do(Decline(CHAIRS_MANAGER, london(2026, 12, 21, 15), "Try stage 1 first."))
    assert event.kind is EventKind.DECLINED
    assert trail.dispute.outcome is Outcome.NOT_AGREED
    assert trail.dispute.pending_stage == ""


def test_cpc_declined_escalation_returns_to_the_chairs_review() -> None:
    trail = opened("cpc-standard")
    respond(trail, london(2026, 12, 22, 11))
    trail.do(
        Escalate(CHAIR, london(2026, 12, 22, 14), "Unsatisfactory", approvers=(CHAIRS_MANAGER.id,))
    )
    assert trail.dispute.status is Status.AWAITING_APPROVAL
    assert trail.dispute.stage == "1"
    event = trail.do(Decline(CHAIRS_MANAGER, london(2026, 12, 22, 16), "Negotiate first."))
    assert (event.from_stage, event.to_stage) == ("1", "1")
    assert trail.dispute.status is Status.AWAITING_REVIEW
    assert trail.dispute.pending_stage == ""
    trail.do(Resolve(CHAIR, london(2026, 12, 23, 9), "Agreed by phone."))
    assert trail.dispute.outcome is Outcome.RESOLVED


def test_cpc_one_further_24_hours_then_escalation_to_stage_2() -> None:
    trail = opened("cpc-standard")
    respond(trail, london(2026, 12, 22, 11))
    event = trail.do(Extend(CHAIR, london(2026, 12, 22, 14), "Visit by tomorrow 2pm."))
    assert event.kind is EventKind.EXTENDED
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    assert trail.dispute.due_at == london(2026, 12, 23, 14)
    assert event.payload.due_at.isoformat() == london(2026, 12, 23, 14).isoformat()
    assert trail.dispute.extensions_used == 1
    respond(trail, london(2026, 12, 23, 12), "Visit rearranged.")
    error = trail.refuses(Extend(CHAIR, london(2026, 12, 23, 13), "Once more"), CommandRejected)
    assert "already been used" in str(error)
    trail.do(
        Escalate(CHAIR, london(2026, 12, 23, 15), "Still not done", approvers=(CHAIRS_MANAGER.id,))
    )
    trail.do(Approve(CHAIRS_MANAGER, london(2026, 12, 24, 9), (SERVICE_MANAGER.id,)))
    assert trail.dispute.stage == "2"
    assert trail.dispute.due_at == end_of(2027, 1, 5)  # 29,30,31 Dec, 4,5 Jan
    assert trail.dispute.extensions_used == 0


def test_cpc_the_24_hour_extension_is_real_hours_across_the_october_clock_change() -> None:
    raised = london(2026, 10, 19, 10)
    trail = Trail.open("cpc-standard", raise_command(at=raised, date_of_concern=raised.date()))
    respond(trail, london(2026, 10, 23, 10))
    extended_at = london(2026, 10, 24, 12)  # BST
    trail.do(Extend(CHAIR, extended_at, "Plan by tomorrow."))
    due = trail.dispute.due_at
    assert due is not None
    assert due.astimezone(UTC) - extended_at.astimezone(UTC) == timedelta(hours=24)
    assert due.astimezone(UTC) == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)  # 11:00 GMT


def auto_escalating_cpc() -> Trail:
    """Seed 001's ladder with ``auto_escalate`` on: agreement still comes before stage 2."""
    ctx = context("cpc-standard")
    ctx = replace(ctx, policy=replace(ctx.policy, auto_escalate=True))
    owners = owners_for(ctx.policy, "1")
    return Trail(ctx, raise_dispute(raise_command(CHAIR, "1", owners=owners), ctx))


def test_seed_001_cpc_unanswered_stage_is_never_escalated_by_the_system() -> None:
    trail = opened("cpc-standard")
    late = london(2026, 12, 31, 0, 1)
    error = trail.refuses(
        Escalate(SYSTEM, late, "No response", approvers=(CHAIRS_MANAGER.id,)), CommandRejected
    )
    assert "no automatic escalation" in str(error)
    trail.do(Escalate(CHAIR, late, "No response", approvers=(CHAIRS_MANAGER.id,)))
    assert trail.dispute.pending_stage == "2"


def test_automatic_escalation_awaits_agreement_where_the_stage_needs_it() -> None:
    trail = auto_escalating_cpc()
    trail.refuses(
        Escalate(SYSTEM, london(2026, 12, 30, 23), "auto", approvers=(CHAIRS_MANAGER.id,)),
        CommandRejected,
    )
    event = trail.do(
        Escalate(SYSTEM, london(2026, 12, 31, 0, 1), "No response", approvers=(CHAIRS_MANAGER.id,))
    )
    assert (event.actor, event.payload.automatic) == ("system", True)
    assert trail.dispute.pending_stage == "2"
    trail.do(Approve(CHAIRS_MANAGER, london(2026, 12, 31, 9), (SERVICE_MANAGER.id,)))
    assert trail.dispute.due_at == end_of(2027, 1, 8)


def test_automatic_escalation_never_skips_a_stage() -> None:
    trail = auto_escalating_cpc()
    trail.refuses(
        Escalate(SYSTEM, london(2027, 1, 4), "auto", to_stage="3", approvers=(CHAIRS_MANAGER.id,)),
        CommandRejected,
    )


def test_cpc_informal_drp_is_not_made_formal_automatically() -> None:
    trail = opened(
        "cpc-standard", stage="informal", owners=(TEAM_MANAGER.id,), due=date(2026, 12, 22)
    )
    trail.refuses(Escalate(SYSTEM, london(2026, 12, 23), "auto", owners=(TEAM_MANAGER.id,)))
    trail.do(Escalate(CHAIR, london(2026, 12, 23), "Not done", owners=(TEAM_MANAGER.id,)))
    assert trail.dispute.stage == "1"


def test_cpc_stage_4_is_the_last_and_is_concluded() -> None:
    trail = opened("cpc-standard")
    at = climb(trail, "4", MON_21_DEC)
    respond(trail, at + timedelta(hours=1))
    error = trail.refuses(Escalate(CHAIR, at + timedelta(hours=2), "More"), CommandRejected)
    assert "last stage" in str(error)
    event = trail.do(Conclude(CHAIR, at + timedelta(hours=3), "Unresolved; head of service told."))
    assert (event.kind, event.to_stage) == (EventKind.CONCLUDED, "4")
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_cpc_unanswered_stage_4_may_be_concluded_once_overdue() -> None:
    trail = opened("cpc-standard", stage="4", approvers=(CHAIRS_MANAGER.id,))
    trail.do(Approve(CHAIRS_MANAGER, london(2026, 12, 21, 11), (DIRECTOR.id,)))
    assert trail.dispute.due_at == end_of(2026, 12, 30)
    trail.refuses(Conclude(CHAIR, london(2026, 12, 30, 12), "No reply"), CommandRejected)
    trail.refuses(Escalate(SYSTEM, london(2026, 12, 31), "auto"), CommandRejected)
    trail.do(Conclude(CHAIR, london(2026, 12, 31, 9), "No reply from the Director."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


@pytest.mark.parametrize(
    ("aware", "late"),
    [(date(2026, 12, 16), True), (date(2026, 12, 17), False)],
    ids=["3-working-days-late", "on-the-2nd-working-day"],
)
def test_cpc_a_form_raised_after_2_working_days_is_flagged_late(aware: date, late: bool) -> None:
    trail = opened("cpc-standard", date_of_concern=aware)
    assert trail.last.payload.late is late


# --- Calderdale (seed 002) -----------------------------------------------------------------


def test_calderdale_informal_deadline_is_at_most_10_working_days() -> None:
    ctx = context("calderdale")
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(stage="informal", due=date(2027, 1, 8)), ctx)
    assert caught.value.field == "due"
    assert "07 Jan 2027" in caught.value.reason  # 22,23,24,29,30,31 Dec, 4,5,6,7 Jan
    trail = opened("calderdale", stage="informal", due=date(2027, 1, 7))
    assert trail.dispute.due_at == end_of(2027, 1, 7)
    assert trail.dispute.owners == (PRACTITIONER.id, TEAM_MANAGER.id)


def test_calderdale_informal_deadline_defaults_to_the_10_day_limit() -> None:
    trail = opened("calderdale", stage="informal")
    assert trail.dispute.due_at == end_of(2027, 1, 7)


def test_calderdale_chair_goes_formal_after_informal_and_the_15_days_start() -> None:
    trail = opened("calderdale", stage="informal", due=date(2026, 12, 23))
    trail.refuses(Escalate(SYSTEM, london(2026, 12, 24, 9), "auto", owners=(TEAM_MANAGER.id,)))
    formal = Escalate(CHAIR, london(2026, 12, 24, 9), "Not remedied", owners=(TEAM_MANAGER.id,))
    trail.do(replace(formal, consulted=CONSULTED))
    assert trail.dispute.stage == "1"
    assert trail.dispute.due_at == end_of(2027, 1, 5)  # 29,30,31 Dec, 4,5 Jan
    assert trail.dispute.overall_due_at == end_of(2027, 1, 19)  # 15 WD from 24 Dec


def test_calderdale_unanswered_stage_1_progresses_to_stage_2_automatically() -> None:
    trail = opened("calderdale")
    trail.refuses(
        Escalate(SYSTEM, london(2026, 12, 30, 22), "auto", owners=(SERVICE_MANAGER.id,)),
        CommandRejected,
    )
    event = trail.do(
        Escalate(SYSTEM, london(2026, 12, 31, 0, 30), "No response", owners=(SERVICE_MANAGER.id,))
    )
    assert (event.from_stage, event.to_stage, event.payload.automatic) == ("1", "2", True)
    assert trail.dispute.due_at == end_of(2027, 1, 8)
    assert trail.dispute.overall_due_at == end_of(2027, 1, 14)  # 15 WD from 21 Dec


def test_calderdale_board_panel_at_stage_3_ends_the_process() -> None:
    trail = opened("calderdale")
    at = climb(trail, "3", MON_21_DEC)
    assert trail.dispute.owners == (SCB_MANAGER.id,)
    trail.do(Respond(SCB_MANAGER, at + timedelta(hours=1), "Panel outcome: revise the plan."))
    trail.refuses(Escalate(CHAIR, at + timedelta(hours=2), "Further"), CommandRejected)
    trail.do(Conclude(CHAIR, at + timedelta(hours=3), "Panel outcome shared with all."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_calderdale_scb_referral_requires_consulting_the_irs_team_manager() -> None:
    trail = opened("calderdale")
    error = trail.refuses(Refer(CHAIR, london(2026, 12, 22), "scb", "Serious."), InvalidInput)
    assert isinstance(error, InvalidInput)
    assert error.field == "consulted"
    event = trail.do(
        Refer(CHAIR, london(2026, 12, 22), "scb", "Serious.", consulted="IRS TM, 22 Dec")
    )
    assert event.payload.consulted == "IRS TM, 22 Dec"
    assert trail.dispute.status is Status.AWAITING_RESPONSE


def test_calderdale_conference_dissent_answered_by_safeguarding_sm_within_5_days() -> None:
    trail = Trail.open(
        "calderdale",
        raise_command(
            PRACTITIONER,
            process="conference-dissent",
            concern=concern("conference-decision"),
            owners=(CHAIRS_MANAGER.id,),
        ),
    )
    assert trail.dispute.due_at == end_of(2026, 12, 30)
    assert trail.dispute.overall_due_at is None
    trail.do(Respond(CHAIRS_MANAGER, london(2026, 12, 30, 12), "Decision reviewed and upheld."))
    trail.do(Resolve(PRACTITIONER, london(2026, 12, 30, 15), "Accepted."))
    assert trail.dispute.outcome is Outcome.RESOLVED


def test_calderdale_dissent_on_risk_of_significant_harm_goes_to_the_appeals_panel() -> None:
    trail = Trail.open(
        "calderdale",
        raise_command(
            TEAM_MANAGER,
            process="conference-dissent",
            concern=concern("conference-decision"),
            owners=(CHAIRS_MANAGER.id,),
        ),
    )
    trail.refuses(Escalate(SYSTEM, london(2026, 12, 31, 9), "auto"), CommandRejected)
    trail.do(Respond(CHAIRS_MANAGER, london(2026, 12, 31, 10), "Decision stands."))
    harm = Escalate(TEAM_MANAGER, london(2026, 12, 31, 12), "Risk of significant harm")
    event = trail.do(replace(harm, owners=(CHAIRS_MANAGER.id,)))
    # Reviewed at once: by the end of the next working day (New Year's Day is a bank holiday).
    assert (event.to_stage, trail.dispute.due_at) == ("2", end_of(2027, 1, 4))
    unanswered = Respond(CHAIRS_MANAGER, london(2026, 12, 31, 15), "Reviewed.")
    trail.refuses(unanswered, InvalidInput)
    trail.do(replace(unanswered, answer="Conference reconvened 4 Jan with a different CPCC."))
    event = trail.do(Escalate(TEAM_MANAGER, london(2026, 12, 31, 16), "Risk remains"))
    assert (event.to_stage, trail.dispute.status) == ("3", Status.EXTERNAL)
    trail.do(Conclude(TEAM_MANAGER, london(2027, 1, 20), "Panel: new conference, new chair."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_calderdale_a_chair_cannot_dissent_from_a_conference_decision() -> None:
    with pytest.raises(NotPermitted):
        raise_dispute(
            raise_command(process="conference-dissent", owners=(CHAIRS_MANAGER.id,)),
            context("calderdale"),
        )


def test_calderdale_immediate_harm_alert_at_informal_stage() -> None:
    trail = opened("calderdale", stage="informal")
    event = trail.do(AlertImmediateHarm(CHAIR, london(2026, 12, 21, 11), "Child unsafe tonight."))
    assert (event.kind, event.to_stage) == (EventKind.IMMEDIATE_HARM, "informal")


# --- Newham (seed 003) ---------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["informal", "1", "2", "3"])
def test_newham_iro_may_enter_at_stages_1_to_3(stage: str) -> None:
    extra = {"due": date(2026, 12, 23)} if stage == "informal" else {}
    trail = opened("newham", IRO, stage=stage, **extra)
    assert trail.dispute.stage == stage


def test_newham_iro_may_not_enter_at_stage_4() -> None:
    with pytest.raises(NotPermitted):
        raise_dispute(raise_command(IRO, "4", owners=(DIRECTOR.id,)), context("newham"))


@pytest.mark.parametrize("stage", ["2", "3"])
def test_newham_cp_chair_may_not_open_an_iro_stage(stage: str) -> None:
    with pytest.raises(NotPermitted) as caught:
        raise_dispute(raise_command(CHAIR, stage), context("newham"))
    assert f"may not open at stage {stage}" in str(caught.value)


def test_newham_no_one_opens_at_the_cafcass_step() -> None:
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(IRO, "5"), context("newham"))
    assert caught.value.field == "stage"


def test_newham_overall_20_working_days_run_from_when_the_drp_is_accessed() -> None:
    trail = opened("newham", IRO, stage="2")
    assert trail.dispute.due_at == end_of(2026, 12, 30)
    assert trail.dispute.overall_due_at == end_of(2027, 1, 21)


def test_newham_cp_chair_bypasses_stage_2_straight_to_the_operations_director() -> None:
    trail = opened("newham")
    event = trail.do(
        Escalate(
            CHAIR,
            london(2026, 12, 22, 9),
            "Serious safeguarding issue",
            to_stage="3",
            owners=(HEAD_OF_SERVICE.id,),
        )
    )
    assert (event.from_stage, event.to_stage) == ("1", "3")
    assert trail.dispute.due_at == end_of(2026, 12, 31)  # 23,24,29,30,31


def test_newham_chair_records_the_resolution_within_2_calendar_days() -> None:
    trail = opened("newham", IRO, "2")
    respond(trail, london(2026, 12, 24, 15))
    assert trail.dispute.review_due_at == end_of(2026, 12, 26)  # calendar days: Boxing Day


def test_seed_003_newham_no_review_deadline_at_stage_1() -> None:
    trail = opened("newham")
    respond(trail, london(2026, 12, 24, 15))
    assert trail.dispute.review_due_at is None  # the form gives stage 1's resolution none


def test_newham_requested_actions_must_be_due_within_5_working_days() -> None:
    ctx = context("newham")
    late_action = (Action("Allocate a social worker", date(2026, 12, 31)),)
    too_late = concern("staff-turnover", requested_actions=late_action)
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(concern=too_late), ctx)
    assert caught.value.field == "requested_actions[1].complete_by"
    in_time_action = (Action("Allocate a social worker", date(2026, 12, 30)),)
    in_time = concern("staff-turnover", requested_actions=in_time_action)
    trail = Trail.open("newham", raise_command(concern=in_time))
    assert trail.dispute.concern.requested_actions[0].complete_by == date(2026, 12, 30)


def test_newham_issue_type_must_be_from_the_policys_list() -> None:
    ctx = context("newham")
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(concern=concern("health", issue_type="Gossip")), ctx)
    assert caught.value.field == "issue_type"
    trail = Trail.open("newham", raise_command(concern=concern("health", issue_type="Strategic")))
    assert trail.dispute.concern.issue_type == "Strategic"


def test_newham_cp_chair_at_stage_4_can_only_conclude() -> None:
    trail = opened("newham")
    at = climb(trail, "4", MON_21_DEC)
    respond(trail, at + timedelta(hours=1))
    error = trail.refuses(Escalate(CHAIR, at + timedelta(hours=2), "CAFCASS"), NotPermitted)
    assert "not open to you" in str(error)
    trail.do(Conclude(CHAIR, at + timedelta(hours=3), "Unresolved at Corporate Director."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_newham_cp_chair_concludes_an_unanswered_stage_4_once_overdue() -> None:
    trail = opened("newham")
    at = climb(trail, "4", MON_21_DEC)
    due = trail.dispute.due_at
    assert due is not None
    trail.refuses(Conclude(CHAIR, at + timedelta(hours=1), "No reply"), CommandRejected)
    trail.refuses(Escalate(CHAIR, due + timedelta(hours=1), "CAFCASS"), NotPermitted)
    trail.do(Conclude(CHAIR, due + timedelta(hours=1), "No reply from Corporate Director."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_newham_iro_escalates_stage_4_to_cafcass_then_concludes() -> None:
    trail = opened("newham", IRO)
    at = climb(trail, "4", MON_21_DEC, raiser=IRO)
    respond(trail, at + timedelta(hours=1))
    trail.refuses(Conclude(IRO, at + timedelta(hours=2), "Done"), CommandRejected)
    event = trail.do(Escalate(IRO, at + timedelta(hours=2), "Breach of human rights"))
    assert (event.from_stage, event.to_stage) == ("4", "5")
    assert trail.dispute.status is Status.EXTERNAL
    trail.do(Conclude(IRO, london(2027, 2, 15), "CAFCASS officer appointed."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_newham_cafcass_referral_is_for_iros_only() -> None:
    chair_trail = opened("newham")
    chair_trail.refuses(Refer(CHAIR, london(2026, 12, 22), "cafcass", "Breach"), NotPermitted)
    trail = opened("newham", IRO)
    trail.do(Refer(IRO, london(2026, 12, 21, 10, 30), "cafcass", "Concurrent referral."))
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    assert trail.dispute.referrals == ("cafcass",)


def test_newham_iro_may_hand_the_dispute_over_to_cafcass() -> None:
    trail = opened("newham", IRO, stage="2")
    trail.do(Refer(IRO, london(2026, 12, 22), "cafcass", "Court action.", concurrent=False))
    assert trail.dispute.outcome is Outcome.REFERRED


def test_newham_never_escalates_by_itself() -> None:
    trail = opened("newham")
    trail.refuses(
        Escalate(SYSTEM, london(2027, 1, 4), "auto", owners=(SERVICE_MANAGER.id,)),
        CommandRejected,
    )
    trail.do(NoteOverdue(SYSTEM, london(2027, 1, 4)))


# --- City & Hackney (seed 004) -------------------------------------------------------------


def hackney(actor: Actor = PRACTITIONER, **changes: Any) -> Trail:
    changes.setdefault("owners", (OTHER_PRACTITIONER.id,))
    changes.setdefault("concern", concern("levels-of-need"))
    return Trail.open("city-hackney", raise_command(actor, "1", **changes))


def test_hackney_practitioner_raises_with_the_other_practitioner_in_a_working_week() -> None:
    trail = hackney()
    assert trail.dispute.raised_by == PRACTITIONER.id
    assert trail.dispute.owners == (OTHER_PRACTITIONER.id,)
    assert trail.dispute.due_at == end_of(2026, 12, 30)


def test_hackney_raiser_sets_a_shorter_deadline_to_protect_the_child() -> None:
    trail = hackney(due=date(2026, 12, 22))
    assert trail.dispute.due_at == end_of(2026, 12, 22)
    with pytest.raises(InvalidInput) as caught:
        hackney(due=date(2026, 12, 31))
    assert caught.value.field == "due"


def test_hackney_stage_2_needs_managers_on_both_sides_and_a_raiser_set_deadline() -> None:
    trail = hackney()
    trail.do(Respond(OTHER_PRACTITIONER, london(2026, 12, 22), "We disagree."))
    both = (TEAM_MANAGER.id, OTHER_TEAM_MANAGER.id)
    at = london(2026, 12, 22, 12)
    error = trail.refuses(Escalate(PRACTITIONER, at, "No agreement", owners=both), InvalidInput)
    assert isinstance(error, InvalidInput)
    assert error.field == "due"
    error = trail.refuses(
        Escalate(
            PRACTITIONER, at, "No agreement", owners=(TEAM_MANAGER.id,), due=date(2026, 12, 24)
        ),
        InvalidInput,
    )
    assert isinstance(error, InvalidInput)
    assert error.field == "owners"
    trail.do(Escalate(PRACTITIONER, at, "No agreement", owners=both, due=date(2026, 12, 24)))
    assert trail.dispute.owners == both
    assert trail.dispute.due_at == end_of(2026, 12, 24)


def test_hackney_either_agencys_manager_may_answer_a_two_sided_stage() -> None:
    trail = hackney()
    at = climb(trail, "2", MON_21_DEC, raiser=PRACTITIONER)
    trail.do(Respond(OTHER_TEAM_MANAGER, at + timedelta(hours=1), "Joint strategy meeting."))
    trail.do(Resolve(PRACTITIONER, at + timedelta(hours=2), "Agreed between agencies."))
    assert trail.dispute.outcome is Outcome.RESOLVED


def test_hackney_unresolved_at_the_commissioner_goes_to_the_secretary_of_state() -> None:
    trail = hackney()
    at = climb(trail, "4", MON_21_DEC, raiser=PRACTITIONER)
    assert trail.dispute.owners == (owners_for(trail.policy, "4"))
    respond(trail, at + timedelta(hours=1), "Resolution Panel could not agree.")
    event = trail.do(Escalate(PRACTITIONER, at + timedelta(hours=2), "Unresolved by ISCC"))
    assert (event.to_stage, trail.dispute.status) == ("5", Status.EXTERNAL)
    trail.do(Conclude(PRACTITIONER, london(2027, 3, 1), "Referred to the inspectorate."))
    assert trail.dispute.outcome is Outcome.CONCLUDED


def test_hackney_lado_referral_takes_the_dispute_out_of_this_policy() -> None:
    trail = hackney()
    event = trail.do(Refer(PRACTITIONER, london(2026, 12, 22), "lado", "Conduct concern."))
    assert event.payload.concurrent is False
    assert trail.dispute.outcome is Outcome.REFERRED


def test_hackney_manager_cannot_review_their_own_response() -> None:
    trail = hackney(TEAM_MANAGER, owners=(OTHER_PRACTITIONER.id,))
    trail.do(Respond(OTHER_PRACTITIONER, london(2026, 12, 22), "No."))
    both = (TEAM_MANAGER.id, OTHER_TEAM_MANAGER.id)
    trail.do(
        Escalate(TEAM_MANAGER, london(2026, 12, 22, 12), "No", owners=both, due=date(2027, 1, 4))
    )
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 23), "Our side has acted."))
    at = london(2026, 12, 23, 12)
    error = trail.refuses(Resolve(TEAM_MANAGER, at, "Fine by me"), NotPermitted)
    assert "own response" in str(error)
    trail.refuses(Escalate(TEAM_MANAGER, at, "x", owners=both, due=date(2027, 1, 4)), NotPermitted)


def test_hackney_immediate_harm_is_alerted_by_the_raising_practitioner() -> None:
    trail = hackney()
    event = trail.do(AlertImmediateHarm(PRACTITIONER, london(2026, 12, 21, 12), "Injuries seen."))
    assert (event.kind, event.actor) == (EventKind.IMMEDIATE_HARM, PRACTITIONER.id)
    trail.refuses(AlertImmediateHarm(STRANGER, london(2026, 12, 21, 12), "x"), NotPermitted)


# --- illegal commands ----------------------------------------------------------------------


def closed_trail() -> Trail:
    trail = opened("nottingham")
    trail.do(Withdraw(CHAIR, london(2026, 12, 22), "Raised in error."))
    return trail


def test_escalating_a_closed_dispute_is_refused() -> None:
    error = closed_trail().refuses(
        Escalate(CHAIR, london(2027, 1, 4), "Again", owners=(SERVICE_MANAGER.id,)),
        CommandRejected,
    )
    assert isinstance(error, CommandRejected)
    assert (error.state, error.command) == ("closed", "Escalate")


@pytest.mark.parametrize(
    "command",
    [
        Respond(TEAM_MANAGER, london(2027, 1, 4), "Late answer"),
        Resolve(CHAIR, london(2027, 1, 4), "ok"),
        Withdraw(CHAIR, london(2027, 1, 4), "again"),
        Refer(CHAIR, london(2027, 1, 4), "lscb", "x"),
        AlertImmediateHarm(CHAIR, london(2027, 1, 4), "x"),
        Conclude(CHAIR, london(2027, 1, 4), "x"),
    ],
    ids=lambda c: type(c).__name__,
)
def test_a_closed_dispute_accepts_no_command(command: object) -> None:
    closed_trail().refuses(command, CommandRejected)  # type: ignore[arg-type]


def test_a_stranger_cannot_respond_even_naming_the_owner() -> None:
    trail = opened("nottingham")
    trail.refuses(Respond(STRANGER, london(2026, 12, 22), "Sorted."), NotPermitted)
    trail.refuses(
        Respond(STRANGER, london(2026, 12, 22), "Sorted.", on_behalf_of=TEAM_MANAGER.id),
        NotPermitted,
    )


def test_a_deputy_team_manager_may_respond_for_the_named_owner() -> None:
    trail = opened("nottingham")
    deputy = Actor("tm-deputy", Role.TEAM_MANAGER)
    event = trail.do(
        Respond(deputy, london(2026, 12, 22), "Covering.", on_behalf_of=TEAM_MANAGER.id)
    )
    assert event.payload.on_behalf_of == TEAM_MANAGER.id
    assert event.payload.on_time is True
    assert trail.dispute.responded_by == deputy.id


def test_a_late_response_is_recorded_as_late() -> None:
    trail = opened("nottingham")
    event = trail.do(Respond(TEAM_MANAGER, london(2026, 12, 31, 9), "Sorry, late."))
    assert event.payload.on_time is False


def test_only_the_raiser_may_resolve() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    trail.refuses(Resolve(TEAM_MANAGER, london(2026, 12, 22, 12), "All fine"), NotPermitted)
    trail.refuses(Resolve(IRO, london(2026, 12, 22, 12), "All fine"), NotPermitted)


def test_a_manager_cannot_answer_twice() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    trail.refuses(Respond(TEAM_MANAGER, london(2026, 12, 22, 12), "And more"), CommandRejected)


def test_conclude_before_the_last_stage_is_refused() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    trail.refuses(Conclude(CHAIR, london(2026, 12, 22, 12), "Enough"), CommandRejected)


def test_approve_without_a_pending_agreement_is_refused() -> None:
    trail = opened("cpc-standard")
    trail.refuses(Approve(CHAIRS_MANAGER, london(2026, 12, 22), ("x",)), CommandRejected)


def test_an_unknown_referral_route_is_refused() -> None:
    trail = opened("nottingham")
    error = trail.refuses(Refer(CHAIR, london(2026, 12, 22), "cafcass", "x"), InvalidInput)
    assert isinstance(error, InvalidInput)
    assert error.field == "target"


def test_an_escalation_needs_a_reason() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    error = trail.refuses(
        Escalate(CHAIR, london(2026, 12, 23), "  ", owners=(SERVICE_MANAGER.id,)), InvalidInput
    )
    assert isinstance(error, InvalidInput)
    assert error.field == "reason"


def test_an_escalation_needs_someone_to_respond() -> None:
    trail = opened("nottingham")
    respond(trail, london(2026, 12, 22))
    error = trail.refuses(Escalate(CHAIR, london(2026, 12, 23), "Not ok"), InvalidInput)
    assert isinstance(error, InvalidInput)
    assert error.field == "owners"


def test_a_response_action_dated_in_the_past_is_refused() -> None:
    trail = opened("nottingham")
    past = (Action("Visit", date(2026, 12, 21)),)
    error = trail.refuses(
        Respond(TEAM_MANAGER, london(2026, 12, 22), "Visit done", actions=past), InvalidInput
    )
    assert isinstance(error, InvalidInput)
    assert error.field == "actions[1].complete_by"


def test_too_long_response_text_is_refused() -> None:
    trail = opened("nottingham")
    error = trail.refuses(
        Respond(TEAM_MANAGER, london(2026, 12, 22), "x" * (MAX_TEXT + 1)), InvalidInput
    )
    assert isinstance(error, InvalidInput)
    assert (error.field, "too long" in error.reason) == ("response", True)


def invalid_raise(**changes: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(raise_command(**changes), context("nottingham"))
    return caught.value


def test_too_long_summary_is_refused() -> None:
    error = invalid_raise(concern=concern(summary="x" * (MAX_TEXT + 1)))
    assert error.field == "summary"
    assert "at most 4000" in error.reason


def test_an_unknown_category_is_refused() -> None:
    error = invalid_raise(concern=concern("lack-of-preparation"))  # seed 001's, not Nottingham's
    assert error.field == "category"


def test_other_category_needs_its_detail() -> None:
    error = invalid_raise(concern=concern("other"))
    assert (error.field, error.reason) == ("category_other", "is required")


def test_a_past_dated_requested_action_is_refused() -> None:
    error = invalid_raise(concern=concern(requested_actions=(Action("Visit", date(2026, 12, 1)),)))
    assert error.field == "requested_actions[1].complete_by"


def test_a_concern_dated_in_the_future_is_refused() -> None:
    error = invalid_raise(date_of_concern=date(2026, 12, 22))
    assert error.field == "date_of_concern"


def test_a_dispute_names_at_least_one_child() -> None:
    assert invalid_raise(children=()).field == "children"


def test_the_same_child_cannot_be_named_twice() -> None:
    assert invalid_raise(children=(AMY, Child("Amy E.", AMY.local_id))).field == "children"


def test_siblings_share_one_dispute_each_recorded() -> None:
    trail = Trail.open("nottingham", raise_command(children=(AMY, BEN)))
    assert trail.dispute.children == (AMY, BEN)
    assert trail.dispute.initials == "A.E., B.E."


def test_a_malformed_reference_is_refused() -> None:
    assert invalid_raise(reference="DRP-42").field == "reference"


def test_a_fixed_stage_deadline_cannot_be_chosen_by_the_chair() -> None:
    assert invalid_raise(due=date(2026, 12, 23)).field == "due"


def test_a_practitioner_cannot_raise_under_nottingham() -> None:
    with pytest.raises(NotPermitted):
        raise_dispute(raise_command(PRACTITIONER), context("nottingham"))


def test_an_unknown_process_is_refused() -> None:
    assert invalid_raise(process="complaints").field == "process"


def test_an_existing_dispute_cannot_be_raised_again() -> None:
    trail = opened("nottingham")
    trail.refuses(raise_command(at=london(2026, 12, 22)), CommandRejected)


def test_every_walk_above_leaves_a_legal_dispute() -> None:
    trail = opened("newham", IRO)
    at = climb(trail, "4", MON_21_DEC, raiser=IRO)
    assert_legal(trail.dispute, trail.policy)
    respond(trail, at + timedelta(hours=1))
    trail.do(Escalate(IRO, at + timedelta(hours=2), "CAFCASS"))
    assert_legal(trail.dispute, trail.policy)
    decision = decide(trail.dispute, Conclude(IRO, at + timedelta(days=9), "Done"), trail.ctx)
    assert_legal(decision.dispute, trail.policy)
    assert decision.dispute.closed_at == at + timedelta(days=9)
    assert decision.dispute.closed_at.tzinfo is LONDON


def test_seed_003_newham_chair_sets_the_further_action_timescale_within_5_working_days() -> None:
    trail = opened("newham")
    respond(trail, london(2026, 12, 21, 12))
    at = london(2026, 12, 21, 14)
    trail.refuses(Extend(CHAIR, at, "Visit by Wednesday."), InvalidInput)  # no date given
    error = trail.refuses(Extend(CHAIR, at, "Visit.", due=date(2027, 1, 4)), InvalidInput)
    assert "no later than 30 Dec 2026" in str(error)  # 22-24, 29, 30: Christmas skipped
    trail.do(Extend(CHAIR, at, "Visit by Wednesday.", due=date(2026, 12, 23)))
    assert trail.dispute.due_at == end_of(2026, 12, 23)
    respond(trail, london(2026, 12, 23, 12))
    trail.do(Extend(CHAIR, london(2026, 12, 23, 14), "And the plan.", due=date(2026, 12, 24)))


def test_seed_001_cpc_extension_is_24_hours_the_chair_cannot_set() -> None:
    trail = opened("cpc-standard")
    respond(trail, london(2026, 12, 21, 12))
    at = london(2026, 12, 21, 14)
    trail.refuses(Extend(CHAIR, at, "Plan.", due=date(2026, 12, 22)), InvalidInput)


def test_seed_003_newham_evidence_that_will_close_the_dispute_is_required() -> None:
    command = raise_command(concern=concern("statutory", evidence=""))
    with pytest.raises(InvalidInput, match="evidence"):
        Trail.open("newham", command)


@pytest.mark.parametrize(("profile", "caps"), [("nottingham", True), ("newham", False)])
def test_the_overall_limit_caps_stage_deadlines_where_the_profile_says(
    profile: str, caps: bool
) -> None:
    trail = opened(profile)
    respond(trail, london(2026, 12, 21, 12))
    overall = trail.dispute.overall_due_at
    assert overall is not None
    late = overall - timedelta(days=2)
    owners = owners_for(trail.policy, "2")
    trail.do(Escalate(CHAIR, late, "Not resolved", owners=owners))
    assert (trail.dispute.due_at == overall) is caps
    assert trail.dispute.due_at is not None
    assert trail.dispute.due_at >= overall
