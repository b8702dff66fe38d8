"""Disputes and events made by the real domain (``raise_dispute`` / ``decide``), never by hand.

Every instant is fixed; Monday 2 March 2026 09:30 London (GMT) starts each story, and the
British Summer Time instants later in the month check that offsets round-trip as UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from drp.calendar import LONDON, WorkingDayCalendar
from drp.commands import (
    Command,
    Escalate,
    Extend,
    NoteActionPassed,
    NoteOverdue,
    Raise,
    Refer,
    Reopen,
    Resolve,
    Respond,
    TickAction,
)
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import Action, Actor, Child, Concern, Dispute
from drp.policy import Approval, Move, load_policy
from drp.roles import Role

NOTTINGHAM = Context(load_policy("nottingham"), WorkingDayCalendar())
CPC = Context(load_policy("cpc-standard"), WorkingDayCalendar())
NEWHAM = Context(load_policy("newham"), WorkingDayCalendar())
HACKNEY = Context(load_policy("city-hackney"), WorkingDayCalendar())


def _chair_sets_deadlines(ctx: Context) -> Context:
    """A profile variant whose chair proposes each stage's deadline (no shipped profile both
    asks for agreement and lets the chair set the deadline, so ``pending_due`` needs one)."""
    process = ctx.policy.main
    stages = tuple(replace(stage, raiser_sets_deadline=True) for stage in process.stages)
    policy = replace(ctx.policy, processes=(replace(process, stages=stages),))
    return Context(policy, ctx.calendar)


CPC_CHAIR_DEADLINES = _chair_sets_deadlines(CPC)


def _shared_stage_1(ctx: Context) -> Context:
    """A profile variant whose stage 1 has a decider beside the chair and needs the chairs'
    service manager's agreement to close (issue 15's deciders and close agreement)."""
    process = ctx.policy.main
    agreement = Approval((Role.CHAIRS_SERVICE_MANAGER,), frozenset({Move.CONCLUDE}))
    first = replace(process.stages[0], deciders=(Role.PRINCIPAL_MANAGER,), approval=agreement)
    stages = (first, *process.stages[1:])
    policy = replace(ctx.policy, processes=(replace(process, stages=stages),))
    return Context(policy, ctx.calendar)


SHARED = _shared_stage_1(NOTTINGHAM)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=LONDON)
CHAIR = Actor("chair-ann", Role.CHAIR)
TEAM_MANAGER = Actor("tm-tom", Role.TEAM_MANAGER)
SERVICE_MANAGER = Actor("sm-sue", Role.SERVICE_MANAGER)
CHAIRS_MANAGER = "csm-cat"
PRINCIPAL = "pm-pip"
PRACTITIONER = "sw-pat"
TEAM = "Riverside Family Support"

AMY = Child("Amy Example", "LL-1001", date(2015, 3, 1))
BEN = Child("Ben Example", "LL-1002", None)
CATEGORY = {
    "nottingham": "plan-progress",
    "cpc-standard": "drift-delay",
    "newham": "statutory",
    "city-hackney": "levels-of-need",
}


def later(hours: float) -> datetime:
    """An instant ``hours`` after T0."""
    return T0 + timedelta(hours=hours)


def raised(
    reference: str,
    ctx: Context = NOTTINGHAM,
    *,
    at: datetime = T0,
    stage: str = "1",
    owners: tuple[str, ...] = (TEAM_MANAGER.id,),
    chair: Actor = CHAIR,
    team: str = TEAM,
    approver: str = "",
    due: date | None = None,
    deciders: tuple[str, ...] = (),
) -> Decision:
    """A dispute raised by the chair about two siblings, through the domain."""
    concern = Concern(
        category=CATEGORY[ctx.policy.key],
        summary="No core group held since the conference; plan not progressed.",
        impact="Amy's safety plan is not being reviewed; Ben's needs are unassessed.",
        requested_actions=(Action("Hold a core group meeting", date(2026, 3, 6)),),
        evidence="Core group minutes on the file.",
    )
    command = Raise(
        actor=chair,
        at=at,
        reference=reference,
        process="drp",
        stage=stage,
        children=(AMY, BEN),
        team=team,
        concern=concern,
        date_of_concern=date(2026, 2, 27),
        owners=owners,
        approvers=(approver,) if approver else (),
        deciders=deciders,
        due=due,
        practitioner=PRACTITIONER,
        raiser_team="Safeguarding Standards",
        child_on_plan=True,
        plan_chair="iro-ivy",  # the child's own IRO (seed 004)
        consulted="The chair's line manager",  # where the stage asks (seeds 002, 004)
        conference_date=date(2026, 2, 23),  # where the process asks (seed 002)
    )
    return raise_dispute(command, ctx)


def step(dispute: Dispute, command: Command, ctx: Context = NOTTINGHAM) -> Decision:
    """Apply one command through the transition table."""
    return decide(dispute, command, ctx)


def respond(dispute: Dispute, at: datetime, ctx: Context = NOTTINGHAM) -> Decision:
    """The team manager responds with a SMART action."""
    command = Respond(
        actor=TEAM_MANAGER,
        at=at,
        response="Core group booked; plan reviewed with the family.",
        actions=(Action("Core group meeting", date(2026, 3, 20)),),
        practice_issues="Core groups were not diarised at conference.",
    )
    return step(dispute, command, ctx)


def resolve(dispute: Dispute, at: datetime, ctx: Context = NOTTINGHAM) -> Decision:
    """The chair ticks resolved."""
    return step(dispute, Resolve(actor=CHAIR, at=at, comments="Satisfied."), ctx)


def extend(dispute: Dispute, at: datetime, ctx: Context = CPC) -> Decision:
    """Not resolved; further work within the policy's extension."""
    return step(dispute, Extend(actor=CHAIR, at=at, agreed_work="Send the minutes."), ctx)


def escalate(
    dispute: Dispute,
    at: datetime,
    ctx: Context = NOTTINGHAM,
    *,
    owners: tuple[str, ...] = (),
    approver: str = "",
) -> Decision:
    """Not resolved: up to the next stage."""
    reason = "Plan still drifting."
    command = Escalate(
        actor=CHAIR, at=at, reason=reason, owners=owners, approvers=(approver,) if approver else ()
    )
    return step(dispute, command, ctx)


def refer(dispute: Dispute, at: datetime) -> Decision:
    """Nottingham: refer to the LSCB's independent chair alongside the process."""
    command = Refer(actor=CHAIR, at=at, target="lscb", reason="No sufficient outcome.")
    return step(dispute, command, NOTTINGHAM)


def note_overdue(dispute: Dispute, at: datetime) -> Decision:
    """The scheduler notes the missed deadline."""
    return step(dispute, NoteOverdue(actor=Actor.system(), at=at), NOTTINGHAM)


def story(reference: str) -> list[Decision]:
    """Raise, respond, escalate to stage 2, respond, resolve: five decisions in order."""
    first = raised(reference)
    second = respond(first.dispute, later(24))
    third = escalate(second.dispute, later(48), owners=(SERVICE_MANAGER.id,))
    fourth = step(
        third.dispute,
        Respond(actor=SERVICE_MANAGER, at=later(24 * 8), response="Meeting held; plan agreed."),
    )
    fifth = resolve(fourth.dispute, later(24 * 9))
    return [first, second, third, fourth, fifth]


def tiered(reference: str) -> list[Decision]:
    """City & Hackney up to stage 3, then its next tier of management (seed 004 §2.10)."""
    both = (TEAM_MANAGER.id, "police-sgt-sara")
    decisions = [raised(reference, HACKNEY, owners=both)]
    for hours, due in ((2, date(2026, 3, 4)), (4, date(2026, 3, 6)), (6, date(2026, 3, 10))):
        decisions.append(respond(decisions[-1].dispute, later(hours - 1), HACKNEY))
        up = Escalate(CHAIR, later(hours), "Not resolved.", owners=both, due=due)
        decisions.append(step(decisions[-1].dispute, up, HACKNEY))
    assert (decisions[-1].dispute.stage, decisions[-1].dispute.tier) == ("3", 2)
    return decisions


def variety() -> list[list[Decision]]:
    """Disputes in every state and with every optional field set somewhere."""
    stories = []
    first = raised("DRP-2026-000101")
    stories.append([first])
    stories.append(story("DRP-2026-000102"))
    # Newham's 2-day review is the form's at stages 2-4: answered at stage 1, then at stage 2.
    newham = raised("DRP-2026-000103", NEWHAM)
    first_answer = respond(newham.dispute, later(30), NEWHAM)
    up = Escalate(CHAIR, later(31), "Not resolved.", owners=(TEAM_MANAGER.id,))
    escalated = step(first_answer.dispute, up, NEWHAM)
    answered = respond(escalated.dispute, later(32), NEWHAM)
    stories.append([newham, first_answer, escalated, answered])
    # Awaiting agreement, with the deadline the chair proposed kept for when it is agreed.
    agree = raised(
        "DRP-2026-000104",
        CPC_CHAIR_DEADLINES,
        stage="2",
        approver=CHAIRS_MANAGER,
        due=date(2026, 3, 6),
    )
    stories.append([agree])
    cpc = raised("DRP-2026-000105", CPC)
    cpc_answer = respond(cpc.dispute, later(3), CPC)
    stories.append([cpc, cpc_answer, extend(cpc_answer.dispute, later(4))])
    cpc2 = raised("DRP-2026-000106", CPC)
    cpc2_answer = respond(cpc2.dispute, later(3), CPC)
    pending = escalate(cpc2_answer.dispute, later(5), CPC, approver=CHAIRS_MANAGER)
    stories.append([cpc2, cpc2_answer, pending])
    referred = raised("DRP-2026-000107")
    stories.append([referred, refer(referred.dispute, later(1))])
    # A decider shares the review; the close waits for agreement, with the chair's words kept.
    shared = raised("DRP-2026-000109", SHARED, deciders=(PRINCIPAL,))
    answered = respond(shared.dispute, later(3), SHARED)
    close = Resolve(actor=CHAIR, at=later(4), comments="Done.", approvers=(CHAIRS_MANAGER,))
    stories.append([shared, answered, step(answered.dispute, close, SHARED)])
    stories.append(tiered("DRP-2026-000110"))
    late = raised("DRP-2026-000108")
    # Four weeks on: British Summer Time (UTC+1) has begun.
    stories.append([late, note_overdue(late.dispute, later(24 * 28))])
    stories.append(tracked_and_reopened("DRP-2026-000111"))
    return stories


def tracked_and_reopened(reference: str) -> list[Decision]:
    """Agreed actions tracked (issue 14.4): resolved, one ticked done, one noted passed, and
    the chair reopens it at the stage it was resolved at."""
    first = raised(reference, CPC)
    answered = respond(first.dispute, later(3), CPC)
    agreed = Action("Send the minutes", date(2026, 3, 5))
    close = Resolve(actor=CHAIR, at=later(4), comments="Satisfied.", actions=(agreed,))
    resolved = step(answered.dispute, close, CPC)
    ticked = step(resolved.dispute, TickAction(TEAM_MANAGER, later(5), 2), CPC)
    passed = step(ticked.dispute, NoteActionPassed(Actor.system(), later(24 * 5), 1), CPC)
    again = Reopen(CHAIR, later(24 * 6), "Core group never held.", owners=(TEAM_MANAGER.id,))
    return [first, answered, resolved, ticked, passed, step(passed.dispute, again, CPC)]
