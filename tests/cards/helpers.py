"""Finding things in rendered cards."""

from __future__ import annotations

import json
from typing import Any

from tests.cards.validator import executes, walk

Json = dict[str, Any]


def by_id(card: Json, element_id: str) -> Json:
    """The element with this id (inputs, containers)."""
    found = [node for node in walk(card) if node.get("id") == element_id]
    assert found, f"no element with id {element_id!r}"
    return found[0]


def has_id(card: Json, element_id: str) -> bool:
    return any(node.get("id") == element_id for node in walk(card))


def input_ids(card: Json) -> list[str]:
    return [n["id"] for n in walk(card) if str(n.get("type", "")).startswith("Input.")]


def choices(card: Json, element_id: str) -> list[str]:
    return [choice["value"] for choice in by_id(card, element_id)["choices"]]


def verbs(card: Json) -> list[str]:
    """The verbs of every button (Action.Execute), refresh excluded."""
    refresh = card.get("refresh", {}).get("action")
    return [a["verb"] for a in executes(card) if a is not refresh]


def texts(card: Json) -> str:
    """All the card's JSON as one string, for presence/absence checks."""
    return json.dumps(card, ensure_ascii=False)


def top_titles(card: Json) -> list[str]:
    return [action["title"] for action in card.get("actions", [])]


def strings(card: Json) -> str:
    """Every string value in the card (unescaped JSON), one per line."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(card)
    return "\n".join(found)
