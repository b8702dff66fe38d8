"""The one card reader of the tests: what a person would read and press on a rendered card.

Text is read as a person reads it (Teams' markdown escapes undone, the word joiners and
one-dot leaders that keep references whole turned back into plain text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cards.text import ONE_DOT_LEADER, WORD_JOINER

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
# Buttons that read or refresh, and never change a dispute.
READING_VERBS = frozenset({"drp.show", "drp.refresh", "drp.record"})
# Correcting a child's details (the chairs' service manager's button, issue 21.3) changes what
# the dispute says about the child, not where it is: a closed card may keep it.
CORRECTING_VERBS = frozenset({"drp.correct"})
# Agreed actions outlive the dispute (issue 14.4): ticking one done, and reopening a resolved
# dispute whose actions were not done (within the profile's period), stay on a closed card.
AFTERCARE_VERBS = frozenset({"drp.action_done", "drp.reopen"})
Card = dict[str, Any]


def walk_actions(card: Card) -> Iterator[Card]:
    """Every action in a card, including those inside ShowCards, ActionSets and refresh."""
    return (n for n in walk_nodes(card) if str(n.get("type", "")).startswith("Action."))


def verbs(card: Card) -> set[str]:
    """The verbs of the card's Action.Execute buttons (its refresh excluded)."""
    body = {k: v for k, v in card.items() if k != "refresh"}
    return {a["verb"] for a in walk_actions(body) if a.get("type") == "Action.Execute"}


def moving_verbs(card: Card) -> set[str]:
    """The buttons that would move the dispute on (not reading it, not correcting details, not
    the aftercare of its agreed actions)."""
    return verbs(card) - READING_VERBS - CORRECTING_VERBS - AFTERCARE_VERBS


def action(card: Card, verb: str) -> dict[str, Any]:
    """The data of the card's Action.Execute with this verb (what Teams would send back)."""
    for found in walk_actions(card):
        if found.get("verb") == verb and found.get("type") == "Action.Execute":
            return dict(found.get("data") or {})
    raise AssertionError(f"no {verb} action on the card; verbs: {sorted(verbs(card))}")


def text_of(card: Card) -> str:
    """Every string in the card as a person reads it (markdown escapes undone), one a line."""
    return "\n".join(_unescape(s) for s in _strings(card))


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _unescape(text: str) -> str:
    text = text.replace(WORD_JOINER, "").replace(ONE_DOT_LEADER, ".")
    return re.sub(r"\\(.)", r"\1", text)


def choices(card: Card, input_id: str) -> list[str]:
    """The values a ChoiceSet input offers."""
    for node in walk_nodes(card):
        if node.get("id") == input_id and node.get("type") == "Input.ChoiceSet":
            return [str(choice["value"]) for choice in node.get("choices", [])]
    raise AssertionError(f"no choice set {input_id!r} on the card")


def walk_nodes(node: Any) -> Iterator[Card]:
    """Every object in a card."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_nodes(item)


def reference_of(card: Card) -> str:
    """The dispute a live dispute card shows (its refresh action names it), else ""."""
    refresh = card.get("refresh") or {}
    data = (refresh.get("action") or {}).get("data") or {}
    return str(data.get("reference") or "")


def facts(card: Card) -> dict[str, str]:
    """Every FactSet row of a card, title -> value."""
    return {
        _unescape(fact["title"]): _unescape(fact["value"])
        for n in walk_nodes(card)
        if n.get("type") == "FactSet"
        for fact in n.get("facts") or []
    }


def choice(card: Card, input_id: str, title: str) -> str:
    """The value of the drop-down choice whose title starts with ``title``."""
    for n in walk_nodes(card):
        if n.get("id") == input_id and n.get("type") == "Input.ChoiceSet":
            for option in n.get("choices") or []:
                if str(option["title"]).startswith(title):
                    return str(option["value"])
    raise AssertionError(f"no {title!r} to choose in {input_id!r}")


def input_ids(card: Card) -> set[str]:
    """The ids of every input on a card."""
    return {str(n["id"]) for n in walk_nodes(card) if str(n.get("type", "")).startswith("Input.")}


def summary(card: Card) -> Card:
    """A card as a person reads it: its text blocks, its facts and its buttons."""
    blocks = [
        _unescape(n["text"])
        for n in walk_nodes(card.get("body") or [])
        if n.get("type") == "TextBlock" and n.get("text")
    ]
    return {"text": blocks, "facts": facts(card), "buttons": sorted(verbs(card))}
