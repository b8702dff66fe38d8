"""The profile format's newer parts: roles as data, agreement per stage, admits, old forms still
read (with a note), and the JSON Schema that editors get."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jsonschema
import pytest

from drp.errors import PolicyError
from drp.policy import Approval, Move, load_policy, parse_policy, shipped_profiles
from drp.policy_loader import shipped_text
from drp.profile_schema import json_schema
from drp.roles import Role, RoleBook, Scope

WYVERN = Path(__file__).parents[1] / "profiles" / "wyvern-marches.toml"

TINY = """\
key = "tiny"
name = "Tiny"
title = "Tiny DRP"

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

[[processes.stages]]
title = "Head of Service"
responsible = ["head_of_service"]
timescale = "5 working days"
"""


def tiny(old: str = "", new: str = "", top: str = "") -> str:
    """TINY with one text replaced and ``top`` lines added before the first table."""
    assert old in TINY
    text = TINY.replace(old, new, 1) if old else TINY
    return text.replace('title = "Tiny DRP"\n', f'title = "Tiny DRP"\n{top}', 1)


def error_of(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "bad.toml")
    return caught.value


# --- roles as data ---------------------------------------------------------------------------


def test_a_profile_starts_from_the_default_roles() -> None:
    policy = parse_policy(TINY, "t")
    assert list(policy.roles) == list(RoleBook.defaults())
    assert policy.role_title(Role.TEAM_MANAGER) == "Team manager"
    assert policy.roles.scope(Role.TEAM_MANAGER) is Scope.TEAM


def test_a_declared_role_with_a_defaults_key_renames_it() -> None:
    roles = '[[roles]]\nkey = "team_manager"\ntitle = "Practice Lead"\nscope = "team"\n'
    policy = parse_policy(tiny(top=roles), "t")
    assert policy.role_title(Role.TEAM_MANAGER) == "Practice Lead"
    assert len(policy.roles) == len(RoleBook.defaults())


def test_a_new_role_may_respond_and_its_scope_is_the_profiles() -> None:
    roles = '[[roles]]\nkey = "area_lead"\ntitle = "Area Lead"\nscope = "agency"\n'
    text = tiny('responsible = ["service_manager"]', 'responsible = ["area_lead"]', roles)
    policy = parse_policy(text, "t")
    assert policy.main.stages[1].responsible == (Role("area_lead"),)
    assert policy.roles.scope(Role("area_lead")) is Scope.AGENCY
    assert policy.roles.per_team(Role("area_lead"))


def test_without_default_roles_only_the_declared_ones_exist() -> None:
    error = error_of(tiny(top="default_roles = false\n"))
    assert error.field == "processes[0].raisers"
    assert error.reason == "unknown role 'chair' (known: )"


def test_the_invented_councils_file_uses_only_its_own_roles() -> None:
    policy = load_policy(str(WYVERN))
    assert set(policy.roles) == {
        "conference_convenor",
        "case_lead",
        "area_lead",
        "safeguarding_principal",
        "assurance_officer",
        "partnership_director",
        "scrutiny_chair",
    }
    assert policy.role_title(Role("area_lead")) == "Area Lead"
    assert not set(policy.roles) & {r for name in shipped_profiles() for r in _used(name)}


def _used(name: str) -> set[Role]:
    """Every role a shipped profile names anywhere."""
    policy = load_policy(name)
    used: set[Role] = set(policy.immediate_harm_alerts)
    for process in policy.processes:
        used |= set(process.raisers)
        for stage in process.all_stages():
            used |= {*stage.responsible, *stage.copied, *stage.alerts, *stage.raiser_side}
            used |= {*stage.openers, *stage.notify_if_on_plan}
        if process.final_step:
            used |= {*process.final_step.roles, *process.final_step.told}
    for referral in policy.referrals:
        used |= {*referral.roles, *referral.alerts}
    return used


@pytest.mark.parametrize(
    ("roles", "field", "reason"),
    [
        ('[[roles]]\nkey = "Lead"\ntitle = "L"\nscope = "team"\n', "roles[0].key", "not a role"),
        ('[[roles]]\nkey = "lead"\ntitle = "L"\nscope = "ward"\n', "roles[0].scope", "'team'"),
        ('[[roles]]\nkey = "lead"\nscope = "team"\n', "roles[0].title", "missing"),
        (
            '[[roles]]\nkey = "lead"\ntitle = "L"\nscope = "team"\n' * 2,
            "roles",
            "duplicate key 'lead'",
        ),
        ('roles = "lead"\n', "roles", "must be an array of tables"),
    ],
    ids=["bad-key", "bad-scope", "no-title", "twice", "not-tables"],
)
def test_a_bad_role_declaration_is_named(roles: str, field: str, reason: str) -> None:
    text = tiny(top=roles) if roles.startswith("roles") else tiny() + "\n" + roles
    error = error_of(text)
    assert error.field == field
    assert reason in error.reason


# --- agreement per stage ---------------------------------------------------------------------


def test_a_stage_may_name_several_approvers_for_escalating_to_it() -> None:
    policy = load_policy(str(WYVERN))
    stage = policy.main.stage("2")
    approvers = (Role("safeguarding_principal"), Role("assurance_officer"))
    assert stage.approval == Approval(approvers, frozenset({Move.ESCALATE}))
    assert policy.needs_approval(policy.main, "2", Move.ESCALATE)
    assert not policy.needs_approval(policy.main, "2", Move.RAISE)
    assert not policy.needs_approval(policy.main, "1", Move.ESCALATE)


def test_a_process_approver_covers_its_stages_from_approval_from() -> None:
    top = 'raisers = ["chair"]\napprover = ["chairs_service_manager"]\napproval_from = "2"\n'
    policy = parse_policy(tiny('raisers = ["chair"]\n', top), "t")
    covered = {s.key: s.approval is not None for s in policy.main.stages}
    assert covered == {"1": False, "2": True, "3": True}
    assert policy.approvers(policy.main, "3") == (Role.CHAIRS_SERVICE_MANAGER,)


def test_a_stages_own_approver_and_moves_win_over_the_process() -> None:
    top = 'raisers = ["chair"]\napprover = ["chairs_service_manager"]\n'
    text = tiny('raisers = ["chair"]\n', top)
    text = text.replace(
        'responsible = ["head_of_service"]\n',
        'responsible = ["head_of_service"]\napprover = ["director"]\napproval_for = ["raise"]\n',
    )
    text = text.replace(
        'responsible = ["service_manager"]\n',
        'responsible = ["service_manager"]\napproval_for = []\n',
    )
    policy = parse_policy(text, "t")
    stages = policy.main.stages
    assert stages[0].approval == Approval(
        (Role.CHAIRS_SERVICE_MANAGER,), frozenset({Move.RAISE, Move.ESCALATE})
    )
    assert stages[1].approval is None
    assert stages[2].approval == Approval((Role.DIRECTOR,), frozenset({Move.RAISE}))


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (
            'raisers = ["chair"]\n',
            'raisers = ["chair"]\napprover = ["chairs_service_manager"]\napproval_from = "7"\n',
            "processes[0].approval_from",
            "no stage '7'",
        ),
        (
            'responsible = ["service_manager"]\n',
            'responsible = ["service_manager"]\napproval_for = ["escalate"]\n',
            "processes[0].stages[1].approval_for",
            "no approver for this stage (set approver)",
        ),
        (
            'responsible = ["service_manager"]\n',
            'responsible = ["service_manager"]\napprover = ["director"]\napproval_for = ["go"]\n',
            "processes[0].stages[1].approval_for",
            "'go' is not one of: raise, escalate, conclude",
        ),
        (
            'responsible = ["service_manager"]\n',
            'responsible = ["service_manager"]\napprover = ["boss"]\n',
            "processes[0].stages[1].approver",
            "unknown role 'boss'",
        ),
    ],
    ids=["approval-from", "moves-without-approver", "unknown-move", "unknown-approver"],
)
def test_a_bad_agreement_rule_is_named(old: str, new: str, field: str, reason: str) -> None:
    error = error_of(tiny(old, new))
    assert (error.field, error.reason.split(" (known")[0]) == (field, reason)


# --- admits and old forms --------------------------------------------------------------------


def test_a_stage_may_admit_only_disputes_raised_by_some_roles() -> None:
    text = tiny('raisers = ["chair"]', 'raisers = ["chair", "iro"]').replace(
        'responsible = ["head_of_service"]\n',
        'responsible = ["head_of_service"]\nadmits = ["iro"]\n',
    )
    stage = parse_policy(text, "t").main.stages[2]
    assert stage.admits(Role.IRO)
    assert not stage.admits(Role.CHAIR)


def test_the_old_iro_only_flag_still_reads_as_admits_iro_with_a_note() -> None:
    text = tiny('raisers = ["chair"]', 'raisers = ["chair", "iro"]').replace(
        'responsible = ["head_of_service"]\n',
        'responsible = ["head_of_service"]\niro_only = true\n',
    )
    policy = parse_policy(text, "t")
    assert policy.main.stages[2].admitted == (Role.IRO,)
    assert policy.notes == (
        'processes[0].stages[2].iro_only: old form; write admits = ["iro"] (same meaning)',
    )


def test_the_old_top_level_approval_reads_as_the_process_approver_with_a_note() -> None:
    new = shipped_text("cpc-standard")
    old = new.replace('approver = ["chairs_service_manager"]\napproval_from = "2"\n', "")
    old = old.replace(
        "[[processes]]",
        '[approval]\nfrom_stage = "2"\napprover = "chairs_service_manager"\n\n[[processes]]',
        1,
    )
    assert old != new
    before, after = parse_policy(old, "old.toml"), parse_policy(new, "new.toml")
    assert before.processes == after.processes
    assert before.notes == (
        'approval: old form; in [[processes]] write approver = ["chairs_service_manager"] and '
        'approval_from = "2" (same meaning)',
    )
    assert after.notes == ()


# --- optional parts and the schema's own errors ------------------------------------------------


def test_a_profile_may_leave_out_categories_harm_route_and_overall_limit() -> None:
    policy = parse_policy(TINY, "t")
    assert (policy.categories, policy.immediate_harm_alerts) == ((), ())
    assert policy.main.overall_limit is None
    assert not policy.harm_route


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (
            'key = "drp"\n',
            'key = "drp"\ninformal = "yes"\n',
            "processes[0].informal",
            "must be a table",
        ),
        ('title = "Tiny DRP"', "title = 7", "title", "must be a non-empty string"),
        ('raisers = ["chair"]', "raisers = []", "processes[0].raisers", "at least one role"),
        ('raisers = ["chair"]', 'raisers = ["chair", 3]', "processes[0].raisers", "strings"),
    ],
    ids=["informal-not-table", "title-not-text", "no-raisers", "raiser-int"],
)
def test_a_wrong_type_names_the_field_in_the_profiles_words(
    old: str, new: str, field: str, reason: str
) -> None:
    error = error_of(tiny(old, new))
    assert error.field == field
    assert reason in error.reason


@pytest.mark.parametrize(
    ("stages", "reason"),
    [
        ("[]", "must have at least one entry"),
        ('"all of them"', "must be an array of tables ([[...]])"),
        ('["Team Manager"]', "must be an array of tables ([[...]])"),
    ],
)
def test_stages_must_be_an_array_of_at_least_one_table(stages: str, reason: str) -> None:
    text = TINY[: TINY.index("[[processes.stages]]")] + f"stages = {stages}\n"
    error = error_of(text)
    assert (error.field, error.reason) == ("processes[0].stages", reason)


# --- the JSON Schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", shipped_profiles())
def test_every_shipped_profile_is_valid_against_the_json_schema(name: str) -> None:
    jsonschema.validate(tomllib.loads(shipped_text(name)), json_schema())


def test_the_invented_councils_file_is_valid_against_the_json_schema() -> None:
    jsonschema.validate(tomllib.loads(WYVERN.read_text(encoding="utf-8")), json_schema())


@pytest.mark.parametrize(
    "change",
    [
        ("compliments = true", "complements = true"),
        ('timescale = "5 working days"', 'timescale = "1 week"'),
        ('timescale = "5 working days"', 'timescale = "48 hours"'),
        ('raisers = ["chair"]', "raisers = []"),
    ],
    ids=["typo", "weeks", "hours-for-a-stage", "no-raisers"],
)
def test_the_json_schema_rejects_what_the_reader_rejects(change: tuple[str, str]) -> None:
    text = shipped_text("nottingham").replace(*change, 1)
    with pytest.raises(PolicyError):
        parse_policy(text, "bad.toml")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(tomllib.loads(text), json_schema())


def test_every_field_in_the_schema_has_a_meaning() -> None:
    schema = json_schema()
    tables = [schema, *schema["$defs"].values()]
    for table in tables:
        assert table.get("description"), table.get("title")
        for name, prop in table["properties"].items():
            assert prop.get("description"), name
            if prop.get("type") != "array" or "$ref" not in prop.get("items", {}):
                assert prop.get("examples"), name
