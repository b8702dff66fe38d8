"""The directory mapping file: groups to roles and teams, validated with errors naming fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from drp.policy import load_policy
from drp.roles import Role
from store.rows import RoleGrant
from teams_bot.graph.mapping import MappingError, load_mapping, parse_mapping

CHAIRS = "11111111-1111-4111-8111-111111111111"
RIVERSIDE_TM = "22222222-2222-4222-8222-222222222222"
NORTHGATE = "33333333-3333-4333-8333-333333333333"

GOOD = f"""
[attributes]
role = "jobTitle"
deputy = "extensionAttribute2"

[roles]
"Practice Lead" = "team_manager"
"Social Worker" = "practitioner"

[[groups]]
id = "{CHAIRS}"
name = "DRP chairs"
roles = ["chair", "monitor"]

[[groups]]
id = "{RIVERSIDE_TM.upper()}"
team = "Riverside"
roles = ["team_manager"]

[[groups]]
id = "{NORTHGATE}"
team = "Northgate"
"""


def test_a_mapping_gives_group_roles_and_attribute_roles_with_a_home_team() -> None:
    mapping = parse_mapping(GOOD, "council.toml")
    assert mapping.group_ids == (CHAIRS, RIVERSIDE_TM, NORTHGATE)
    grants, home = mapping.grants({CHAIRS, RIVERSIDE_TM}, {})
    assert grants == (
        RoleGrant(Role.CHAIR),
        RoleGrant(Role.MONITOR),
        RoleGrant(Role.TEAM_MANAGER, "Riverside"),
    )
    assert home == "Riverside"
    grants, home = mapping.grants({NORTHGATE}, {"jobTitle": " practice lead "})
    assert (grants, home) == ((RoleGrant(Role.TEAM_MANAGER, "Northgate"),), "Northgate")
    assert mapping.grants({NORTHGATE}, {"jobTitle": "Caretaker"}) == ((), "")
    assert mapping.grants({"not-mapped"}, {}) == ((), "")
    assert "onPremisesExtensionAttributes" in mapping.user_fields
    assert "jobTitle" in mapping.user_fields


def test_the_digest_changes_with_the_rules_not_with_names_or_comments() -> None:
    base = parse_mapping(GOOD, "a.toml").digest
    renamed = GOOD.replace('name = "DRP chairs"', 'name = "Chairs"') + "\n# comment\n"
    assert parse_mapping(renamed, "b.toml").digest == base
    assert parse_mapping(GOOD.replace('"monitor"', '"iro"'), "c.toml").digest != base


BAD = [
    ("", "groups", "missing|at least one"),
    (GOOD.replace(CHAIRS, "chairs"), "groups[0].id", "not a group's object id"),
    (GOOD.replace('"monitor"', '"boss"'), "groups[0].roles[1]", "unknown role 'boss'"),
    (GOOD.replace('team = "Riverside"\n', ""), "groups[1].team", "required for team_manager"),
    (GOOD.replace('role = "jobTitle"\n', ""), "roles", "needs attributes.role"),
    (GOOD.replace('"jobTitle"', '"salary"'), "attributes.role", "not a user attribute"),
    (GOOD.replace('"practitioner"', '"pupil"'), "roles.Social Worker", "unknown role"),
    (GOOD.replace(NORTHGATE, CHAIRS), "groups[2].id", "the same group as groups[0]"),
    ("colour = 1\n" + GOOD, "colour", "unknown field"),
    (GOOD.replace('team = "Northgate"', 'team = "Northgate"\nteem = "x"'), "groups[2].teem", ""),
    ("[[groups]]\nid =", "(file)", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "field", "reason"), BAD)
def test_a_bad_mapping_is_refused_naming_the_file_and_field(
    text: str, field: str, reason: str
) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "council.toml")
    assert caught.value.source == "council.toml"
    assert caught.value.field == field
    assert caught.value.reason
    if reason:
        assert any(part in caught.value.reason for part in reason.split("|"))


def test_a_group_with_neither_roles_nor_a_role_attribute_is_refused() -> None:
    text = f'[[groups]]\nid = "{CHAIRS}"\nteam = "X"\n'
    with pytest.raises(MappingError, match=r"groups\[0\]\.roles"):
        parse_mapping(text, "m.toml")


def test_more_groups_than_one_delta_filter_takes_are_refused() -> None:
    groups = "".join(
        f'[[groups]]\nid = "{n:08d}-0000-4000-8000-000000000000"\nroles = ["chair"]\n'
        for n in range(51)
    )
    with pytest.raises(MappingError, match="at most 50"):
        parse_mapping(groups, "m.toml")


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"missing\.toml: \(file\): cannot read"):
        load_mapping(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"# caf\xe9\n")
    with pytest.raises(MappingError, match="not UTF-8"):
        load_mapping(latin)


def test_roles_are_the_policys_own_and_team_scoped_ones_need_a_team() -> None:
    policy = load_policy(str(Path(__file__).parents[2] / "profiles" / "wyvern-marches.toml"))
    text = f'[[groups]]\nid = "{CHAIRS}"\nroles = ["case_lead"]\nteam = "North"\n'
    mapping = parse_mapping(text, "w.toml", policy.roles)
    assert mapping.grants({CHAIRS}, {}) == ((RoleGrant(Role("case_lead"), "North"),), "North")
    with pytest.raises(MappingError, match=r"groups\[0\]\.team: is required for case_lead"):
        parse_mapping(text.replace('team = "North"\n', ""), "w.toml", policy.roles)
    with pytest.raises(MappingError, match=r"groups\[0\]\.roles\[0\]: unknown role 'case_lead'"):
        parse_mapping(text, "w.toml")  # not a role of the default set


def test_a_group_may_say_its_team_is_a_partner_agencys_and_one_team_has_one_agency() -> None:
    assert parse_mapping(GOOD, "m.toml").partner_agencies is None  # teams left as they are
    marked = GOOD.replace(
        'team = "Northgate"\n', 'team = "Northgate"\npartner_agency = "Met Police"\n'
    )
    assert parse_mapping(marked, "m.toml").partner_agencies == {
        "Riverside": "",
        "Northgate": "Met Police",
    }
    clash = marked + f'\n[[groups]]\nid = "{CHAIRS[:-1]}2"\nteam = "Northgate"\n'
    clash += 'roles = ["service_manager"]\npartner_agency = "Homerton Healthcare"\n'
    with pytest.raises(MappingError) as refused:
        parse_mapping(clash, "m.toml")
    assert "groups[3].partner_agency" in str(refused.value)
    assert "groups[2] gives 'Northgate' to 'Met Police'" in str(refused.value)
    teamless = GOOD.replace(
        'roles = ["chair", "monitor"]\n', 'roles = ["chair"]\npartner_agency = "X"\n'
    )
    with pytest.raises(MappingError) as refused:
        parse_mapping(teamless, "m.toml")
    assert "groups[0].partner_agency" in str(refused.value)
