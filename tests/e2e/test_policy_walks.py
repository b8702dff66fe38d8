"""The README's ``make run`` walk, checked for every shipped policy through the Agents Playground
(issue 14): the one who raises under the policy (the banner's cast, ``teams_bot.demo_cast``) is
the Playground's current user, in a mock tenant chosen as ``make run`` chooses it; they raise at
stage 1, every stage 1 answerer gets the card in their own chat and responds, the raiser
escalates, whoever must agree agrees, and every stage 2 answerer gets the card. Kept to the
first two stages, the ones ``make run AS=...`` opens. Any connector status >= 400 fails it: the
people the first two stages reach are all in the tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from drp.policy import Policy, load_policy
from store.demo import demo_directory_text
from store.directory_file import parse_directory
from teams_bot.demo_cast import Cast, Player, cast_of
from tests.e2e.drp_support import FORM, WALK_START, RunningDrpBot, delivered, serve_drp_bot
from tests.support.cards import action, reference_of, summary, text_of, verbs, walk_nodes
from tests.support.playground import Json, Playground, StartPlayground, demo_config

pytestmark = pytest.mark.e2e

POLICIES = ("nottingham", "cpc-standard", "calderdale", "newham", "city-hackney")
LATER = (WALK_START + timedelta(days=4)).date().isoformat()  # a deadline a raiser may set
EARLIER = (WALK_START - timedelta(days=3)).date().isoformat()  # a meeting before it was raised


def cast(policy: str) -> Cast:
    loaded = load_policy(policy)
    entries, problems = parse_directory(demo_directory_text(), loaded.roles)
    assert problems == []
    return cast_of(loaded, entries)


def filled(card: Json, verb: str, known: Json) -> Json:
    """What a person sends with the button: ``known`` values, and something sensible in every
    other required input (so a field a profile adds does not stall the walk)."""
    data = {**action(card, verb), **known}
    for node in walk_nodes(card):
        key, kind = str(node.get("id", "")), str(node.get("type", ""))
        if not kind.startswith("Input.") or key in data or not node.get("isRequired"):
            continue
        if kind == "Input.ChoiceSet":
            data[key] = str((node.get("choices") or [{"value": ""}])[0]["value"])
        elif kind == "Input.Date":
            data[key] = LATER
        elif kind == "Input.Toggle":
            data[key] = str(node.get("valueOn", "true"))
        else:
            data[key] = "Filled in for the walk."
    return data


def required_but_empty(card: Json) -> list[Json]:
    """The inputs a form sent back as required (its "Label: is required" lines)."""
    error = ": is required"
    said = summary(card)["text"]
    wanted = {line.removesuffix(error).lower() for line in said if line.endswith(error)}
    return [
        node
        for node in walk_nodes(card)
        if str(node.get("type", "")).startswith("Input.")
        and any(_label(node).startswith(label) for label in wanted)
    ]


def _label(node: Json) -> str:
    return str(node.get("label") or "").replace("\\", "").rstrip(" *").lower()


def plausible(node: Json) -> str:
    """Something a person would put in an input the walk knows nothing about."""
    kind = str(node.get("type", ""))
    if kind == "Input.ChoiceSet":
        return str((node.get("choices") or [{"value": ""}])[0]["value"])
    if kind == "Input.Date":
        return EARLIER
    if kind == "Input.Toggle":
        return str(node.get("valueOn", "true"))
    return "Filled in for the walk."


def choice_of(card: Json, input_id: str, title: str) -> str:
    """The value of the choice whose title starts with ``title`` (the form's team, person)."""
    for node in walk_nodes(card):
        if node.get("id") == input_id:
            for option in node.get("choices") or []:
                if str(option["title"]).startswith(title):
                    return str(option["value"])
    raise AssertionError(f"no {title!r} in {input_id!r}")


def can(verb: str, reference: str) -> Callable[[Json], bool]:
    return lambda card: reference in text_of(card) and verb in verbs(card)


class PolicyWalk:
    """The raiser's Playground and the cards found in everyone else's chats."""

    def __init__(self, pg: Playground, cast: Cast, policy: Policy) -> None:
        self.pg = pg
        self.cast = cast
        self.stages = policy.main.stages
        self.form_id = ""
        self.reference = ""
        self.cards: dict[str, tuple[str, str]] = {}  # user id -> (chat, message id)

    async def raise_at_stage_1(self) -> None:
        sent = await self.pg.send_text("new")
        form = await self.pg.wait_for_message(
            lambda e: any("drp.raise" in verbs(c) for c in e.cards), after=sent.mark
        )
        self.form_id, card = form.message_id, form.cards[0]
        known = {**FORM, "team": self.cast.team, "stage": "1"}
        if self.stages[0].raiser_sets_deadline:
            known["due"] = LATER
        if self.cast.practitioner is not None and "practitioner" in _inputs(card):
            known["practitioner"] = choice_of(card, "practitioner", self.cast.practitioner.name)
        if "consulted" in _inputs(card):  # seeds 002, 004: who the raiser consulted first
            known["consulted"] = "My line manager, on Friday."
        if "conference_date" in _inputs(card):  # seed 002: the conference the dispute follows
            known["conference_date"] = FORM["date_of_concern"]
        if "category" in _inputs(card):
            known["category"] = _first_choice(card, "category")
        data = filled(card, "drp.raise", known)
        for _ in range(3):  # a field a profile requires that the walk does not know: fill it in
            body = await self.pg.execute(self.form_id, "drp.raise", data)
            raised = body.get("value") or {}
            missing = required_but_empty(raised)
            if not missing:
                break
            data |= {str(node["id"]): plausible(node) for node in missing}
        # A refused first try may have used a number up: the dispute is the one the card shows.
        self.reference = reference_of(raised)
        assert self.reference.startswith("DRP-2026-"), summary(raised)["text"]

    async def gets_card(self, player: Player, verb: str, mark: int) -> Json:
        """``player`` is sent a card they can press ``verb`` on, in their own chat."""
        entry = await self.pg.wait_for_log(
            lambda e: (
                e.get("activityName") == "createConversation"
                and any(
                    m.get("id") == player.teams_user_id for m in e["request"]["body"]["members"]
                )
            ),
            within=20.0,
        )
        chat = str(entry["response"]["body"]["id"])
        message_id, card = await self.pg.wait_for_card(
            chat, can(verb, self.reference), after=mark, within=20.0
        )
        self.cards[player.teams_user_id] = (chat, message_id)
        return card

    async def presses(self, player: Player, verb: str, known: Json) -> None:
        chat, message_id = self.cards[player.teams_user_id]
        card = self.pg.shown_cards(chat)[message_id]
        data = filled(card, verb, known)
        body = await self.pg.execute_as(player.teams_user_id, message_id, verb, data, chat)
        assert verb not in verbs(body.get("value") or {}), text_of(body.get("value") or {})

    async def raiser_presses(self, verb: str, known: Json, mark: int) -> None:
        shown = await self.pg.wait_for_message(
            lambda e: (
                e.message_id == self.form_id and any(can(verb, self.reference)(c) for c in e.cards)
            ),
            after=mark,
            within=20.0,
        )
        data = filled(shown.cards[0], verb, known)
        body = await self.pg.execute(self.form_id, verb, data)
        card = body.get("value") or {}
        said = summary(card)["text"]
        assert not any("Please correct" in line for line in said), said
        assert "Stage 2" in text_of(card), said  # (Newham's chair may escalate on: no verb check)


def _inputs(card: Json) -> set[str]:
    return {
        str(n.get("id")) for n in walk_nodes(card) if str(n.get("type", "")).startswith("Input.")
    }


def _first_choice(card: Json, input_id: str) -> str:
    for node in walk_nodes(card):
        if node.get("id") == input_id:
            return str((node.get("choices") or [{"value": ""}])[0]["value"])
    return ""


@pytest.fixture(params=POLICIES)
async def running(
    request: pytest.FixtureRequest, tmp_path: Path, start_playground: StartPlayground
) -> AsyncIterator[RunningDrpBot]:
    # Asks for start_playground so that the Playgrounds stop after the bot, not under its sends.
    async with serve_drp_bot(tmp_path / "drp.sqlite3", request.param) as bot:
        yield bot


async def test_the_readme_walk_holds_for_the_first_two_stages_of_every_policy(
    running: RunningDrpBot, start_playground: StartPlayground
) -> None:
    found = cast(running.bot.deps.ctx.policy.key)
    config = demo_config(found.raiser.teams_user_id, found.playground_users())
    pg = await start_playground(running.endpoint, config, name=f"walk-{found.policy}")
    policy = running.bot.deps.ctx.policy
    walk = PolicyWalk(pg, found, policy)
    first, second = found.stages[0], found.stages[1]

    mark = len(pg.log)
    await walk.raise_at_stage_1()
    for player in (*first.agrees, *first.answers):
        await walk.gets_card(
            player, "drp.approve" if player in first.agrees else "drp.respond", mark
        )
    for player in first.answers:
        running.clock.advance(hours=2)
        await walk.presses(player, "drp.respond", {"response": "Our position, with reasons."})

    running.clock.advance(hours=2)
    events, mark = len(pg.events), len(pg.log)
    escalation = {"escalate_reason": "Not resolved."}
    if policy.main.stages[1].raiser_sets_deadline:
        escalation["escalate_due"] = LATER
    await walk.raiser_presses("drp.escalate", escalation, events)
    for player in second.agrees[:1]:  # any one of them may agree
        await walk.gets_card(player, "drp.approve", mark)
        mark = len(pg.log)
        await walk.presses(player, "drp.approve", {"approve_comments": "Agreed."})
    for player in second.answers:
        card = await walk.gets_card(player, "drp.respond", mark)
        assert "Not resolved." in text_of(card)

    await delivered(running)
    pg.assert_no_connector_errors()
