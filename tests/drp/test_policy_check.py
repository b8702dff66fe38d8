"""What ``policies check`` finds in a valid profile, with and without the directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from drp.policy import Policy, load_policy, parse_policy, shipped_profiles
from drp.policy_check import Level, Staff, findings, ladder, reachable
from drp.roles import Role

WYVERN = Path(__file__).parents[1] / "profiles" / "wyvern-marches.toml"
NORTH = "Marches North"

TWO_RAISERS = """\
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

[[processes.stages]]
title = "Director"
responsible = ["director"]
timescale = "5 working days"
"""


def problems(policy: Policy, staff: Staff | None = None) -> list[str]:
    return [f.text for f in findings(policy, staff) if f.level is Level.PROBLEM]


def notes(policy: Policy, staff: Staff | None = None) -> list[str]:
    return [f.text for f in findings(policy, staff) if f.level is Level.NOTE]


def wyvern_staff(*without: str) -> Staff:
    people = [
        [(Role("conference_convenor"), "")],
        [(Role("case_lead"), NORTH)],
        [(Role("area_lead"), NORTH)],
        [(Role("safeguarding_principal"), "")],
        [(Role("assurance_officer"), "")],
        [(Role("partnership_director"), "")],
        [(Role("scrutiny_chair"), "")],
    ]
    return Staff.of(p for p in people if p[0][0] not in without)


@pytest.mark.parametrize("name", shipped_profiles())
def test_every_shipped_profile_has_no_problems(name: str) -> None:
    assert problems(load_policy(name)) == []


def test_a_stage_nobody_can_reach_is_a_problem() -> None:
    text = TWO_RAISERS.replace('admits = ["iro"]', 'admits = ["practitioner"]')
    policy = parse_policy(text, "t")
    assert problems(policy) == [
        "drp: nobody can reach stage 2: no raiser may open it or escalate to it (check openers, "
        "admits and the final step's roles)",
        "drp: nobody can reach stage 3: no raiser may open it or escalate to it (check openers, "
        "admits and the final step's roles)",
    ]


def test_a_raiser_stopped_by_a_stage_that_does_not_admit_them_is_noted() -> None:
    policy = parse_policy(TWO_RAISERS, "t")
    reached, stuck = reachable(policy.main, Role.CHAIR)
    assert (reached, stuck) == ({"1"}, {"1"})
    assert reachable(policy.main, Role.IRO) == ({"1", "2", "3"}, set())
    assert problems(policy) == []
    assert (
        "drp: a dispute raised by a Child Protection Chair stops at stage 1 (the next stage "
        "does not admit it): the raiser resolves or concludes it there"
    ) in notes(policy)


def test_bypass_lets_a_raiser_step_over_a_stage_that_does_not_admit_them() -> None:
    text = TWO_RAISERS.replace(
        'raisers = ["chair", "iro"]', 'raisers = ["chair", "iro"]\nbypass = true'
    )
    assert reachable(parse_policy(text, "t").main, Role.CHAIR) == ({"1", "3"}, set())


def test_the_final_step_is_reached_only_by_the_roles_it_names() -> None:
    newham = load_policy("newham")
    assert "5" in reachable(newham.main, Role.IRO)[0]
    assert "5" not in reachable(newham.main, Role.CHAIR)[0]


def test_what_the_bot_does_where_the_profile_is_silent_is_noted() -> None:
    said = notes(load_policy(str(WYVERN)))
    assert said[:2] == [
        "no categories: the form asks for none; the report has no breakdown by category",
        "no immediate-harm route: the form and cards offer no immediate-harm alert; a child at "
        "immediate risk is for the council's own safeguarding procedures",
    ]
    assert any("no overall limit: each stage's own deadline is the only one" in n for n in said)


def test_a_fully_staffed_directory_raises_no_problem() -> None:
    assert problems(load_policy(str(WYVERN)), wyvern_staff()) == []


def test_a_role_the_ladder_needs_that_nobody_holds_is_a_problem() -> None:
    found = problems(load_policy(str(WYVERN)), wyvern_staff("area_lead"))
    assert found == [
        "nobody in the directory holds Area Lead (area_lead), needed for: escalation stage 2: "
        "responds"
    ]


def test_agreement_needs_a_holder_of_any_one_of_the_approver_roles() -> None:
    policy = load_policy(str(WYVERN))
    assert problems(policy, wyvern_staff("safeguarding_principal")) == []
    none = wyvern_staff("assurance_officer", "safeguarding_principal")
    assert problems(policy, none) == [
        "nobody in the directory holds Principal for Safeguarding, Assurance Officer, one of "
        "whom must agree at: escalation stage 2",
        "nobody in the directory holds Assurance Officer, one of whom must agree at: "
        "escalation stage 3",
    ]


def test_a_final_step_nobody_can_record_is_a_problem() -> None:
    policy = load_policy(str(WYVERN))
    assert problems(policy, wyvern_staff("scrutiny_chair")) == [
        "nobody in the directory holds Independent Scrutiny Chair, one of whom must record "
        "the outcome of: Independent scrutiny report",
    ]


def test_a_told_role_nobody_holds_is_a_note() -> None:
    policy = load_policy(str(WYVERN))
    staff = wyvern_staff("safeguarding_principal")
    assert (
        "nobody in the directory holds Principal for Safeguarding (safeguarding_principal); "
        "nobody will be told at: escalation stage 3, escalation stage 2 (decides)"
    ) in notes(policy, staff)


def test_a_team_without_a_holder_of_a_team_role_that_responds_is_a_problem() -> None:
    policy = load_policy(str(WYVERN))
    people = [
        *([(r, "")] for r in map(Role, ("conference_convenor", "safeguarding_principal"))),
        [(Role("assurance_officer"), ""), (Role("partnership_director"), "")],
        [(Role("scrutiny_chair"), "")],
        [(Role("case_lead"), NORTH), (Role("case_lead"), "Marches South")],
        [(Role("area_lead"), NORTH)],
    ]
    assert problems(policy, Staff.of(people)) == [
        "team 'Marches South' has no Area Lead (area_lead): a dispute about its children "
        "stalls where it is needed (escalation stage 2)"
    ]


def test_several_holders_of_an_organisation_post_are_noted() -> None:
    policy = load_policy(str(WYVERN))
    director = [(Role("partnership_director"), "")]
    staff = Staff.of([director, director])
    assert staff.count(Role("partnership_director")) == 2
    assert (
        "2 people hold Partnership Director (partnership_director), an organisation-wide post: "
        "each is told and any may act"
    ) in notes(policy, staff)


def test_the_ladder_says_who_responds_who_is_told_by_when_and_who_agrees() -> None:
    policy = load_policy(str(WYVERN))
    rows = {row.key: row for row in ladder(policy, policy.main)}
    assert (rows["1"].responds, rows["1"].told, rows["1"].timescale) == (
        "Case Lead",
        "-",
        "3 working days",
    )
    assert rows["2"].agreement == (
        "agreement to escalate here: Principal for Safeguarding, Assurance Officer"
    )
    assert rows["3"].told == "Principal for Safeguarding"


def test_the_ladder_of_a_two_sided_stage_names_both_sides_and_plan_notices() -> None:
    hackney = load_policy("city-hackney")
    row = ladder(hackney, hackney.main)[1]
    assert row.responds == (
        "Team manager; raiser's side: Team manager"
        " (a raiser with no team: Chairs' service manager (Safeguarding & QA))"
    )
    assert row.told == "if on a plan: Child Protection Chair, Independent Reviewing Officer"
    assert row.timescale == "raiser sets"
