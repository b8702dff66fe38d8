"""The DRP form: the stages a raiser may open, values kept, errors shown, submissions read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from cards.form import form_card
from cards.form_input import FormInput, input_id_for, input_ids, parse_form
from cards.verbs import Verb
from drp.commands import Raise
from drp.machine import Context, raise_dispute
from drp.model import MAX_TEXT, Actor
from drp.policy import load_policy
from drp.roles import Role
from tests.cards.helpers import by_id, choices, has_id, texts, verbs
from tests.cards.helpers import input_ids as card_input_ids
from tests.cards.scenarios import CALENDAR, T0, TODAY, key_factory

Json = dict[str, Any]
TEAMS = [("team-east", "Children's Services East"), ("team-west", "Children's Services West")]


def form(policy_name: str, role: Role = Role.CHAIR, **kwargs: Any) -> Json:
    policy = load_policy(policy_name)
    process = policy.main
    return form_card(
        policy,
        process,
        role,
        TEAMS,
        TODAY,
        calendar=CALENDAR,
        key_factory=key_factory(),
        **kwargs,
    )


def complete_values(**changes: str) -> dict[str, str]:
    values = {
        "process": "drp",
        "child_1_name": "Zephyrine Quenby-Oduya",
        "child_1_local_id": "AZ-1001",
        "child_1_dob": "2015-03-02",
        "team": "team-east",
        "category": "statutory",
        "date_of_concern": (TODAY - timedelta(days=1)).isoformat(),
        "summary": "The review has not happened.",
        "impact": "No plan for her.",
        "action_1_text": "Convene a review",
        "action_1_date": (TODAY + timedelta(days=3)).isoformat(),
        "stage": "1",
        "immediate_harm": "false",
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "policy_name", ["nottingham", "cpc-standard", "calderdale", "newham", "city-hackney"]
)
def test_every_policys_form_is_a_valid_card(
    policy_name: str, valid: Callable[[Json], Json]
) -> None:
    card = valid(form(policy_name, load_policy(policy_name).main.raisers[0]))

    assert verbs(card) == [Verb.PREVIEW, Verb.RAISE]
    data = card["actions"][0]["data"]
    assert data == {"reference": "", "version": 0, "nonce": "k1", "process": "drp"}


def test_a_cp_chair_under_newham_may_open_only_informal_and_stage_1() -> None:
    assert choices(form("newham", Role.CHAIR), "stage") == ["informal", "1"]


def test_an_iro_under_newham_may_open_stages_1_to_3() -> None:
    assert choices(form("newham", Role.IRO), "stage") == ["informal", "1", "2", "3"]


def test_a_chair_under_cpc_standard_may_open_any_stage() -> None:
    assert choices(form("cpc-standard"), "stage") == ["informal", "1", "2", "3", "4"]


def test_teams_and_categories_come_from_the_directory_and_the_policy() -> None:
    card = form("newham")
    policy = load_policy("newham")

    assert choices(card, "team") == ["team-east", "team-west"]
    assert choices(card, "category") == [c.key for c in policy.categories]
    assert choices(card, "issue_type") == list(policy.issue_types)


def test_issue_type_only_where_the_policy_has_issue_types() -> None:
    assert not has_id(form("nottingham"), "issue_type")


def test_child_on_plan_only_for_two_sided_policies() -> None:
    assert has_id(form("city-hackney", Role.PRACTITIONER), "child_on_plan")
    assert not has_id(form("newham"), "child_on_plan")


def test_local_id_is_labelled_as_the_policy_names_it() -> None:
    assert by_id(form("newham"), "child_1_local_id")["label"].startswith("Azeus number")


def test_one_child_row_shows_and_three_more_are_a_toggle_away() -> None:
    card = form("newham")

    assert by_id(card, "children_more")["isVisible"] is False
    assert has_id(card, "child_4_dob")
    toggles = [n for n in card["body"] if n.get("type") == "ActionSet"]
    assert any(a["targetElements"] == ["children_more"] for t in toggles for a in t["actions"])


def test_other_category_reveals_its_specify_field() -> None:
    hidden = form("newham")
    shown = form("newham", values={"category": "other"})

    assert by_id(hidden, "category_other_box")["isVisible"] is False
    assert "isVisible" not in by_id(shown, "category_other_box")


def test_raiser_set_deadline_input_only_where_a_stage_needs_one() -> None:
    assert has_id(form("cpc-standard"), "due")  # the informal stage: the chair sets it
    assert has_id(form("nottingham"), "due")  # seed 000: the chair's timescale, 5 WD at most
    wyvern = Path(__file__).parents[1] / "profiles" / "wyvern-marches.toml"
    assert not has_id(form(str(wyvern)), "due")  # no stage whose deadline the raiser sets


def _timeline(card: Json) -> list[dict[str, str]]:
    facts: list[dict[str, str]] = by_id(card, "timeline")["items"][-1]["facts"]
    return facts


def test_the_form_starts_at_the_first_formal_stage_with_its_timeline() -> None:
    card = form("cpc-standard")

    assert by_id(card, "stage")["value"] == "1"
    assert _timeline(card)[0] == {"title": "Stage 1: Team Manager", "value": "Mon 21 Dec 2026"}
    assert _timeline(card)[-1]["title"].startswith("Stage 4")


def test_preview_recomputes_the_timeline_from_the_chosen_stage() -> None:
    card = form("cpc-standard", values={"stage": "3"})

    assert by_id(card, "stage")["value"] == "3"
    assert [f["title"][:7] for f in _timeline(card)] == ["Stage 3", "Stage 4"]
    assert _timeline(card)[0]["value"] == "Mon 21 Dec 2026"
    # 22, 23, 24, 29, 30 Dec: Christmas Day and the Boxing Day substitute (28th) do not count
    assert _timeline(card)[1]["value"] == "Wed 30 Dec 2026"


def test_a_stage_the_raiser_may_not_open_is_not_kept() -> None:
    card = form("newham", Role.CHAIR, values={"stage": "3"})

    assert by_id(card, "stage")["value"] == "1"


def test_errors_are_shown_under_their_inputs_with_the_users_input_kept(
    valid: Callable[[Json], Json],
) -> None:
    values = complete_values(summary="", child_1_name="Zephyrine *Q*")
    errors = {"summary": "This is required.", "action_1_date": "This date cannot be in the past."}
    card = valid(form("newham", values=values, errors=errors))

    assert by_id(card, "child_1_name")["value"] == "Zephyrine *Q*"
    assert by_id(card, "action_1_text")["value"] == "Convene a review"
    assert by_id(card, "stage")["value"] == "1"
    assert by_id(card, "error_summary")["style"] == "attention"
    body = texts(card)
    assert "Please correct 2 fields below." in body
    assert "This is required." in body
    summary_index = card["body"].index(next(b for b in card["body"] if b.get("id") == "summary"))
    assert card["body"][summary_index + 1]["color"] == "attention"


def test_every_documented_input_id_is_on_the_fullest_form() -> None:
    chairs = [("chair-1", "Ann Chair (Child Protection Chair)")]
    card = form("city-hackney", Role.PRACTITIONER, plan_chairs=chairs)

    # Hackney has no issue types; the conference date is Calderdale's form's.
    documented = set(input_ids()) - {"issue_type", "conference_date"}
    assert set(card_input_ids(card)) == documented
    calderdale = set(card_input_ids(form("calderdale")))
    assert "conference_date" in calderdale


def test_parse_form_reads_a_complete_form() -> None:
    parsed = parse_form(complete_values(), TODAY)

    assert parsed.ok, parsed.errors
    assert parsed.children[0].name == "Zephyrine Quenby-Oduya"
    assert parsed.children[0].dob == date(2015, 3, 2)
    assert parsed.requested_actions[0].complete_by == TODAY + timedelta(days=3)
    assert parsed.stage == "1"
    assert parsed.process == "drp"


def test_a_parsed_form_raises_a_dispute_in_the_real_domain() -> None:
    policy = load_policy("newham")
    parsed = parse_form({**complete_values(), "evidence": "Visits on the record."}, TODAY)
    command = Raise(
        actor=Actor("chair-1", Role.CHAIR),
        at=T0,
        reference="DRP-2026-000001",
        process=parsed.process,
        stage=parsed.stage,
        children=parsed.children,
        team=parsed.team,
        concern=parsed.concern,
        date_of_concern=parsed.date_of_concern or TODAY,
        owners=("tm-1",),
    )

    decision = raise_dispute(command, Context(policy, CALENDAR))

    assert decision.dispute.stage == "1"


@pytest.mark.parametrize(
    ("changes", "input_id"),
    [
        ({"child_1_name": ""}, "child_1_name"),
        ({"child_1_local_id": "  "}, "child_1_local_id"),
        ({"child_1_dob": "2015-02-30"}, "child_1_dob"),
        ({"child_1_dob": "02/03/2015"}, "child_1_dob"),
        ({"child_2_name": "Sibling"}, "child_2_local_id"),
        ({"child_2_name": "Sib", "child_2_local_id": "AZ-1001"}, "child_2_local_id"),
        ({"team": ""}, "team"),
        ({"category": "other"}, "category_other"),
        ({"date_of_concern": "2027-01-01"}, "date_of_concern"),
        ({"summary": "x" * (MAX_TEXT + 1)}, "summary"),
        ({"impact": ""}, "impact"),
        ({"action_2_date": "2026-12-20"}, "action_2_text"),
        ({"action_1_date": ""}, "action_1_date"),
        ({"action_1_date": "2026-12-01"}, "action_1_date"),
        ({"stage": ""}, "stage"),
        ({"due": "2026-01-01"}, "due"),
        ({"immediate_harm": "true"}, "harm_details"),
    ],
)
def test_parse_form_errors_are_keyed_by_input_id(changes: dict[str, str], input_id: str) -> None:
    parsed = parse_form(complete_values(**changes), TODAY)

    assert list(parsed.errors) == [input_id]
    assert parsed.values["child_1_local_id"] == complete_values(**changes)["child_1_local_id"]


def test_parse_form_rejects_non_text_values_without_crashing() -> None:
    data: dict[str, object] = {**complete_values(), "summary": {"x": 1}, "impact": 7}

    parsed = parse_form(data, TODAY)

    assert set(parsed.errors) == {"summary", "impact"}


def test_parsed_values_refill_the_form() -> None:
    parsed = parse_form(complete_values(summary=""), TODAY)
    card = form("newham", values=parsed.values, errors=parsed.errors)

    assert by_id(card, "child_1_local_id")["value"] == "AZ-1001"
    assert isinstance(parsed, FormInput)


@pytest.mark.parametrize(
    ("field_name", "input_id"),
    [
        ("children[2].dob", "child_2_dob"),
        ("children[1].local_id", "child_1_local_id"),
        ("requested_actions[3].complete_by", "action_3_date"),
        ("requested_actions[1].text", "action_1_text"),
        ("children", "child_1_name"),
        ("due", "due"),
        ("category_other", "category_other"),
    ],
)
def test_domain_errors_map_to_form_inputs(field_name: str, input_id: str) -> None:
    assert input_id_for(field_name) == input_id


# --- optional parts of a policy --------------------------------------------------------------

WYVERN = Path(__file__).parents[1] / "profiles" / "wyvern-marches.toml"


def wyvern_form(valid: Callable[[Json], Json]) -> Json:
    policy = load_policy(str(WYVERN))
    role = policy.main.raisers[0]
    return valid(
        form_card(
            policy, policy.main, role, TEAMS, TODAY, calendar=CALENDAR, key_factory=key_factory()
        )
    )


def test_a_policy_without_categories_or_harm_route_asks_for_neither(
    valid: Callable[[Json], Json],
) -> None:
    card = wyvern_form(valid)
    ids = card_input_ids(card)
    assert not {"category", "category_other", "immediate_harm", "harm_details"} & set(ids)
    assert {"team", "summary", "impact", "stage"} <= set(ids)


def test_parse_form_ignores_category_and_harm_where_the_policy_has_none() -> None:
    policy = load_policy(str(WYVERN))
    data = complete_values(process="escalation", immediate_harm="true", harm_details="")
    del data["category"]
    parsed = parse_form(data, TODAY, policy)
    assert parsed.errors == {}
    assert (parsed.category, parsed.immediate_harm) == ("", False)
    assert parse_form(data, TODAY).errors.keys() >= {"category", "harm_details"}
