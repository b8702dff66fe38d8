"""Seed 002 §4-5 in the profile format: a stage answered by the child's own CP chair
(``childs_own``, named on the form, never every chair), an agency-scoped Board member on both
sides, and the shipped Calderdale profile's third process built from them."""

from __future__ import annotations

import pytest

from drp.policy import StepKind, load_policy, parse_policy
from drp.roles import DEFAULT_ROLES, Role, Scope
from tests.drp.test_profile_format import error_of, tiny

CHAIR_STAGE = (
    'responsible = ["head_of_service"]',
    'responsible = ["chair"]\nchilds_own = ["chair"]',
)


def test_a_stage_may_be_answered_by_the_childs_own_chair() -> None:
    policy = parse_policy(tiny(*CHAIR_STAGE), "tiny.toml")
    stage = policy.main.stage("3")
    assert stage.responsible == (Role.CHAIR,)
    assert stage.childs_own == (Role.CHAIR,)
    assert policy.main.stage("1").childs_own == ()


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ('responsible = ["head_of_service"]\nchilds_own = ["chair"]', "not among this stage's"),
        ('responsible = ["head_of_service"]\nchilds_own = ["head_of_service"]', "by team"),
        ('responsible = ["head_of_service"]\nchilds_own = ["nobody"]', "unknown role"),
    ],
    ids=["not-responsible", "team-role", "unknown"],
)
def test_a_bad_childs_own_is_named(new: str, reason: str) -> None:
    error = error_of(tiny('responsible = ["head_of_service"]', new))
    assert error.field == "processes[0].stages[2].childs_own"
    assert reason in error.reason


def test_the_board_member_is_a_default_role_found_in_each_agency() -> None:
    (board,) = [r for r in DEFAULT_ROLES if r.key == "board_member"]
    assert board.scope is Scope.AGENCY


def test_calderdale_has_the_dissent_between_agencies_as_a_third_process() -> None:
    policy = load_policy("calderdale")
    assert [p.key for p in policy.processes] == ["drp", "conference-dissent", "plan-dissent"]
    plan = policy.process("plan-dissent")
    assert set(plan.raisers) == {Role.PRACTITIONER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER}
    assert plan.auto_escalate is False
    one, two, three, four = plan.stages
    assert (one.responsible, one.raiser_side) == ((Role.TEAM_MANAGER,), (Role.TEAM_MANAGER,))
    assert (two.responsible, two.raiser_side) == ((Role.SERVICE_MANAGER,),) * 2
    assert (three.responsible, three.childs_own) == ((Role.CHAIR,), (Role.CHAIR,))
    assert three.response_asks
    assert (four.responsible, four.raiser_side) == ((Role.BOARD_MEMBER,),) * 2
    assert policy.roles.title(Role.BOARD_MEMBER) == "Calderdale SCB member for the agency"
    final = plan.final_step
    assert final is not None
    assert (final.kind, final.acts, final.told) == (
        StepKind.PANEL,
        (Role.SCB_MANAGER,),
        (Role.INDEPENDENT_CHAIR,),
    )
