"""Monitoring channel card, lists, welcome/help, compliments, and the small notice cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from cards.banners import error_card, notice_card, refusal_card, stale_card
from cards.board import monitoring_card
from cards.compliment import (
    ComplimentView,
    compliment_card,
    compliment_form_card,
    parse_compliment,
)
from cards.dispute import dispute_card, dispute_summary_card
from cards.lists import DisputeRow, dispute_list_card, help_card, row_for, welcome_card
from cards.text import plain
from cards.verbs import Verb
from cards.views import RAG, ViewerKind, rag
from drp.commands import Resolve
from drp.model import Child
from drp.policy import load_policy
from drp.roles import Role
from tests.cards.helpers import by_id, strings, texts, top_titles, verbs
from tests.cards.scenarios import (
    CALENDAR,
    CHILD,
    CHILD_NAME,
    T0,
    key_factory,
    raise_story,
    viewer,
)

Json = dict[str, Any]
SOON = T0 + timedelta(hours=4)
SIBLING = Child("Bartholomew Xanthoudakis", "LL-777001")


def board(story: Any, now: Any = SOON) -> Json:
    return monitoring_card(
        story.dispute, story.policy, "Children's Services East", "Team manager", now, CALENDAR
    )


# --- monitoring channel ----------------------------------------------------------------------


def test_the_monitoring_card_never_contains_a_childs_full_name(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("newham", children=(CHILD, SIBLING))
    card = valid(board(story))

    raw, shown = texts(card), strings(card)
    for name in (CHILD_NAME, SIBLING.name):
        for part in (name, *name.replace("-", " ").split()):
            assert part not in raw
            assert part not in shown
    assert plain("Z.Q. (Azeus number LL-204518)") in shown
    assert plain("B.X. (Azeus number LL-777001)") in shown


def test_the_monitoring_card_shows_team_stage_responsible_role_due_and_rag() -> None:
    shown = strings(board(raise_story("newham")))

    assert "Children's Services East" in shown
    assert "Stage 1: Practice Lead" in shown
    assert "Team manager" in shown
    assert "Mon 21 Dec 2026" in shown
    assert "On track" in shown


def test_the_monitoring_card_turns_red_when_overdue() -> None:
    card = board(raise_story("newham"), now=T0 + timedelta(days=10))

    assert "Overdue" in strings(card)
    assert '"color": "attention"' in texts(card)


def test_a_closed_disputes_monitoring_card_shows_its_outcome(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("newham").respond()
    closed = story.then(Resolve(story.raiser(), SOON, "Agreed"))

    shown = strings(valid(board(closed)))

    assert "Resolved" in shown
    assert "Closed" in shown
    assert "Agreed" not in shown  # the chair's comments stay off the channel


def test_rag_is_amber_within_one_working_day_and_none_once_closed() -> None:
    story = raise_story("nottingham")  # due Mon 21 Dec 2026, end of day

    assert rag(story.dispute, T0, CALENDAR) == RAG.GREEN
    assert rag(story.dispute, T0 + timedelta(days=6), CALENDAR) == RAG.AMBER  # Sun 20th
    assert rag(story.dispute, T0 + timedelta(days=8), CALENDAR) == RAG.RED
    closed = story.respond().then(Resolve(story.raiser(), SOON, "ok"))
    assert rag(closed.dispute, SOON, CALENDAR) is None


# --- lists, welcome and help -------------------------------------------------------------------


def test_a_list_shows_initials_never_names_with_a_show_button_per_row(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("nottingham", children=(CHILD, SIBLING))
    row = row_for(story.dispute, story.policy, SOON, CALENDAR)
    card = valid(dispute_list_card("Your open disputes", [row, row], key_factory()))

    shown = strings(card)
    assert CHILD_NAME not in shown
    assert "Zephyrine" not in shown
    assert plain("Z.Q., B.X.") in shown
    assert verbs(card) == [Verb.SHOW, Verb.SHOW]
    assert row.rag == RAG.GREEN


def test_an_empty_list_says_so(valid: Callable[[Json], Json]) -> None:
    assert "Nothing to show." in strings(valid(dispute_list_card("Inbox", [])))


def test_a_long_list_is_cut_to_stay_small(valid: Callable[[Json], Json]) -> None:
    rows = [DisputeRow(f"DRP-2026-{n:06d}", "A.B.", "Stage 1", None, None) for n in range(40)]

    card = valid(dispute_list_card("All", rows, key_factory()))

    assert len(verbs(card)) == 25
    assert "15 more" in strings(card)


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.CHAIR, {"new", "mine", "compliment", "supervision"}, {"report"}),
        (Role.TEAM_MANAGER, {"inbox", "show REF", "help"}, {"new", "mine", "report"}),
        (Role.CHAIRS_SERVICE_MANAGER, {"report", "supervision"}, {"new"}),
    ],
)
def test_help_lists_the_commands_for_the_role(
    role: Role, present: set[str], absent: set[str], valid: Callable[[Json], Json]
) -> None:
    card = valid(help_card(load_policy("cpc-standard"), role, key_factory()))

    shown = strings(card)
    for command in present:
        assert f"**{command}**" in shown.replace("\\", "")
    for command in absent:
        assert f"**{command}**" not in shown.replace("\\", "")


def test_monitor_here_is_explained_to_the_chairs_service_manager() -> None:
    card = help_card(load_policy("newham"), Role.CHAIRS_SERVICE_MANAGER)

    assert "monitor here" in strings(card)


def test_welcome_offers_the_form_to_those_who_may_raise(valid: Callable[[Json], Json]) -> None:
    chair = valid(welcome_card("Chris", Role.CHAIR, load_policy("newham"), key_factory()))
    manager = valid(welcome_card("Terry", Role.TEAM_MANAGER, load_policy("newham")))

    assert verbs(chair) == [Verb.NEW]
    assert verbs(manager) == []


# --- compliments -------------------------------------------------------------------------------


PEOPLE = [("sw-1", "Sam Worker (East)"), ("tm-1", "Terry Teamlead (East)")]


def test_the_compliment_form_keeps_values_and_shows_errors(
    valid: Callable[[Json], Json],
) -> None:
    values = {"practitioner": "sw-1", "good_practice": "Clear plan", "impact": ""}
    card = valid(
        compliment_form_card(
            PEOPLE, [("team-east", "East")], values, {"impact": "This is required."}, key_factory()
        )
    )

    assert by_id(card, "practitioner")["value"] == "sw-1"
    assert by_id(card, "good_practice")["value"] == "Clear plan"
    assert by_id(card, "impact")["isRequired"] is True
    assert "This is required." in strings(card)
    assert verbs(card) == [Verb.COMPLIMENT]


def test_parse_compliment_requires_practitioner_good_practice_and_impact() -> None:
    parsed = parse_compliment({"practitioner": "", "child_local_id": "LL-1"})

    assert set(parsed.errors) == {"practitioner", "good_practice", "impact"}
    assert parsed.values["child_local_id"] == "LL-1"


def test_a_compliment_can_be_acknowledged_once_by_those_allowed(
    valid: Callable[[Json], Json],
) -> None:
    compliment = ComplimentView(
        "cmp-1", "Chris Chair", T0, "Sam Worker", "Thorough *visits*", "Safer at home"
    )
    can = valid(compliment_card(compliment, True, key_factory()))
    done = replace(compliment, acknowledged=(("Sam Worker", SOON),))
    cannot = valid(compliment_card(done, False))

    assert verbs(can) == [Verb.ACKNOWLEDGE]
    assert can["actions"][0]["data"] == {"reference": "cmp-1", "version": 0, "nonce": "k1"}
    assert verbs(cannot) == []
    assert "Acknowledged" in strings(cannot)
    assert "Thorough \\*visits\\*" in strings(can)


# --- around the dispute card ------------------------------------------------------------------


def _current() -> Json:
    story = raise_story("nottingham")
    return dispute_card(
        story.view(), viewer(ViewerKind.OWNER, "tm-1"), story.policy, SOON, CALENDAR
    )


def test_a_refusal_sits_above_the_current_card_which_stays_usable(
    valid: Callable[[Json], Json],
) -> None:
    current = _current()
    card = valid(refusal_card("only the stage's manager may respond", current))

    assert "You can't do that: only the stage" in strings(card)
    assert card["body"][1:] == current["body"]
    assert card["actions"] == current["actions"]
    assert card["refresh"] == current["refresh"]


def test_a_refusal_without_a_card_is_a_card(valid: Callable[[Json], Json]) -> None:
    assert "You can't do that" in strings(valid(refusal_card("no such dispute")))


def test_a_stale_click_gets_the_current_card_with_a_note(valid: Callable[[Json], Json]) -> None:
    current = _current()
    card = valid(stale_card(current))

    assert "out of date" in strings(card)
    assert card["body"][1:] == current["body"]


def test_error_and_notice_cards(valid: Callable[[Json], Json]) -> None:
    errors = valid(error_card("That could not be read", {"version": "must be a number"}))
    notice = valid(
        notice_card(
            "Immediate-harm alert",
            "A chair reports a child at immediate risk.",
            [("Reference", "DRP-2026-000123")],
            urgent=True,
            reference="DRP-2026-000123",
            version=3,
            key_factory=key_factory(),
        )
    )

    assert "version: must be a number" in strings(errors)
    assert notice["body"][0]["style"] == "attention"
    assert top_titles(notice) == ["Open the dispute"]
    assert notice["actions"][0]["data"]["version"] == 3


def test_the_summary_card_shows_initials_and_opens_the_dispute(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("newham")
    card = valid(dispute_summary_card(story.view(), SOON, CALENDAR, story.policy, key_factory()))

    assert CHILD_NAME not in strings(card)
    assert plain("Z.Q.") in strings(card)
    assert verbs(card) == [Verb.SHOW]
