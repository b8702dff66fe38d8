"""Agreed actions are tracked (issue 14.4): owned, ticked done, noted once when they pass, and a
resolved dispute reopened within the profile's period when they were not done.

Dates by hand: raised Mon 21 Dec 2026; bank holidays Fri 25 Dec, Mon 28 Dec, Fri 1 Jan 2027.
"""

from __future__ import annotations

from datetime import date

from drp.commands import (
    Extend,
    NoteActionPassed,
    Reopen,
    Resolve,
    Respond,
    TickAction,
)
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import ActionDone, ActionPassed, EventKind, Reopened, Resolved
from drp.figures import figures
from drp.model import MAX_TEXT, Action, Status
from drp.report import Period, PeriodActivity
from drp.tally import tally
from tests.drp.support import (
    CHAIR,
    CHAIRS_MANAGER,
    SERVICE_MANAGER,
    STRANGER,
    SYSTEM,
    TEAM_MANAGER,
    Trail,
    assert_legal,
    concern,
    london,
    raise_command,
)

CORE_GROUP = Action("Hold a core group and minute it", date(2026, 12, 23))
PLAN = Action("Update the child protection plan", date(2026, 12, 30))


def raised(policy: str = "cpc-standard", requested: tuple[Action, ...] = ()) -> Trail:
    """Raised at stage 1 on Mon 21 Dec 2026 10:00, with the chair's requested actions."""
    asked = concern("other", category_other="No core group", requested_actions=requested)
    return Trail.open(policy, raise_command(concern=asked))


def resolved_with_actions(policy: str = "cpc-standard") -> Trail:
    """Responded with one action, resolved with one more agreed by the chair."""
    trail = raised(policy)
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 22), "Core group booked", (CORE_GROUP,)))
    trail.do(Resolve(CHAIR, london(2026, 12, 22, 15), "Agreed", actions=(PLAN,)))
    return trail


def test_requested_actions_are_owned_by_the_stages_manager_when_raised() -> None:
    trail = raised(requested=(CORE_GROUP,))
    (action,) = trail.dispute.actions
    assert (action.number, action.owner, action.added_by) == (1, TEAM_MANAGER.id, CHAIR.id)
    assert (action.stage, action.complete_by, action.done) == ("1", CORE_GROUP.complete_by, False)


def test_actions_promised_in_a_response_are_owned_by_the_responder() -> None:
    trail = raised(requested=(CORE_GROUP,))
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 22), "Booked", (PLAN,)))
    assert [(a.number, a.text, a.owner) for a in trail.dispute.actions] == [
        (1, CORE_GROUP.text, TEAM_MANAGER.id),
        (2, PLAN.text, TEAM_MANAGER.id),
    ]


def test_requested_actions_with_timescales_may_be_added_at_any_stage() -> None:
    # Seed 003: "state what further action is needed with timescale" at review, not only raising.
    trail = raised()
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 22), "Booked"))
    trail.do(Extend(CHAIR, london(2026, 12, 22, 11), "Minutes by tomorrow", actions=(CORE_GROUP,)))
    assert trail.last.payload.actions == (CORE_GROUP,)  # type: ignore[union-attr]
    (action,) = trail.dispute.actions
    assert (action.owner, action.added_by) == (TEAM_MANAGER.id, CHAIR.id)


def test_agreed_actions_at_resolution_are_kept_after_it_closes() -> None:
    trail = resolved_with_actions()
    assert trail.dispute.status is Status.CLOSED
    assert isinstance(trail.last.payload, Resolved)
    assert [a.owner for a in trail.dispute.actions] == [TEAM_MANAGER.id, TEAM_MANAGER.id]
    assert_legal(trail.dispute, trail.policy)


def test_newhams_requested_action_limit_applies_to_actions_added_later() -> None:
    trail = raised("newham")
    trail.do(Respond(TEAM_MANAGER, london(2026, 12, 22), "Booked"))
    late = Action("Update the plan", date(2027, 2, 1))
    error = trail.refuses(Resolve(CHAIR, london(2026, 12, 22, 12), "Agreed", actions=(late,)))
    assert isinstance(error, InvalidInput)
    assert error.field == "actions[1].complete_by"


def test_bad_action_dates_and_over_long_text_are_refused() -> None:
    trail = raised()
    past = Action("Already late", date(2026, 12, 1))
    error = trail.refuses(Respond(TEAM_MANAGER, london(2026, 12, 22), "R", (past,)), InvalidInput)
    assert isinstance(error, InvalidInput)
    assert error.field == "actions[1].complete_by"
    long = Action("x" * (MAX_TEXT + 1), date(2026, 12, 23))
    trail.refuses(Respond(TEAM_MANAGER, london(2026, 12, 22), "R", (long,)), InvalidInput)


def test_the_owner_ticks_an_action_done_once() -> None:
    trail = resolved_with_actions()
    trail.do(TickAction(TEAM_MANAGER, london(2026, 12, 23), 1))
    assert trail.last.payload == ActionDone(number=1)
    done = trail.dispute.actions[0]
    assert (done.done, done.done_by) == (True, TEAM_MANAGER.id)
    trail.refuses(TickAction(TEAM_MANAGER, london(2026, 12, 23, 11), 1), CommandRejected)


def test_the_chair_may_tick_an_action_and_nobody_else() -> None:
    trail = resolved_with_actions()
    trail.refuses(TickAction(STRANGER, london(2026, 12, 23), 2), NotPermitted)
    trail.refuses(TickAction(SERVICE_MANAGER, london(2026, 12, 23), 2), NotPermitted)
    trail.do(TickAction(CHAIR, london(2026, 12, 23), 2))


def test_an_action_number_the_dispute_does_not_have_is_refused() -> None:
    trail = resolved_with_actions()
    for number in (0, 3, -1, 10**9):
        error = trail.refuses(TickAction(CHAIR, london(2026, 12, 23), number), InvalidInput)
        assert isinstance(error, InvalidInput)
        assert error.field == "action"


def test_an_action_passed_undone_is_noted_once_and_only_by_the_scheduler() -> None:
    trail = resolved_with_actions()
    trail.refuses(NoteActionPassed(SYSTEM, london(2026, 12, 23, 20), 1), CommandRejected)
    trail.refuses(NoteActionPassed(CHAIR, london(2026, 12, 24, 0, 5), 1), NotPermitted)
    trail.do(NoteActionPassed(SYSTEM, london(2026, 12, 24, 0, 5), 1))
    assert trail.last.payload == ActionPassed(number=1)
    assert trail.dispute.actions[0].passed_noted
    trail.refuses(NoteActionPassed(SYSTEM, london(2026, 12, 24, 1), 1), CommandRejected)


def test_a_done_action_never_passes() -> None:
    trail = resolved_with_actions()
    trail.do(TickAction(TEAM_MANAGER, london(2026, 12, 23), 1))
    trail.refuses(NoteActionPassed(SYSTEM, london(2026, 12, 24, 0, 5), 1), CommandRejected)


def test_reopen_returns_to_the_stage_it_was_resolved_at() -> None:
    trail = resolved_with_actions()
    at = london(2027, 1, 4)
    trail.do(Reopen(CHAIR, at, "Core group never held", owners=(TEAM_MANAGER.id,)))
    assert trail.last.payload == Reopened(reason="Core group never held", to="1")
    dispute = trail.dispute
    assert (dispute.status, dispute.stage, dispute.owners) == (
        Status.AWAITING_RESPONSE,
        "1",
        (TEAM_MANAGER.id,),
    )
    assert (dispute.outcome, dispute.closed_at, dispute.reopened) == (None, None, 1)
    # Five working days from Mon 4 Jan 2027: Mon 11 Jan.
    assert dispute.due_at is not None
    assert dispute.due_at.date() == date(2027, 1, 11)
    assert len(dispute.actions) == 2  # the actions stay tracked
    assert_legal(dispute, trail.policy)


def test_reopen_may_escalate_to_the_next_stage() -> None:
    # Seed 001: "if the agreed actions are not implemented effectively, the DRP will need to
    # escalate"; stage 2 there first needs the chairs' service manager's agreement.
    trail = resolved_with_actions()
    command = Reopen(
        CHAIR, london(2027, 1, 4), "Not done", escalate=True, approvers=(CHAIRS_MANAGER.id,)
    )
    trail.do(command)
    payload = trail.last.payload
    assert isinstance(payload, Reopened)
    assert payload.escalated
    assert payload.awaiting_approval
    assert (trail.dispute.status, trail.dispute.pending_stage) == (Status.AWAITING_APPROVAL, "2")
    assert_legal(trail.dispute, trail.policy)


def test_only_the_chair_reopens_and_only_a_resolved_dispute() -> None:
    trail = resolved_with_actions()
    owners = (TEAM_MANAGER.id,)
    trail.refuses(Reopen(TEAM_MANAGER, london(2027, 1, 4), "No", owners=owners), NotPermitted)
    open_one = raised()
    open_one.refuses(Reopen(CHAIR, london(2027, 1, 4), "No", owners=owners), CommandRejected)


def test_reopen_only_within_the_profiles_period() -> None:
    # cpc-standard: 20 working days from Tue 22 Dec 2026 (three bank holidays between) end
    # on Fri 22 Jan 2027.
    trail = resolved_with_actions()
    late = Reopen(CHAIR, london(2027, 1, 25, 9), "Not done", owners=(TEAM_MANAGER.id,))
    error = trail.refuses(late, CommandRejected)
    assert "22 Jan 2027" in str(error)
    trail.do(Reopen(CHAIR, london(2027, 1, 22, 16), "Not done", owners=(TEAM_MANAGER.id,)))


def test_reopen_is_off_where_the_profile_says_nothing() -> None:
    trail = resolved_with_actions("calderdale")
    assert trail.policy.reopen_within is None
    owners = (TEAM_MANAGER.id,)
    trail.refuses(Reopen(CHAIR, london(2026, 12, 23), "Not done", owners=owners), CommandRejected)


def test_reopen_needs_an_action_left_undone() -> None:
    trail = resolved_with_actions()
    trail.do(TickAction(TEAM_MANAGER, london(2026, 12, 23), 1))
    trail.do(TickAction(TEAM_MANAGER, london(2026, 12, 23), 2))
    owners = (TEAM_MANAGER.id,)
    error = trail.refuses(Reopen(CHAIR, london(2027, 1, 4), "x", owners=owners), CommandRejected)
    assert "every agreed action was done" in str(error)


def test_reopened_event_kinds_are_recorded() -> None:
    trail = resolved_with_actions()
    trail.do(Reopen(CHAIR, london(2027, 1, 4), "Not done", owners=(TEAM_MANAGER.id,)))
    kinds = [event.kind for event in trail.events]
    assert kinds[-1] is EventKind.REOPENED


def test_the_report_counts_reopenings() -> None:
    trail = resolved_with_actions()
    trail.do(Reopen(CHAIR, london(2027, 1, 4), "Not done", owners=(TEAM_MANAGER.id,)))
    cal = trail.ctx.calendar
    period = Period(date(2026, 12, 1), date(2027, 1, 31))
    counted = tally(period, PeriodActivity([trail.dispute], trail.events), cal)
    assert figures(period, counted, trail.policy, cal).reopened == 1
    earlier = Period(date(2026, 12, 1), date(2026, 12, 31))
    counted = tally(earlier, PeriodActivity([trail.dispute], trail.events), cal)
    assert figures(earlier, counted, trail.policy, cal).reopened == 0
