"""Seed 004 §2.10, in the domain: "If there remains disagreement, the expectation is that
escalation continues through the appropriate tiers of management in each organisation until the
matter is resolved." City & Hackney's stage 3 climbs from the service managers (tier 1) to the
heads of service (tier 2) and the directors (tier 3) of each agency before the Commissioner; a
tier nobody can take on is passed over with the reason; each tier has its own deadline."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from drp import deadlines, tiers
from drp.commands import Escalate, Respond
from drp.errors import CommandRejected, InvalidInput, NotPermitted, PolicyError
from drp.events import Escalated
from drp.figures import figures
from drp.model import Actor, Status
from drp.policy import load_policy
from drp.policy_loader import parse_policy
from drp.report import Period, PeriodActivity
from drp.roles import Role
from drp.tally import tally
from tests.drp.support import (
    DIRECTOR,
    HEAD_OF_SERVICE,
    MON_21_DEC,
    OTHER_SIDE,
    PRACTITIONER,
    SERVICE_MANAGER,
    Trail,
    concern,
    end_of,
    owners_for,
    raise_command,
)
from tests.drp.test_machine import climb

HACKNEY = load_policy("city-hackney")
OTHER_HEAD = OTHER_SIDE[Role.HEAD_OF_SERVICE]
OTHER_DIRECTOR = OTHER_SIDE[Role.DIRECTOR]


def at_stage_3(**changes: Any) -> tuple[Trail, Any]:
    changes.setdefault("owners", (OTHER_SIDE[Role.PRACTITIONER].id,))
    changes.setdefault("concern", concern("levels-of-need"))
    trail = Trail.open("city-hackney", raise_command(PRACTITIONER, "1", **changes))
    at = climb(trail, "3", MON_21_DEC, raiser=PRACTITIONER)
    trail.do(Respond(SERVICE_MANAGER, at + timedelta(hours=1), "Our position stands."))
    return trail, at + timedelta(hours=2)


def escalate(at: Any, owners: tuple[str, ...], due: date | None, **more: Any) -> Escalate:
    return Escalate(PRACTITIONER, at, "Not resolved.", owners=owners, due=due, **more)


def test_hackney_escalation_climbs_each_agencys_tiers_of_management_before_the_next_stage() -> (
    None
):
    trail, at = at_stage_3()
    heads = owners_for(HACKNEY, "3", tier=2)
    assert set(heads) == {HEAD_OF_SERVICE.id, OTHER_HEAD.id}
    event = trail.do(escalate(at, heads, date(2027, 1, 4)))
    assert (trail.dispute.stage, trail.dispute.tier, trail.dispute.owners) == ("3", 2, heads)
    assert isinstance(event.payload, Escalated)
    assert (event.payload.to, event.payload.tier, event.from_stage) == ("3", 2, "3")

    trail.do(Respond(HEAD_OF_SERVICE, at + timedelta(hours=1), "Still no agreement."))
    directors = owners_for(HACKNEY, "3", tier=3)
    trail.do(escalate(at + timedelta(hours=2), directors, date(2027, 1, 5)))
    assert (trail.dispute.tier, set(trail.dispute.owners)) == (3, {DIRECTOR.id, OTHER_DIRECTOR.id})

    trail.do(Respond(DIRECTOR, at + timedelta(hours=3), "Still no agreement."))
    consulted = "Both agencies' Board members, 4 Jan"
    trail.do(
        escalate(
            at + timedelta(hours=4),
            owners_for(HACKNEY, "4"),
            date(2027, 1, 6),
            consulted=consulted,
        )
    )
    assert (trail.dispute.stage, trail.dispute.tier) == ("4", 1)


def test_hackney_each_tier_has_its_own_deadline_set_by_the_raiser() -> None:
    trail, at = at_stage_3()
    first_due = trail.dispute.due_at
    trail.do(escalate(at, owners_for(HACKNEY, "3", tier=2), date(2027, 1, 8)))
    assert trail.dispute.due_at == end_of(2027, 1, 8) != first_due
    assert trail.dispute.status is Status.AWAITING_RESPONSE
    assert (trail.dispute.responded_by, trail.dispute.extensions_used) == ("", 0)
    # The stage has no timescale of its own (seed 004): the raiser sets each tier's date.
    trail.do(Respond(OTHER_HEAD, at + timedelta(hours=1), "No."))
    later = at + timedelta(hours=2)
    error = trail.refuses(escalate(later, owners_for(HACKNEY, "3", tier=3), None), InvalidInput)
    assert isinstance(error, InvalidInput)
    assert error.field == "due"


def test_hackney_a_tier_nobody_can_take_on_is_passed_over_and_the_reason_recorded() -> None:
    trail, at = at_stage_3()
    skip = tiers.Skip(2, "nobody holds it in Agency B")
    event = trail.do(
        escalate(at, owners_for(HACKNEY, "3", tier=3), date(2027, 1, 4), skipped=(skip,))
    )
    assert trail.dispute.tier == 3
    assert isinstance(event.payload, Escalated)
    assert event.payload.skipped == "tier 2 (Head of service): nobody holds it in Agency B"


def test_hackney_every_tier_passed_over_goes_on_to_the_next_stage() -> None:
    trail, at = at_stage_3()
    skips = (tiers.Skip(2, "nobody holds it in Agency B"), tiers.Skip(3, "one person holds it"))
    event = trail.do(
        escalate(
            at,
            owners_for(HACKNEY, "4"),
            date(2027, 1, 4),
            skipped=skips,
            consulted="Both Board members",
        )
    )
    assert (trail.dispute.stage, trail.dispute.tier) == ("4", 1)
    assert isinstance(event.payload, Escalated)
    assert "tier 3 (Director): one person holds it" in event.payload.skipped


def test_hackney_the_next_stage_waits_until_the_tiers_are_climbed() -> None:
    trail, at = at_stage_3()
    four = escalate(at, owners_for(HACKNEY, "4"), date(2027, 1, 4), to_stage="4")
    error = trail.refuses(four, CommandRejected)
    assert "tier 2 is next" in error.reason


@pytest.mark.parametrize("tier", [1, 3, 4, 9, 0, -1])
def test_hackney_a_forged_tier_to_pass_over_is_refused(tier: int) -> None:
    trail, at = at_stage_3()
    bad = (tiers.Skip(tier, "forged"),)
    if tier == 3:  # above, but passing over 3 and not 2 still climbs to 2 (the lowest left)
        trail.do(escalate(at, owners_for(HACKNEY, "3", tier=2), date(2027, 1, 4), skipped=bad))
        assert trail.dispute.tier == 2
        return
    trail.refuses(escalate(at, owners_for(HACKNEY, "3", tier=2), date(2027, 1, 4), skipped=bad))


def test_hackney_only_the_current_tiers_owners_respond() -> None:
    trail, at = at_stage_3()
    trail.do(escalate(at, owners_for(HACKNEY, "3", tier=2), date(2027, 1, 4)))
    later = at + timedelta(hours=1)
    trail.refuses(Respond(SERVICE_MANAGER, later, "Tier 1 again."), NotPermitted)
    deputy = Actor("sm-deputy", Role.SERVICE_MANAGER)  # not a tier-2 role, so no deputy
    trail.refuses(Respond(deputy, later, "For Hal.", on_behalf_of=HEAD_OF_SERVICE.id))
    trail.do(Respond(OTHER_HEAD, later, "Heads of service met."))
    assert trail.dispute.responded_by == OTHER_HEAD.id


def test_tier_labels_name_the_stage_and_the_tier() -> None:
    stage = HACKNEY.main.stage("3")
    assert tiers.label(HACKNEY, stage, 1) == "Stage 3: Senior managers in both agencies"
    assert tiers.label(HACKNEY, stage, 2) == "Stage 3, tier 2: Head of service"
    assert tiers.label(HACKNEY, stage, 3) == "Stage 3, tier 3: Director"
    assert tiers.count(stage) == 3
    assert tiers.next_tier(stage, 3) == 0


def test_profiles_without_tiers_are_unchanged() -> None:
    for key in ("nottingham", "cpc-standard", "calderdale", "newham"):
        policy = load_policy(key)
        assert all(not s.tiers for p in policy.processes for s in p.all_stages()), key


ONE_SIDED_WITH_TIERS = """
key = "x"
name = "X"
title = "X"
[[processes]]
key = "drp"
title = "DRP"
raisers = ["chair"]
[[processes.stages]]
title = "Team manager"
responsible = ["team_manager"]
openers = ["chair"]
timescale = "5 working days"
[[processes.stages.tiers]]
responsible = ["service_manager"]
raiser_side = ["service_manager"]
"""


def test_only_a_two_sided_stage_has_tiers() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(ONE_SIDED_WITH_TIERS, "x.toml")
    assert "only a two-sided stage has tiers" in str(caught.value)


def test_a_tiers_reminders_are_its_own_and_a_climb_moots_the_tier_below() -> None:
    trail, at = at_stage_3()
    below = trail.dispute
    trail.do(escalate(at, owners_for(HACKNEY, "3", tier=2), date(2026, 12, 24)))
    above = trail.dispute
    calendar = trail.ctx.calendar
    keys = {d.key() for d in deadlines.moments(above, calendar, time(8, 30))}
    assert all(":3/2:" in key for key in keys), keys
    reminder = {"occasion": "due_today", "stage": deadlines.where(below)}
    reminder["due_at"] = deadlines.instant_key(below.due_at) if below.due_at else ""
    owner = below.owners[0]
    assert not deadlines.still_owed(above, reminder, owner, at)


def test_the_report_counts_each_climb_to_a_tier_and_no_climb_as_a_stage_entry() -> None:
    trail, at = at_stage_3()
    trail.do(escalate(at, owners_for(HACKNEY, "3", tier=2), date(2027, 1, 4)))
    period = Period(date(2026, 12, 1), date(2026, 12, 31))
    counted = tally(period, PeriodActivity([trail.dispute], trail.events), trail.ctx.calendar)
    assert dict(counted.tiers) == {("3", 2): 1}
    found = figures(period, counted, HACKNEY, trail.ctx.calendar)
    assert [(t.label, t.climbs) for t in found.tiers] == [("Stage 3, tier 2: Head of service", 1)]
    assert found.entry("all", "total", "3") == 1  # entered once; the climb is not an entry
