"""drp-bot for the end-to-end tests: served as ``drp-bot serve --demo`` serves it, and its cards
read the way a person reads them (text, facts, buttons)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store.demo import load_demo_directory
from store.store import Store
from teams_bot.app import Bot, build_bot
from teams_bot.delivery.throttle import Throttle
from teams_bot.settings import BotCredentials
from tests.support.playground import Json
from tests.support.ports import serve_app
from tests.teams_bot.bot_harness import LONDON, DrivenClock

# A Monday in term time: the form's dates below are written against it.
WALK_START = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REFERENCE = "DRP-2026-000001"  # the first dispute of 2026
TEAM = "Riverside Family Support"  # Megan Bowen's team in the demo directory
FORM = {
    "child_1_name": "Sam Smith",
    "child_1_local_id": "LL-123456",
    "child_1_dob": "2015-06-01",
    "team": TEAM,
    "category": "drift-delay",
    "date_of_concern": "2026-11-20",
    "summary": "The child protection plan has not progressed since conference.",
    "impact": "Sam remains at risk while the assessment is outstanding.",
    "action_1_text": "Complete the updated assessment",
    "action_1_date": "2026-11-27",
    "evidence": "Assessment on the case record",
    "stage": "1",
}


@dataclass
class RunningDrpBot:
    """drp-bot served on a free port, with its store and the clock the test drives."""

    bot: Bot
    endpoint: str
    clock: DrivenClock


@asynccontextmanager
async def serve_drp_bot(
    database: Path, policy: str = "nottingham"
) -> AsyncIterator[RunningDrpBot]:
    """drp-bot as ``drp-bot serve --demo`` runs it (SQLite file, demo directory, the outbox
    delivered in the background, no credentials), on a clock the test moves by hand."""
    store = await Store.open(f"sqlite+aiosqlite:///{database}")
    await store.upgrade()
    await load_demo_directory(store, at=WALK_START)
    clock = DrivenClock(WALK_START)
    ctx = Context(load_policy(policy), WorkingDayCalendar())
    bot = build_bot(
        store,
        ctx,
        BotCredentials(),
        clock=clock,
        throttle=Throttle.off(),  # pacing sleeps on the wall clock; this one is driven
        deliver_in_background=True,
    )
    try:
        async with serve_app(bot.web) as base:
            yield RunningDrpBot(bot, f"{base}/api/messages", clock)
    finally:
        await store.close()


# -- reading cards ------------------------------------------------------------------------------


def nodes(node: Any) -> Iterator[Json]:
    """Every object in a card, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


def _unescape(value: object) -> str:
    return str(value).replace("\\", "")  # cards escape markdown: DRP\-2026 reads DRP-2026


def text(card: Json) -> str:
    """Every string on a card, one per line, markdown escapes removed."""
    values = [v for n in nodes(card) for v in n.values() if isinstance(v, str)]
    return "\n".join(_unescape(v) for v in values)


def facts(card: Json) -> dict[str, str]:
    """Every FactSet row of a card, title -> value."""
    return {
        _unescape(fact["title"]): _unescape(fact["value"])
        for n in nodes(card)
        if n.get("type") == "FactSet"
        for fact in n.get("facts") or []
    }


def verbs(card: Json) -> set[str]:
    """The verbs of the card's ``Action.Execute`` buttons (its automatic refresh excluded)."""
    body = {k: v for k, v in card.items() if k != "refresh"}
    return {str(n["verb"]) for n in nodes(body) if n.get("type") == "Action.Execute"}


def action(card: Json, verb: str) -> Json:
    """The data of the card's button with this verb (what the client sends back)."""
    for n in nodes(card):
        if n.get("type") == "Action.Execute" and n.get("verb") == verb:
            return dict(n.get("data") or {})
    raise AssertionError(f"no {verb} button on the card; it has {sorted(verbs(card))}")


def choice(card: Json, input_id: str, title: str) -> str:
    """The value of the drop-down choice whose title starts with ``title``."""
    for n in nodes(card):
        if n.get("id") == input_id and n.get("type") == "Input.ChoiceSet":
            for option in n.get("choices") or []:
                if str(option["title"]).startswith(title):
                    return str(option["value"])
    raise AssertionError(f"no {title!r} to choose in {input_id!r}")


def input_ids(card: Json) -> set[str]:
    """The ids of every input on a card."""
    return {str(n["id"]) for n in nodes(card) if str(n.get("type", "")).startswith("Input.")}


def summary(card: Json) -> Json:
    """A card as a person reads it: its text blocks, its facts and its buttons."""
    blocks = [
        _unescape(n["text"])
        for n in nodes(card.get("body") or [])
        if n.get("type") == "TextBlock" and n.get("text")
    ]
    return {"text": blocks, "facts": facts(card), "buttons": sorted(verbs(card))}
