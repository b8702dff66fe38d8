"""Seed rules that are the domain's: a stage that names whom the raiser consults first refuses
the move without it and records it (seed 002 §6.14, seed 004 §1.8 and §2.11); a stage whose
outcome goes to everyone who took part tells them, resolved or concluded (seed 002 stage 3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from drp.calendar import WorkingDayCalendar
from drp.commands import Conclude, Escalate, Raise, Resolve, Respond
from drp.errors import CommandRejected, InvalidInput
from drp.events import Escalated, Raised
from drp.machine import Context, Decision, decide, raise_dispute
from drp.model import Actor, Child, Concern
from drp.policy import load_policy
from drp.roles import Role
from drp.routing import Audience, Notice, notices

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
CHAIR = Actor("chair-1", Role.CHAIR)
CALDERDALE = Context(load_policy("calderdale"), WorkingDayCalendar())


def _raise(stage: str, consulted: str = "") -> Decision:
    command = Raise(
        actor=CHAIR,
        at=AT,
        reference="DRP-2026-000001",
        process="drp",
        stage=stage,
        children=(Child("Sam Smith", "CASS-1", date(2015, 1, 1)),),
        team="team-a",
        concern=Concern(category="other", summary="s", impact="i", category_other="x"),
        date_of_concern=date(2026, 11, 20),
        owners=("tm-1",) if stage == "1" else ("sw-1", "tm-1"),
        practitioner="sw-1",
        due=date(2026, 11, 27) if stage == "informal" else None,
        consulted=consulted,
        conference_date=date(2026, 11, 16),
    )
    return raise_dispute(command, CALDERDALE)


def test_calderdale_stage_1_needs_the_chairs_line_manager_consulted_to_open() -> None:
    with pytest.raises(InvalidInput) as refused:
        _raise("1")
    assert refused.value.field == "consulted"
    raised = _raise("1", "Line manager, 23 Nov")
    assert isinstance(raised.event.payload, Raised)
    assert raised.event.payload.consulted == "Line manager, 23 Nov"


def test_calderdale_going_formal_needs_the_consultation_recorded() -> None:
    informal = _raise("informal")
    answered = decide(
        informal.dispute, Respond(Actor("tm-1", Role.TEAM_MANAGER), AT, "no"), CALDERDALE
    )
    later = AT.replace(hour=12)
    bare = Escalate(CHAIR, later, "Not resolved", owners=("tm-1",))
    with pytest.raises(InvalidInput) as refused:
        decide(answered.dispute, bare, CALDERDALE)
    assert refused.value.field == "consulted"
    formal = decide(answered.dispute, replace(bare, consulted="LM, 24 Nov"), CALDERDALE)
    assert isinstance(formal.event.payload, Escalated)
    assert formal.event.payload.consulted == "LM, 24 Nov"
    assert formal.dispute.stage == "1"


def test_the_scheduler_never_escalates_to_a_stage_that_asks_whom_the_raiser_consulted() -> None:
    policy = CALDERDALE.policy
    process = policy.main
    asking = replace(process.stages[1], consult="the raiser's manager")
    changed = replace(process, stages=(process.stages[0], asking, *process.stages[2:]))
    ctx = Context(replace(policy, processes=(changed, *policy.processes[1:])), CALDERDALE.calendar)
    overdue = replace(_raise("1", "LM").dispute, due_at=AT)
    auto = Escalate(Actor.system(), AT.replace(day=30), "overdue", owners=("sm-1",))
    assert decide(overdue, auto, CALDERDALE).dispute.stage == "2"
    with pytest.raises(CommandRejected, match="consults first"):
        decide(overdue, auto, ctx)


def _at_panel() -> Decision:
    raised = _raise("1", "LM")
    dispute = replace(raised.dispute, stage="3", owners=("scb-1",))
    return decide(dispute, Respond(Actor("scb-1", Role.SCB_MANAGER), AT, "panel"), CALDERDALE)


@pytest.mark.parametrize("close", [Resolve(CHAIR, AT, "done"), Conclude(CHAIR, AT, "panel")])
def test_calderdale_panel_outcome_goes_to_everyone_who_took_part(close: object) -> None:
    answered = _at_panel()
    closed = decide(answered.dispute, close, CALDERDALE)  # type: ignore[arg-type]
    found = notices(CALDERDALE.policy, answered.dispute, closed.dispute, closed.event)
    assert Notice(Audience.INFORM, person="sw-1") in found  # the professional
    told = {n.role for n in found if n.role}
    assert {Role.INDEPENDENT_CHAIR, Role.CHAIRS_SERVICE_MANAGER} <= told


def test_an_ordinary_stage_tells_only_those_working_on_it_when_resolved() -> None:
    raised = _raise("1", "LM")
    answered = decide(
        raised.dispute, Respond(Actor("tm-1", Role.TEAM_MANAGER), AT, "ok"), CALDERDALE
    )
    closed = decide(answered.dispute, Resolve(CHAIR, AT, "done"), CALDERDALE)
    found = notices(CALDERDALE.policy, answered.dispute, closed.dispute, closed.event)
    assert found == [Notice(Audience.INFORM, person="tm-1")]
