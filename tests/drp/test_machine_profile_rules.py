"""The machine follows what a profile file says, for roles it has never heard of: agreement per
stage from any of several roles, stages that admit only some raisers, and optional parts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from drp.calendar import WorkingDayCalendar
from drp.commands import AlertImmediateHarm, Approve, Escalate, Respond
from drp.errors import CommandRejected, InvalidInput, NotPermitted
from drp.events import EventKind
from drp.machine import Context, decide, raise_dispute
from drp.model import Actor, Dispute, Status
from drp.policy import load_policy, parse_policy
from drp.roles import Role
from tests.drp.support import MON_21_DEC, concern, raise_command

WYVERN = Path(__file__).parents[1] / "profiles" / "wyvern-marches.toml"
CONVENOR = Actor("cora", Role("conference_convenor"))
CASE_LEAD = Actor("cal", Role("case_lead"))
AREA_LEAD = Actor("ada", Role("area_lead"))
PRINCIPAL = Actor("pia", Role("safeguarding_principal"))
OFFICER = Actor("otto", Role("assurance_officer"))
DIRECTOR = Actor("dee", Role("partnership_director"))


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context(load_policy(str(WYVERN)), WorkingDayCalendar())


def raised(ctx: Context) -> Dispute:
    command = raise_command(
        CONVENOR, "1", process="escalation", concern=concern(""), owners=(CASE_LEAD.id,)
    )
    return raise_dispute(command, ctx).dispute


def escalated(ctx: Context, approver: str) -> Dispute:
    """Raised, answered by the Case Lead, and escalated to stage 2 naming ``approver``."""
    at = MON_21_DEC + timedelta(hours=1)
    answered = decide(raised(ctx), Respond(CASE_LEAD, at, "We will."), ctx).dispute
    up = Escalate(
        CONVENOR,
        at + timedelta(hours=1),
        "Not enough.",
        owners=(AREA_LEAD.id,),
        approvers=(approver,),
    )
    return decide(answered, up, ctx).dispute


def test_the_invented_council_raises_without_categories(ctx: Context) -> None:
    dispute = raised(ctx)
    assert dispute.status is Status.AWAITING_RESPONSE
    assert dispute.concern.category == ""


def test_a_category_is_refused_where_the_policy_lists_none(ctx: Context) -> None:
    command = raise_command(
        CONVENOR, "1", process="escalation", concern=concern("drift"), owners=(CASE_LEAD.id,)
    )
    with pytest.raises(InvalidInput) as caught:
        raise_dispute(command, ctx)
    assert (caught.value.field, caught.value.reason) == (
        "category",
        "this policy has no categories of concern",
    )


def test_no_immediate_harm_route_means_no_immediate_harm_alert(ctx: Context) -> None:
    with pytest.raises(CommandRejected) as caught:
        decide(raised(ctx), AlertImmediateHarm(CONVENOR, MON_21_DEC, "Risk."), ctx)
    assert caught.value.reason == "this policy names no immediate-harm route"


@pytest.mark.parametrize("approver", [PRINCIPAL, OFFICER], ids=["principal", "officer"])
def test_escalating_to_stage_2_waits_for_either_approver_role(
    ctx: Context, approver: Actor
) -> None:
    waiting = escalated(ctx, approver.id)
    assert (waiting.status, waiting.pending_stage) == (Status.AWAITING_APPROVAL, "2")
    at = MON_21_DEC + timedelta(hours=3)
    decision = decide(waiting, Approve(approver, at, (AREA_LEAD.id,)), ctx)
    assert decision.event.kind is EventKind.APPROVED
    assert (decision.dispute.stage, decision.dispute.owners) == ("2", (AREA_LEAD.id,))


def test_the_named_approver_must_hold_an_approver_role(ctx: Context) -> None:
    waiting = escalated(ctx, DIRECTOR.id)
    at = MON_21_DEC + timedelta(hours=3)
    with pytest.raises(NotPermitted):
        decide(waiting, Approve(DIRECTOR, at, (AREA_LEAD.id,)), ctx)


def test_escalating_without_an_approver_names_the_approver_roles(ctx: Context) -> None:
    with pytest.raises(InvalidInput) as caught:
        escalated(ctx, "")
    assert caught.value.reason == (
        "stage 2 first needs agreement (Principal for Safeguarding, Assurance Officer)"
    )


TWO = """\
key = "two"
name = "Two"
title = "Two raisers"

[[processes]]
key = "drp"
title = "DRP"
raisers = ["chair", "iro"]

[[processes.stages]]
title = "Team Manager"
responsible = ["team_manager"]
openers = ["chair", "iro"]
timescale = "5 working days"

[[processes.stages]]
title = "Service Manager"
responsible = ["service_manager"]
timescale = "5 working days"
admits = ["iro"]
"""


def test_a_stage_that_admits_only_some_raisers_refuses_the_others_by_title() -> None:
    ctx = Context(parse_policy(TWO, "two.toml"), WorkingDayCalendar())
    chair = Actor("ann", Role.CHAIR)
    dispute = raise_dispute(raise_command(chair, concern=concern("")), ctx).dispute
    at = MON_21_DEC + timedelta(days=10)
    with pytest.raises(NotPermitted) as caught:
        decide(dispute, Escalate(chair, at, "No answer.", owners=("sm",)), ctx)
    assert caught.value.reason == "stage 2 is for: Independent Reviewing Officer"
