"""Who hears of each step, derived from the policy and the dispute alone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from drp.calendar import WorkingDayCalendar
from drp.commands import AlertImmediateHarm, Approve, Escalate, Raise, Refer, Resolve, Respond
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import Actor, Child, Concern
from drp.policy import load_policy
from drp.roles import Role
from drp.routing import Audience, Notice, Side, notices, stage_owners

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
CHAIR = Actor("chair-1", Role.CHAIR)
TM = Actor("tm-1", Role.TEAM_MANAGER)


def _ctx(name: str) -> Context:
    return Context(load_policy(name), WorkingDayCalendar())


def _raise(ctx: Context, stage: str = "1", actor: Actor = CHAIR, **extra: object) -> Decision:
    command = Raise(
        actor=actor,
        at=AT,
        reference="DRP-2026-000001",
        process="drp",
        stage=stage,
        children=(Child("Sam Smith", "LL-1", date(2015, 1, 1)),),
        team="team-a",
        concern=Concern(
            category=ctx.policy.categories[0].key, summary="s", impact="i", evidence="e"
        ),
        date_of_concern=date(2026, 11, 20),
        owners=("tm-1",),
        practitioner="sw-1",
        consulted="The raiser's line manager",
        conference_date=date(2026, 11, 16),
        **extra,  # type: ignore[arg-type]
    )
    return raise_dispute(command, ctx)


def _notices(ctx: Context, before: Decision | None, after: Decision) -> list[Notice]:
    return notices(ctx.policy, before.dispute if before else None, after.dispute, after.event)


def test_raise_at_stage_1_asks_owner_to_act_and_copies_named_practitioner() -> None:
    ctx = _ctx("nottingham")
    raised = _raise(ctx)
    found = _notices(ctx, None, raised)
    assert Notice(Audience.ACT, person="tm-1") in found
    assert Notice(Audience.COPY, person="sw-1") in found
    assert all(n.role != Role.PRACTITIONER for n in found)


def test_response_asks_the_raiser_to_review() -> None:
    ctx = _ctx("nottingham")
    raised = _raise(ctx)
    answered = decide(raised.dispute, Respond(TM, AT, "done"), ctx)
    assert _notices(ctx, raised, answered) == [Notice(Audience.ACT, person="chair-1")]


def test_stage_2_under_cpc_standard_goes_to_the_approver_first() -> None:
    ctx = _ctx("cpc-standard")
    raised = _raise(ctx, stage="2", approvers=("csm-1",))
    assert _notices(ctx, None, raised) == [Notice(Audience.ACT, person="csm-1")]
    approved = decide(
        raised.dispute, Approve(Actor("csm-1", Role.CHAIRS_SERVICE_MANAGER), AT, ("sm-1",)), ctx
    )
    found = _notices(ctx, raised, approved)
    assert Notice(Audience.ACT, person="sm-1") in found
    assert Notice(Audience.INFORM, person="chair-1") in found


def test_newham_stage_3_alerts_the_assistant_director_of_qa() -> None:
    ctx = _ctx("newham")
    iro = Actor("iro-1", Role.IRO)
    raised = _raise(ctx, stage="3", actor=iro)
    found = _notices(ctx, None, raised)
    assert Notice(Audience.ALERT, role=Role.ASSISTANT_DIRECTOR_QA, side=Side.ORG) in found


def test_immediate_harm_alerts_the_policy_seniors_at_once() -> None:
    ctx = _ctx("calderdale")
    raised = _raise(ctx)
    alerted = decide(raised.dispute, AlertImmediateHarm(CHAIR, AT, "bruising seen"), ctx)
    found = _notices(ctx, raised, alerted)
    assert Notice(Audience.ALERT, role=Role.CHAIRS_SERVICE_MANAGER, side=Side.ORG) in found
    assert Notice(Audience.INFORM, person="tm-1") in found


def test_referral_alerts_its_named_roles_and_escalation_reaches_next_owner() -> None:
    ctx = _ctx("calderdale")
    raised = _raise(ctx)
    referred = decide(raised.dispute, Refer(CHAIR, AT, "scb", "serious", "IRS TM"), ctx)
    found = _notices(ctx, raised, referred)
    # Seed 002 §6.11: the Head of Service Commissioning and Partnerships, a post of its own.
    assert Notice(Audience.ALERT, role=Role("head_of_commissioning"), side=Side.ORG) in found
    assert all(n.role != Role.HEAD_OF_SERVICE for n in found)
    answered = decide(referred.dispute, Respond(TM, AT, "no"), ctx)
    escalated = decide(answered.dispute, Escalate(CHAIR, AT, "not enough", owners=("sm-1",)), ctx)
    assert Notice(Audience.ACT, person="sm-1") in _notices(ctx, answered, escalated)


def test_closing_informs_previous_owners_but_never_the_actor() -> None:
    ctx = _ctx("nottingham")
    raised = _raise(ctx)
    resolved = decide(raised.dispute, Resolve(CHAIR, AT, "sorted"), ctx)
    assert _notices(ctx, raised, resolved) == [Notice(Audience.INFORM, person="tm-1")]


def test_hackney_stage_2_owners_are_on_both_sides() -> None:
    stage = load_policy("city-hackney").main.stage("2")
    owners = stage_owners(stage)
    assert owners.respondent == (Role.TEAM_MANAGER,)
    assert owners.raiser_side == (Role.TEAM_MANAGER,)
