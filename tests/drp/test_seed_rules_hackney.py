"""Seed 004's "the Child Protection Chair and/or IRO must also be notified" is the child's own,
in the domain's routing: the one named on the dispute (or the raiser if they are one), only at
a stage that tells them, never every holder of the roles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from drp.events import Escalated, Event
from drp.model import Child, Concern, Dispute, Status
from drp.policy import load_policy
from drp.roles import Role
from drp.routing import Audience, Notice, notices

AT = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/London"))
HACKNEY = load_policy("city-hackney")


def dispute(stage: str, **changes: object) -> Dispute:
    base = Dispute(
        reference="DRP-2026-000001",
        policy="city-hackney",
        process="drp",
        raised_by="sw-1",
        raiser_role=Role.PRACTITIONER,
        raised_at=AT,
        date_of_concern=date(2026, 11, 20),
        children=(Child("Sam Smith", "AG-1"),),
        team="Agency B",
        concern=Concern("levels-of-need", "s", "i"),
        status=Status.AWAITING_RESPONSE,
        stage=stage,
        owners=("tm-a", "tm-b"),
        child_on_plan=True,
        plan_chair="iro-1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def told(d: Dispute) -> list[Notice]:
    """Who is informed (not asked to act) when the dispute is escalated to its stage."""
    payload = Escalated(reason="Not resolved.", updated_concerns="", automatic=False, to=d.stage)
    event = Event(
        d.reference, 3, "approver-1", Role.CHAIRS_SERVICE_MANAGER, AT, "1", d.stage, payload
    )
    return [n for n in notices(HACKNEY, d, d, event) if n.audience == Audience.INFORM]


def test_the_childs_own_iro_is_told_at_stage_2_and_no_role_is() -> None:
    assert told(dispute("2")) == [Notice(Audience.INFORM, person="iro-1")]


def test_nobody_is_told_at_a_stage_that_does_not_tell_them() -> None:
    assert told(dispute("1")) == []


def test_a_chair_raising_is_the_childs_chair() -> None:
    mine = dispute("2", raised_by="chair-1", raiser_role=Role.CHAIR, plan_chair="")
    assert told(mine) == [Notice(Audience.INFORM, person="chair-1")]


def test_without_a_plan_nobody_is_told() -> None:
    assert told(dispute("2", child_on_plan=False)) == []
