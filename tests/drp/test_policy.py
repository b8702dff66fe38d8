"""Policy profiles: the five shipped ladders say what their seeds say; broken files are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from drp.errors import PolicyError
from drp.policy import (
    INFORMAL,
    OTHER_CATEGORY,
    Move,
    Policy,
    load_policy,
    parse_policy,
    shipped_profiles,
)
from drp.roles import Role
from drp.timescale import Timescale, TimeUnit

FIVE_WD = Timescale(5, TimeUnit.WORKING_DAYS)
SHIPPED = ("calderdale", "city-hackney", "cpc-standard", "newham", "nottingham")


def wd(n: int) -> Timescale:
    return Timescale(n, TimeUnit.WORKING_DAYS)


@pytest.fixture(scope="module")
def nottingham() -> Policy:
    return load_policy("nottingham")


@pytest.fixture(scope="module")
def cpc() -> Policy:
    return load_policy("cpc-standard")


@pytest.fixture(scope="module")
def calderdale() -> Policy:
    return load_policy("calderdale")


@pytest.fixture(scope="module")
def newham() -> Policy:
    return load_policy("newham")


@pytest.fixture(scope="module")
def hackney() -> Policy:
    return load_policy("city-hackney")


# --- every shipped profile ---------------------------------------------------------------------


def test_the_five_seed_profiles_are_shipped() -> None:
    assert shipped_profiles() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_loads_and_is_keyed_by_its_name(name: str) -> None:
    policy = load_policy(name)
    assert policy.key == name
    assert policy.source == f"{name}.toml"
    assert policy.main.key == "drp"
    keys = [s.key for s in policy.main.stages]
    assert keys == [str(n) for n in range(1, len(keys) + 1)]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_profile_ends_its_categories_with_other(name: str) -> None:
    categories = load_policy(name).categories
    assert categories[-1].key == OTHER_CATEGORY
    assert len({c.key for c in categories}) == len(categories)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_profile_names_who_is_alerted_on_immediate_harm(name: str) -> None:
    assert load_policy(name).immediate_harm_alerts


@pytest.mark.parametrize("name", SHIPPED)
def test_a_profile_file_loads_by_path_like_the_shipped_name(name: str, tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "drp" / "profiles" / f"{name}.toml"
    copy = tmp_path / f"{name}.toml"
    copy.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    by_path = load_policy(str(copy))
    assert by_path.source == str(copy)
    assert by_path.processes == load_policy(name).processes


def test_an_unknown_profile_name_is_rejected_listing_the_shipped_ones() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("atlantis")
    assert caught.value.field == "policy"
    assert "nottingham" in caught.value.reason


# --- Nottingham (seed 000) -----------------------------------------------------------------


def test_nottingham_informal_stage_is_team_manager_within_a_week(nottingham: Policy) -> None:
    informal = nottingham.main.informal
    assert informal is not None
    assert informal.key == INFORMAL
    # "resolved within a week, either by the practitioner or by their Team Manager"
    assert informal.responsible == (Role.TEAM_MANAGER, Role.PRACTITIONER)
    assert informal.copied == ()
    assert informal.timescale == FIVE_WD
    assert informal.raiser_sets_deadline  # "CPC to give a timescale"; 5 WD at most


def test_nottingham_has_four_formal_stages_of_five_working_days(nottingham: Policy) -> None:
    stages = nottingham.main.stages
    assert [s.responsible for s in stages] == [
        (Role.TEAM_MANAGER,),
        (Role.SERVICE_MANAGER,),
        (Role.HEAD_OF_SERVICE,),
        (Role.DIRECTOR,),
    ]
    assert all(s.timescale == FIVE_WD for s in stages)
    assert Role.PRINCIPAL_MANAGER in stages[1].copied
    assert stages[1].meeting  # the CPC convenes a meeting with the SM and Principal Manager
    assert stages[3].meeting  # the Director may ask the CPC to convene a meeting


def test_nottingham_formal_process_takes_twenty_working_days(nottingham: Policy) -> None:
    assert nottingham.main.overall_limit == wd(20)


def test_nottingham_final_step_is_legal_advice_and_corporate_director(
    nottingham: Policy,
) -> None:
    final = nottingham.main.final_step
    assert final is not None
    assert final.key == "5"
    assert final.roles == (Role.CHAIR,)
    assert "Legal advice" in final.title
    assert "Corporate Director" in final.title


def test_nottingham_chair_may_refer_to_the_lscb_at_any_point(nottingham: Policy) -> None:
    lscb = nottingham.referral("lscb")
    assert lscb.roles == (Role.CHAIR,)
    assert lscb.concurrent
    assert "Local Safeguarding Children Board" in lscb.title


def test_nottingham_chair_opens_informally_or_at_stage_1_only(nottingham: Policy) -> None:
    process = nottingham.main
    assert process.raisers == (Role.CHAIR,)
    assert not process.bypass
    assert [s.key for s in process.opening_stages(Role.CHAIR)] == [INFORMAL, "1"]


def test_nottingham_offers_escalation_rather_than_escalating_itself(nottingham: Policy) -> None:
    assert not nottingham.auto_escalate
    assert not any(stage.approval for stage in nottingham.main.all_stages())
    assert nottingham.extension is None
    assert nottingham.compliments


# --- cpc-standard (seed 001) ---------------------------------------------------------------


def test_cpc_standard_needs_the_chairs_managers_agreement_from_stage_2(cpc: Policy) -> None:
    for move in (Move.RAISE, Move.ESCALATE):
        needs = {s.key: cpc.needs_approval(cpc.main, s.key, move) for s in cpc.main.all_stages()}
        assert needs == {INFORMAL: False, "1": False, "2": True, "3": True, "4": True}
    assert not any(s.needs_approval(Move.CONCLUDE) for s in cpc.main.all_stages())
    approvers = {s.key: cpc.approvers(cpc.main, s.key) for s in cpc.main.all_stages()}
    only = (Role.CHAIRS_SERVICE_MANAGER,)
    assert approvers == {INFORMAL: (), "1": (), "2": only, "3": only, "4": only}


def test_cpc_standard_allows_one_further_24_hours(cpc: Policy) -> None:
    assert cpc.extension is not None
    assert cpc.extension.max_extensions == 1
    assert cpc.extension.timescale == Timescale(24, TimeUnit.HOURS)


def test_cpc_standard_leaves_escalating_an_unanswered_dispute_to_the_chair(cpc: Policy) -> None:
    assert not cpc.auto_escalate  # "If this is unsuccessful the CPC will escalate"


def test_cpc_standard_may_open_at_any_stage_directed_at_the_decision_level(
    cpc: Policy,
) -> None:
    opening = [s.key for s in cpc.main.opening_stages(Role.CHAIR)]
    assert opening == [INFORMAL, "1", "2", "3", "4"]


def test_cpc_standard_ladder_is_tm_sm_hos_director_each_five_working_days(cpc: Policy) -> None:
    assert [s.responsible for s in cpc.main.stages] == [
        (Role.TEAM_MANAGER,),
        (Role.SERVICE_MANAGER,),
        (Role.HEAD_OF_SERVICE,),
        (Role.DIRECTOR,),
    ]
    assert all(s.timescale == FIVE_WD for s in cpc.main.stages)
    assert cpc.main.final_step is None
    assert cpc.main.overall_limit is None


def test_cpc_standard_informal_drp_has_a_timescale_the_chair_agrees(cpc: Policy) -> None:
    informal = cpc.main.informal
    assert informal is not None
    assert informal.raiser_sets_deadline
    assert informal.timescale is None
    assert informal.responsible == (Role.TEAM_MANAGER,)


def test_cpc_standard_form_is_raised_within_2_working_days(cpc: Policy) -> None:
    assert cpc.raise_within == wd(2)


def test_cpc_standard_lists_the_seed_categories(cpc: Policy) -> None:
    assert [c.key for c in cpc.categories] == [
        "unassessed-risk",
        "lack-of-preparation",
        "drift-delay",
        "plan-challenge",
        "practice",
        "management-decision",
        "documentation-missing",
        "other",
    ]


# --- Calderdale (seed 002) -----------------------------------------------------------------


def test_calderdale_informal_deadline_is_set_by_the_chair_up_to_10_working_days(
    calderdale: Policy,
) -> None:
    informal = calderdale.main.informal
    assert informal is not None
    assert informal.raiser_sets_deadline
    assert informal.timescale == wd(10)
    assert set(informal.responsible) == {Role.PRACTITIONER, Role.TEAM_MANAGER}


def test_calderdale_has_three_formal_stages_and_15_working_days(calderdale: Policy) -> None:
    process = calderdale.main
    assert [s.responsible for s in process.stages] == [
        (Role.TEAM_MANAGER,),
        (Role.SERVICE_MANAGER, Role.DESIGNATED_SAFEGUARDING_LEAD),  # either may respond
        (Role.SCB_MANAGER,),
    ]
    assert all(s.timescale == FIVE_WD for s in process.stages)
    assert process.overall_limit == wd(15)
    assert process.stages[0].copied == (Role.PRACTITIONER,)
    assert process.stages[2].alerts == (Role.INDEPENDENT_CHAIR,)
    assert process.final_step is None  # stage 3, the Board's panel, is the end


def test_calderdale_conference_dissent_is_answered_by_the_chairs_manager_in_5_days(
    calderdale: Policy,
) -> None:
    dissent = calderdale.process("conference-dissent")
    assert Role.CHAIR not in dissent.raisers
    assert Role.PRACTITIONER in dissent.raisers
    stage, harm = dissent.stages
    assert stage.responsible == harm.responsible == (Role.CHAIRS_SERVICE_MANAGER,)
    assert stage.timescale == FIVE_WD
    # 6.6: on the ground of significant harm, reviewed at once; only that ground goes on.
    assert harm.timescale == wd(1)
    assert harm.response_asks
    assert dissent.final_step is not None
    assert "Appeals panel" in dissent.final_step.title


def test_calderdale_scb_referral_needs_consulting_the_irs_team_manager(
    calderdale: Policy,
) -> None:
    scb = calderdale.referral("scb")
    assert scb.roles == (Role.CHAIR,)
    assert "Independent Reviewing Service Team Manager" in scb.consult
    assert Role.CHAIRS_SERVICE_MANAGER in scb.alerts


def test_calderdale_progresses_unanswered_disputes_and_alerts_safeguarding_sm(
    calderdale: Policy,
) -> None:
    assert calderdale.auto_escalate
    assert calderdale.immediate_harm_alerts == (Role.CHAIRS_SERVICE_MANAGER,)


# --- Newham (seed 003) ---------------------------------------------------------------------


def test_newham_lets_the_chair_bypass_stages(newham: Policy) -> None:
    assert newham.main.bypass


def test_newham_iro_may_open_at_stages_1_to_3_and_cp_chair_at_1(newham: Policy) -> None:
    assert [s.key for s in newham.main.opening_stages(Role.IRO)] == [INFORMAL, "1", "2", "3"]
    assert [s.key for s in newham.main.opening_stages(Role.CHAIR)] == [INFORMAL, "1"]


def test_newham_stage_5_cafcass_is_for_iros_only(newham: Policy) -> None:
    final = newham.main.final_step
    assert final is not None
    assert final.key == "5"
    assert final.roles == (Role.IRO,)
    assert "CAFCASS" in final.title
    assert final.told == (Role.DIRECTOR,)


def test_newham_chair_records_the_resolution_within_2_calendar_days(newham: Policy) -> None:
    assert newham.chair_review == Timescale(2, TimeUnit.CALENDAR_DAYS)


def test_newham_cafcass_referral_at_any_point_is_for_iros_only(newham: Policy) -> None:
    cafcass = newham.referral("cafcass")
    assert cafcass.roles == (Role.IRO,)
    assert cafcass.concurrent


def test_newham_requested_actions_are_due_within_5_working_days(newham: Policy) -> None:
    assert newham.requested_action_limit == FIVE_WD


def test_newham_has_four_stages_of_5_working_days_in_20(newham: Policy) -> None:
    process = newham.main
    assert all(s.timescale == FIVE_WD for s in process.stages)
    assert len(process.stages) == 4
    assert process.overall_limit == wd(20)
    assert process.stages[2].alerts == (Role.ASSISTANT_DIRECTOR_QA,)
    assert not newham.auto_escalate


def test_newham_lists_its_form_categories_and_issue_types(newham: Policy) -> None:
    assert len(newham.categories) == 14
    assert newham.issue_types == (
        "Practice",
        "Judgement",
        "Clarification of accountability",
        "Strategic",
    )


# --- City & Hackney (seed 004) -------------------------------------------------------------


def test_hackney_any_practitioner_may_raise(hackney: Policy) -> None:
    process = hackney.main
    assert Role.PRACTITIONER in process.raisers
    assert process.informal is None
    assert [s.key for s in process.opening_stages(Role.PRACTITIONER)] == ["1"]


def test_hackney_stage_1_is_the_two_practitioners_within_a_working_week(
    hackney: Policy,
) -> None:
    first = hackney.main.stages[0]
    assert first.responsible == (Role.PRACTITIONER,)
    assert first.raiser_sets_deadline
    assert first.timescale == FIVE_WD
    assert not first.two_sided


def test_hackney_stages_2_and_3_involve_a_manager_on_both_sides(hackney: Policy) -> None:
    two, three, four = hackney.main.stages[1:]
    assert two.two_sided
    assert two.raiser_side == (Role.TEAM_MANAGER,)
    assert three.two_sided
    assert three.raiser_side == (Role.SERVICE_MANAGER,)
    assert not four.two_sided
    assert set(two.notify_if_on_plan) == {Role.CHAIR, Role.IRO}
    assert all(s.raiser_sets_deadline and s.timescale is None for s in (two, three, four))


def test_hackney_stage_4_is_the_iscc_and_stage_5_the_secretary_of_state(
    hackney: Policy,
) -> None:
    assert hackney.main.stages[3].responsible == (Role.ISCC,)
    final = hackney.main.final_step
    assert final is not None
    assert final.key == "5"
    assert "Secretary of State" in final.title
    assert set(final.roles) == set(hackney.main.raisers)


def test_hackney_lado_referral_takes_precedence_over_the_policy(hackney: Policy) -> None:
    lado = hackney.referral("lado")
    assert not lado.concurrent
    assert Role.PRACTITIONER in lado.roles


def test_hackney_immediate_harm_goes_to_the_designated_safeguarding_lead(
    hackney: Policy,
) -> None:
    assert hackney.immediate_harm_alerts == (Role.DESIGNATED_SAFEGUARDING_LEAD,)
    assert hackney.main.overall_limit is None
    assert [c.key for c in hackney.categories] == [
        "levels-of-need",
        "roles-responsibilities",
        "need-for-action",
        "plans-communication",
        "other",
    ]


# --- broken profiles -----------------------------------------------------------------------

TINY = """\
key = "tiny"
name = "Tiny"
title = "Tiny DRP"
immediate_harm_alerts = ["chairs_service_manager"]

[[processes]]
key = "drp"
title = "DRP"
raisers = ["chair"]

[[processes.stages]]
title = "Team Manager"
responsible = ["team_manager"]
openers = ["chair"]
timescale = "5 working days"

[[processes.stages]]
title = "Service Manager"
responsible = ["service_manager"]
timescale = "5 working days"

[[categories]]
key = "drift"
title = "Drift and delay"

[[categories]]
key = "other"
title = "Other (please specify)"
"""


def broken(old: str, new: str) -> PolicyError:
    """Parse TINY with one text replaced; the PolicyError it must raise."""
    assert old in TINY
    with pytest.raises(PolicyError) as caught:
        parse_policy(TINY.replace(old, new, 1), "bad.toml")
    assert caught.value.source == "bad.toml"
    assert str(caught.value).startswith(f"bad.toml: {caught.value.field}: ")
    return caught.value


def test_the_minimal_profile_used_below_is_valid() -> None:
    policy = parse_policy(TINY, "tiny.toml")
    assert [s.key for s in policy.main.stages] == ["1", "2"]


def test_a_misspelt_top_level_field_is_rejected_as_unknown() -> None:
    error = broken('title = "Tiny DRP"\n', 'title = "Tiny DRP"\nauto_escalte = true\n')
    assert (error.field, error.reason) == ("auto_escalte", "unknown field")


def test_a_misspelt_stage_field_names_its_dotted_path() -> None:
    error = broken(
        'responsible = ["service_manager"]\n',
        'responsible = ["service_manager"]\ncopyed = ["practitioner"]\n',
    )
    assert (error.field, error.reason) == ("processes[0].stages[1].copyed", "unknown field")


def test_an_unknown_role_is_rejected_listing_the_known_ones() -> None:
    error = broken('responsible = ["team_manager"]', 'responsible = ["team_mgr"]')
    assert error.field == "processes[0].stages[0].responsible"
    assert "unknown role 'team_mgr'" in error.reason
    assert "team_manager" in error.reason


def test_a_timescale_in_weeks_is_rejected() -> None:
    error = broken(
        'responsible = ["service_manager"]\ntimescale = "5 working days"',
        'responsible = ["service_manager"]\ntimescale = "1 week"',
    )
    assert error.field == "processes[0].stages[1].timescale"
    assert "'1 week' is not a timescale" in error.reason


def test_a_stage_timescale_in_hours_is_rejected_because_stages_end_on_a_day() -> None:
    error = broken('timescale = "5 working days"', 'timescale = "48 hours"')
    assert error.field == "processes[0].stages[0].timescale"
    assert "working days or calendar days" in error.reason


def test_a_stage_needs_a_timescale_unless_the_raiser_sets_it() -> None:
    error = broken(
        'responsible = ["service_manager"]\ntimescale = "5 working days"\n',
        'responsible = ["service_manager"]\n',
    )
    assert error.field == "processes[0].stages[1].timescale"
    assert "raiser_sets_deadline" in error.reason


def test_a_negative_overall_limit_is_rejected() -> None:
    error = broken(
        'raisers = ["chair"]\n', 'raisers = ["chair"]\noverall_limit = "-3 working days"\n'
    )
    assert error.field == "processes[0].overall_limit"
    assert "not a timescale" in error.reason


def test_categories_without_other_are_rejected() -> None:
    error = broken('key = "other"\ntitle = "Other (please specify)"', 'key = "x"\ntitle = "X"')
    assert error.field == "categories"
    assert '"other"' in error.reason


def test_other_must_be_the_last_category() -> None:
    error = broken(
        'key = "drift"\ntitle = "Drift and delay"\n\n[[categories]]\nkey = "other"\n'
        'title = "Other (please specify)"\n',
        'key = "other"\ntitle = "Other (please specify)"\n\n[[categories]]\nkey = "drift"\n'
        'title = "Drift and delay"\n',
    )
    assert error.field == "categories"
    assert "must end with" in error.reason


def test_duplicate_category_keys_are_rejected() -> None:
    error = broken('key = "other"\ntitle = "Other', 'key = "drift"\ntitle = "Other')
    assert error.field == "categories"
    assert "duplicate key 'drift'" in error.reason


def test_a_key_written_twice_in_one_table_is_invalid_toml() -> None:
    error = broken('name = "Tiny"\n', 'name = "Tiny"\nname = "Tiny again"\n')
    assert error.field == "(file)"
    assert error.reason.startswith("not valid TOML")


def test_text_that_is_not_toml_is_rejected_as_a_whole_file() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy("key = [unclosed\n", "bad.toml")
    assert caught.value.field == "(file)"
    assert caught.value.reason.startswith("not valid TOML")


def test_stage_openers_must_be_among_the_raisers() -> None:
    error = broken('openers = ["chair"]', 'openers = ["chair", "iro"]')
    assert error.field == "processes[0].stages[0].openers"
    assert error.reason == "not among the process's raisers: iro"


def test_a_process_nobody_may_open_is_rejected() -> None:
    error = broken('openers = ["chair"]\n', "")
    assert error.field == "processes[0].stages"
    assert "openers" in error.reason


def test_an_approval_stage_the_ladder_lacks_is_rejected() -> None:
    error = broken(
        "[[processes]]",
        '[approval]\nfrom_stage = "3"\napprover = "chairs_service_manager"\n\n[[processes]]',
    )
    assert (error.field, error.reason) == ("approval.from_stage", "no stage '3'")


def test_an_approval_without_its_stage_is_rejected() -> None:
    error = broken(
        "[[processes]]", '[approval]\napprover = "chairs_service_manager"\n\n[[processes]]'
    )
    assert (error.field, error.reason) == ("approval.from_stage", "missing")


def test_an_approver_must_be_a_known_role() -> None:
    error = broken(
        "[[processes]]", '[approval]\nfrom_stage = "2"\napprover = "boss"\n\n[[processes]]'
    )
    assert error.field == "approval.approver"
    assert "unknown role 'boss'" in error.reason


def test_an_extension_must_allow_at_least_one() -> None:
    error = broken(
        "[[processes]]",
        '[extension]\nmax_extensions = 0\ntimescale = "24 hours"\n\n[[processes]]',
    )
    assert error.field == "extension.max_extensions"
    assert "at least 1" in error.reason


def test_stage_keys_must_count_1_2_3() -> None:
    error = broken('title = "Service Manager"\n', 'key = "3"\ntitle = "Service Manager"\n')
    assert error.field == "processes[0].stages[1].key"
    assert "expected '2'" in error.reason


def test_a_final_step_may_not_reuse_a_stage_key() -> None:
    error = broken(
        '[[categories]]\nkey = "drift"',
        '[processes.final_step]\nkey = "2"\ntitle = "Panel"\nroles = ["chair"]\n\n'
        '[[categories]]\nkey = "drift"',
    )
    assert error.field == "processes[0].final_step.key"
    assert "already a stage" in error.reason


def test_a_flag_must_be_true_or_false() -> None:
    error = broken('raisers = ["chair"]\n', 'raisers = ["chair"]\nbypass = "yes"\n')
    assert (error.field, error.reason) == ("processes[0].bypass", "must be true or false")


def test_a_profile_key_must_be_a_slug() -> None:
    error = broken('key = "tiny"', 'key = "Tiny DRP"')
    assert error.field == "key"


def test_a_missing_required_field_is_named() -> None:
    error = broken('title = "Tiny DRP"\n', "")
    assert (error.field, error.reason) == ("title", "missing")


def test_a_profile_without_an_immediate_harm_route_is_valid_and_offers_none() -> None:
    policy = parse_policy(
        TINY.replace('immediate_harm_alerts = ["chairs_service_manager"]\n', ""), "t"
    )
    assert policy.immediate_harm_alerts == ()
    assert not policy.harm_route


def test_a_profile_without_categories_is_valid_and_lists_none() -> None:
    text = TINY[: TINY.index("[[categories]]")]
    policy = parse_policy(text, "t")
    assert policy.categories == ()


def test_immediate_harm_alerts_must_be_known_roles() -> None:
    error = broken(
        'immediate_harm_alerts = ["chairs_service_manager"]', 'immediate_harm_alerts = ["x"]'
    )
    assert error.field == "immediate_harm_alerts"
    assert "unknown role 'x'" in error.reason


def test_a_profile_needs_at_least_one_process() -> None:
    text = TINY[: TINY.index("[[processes]]")] + TINY[TINY.index("[[categories]]") :]
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "bad.toml")
    assert caught.value.field == "processes"


def test_a_file_that_is_not_utf8_is_rejected_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(TINY.replace("Tiny DRP", "Tiny DRP \xe9").encode("latin-1"))
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert (caught.value.source, caught.value.field) == (str(path), "(file)")
    assert "UTF-8" in caught.value.reason
