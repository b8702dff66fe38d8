"""The dispute card: each viewer sees exactly the actions the machine would accept from them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from cards.action_input import VERB_INPUTS, parse_action
from cards.dispute import dispute_card
from cards.text import escape
from cards.verbs import Verb
from cards.views import ViewerKind
from drp.commands import Extend, Resolve, Withdraw
from drp.model import MAX_TEXT, Child
from drp.roles import Role
from tests.cards.helpers import (
    by_id,
    choices,
    has_id,
    input_ids,
    strings,
    texts,
    top_titles,
    verbs,
)
from tests.cards.scenarios import (
    CALENDAR,
    CHAIR,
    CHILD_NAME,
    CSM,
    IRO,
    MONITOR,
    STRANGER,
    T0,
    TODAY,
    Story,
    key_factory,
    raise_story,
    viewer,
)

Json = dict[str, Any]
SOON = T0 + timedelta(hours=4)
AFTER_DEADLINE = T0 + timedelta(days=10)
R, OWN, A, X, M = (
    ViewerKind.RAISER,
    ViewerKind.OWNER,
    ViewerKind.APPROVER,
    ViewerKind.OTHER,
    ViewerKind.MONITOR,
)


def card_for(story: Story, kind: ViewerKind, person: str, now: datetime = SOON, **kw: Any) -> Json:
    return dispute_card(
        story.view(),
        viewer(kind, person),
        story.policy,
        now,
        CALENDAR,
        refresh_user_ids=kw.pop("refresh_user_ids", [CHAIR, "tm-1"]),
        key_factory=key_factory(),
        **kw,
    )


def all_verbs(card: Json) -> set[str]:
    return set(verbs(card))


# --- who sees what ---------------------------------------------------------------------


def test_awaiting_response_the_manager_may_respond_and_nothing_else(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("nottingham")

    card = valid(card_for(story, OWN, "tm-1"))

    # The requested action is tracked, owned by the stage's manager (issue 14.4).
    assert all_verbs(card) == {Verb.RESPOND, Verb.ACTION_DONE}
    assert has_id(card, "response")
    assert by_id(card, "response")["isRequired"] is True


def test_awaiting_response_the_chair_may_resolve_or_use_more_but_not_yet_escalate(
    valid: Callable[[Json], Json],
) -> None:
    card = valid(card_for(raise_story("nottingham"), R, CHAIR))

    assert top_titles(card) == ["Resolved", "More", "Case record"]
    assert all_verbs(card) == {
        Verb.RESOLVE,
        Verb.REFER,
        Verb.HARM,
        Verb.WITHDRAW,
        Verb.RECORD,
        Verb.ACTION_DONE,  # the chair may tick the requested action done (issue 14.4)
    }
    assert not has_id(card, "response")


def test_after_the_deadline_the_chair_is_offered_escalate_now(
    valid: Callable[[Json], Json],
) -> None:
    card = valid(card_for(raise_story("nottingham"), R, CHAIR, now=AFTER_DEADLINE))

    assert "Escalate now" in top_titles(card)
    assert Verb.ESCALATE in all_verbs(card)


@pytest.mark.parametrize(("kind", "person"), [(X, STRANGER), (A, CSM), (OWN, "sm-1")])
def test_strangers_and_the_wrong_people_get_a_read_only_card(
    kind: ViewerKind, person: str, valid: Callable[[Json], Json]
) -> None:
    card = valid(card_for(raise_story("nottingham"), kind, person))

    assert all_verbs(card) == set()
    assert input_ids(card) == []


def test_monitors_get_only_the_case_record(valid: Callable[[Json], Json]) -> None:
    card = valid(card_for(raise_story("nottingham"), M, MONITOR))

    assert all_verbs(card) == {Verb.RECORD}


def test_in_review_the_chair_may_resolve_or_escalate_to_the_next_stage(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("nottingham").respond()

    card = valid(card_for(story, R, CHAIR))

    stage_2 = story.policy.main.stages[1].title
    assert top_titles(card) == [
        "Resolved",
        f"Not resolved: escalate to {stage_2}",
        "More",
        "Case record",
    ]
    assert Verb.EXTEND not in all_verbs(card)  # Nottingham has no extension
    assert not has_id(card, "to_stage")  # no bypass in Nottingham


def test_in_review_the_manager_who_responded_has_nothing_left_to_do(
    valid: Callable[[Json], Json],
) -> None:
    card = valid(card_for(raise_story("nottingham").respond(), OWN, "tm-1"))

    assert all_verbs(card) == {Verb.ACTION_DONE}  # but to tick the actions they own (14.4)


def test_the_latest_response_shows_with_its_smart_actions() -> None:
    card = card_for(raise_story("nottingham").respond(text="We will meet on Friday."), R, CHAIR)

    body = texts(card)
    assert "We will meet on Friday" in body
    assert "SMART action plan" in body
    assert "Core group meeting held" in body
    assert "Supervision notes" in body


def test_cpc_standard_offers_one_further_24_hours_then_no_more(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("cpc-standard").respond()
    first = valid(card_for(story, R, CHAIR))
    extended = story.then(Extend(story.raiser(), SOON, "Send the plan")).respond(
        at=SOON + timedelta(hours=1)
    )
    second = valid(card_for(extended, R, CHAIR, now=SOON + timedelta(hours=2)))

    assert "Not resolved: agree further work" in top_titles(first)
    assert "at most 24 hours" in texts(first)
    assert Verb.EXTEND not in all_verbs(second)
    assert Verb.ESCALATE in all_verbs(second)


def test_escalating_under_cpc_standard_says_agreement_is_needed_first() -> None:
    card = card_for(raise_story("cpc-standard").respond(), R, CHAIR)

    assert "(needs agreement first: Chairs' service manager" in texts(card).replace("\\", "")


def test_awaiting_agreement_only_the_approver_may_agree_or_decline(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("cpc-standard").respond().escalate()
    approver = valid(card_for(story, A, CSM))
    chair = valid(card_for(story, R, CHAIR))
    stranger = valid(card_for(story, A, STRANGER))

    assert top_titles(approver) == ["Agree", "Decline"]
    assert all_verbs(approver) == {Verb.APPROVE, Verb.DECLINE}
    assert by_id(approver, "decline_reason")["isRequired"] is True
    assert Verb.APPROVE not in all_verbs(chair)
    assert all_verbs(stranger) == set()


def test_bypass_choices_only_under_newham_and_only_those_the_machine_accepts() -> None:
    iro = card_for(raise_story("newham", role=Role.IRO, raiser=IRO).respond(), R, IRO)
    chair = card_for(raise_story("newham").respond(), R, CHAIR)
    notts = card_for(raise_story("nottingham").respond(), R, CHAIR)

    assert choices(iro, "to_stage") == ["2", "3", "4", "5"]  # 5: CAFCASS, IRO only
    assert choices(chair, "to_stage") == ["2", "3", "4"]
    assert not has_id(notts, "to_stage")


def test_newham_allows_escalating_before_the_deadline() -> None:
    card = card_for(raise_story("newham", role=Role.IRO, raiser=IRO), R, IRO)

    assert "Escalate now" in top_titles(card)


def test_referrals_follow_the_raisers_role() -> None:
    iro = card_for(raise_story("newham", role=Role.IRO, raiser=IRO), R, IRO)
    chair = card_for(raise_story("newham"), R, CHAIR)

    assert choices(iro, "refer_target") == ["cafcass"]
    assert Verb.REFER not in all_verbs(chair)  # CAFCASS is for IROs only


def test_calderdale_referral_asks_who_was_consulted() -> None:
    card = card_for(raise_story("calderdale", stage="1"), R, CHAIR)

    assert has_id(card, "consulted")
    assert "Independent Reviewing Service Team Manager" in texts(card)


def test_a_raiser_set_deadline_is_asked_when_the_next_stage_needs_one() -> None:
    story = raise_story("city-hackney", role=Role.PRACTITIONER, raiser="sw-9", due=TODAY)
    card = card_for(story.respond(), R, "sw-9")

    assert has_id(card, "escalate_due")


def test_a_closed_dispute_shows_its_outcome_and_offers_only_the_record(
    valid: Callable[[Json], Json],
) -> None:
    story = raise_story("nottingham").respond()
    closed = story.then(Resolve(story.raiser(), SOON, "Plan agreed at core group"))

    chair = valid(card_for(closed, R, CHAIR))
    manager = valid(card_for(closed, OWN, "tm-1"))

    assert "Outcome: Resolved" in texts(chair)
    assert "Plan agreed at core group" in texts(chair)
    # The agreed actions are still tracked: ticked by their owner or the chair, and the chair
    # may reopen it while one is undone (Nottingham's reopen_within, issue 14.4).
    assert all_verbs(chair) == {Verb.RECORD, Verb.ACTION_DONE, Verb.REOPEN}
    assert all_verbs(manager) == {Verb.ACTION_DONE}
    assert "Closed" in texts(chair)


def test_withdrawn_shows_the_reason() -> None:
    story = raise_story("newham")
    closed = story.then(Withdraw(story.raiser(), SOON, "Resolved informally"))

    assert "Outcome: Withdrawn" in texts(card_for(closed, X, STRANGER))


# --- the card's data -------------------------------------------------------------------


def test_refresh_names_the_parties_and_carries_reference_and_version() -> None:
    story = raise_story("nottingham")
    card = card_for(story, R, CHAIR, refresh_user_ids=[CHAIR, "tm-1", CHAIR])

    assert card["refresh"] == {
        "action": {
            "type": "Action.Execute",
            "verb": "drp.refresh",
            "data": {"reference": "DRP-2026-000123", "version": story.dispute.version},
        },
        "userIds": [CHAIR, "tm-1"],
    }


def test_every_button_carries_reference_version_and_its_own_key() -> None:
    story = raise_story("newham", role=Role.IRO, raiser=IRO).respond()
    card = card_for(story, R, IRO)

    datas = [a["data"] for a in _buttons(card)]
    assert {d["reference"] for d in datas} == {"DRP-2026-000123"}
    assert {d["version"] for d in datas} == {story.dispute.version}
    keys = [d["nonce"] for d in datas]
    assert len(set(keys)) == len(keys)
    assert keys[0] == "k1"


def _buttons(card: Json) -> list[Json]:
    from tests.cards.validator import executes

    refresh = card["refresh"]["action"]
    return [a for a in executes(card) if a is not refresh]


def test_input_ids_are_the_documented_ones() -> None:
    story = raise_story("calderdale", stage="1").respond()
    documented = {i for ids in VERB_INPUTS.values() for i in ids}

    for kind, person in [(R, CHAIR), (OWN, "tm-1")]:
        assert set(input_ids(card_for(raise_story("calderdale"), kind, person))) <= documented
    assert set(input_ids(card_for(story, R, CHAIR))) <= documented


def test_user_text_is_escaped_on_the_card() -> None:
    story = raise_story("nottingham", summary="**Urgent** see [this](https://evil.example.com)")
    body = texts(card_for(story, X, STRANGER))

    assert "**Urgent**" not in body
    assert "](https://" not in body
    assert r"\*\*Urgent\*\*" in strings(card_for(story, X, STRANGER))


def test_errors_are_summarised_and_values_kept(valid: Callable[[Json], Json]) -> None:
    story = raise_story("nottingham").respond()
    card = valid(
        card_for(
            story,
            R,
            CHAIR,
            values={"escalate_reason": "", "updated_concerns": "Still no plan"},
            errors={"escalate_reason": "This is required."},
        )
    )

    assert "Please correct:" in texts(card)
    assert by_id(card, "updated_concerns")["value"] == "Still no plan"


def test_a_card_with_12_children_and_20_events_stays_under_28_kb(
    valid: Callable[[Json], Json],
) -> None:
    children = tuple(
        Child(f"Sibling Number{n} Quenby-Oduya", f"AZ-{n:05d}", date(2010 + n % 10, 1, 1))
        for n in range(12)
    )
    story = raise_story("cpc-standard", children=children, summary="Long " * 800)
    for n in range(19):
        story = _one_more_event(story, n)
    assert len(story.events) == 20

    card = valid(card_for(story, R, CHAIR))

    assert len(json.dumps(card).encode()) < 28 * 1024


def _one_more_event(story: Story, n: int) -> Story:
    from drp.commands import AlertImmediateHarm

    return story.then(
        AlertImmediateHarm(story.raiser(), SOON + timedelta(minutes=n), "*" * MAX_TEXT)
    )


# --- reading submissions ---------------------------------------------------------------


def test_parse_action_reads_a_response_with_its_actions() -> None:
    data = {
        "reference": "DRP-2026-000123",
        "version": 2,
        "nonce": "k1",
        "response": "We will meet",
        "action_1_text": "Meet",
        "action_1_date": (TODAY + timedelta(days=2)).isoformat(),
        "practice_issues": "",
    }

    parsed = parse_action(Verb.RESPOND, data, TODAY)

    assert parsed.ok
    assert parsed.texts["response"] == "We will meet"
    assert parsed.actions[0].text == "Meet"


@pytest.mark.parametrize(
    ("verb", "data", "input_id"),
    [
        (Verb.RESPOND, {"response": ""}, "response"),
        (Verb.RESPOND, {"response": "ok", "action_1_text": "x"}, "action_1_date"),
        (Verb.RESOLVE, {}, "resolve_comments"),
        (Verb.ESCALATE, {"escalate_due": "2026-12-01", "escalate_reason": "r"}, "escalate_due"),
        (Verb.REFER, {"refer_target": "cafcass"}, "refer_reason"),
        (Verb.DECLINE, {"decline_reason": 3}, "decline_reason"),
    ],
)
def test_parse_action_errors_are_keyed_by_input_id(
    verb: Verb, data: dict[str, object], input_id: str
) -> None:
    assert list(parse_action(verb, data, TODAY).errors) == [input_id]


def test_the_card_names_the_child_for_parties() -> None:
    card = card_for(raise_story("nottingham"), OWN, "tm-1")

    assert escape(CHILD_NAME) in strings(card)
