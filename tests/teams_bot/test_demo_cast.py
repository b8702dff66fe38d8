"""``make run`` for every shipped policy (issue 14): the demo directory staffs every role each
profile uses, the people the first two stages need are Agents Playground users, each
Playground's mock tenant holds them and those they copy, and the start banner says who raises,
who answers each stage and the ``AS=`` that opens them all. Pure: no process, no network."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from drp.policy import load_policy, shipped_profiles
from store.demo import demo_directory_text
from store.directory_file import parse_directory
from teams_bot.cli import main as cli_main
from teams_bot.demo_cast import Cast, cast_of
from tests.support.playground import demo_config, demo_person

REPO = Path(__file__).resolve().parents[2]
POLICIES = ("nottingham", "cpc-standard", "calderdale", "newham", "city-hackney")
# Who the README's walk needs for each policy's first two stages (raiser first).
FIRST_TWO_STAGES = {
    "nottingham": "alex megan adele",
    "cpc-standard": "alex megan isaiah adele",
    "calderdale": "alex megan adele ellis",  # stage 2: the next tier or the designated CP lead
    "newham": "alex megan adele",
    "city-hackney": "patti casey jordan megan",
}


@functools.cache
def run_local() -> ModuleType:
    """``scripts/run_local.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("run_local", REPO / "scripts/run_local.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def cast(policy: str) -> Cast:
    loaded = load_policy(policy)
    entries, problems = parse_directory(demo_directory_text(), loaded.roles)
    assert problems == []
    return cast_of(loaded, entries)


def test_the_policies_checked_are_every_shipped_one() -> None:
    assert set(POLICIES) == set(shipped_profiles())


@pytest.mark.parametrize("policy", POLICIES)
def test_the_demo_directory_staffs_every_role_the_policy_uses(
    policy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = REPO / "drp" / "profiles" / f"{policy}.toml"
    directory = REPO / "store" / "demo" / "directory.csv"
    code = cli_main(["policies", "check", str(profile), "--directory", str(directory)])
    assert code == 0, capsys.readouterr().out


@pytest.mark.parametrize("policy", POLICIES)
def test_everyone_the_first_two_stages_need_is_a_playground_user(policy: str) -> None:
    needed = cast(policy).needed()
    assert " ".join(p.first_name for p in needed) == FIRST_TWO_STAGES[policy]
    assert all(p.teams_user_id for p in needed), [p.name for p in needed if not p.teams_user_id]
    for player in needed:  # AS= finds each of them
        assert demo_person(player.first_name).user.id == player.teams_user_id


@pytest.mark.parametrize("policy", POLICIES)
def test_each_playground_tenant_holds_who_acts_and_who_is_copied_in_the_first_two_stages(
    policy: str,
) -> None:
    found = cast(policy)
    tenant = found.playground_users()
    wanted = {p.teams_user_id for p in (*found.needed(), *found.told()) if p.teams_user_id}
    for player in found.needed():
        config = demo_config(player.teams_user_id, tenant)
        assert wanted <= {user.id for user in config.users}, player.name
        assert len(config.to_config()["users"]) == 5  # the Playground's own limit


@pytest.mark.parametrize("policy", POLICIES)
def test_the_banner_says_who_raises_who_answers_each_stage_and_the_as_to_open(
    policy: str,
) -> None:
    module = run_local()
    loaded = load_policy(policy)
    found = cast(policy)
    said = "\n".join(module.who_does_what(loaded, found))
    assert f"raises          {found.raiser.name}" in said
    for part in found.stages:
        assert part.answers, f"nobody answers stage {part.key}"
        assert f"stage {part.key:<9} {part.answers[0].name}" in said
    assert f'make run AS="{FIRST_TWO_STAGES[policy]}"' in said
    raiser = demo_person(found.raiser.first_name)
    first = found.stages[0].answers[0].name
    assert f"{first} gets the card" in "\n".join(module.tips(found, [raiser]))


def test_cpc_standard_names_who_agrees_before_stage_2_is_sent() -> None:
    said = "\n".join(run_local().who_does_what(load_policy("cpc-standard"), cast("cpc-standard")))
    assert "Adele Vance, once Isaiah Langer agrees" in said


def test_make_run_as_nobody_opens_the_policys_raiser() -> None:
    module = run_local()
    assert [p.first_name for p in module.chosen_people([], cast("city-hackney"))] == ["patti"]
    assert [p.first_name for p in module.chosen_people([], cast("nottingham"))] == ["alex"]
