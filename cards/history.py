"""A dispute's events in words, for the card's compact history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cards.text import format_due, format_instant, plain
from cards.views import DisputeView, step_label
from drp.events import Event, EventKind
from drp.policy import Policy, Process

HISTORY_LIMIT = 20
EVENT_TEXT = 160


def latest_response(events: tuple[Event, ...]) -> tuple[Event, Mapping[str, Any]] | None:
    """The most recent response event and its payload, if any."""
    for event in reversed(events):
        if event.kind == EventKind.RESPONDED:
            return event, event.payload
    return None


def history_facts(
    view: DisputeView, policy: Policy, limit: int = HISTORY_LIMIT, text: int = EVENT_TEXT
) -> tuple[list[tuple[str, str]], int]:
    """(when, "who: what") for the latest ``limit`` events, and how many are left out."""
    process = policy.process(view.dispute.process)
    shown = view.events[-limit:] if limit else ()
    facts = []
    for event in shown:
        line = f"{view.name(event.actor)}: {describe(event, process, policy)}"
        facts.append((format_instant(event.at), plain(line, text)))
    return facts, len(view.events) - len(shown)


def describe(event: Event, process: Process, policy: Policy) -> str:
    """One line saying what the event did, with its key text shortened."""
    payload = event.payload
    to = step_label(process, event.to_stage) if event.to_stage else ""
    kind = event.kind
    if kind == EventKind.RAISED:
        pending = " (awaiting agreement to send)" if payload.get("awaiting_approval") else ""
        late = " (raised late)" if payload.get("late") else ""
        return f"raised it at {step_label(process, str(payload.get('to', '')))}{pending}{late}"
    if kind == EventKind.ESCALATED:
        how = "escalated it automatically" if payload.get("automatic") else "escalated it"
        target = to or step_label(process, str(payload.get("to", "")))
        return _with(f"{how} to {target}", payload, "reason")
    if kind == EventKind.REFERRED:
        return _with(f"referred it to {_referral(policy, payload)}", payload, "reason")
    if kind == EventKind.EXTENDED:
        until = _until(payload)
        return _with(f"agreed further work{until}", payload, "agreed_work")
    return _simple(kind, payload)


def _simple(kind: EventKind, payload: Mapping[str, Any]) -> str:
    words = {
        EventKind.APPROVED: ("agreed it may be sent", "comments"),
        EventKind.DECLINED: ("declined to agree", "reason"),
        EventKind.RESPONDED: (
            "responded" + ("" if payload.get("on_time", True) else " after the deadline"),
            "",
        ),
        EventKind.RESOLVED: ("marked it resolved", "comments"),
        EventKind.IMMEDIATE_HARM: ("raised an immediate-harm alert", "details"),
        EventKind.WITHDRAWN: ("withdrew it", "reason"),
        EventKind.CONCLUDED: ("concluded it", "outcome"),
        EventKind.OVERDUE: ("the response deadline passed", ""),
    }
    text, key = words.get(kind, (kind.label.lower(), ""))
    return _with(text, payload, key) if key else text


def _with(text: str, payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if isinstance(value, str) and value.strip():
        return f"{text}: {_short(value)}"
    return text


def _short(value: str) -> str:
    one_line = " ".join(value.split())
    return one_line if len(one_line) <= EVENT_TEXT else one_line[: EVENT_TEXT - 1] + "…"


def _referral(policy: Policy, payload: Mapping[str, Any]) -> str:
    key = str(payload.get("target", ""))
    try:
        return policy.referral(key).title
    except KeyError:
        return key or "an outside body"


def _until(payload: Mapping[str, Any]) -> str:
    due = payload.get("due_at")
    if not isinstance(due, str):
        return ""
    try:
        return f" until {format_due(datetime.fromisoformat(due))}"
    except ValueError:
        return ""
