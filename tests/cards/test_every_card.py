"""Every builder, every policy, every state and viewer: valid Adaptive Card 1.5, under 28 KB."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from cards.dispute import dispute_card
from cards.form import form_card
from cards.views import ViewerKind
from drp.commands import AlertImmediateHarm, Resolve, Respond
from drp.model import MAX_SHORT_TEXT, MAX_TEXT, Action, Actor, Child
from drp.policy import load_policy, shipped_profiles
from drp.roles import Role
from tests.cards.scenarios import (
    CALENDAR,
    CHAIR,
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
from tests.cards.validator import MAX_BYTES, own_problems, schema_problems

Json = dict[str, Any]
SOON = T0 + timedelta(hours=4)
LATE = T0 + timedelta(days=12)
RAISERS = {"city-hackney": (Role.PRACTITIONER, "sw-9"), "newham": (Role.IRO, IRO)}


def stories(policy_name: str) -> Iterator[tuple[str, Story]]:
    role, raiser = RAISERS.get(policy_name, (Role.CHAIR, CHAIR))
    due = TODAY + timedelta(days=3) if policy_name == "city-hackney" else None
    raised = raise_story(policy_name, role=role, raiser=raiser, due=due)
    yield "raised", raised
    answered = raised.respond()
    yield "answered", answered
    if policy_name != "city-hackney":  # Hackney's stage 2 needs both agencies' managers
        yield "escalated", answered.escalate()
    yield "resolved", answered.then(Resolve(answered.raiser(), SOON, "Agreed"))


def viewers(story: Story) -> Iterator[tuple[ViewerKind, str]]:
    yield ViewerKind.RAISER, story.dispute.raised_by
    for owner in story.dispute.owners:
        yield ViewerKind.OWNER, owner
    yield ViewerKind.APPROVER, CSM
    yield ViewerKind.OTHER, STRANGER
    yield ViewerKind.MONITOR, MONITOR


CASES = [
    pytest.param(policy, state, when, id=f"{policy}-{state}-{when}")
    for policy in shipped_profiles()
    for state, _ in stories(policy)
    for when in ("soon", "late")
]


@pytest.mark.parametrize(("policy_name", "state", "when"), CASES)
def test_every_view_of_every_state_is_valid(
    policy_name: str, state: str, when: str, valid: Callable[[Json], Json]
) -> None:
    story = dict(stories(policy_name))[state]
    now = SOON if when == "soon" else LATE
    for kind, person in viewers(story):
        seen_by = viewer(kind, person)
        if person == CSM:  # the chairs' service manager also gets Correct details
            seen_by = replace(seen_by, held=frozenset({Role.CHAIRS_SERVICE_MANAGER}))
        card = dispute_card(
            story.view(),
            seen_by,
            story.policy,
            now,
            CALENDAR,
            refresh_user_ids=[CHAIR, person],
            key_factory=key_factory(),
        )
        valid(card)
        if person == CSM:
            assert '"drp.correct"' in json.dumps(card)


FORMS = [
    pytest.param(name, process.key, role, id=f"{name}-{process.key}-{role}")
    for name in shipped_profiles()
    for process in load_policy(name).processes
    for role in process.raisers
]


@pytest.mark.parametrize(("policy_name", "process_key", "role"), FORMS)
def test_every_form_for_every_raiser_is_valid(
    policy_name: str, process_key: str, role: Role, valid: Callable[[Json], Json]
) -> None:
    policy = load_policy(policy_name)
    all_errors = {"summary": "This is required.", "child_3_dob": "Enter a real date."}
    card = form_card(
        policy,
        policy.process(process_key),
        role,
        [("t1", "East")],
        TODAY,
        calendar=CALENDAR,
        values={"category": "other", "child_3_name": "Sib"},
        errors=all_errors,
        key_factory=key_factory(),
    )

    valid(card)


def test_the_worst_case_dispute_card_stays_under_28_kb() -> None:
    """12 children with the longest names, every text at its maximum and full of markup."""
    markup = "*_[]<>" * (MAX_TEXT // 6)
    children = tuple(
        Child(("*" * MAX_SHORT_TEXT)[: MAX_SHORT_TEXT - 3] + f"{n:03d}", f"[{n:05d}]" * 8)
        for n in range(12)
    )
    story = raise_story("cpc-standard", children=children, summary=markup)
    owner = Actor(story.dispute.owners[0], Role.TEAM_MANAGER)
    actions = tuple(Action(markup, TODAY + timedelta(days=2)) for _ in range(12))
    story = story.then(Respond(owner, SOON, markup, actions, markup))
    while len(story.events) < 20:
        story = story.then(AlertImmediateHarm(story.raiser(), SOON, markup))

    card = dispute_card(
        story.view(),
        viewer(ViewerKind.RAISER, CHAIR),
        story.policy,
        SOON,
        CALENDAR,
        refresh_user_ids=[f"29:{'x' * 80}{n}" for n in range(60)],
        key_factory=key_factory(),
        values=dict.fromkeys(("resolve_comments", "escalate_reason"), markup),
    )

    size = len(json.dumps(card).encode())
    assert size < MAX_BYTES, size
    assert not schema_problems(card)
    assert not own_problems(card)


def test_the_validator_catches_what_each_layer_checks(
    problems: Callable[[Json], list[str]],
) -> None:
    bad = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "x", "colour": "red"},
            {"type": "Input.Text", "id": "nonce"},
            {"type": "Input.Text", "id": "a"},
            {"type": "Input.Text", "id": "a"},
            {"type": "TextBlock", "text": "y", "weight": "heavy"},
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Go", "verb": "drp.nope", "data": {}},
            {"type": "Action.ShowCard", "title": "More"},
        ],
    }

    found = "\n".join(problems(bad))

    assert "schema: body/0: Additional properties are not allowed ('colour'" in found
    assert 'renderer: parse: Invalid value "heavy"' in found
    assert 'renderer: validate: Duplicate Id "a"' in found
    assert "rule: duplicate input id 'a'" in found
    assert "rule: reserved input id 'nonce'" in found
    assert "rule: unknown verb 'drp.nope'" in found


def test_the_validator_reads_the_official_schema_for_1_5() -> None:
    from tests.cards.validator import schema_validator

    schema = schema_validator().schema
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert "Action.Execute" in schema["definitions"]
    assert "Table" in schema["definitions"]  # new in 1.5
    assert date(2026, 1, 1)  # keep the import honest
