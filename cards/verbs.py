"""The Action.Execute verbs every card button sends, and the data each action carries.

Every ``Action.Execute`` on our cards has ``verb`` set to a ``Verb`` and ``data`` holding
``reference`` (the dispute or compliment it acts on, ``""`` on the new-dispute form),
``version`` (the version the card showed, so a stale click is noticed) and ``nonce`` (a fresh
idempotency key per rendered card and action, so a repeated click is noticed). Teams merges the
card's input values into ``data``; no input id may therefore be one of ``RESERVED``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

KeyFactory = Callable[[], str]
# The idempotency key's field. Not "key": the Agents Playground's card renderer (0.2.28) treats
# a data property named "key" as React's own and throws instead of sending the action.
NONCE = "nonce"
RESERVED = frozenset({"verb", "reference", "version", NONCE, "process"})


class Verb(StrEnum):
    """An ``Action.Execute`` verb; the router maps each to one handler."""

    NEW = "drp.new"
    RAISE = "drp.raise"
    PREVIEW = "drp.preview"
    RESPOND = "drp.respond"
    RESOLVE = "drp.resolve"
    EXTEND = "drp.extend"
    ESCALATE = "drp.escalate"
    REFER = "drp.refer"
    HARM = "drp.harm"
    WITHDRAW = "drp.withdraw"
    CONCLUDE = "drp.conclude"
    APPROVE = "drp.approve"
    DECLINE = "drp.decline"
    REFRESH = "drp.refresh"
    SHOW = "drp.show"
    RECORD = "drp.record"
    COMPLIMENT = "drp.compliment"
    ACKNOWLEDGE = "drp.acknowledge"
    CORRECT = "drp.correct"
    ACTION_DONE = "drp.action_done"
    REOPEN = "drp.reopen"


def new_key() -> str:
    """A fresh idempotency key (uuid4 hex); tests pass their own deterministic factory."""
    return uuid.uuid4().hex


def action_data(reference: str, version: int, key: str, **extra: Any) -> dict[str, Any]:
    """The ``data`` of one ``Action.Execute``: reference, version and idempotency key."""
    return {"reference": reference, "version": version, NONCE: key, **extra}


def nonce_of(data: Mapping[str, Any]) -> str:
    """The idempotency key a pressed button sent ("" when it sent none)."""
    value = data.get(NONCE)
    return value if isinstance(value, str) else ""
