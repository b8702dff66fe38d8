"""Hypothesis strategies for what reaches ``/api/messages``: Teams-shaped activities built from
the bot's real commands, verbs and card inputs, and structural mutations of them (wrong types,
missing or deleted fields, deep nesting, huge numbers, odd unicode, broken JSON).

A case is the raw bytes to POST and the activity they came from (None when the bytes are not a
JSON object at all); the fuzzer decides nothing from the case but what it sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from cards.verbs import NONCE, Verb
from tests.teams_bot.bot_harness import FILLER, PEOPLE, form_values

BOT_ID = "28:loopback-bot"
REFERENCES = ("DRP-2026-000001", "DRP-2026-000002", "DRP-1999-000000", "drp-2026-000001")
COMMANDS = (
    "new",
    "mine",
    "inbox",
    "help",
    "supervision",
    "compliment",
    "monitor here",
    "show DRP-2026-000001",
    "show DRP-2026-999999",
    "report 2026-01-01 2026-12-31",
    "report 0001-01-01 9999-12-31",
    "report 2026-13-01 2026-12-31",
)
ODD = (
    "\x00",
    "\ud800",
    "\udfff",
    "\u202e",
    "\ufeff",
    "\u200b",
    "\U0001f600",
    "e\u0301",
    "\x1b[31m",
    "\r\n",
    "<at>DRP</at>",
    "'; DROP TABLE disputes; --",
    "{{card}}",
)
# Every path the edge or the bot reads, to aim mutations at.
PATHS = (
    ("type",),
    ("id",),
    ("timestamp",),
    ("serviceUrl",),
    ("channelId",),
    ("from",),
    ("from", "id"),
    ("from", "name"),
    ("from", "aadObjectId"),
    ("recipient",),
    ("recipient", "id"),
    ("conversation",),
    ("conversation", "id"),
    ("conversation", "isGroup"),
    ("conversation", "conversationType"),
    ("conversation", "tenantId"),
    ("text",),
    ("name",),
    ("action",),
    ("replyToId",),
    ("locale",),
    ("value",),
    ("value", "action"),
    ("value", "action", "verb"),
    ("value", "action", "data"),
    ("value", "action", "data", "reference"),
    ("value", "action", "data", "version"),
    ("value", "action", "data", NONCE),
    ("entities",),
    ("membersAdded",),
    ("membersRemoved",),
    ("channelData",),
    ("channelData", "tenant"),
    ("channelData", "tenant", "id"),
    ("channelData", "team"),
    ("channelData", "channel"),
)


@dataclass(frozen=True)
class Case:
    """What the fuzzer POSTs, and a label for counting."""

    body: bytes
    label: str


def odd_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Text mixing ordinary characters with NUL, lone surrogates, bidi marks, emoji, markup."""
    pieces = st.one_of(st.text(max_size=12), st.sampled_from(ODD))
    return st.lists(pieces, max_size=6).map("".join).map(lambda s: s[:max_size])


def long_text() -> st.SearchStrategy[str]:
    """Strings around the 200-character limits of ids and nonces."""
    lengths, chars = st.integers(195, 4100), st.sampled_from("x\u00e9\U0001f600")
    return st.builds(lambda n, c: c * n, lengths, chars)


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        odd_text(),
        long_text(),
    )


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value, a few levels deep."""
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=12,
    )


def people_ids() -> st.SearchStrategy[str]:
    known = sorted({member.id for member in PEOPLE.values()})
    return st.one_of(st.sampled_from(known), st.sampled_from(("29:stranger", "user-id-99")))


def card_data() -> st.SearchStrategy[dict[str, Any]]:
    """``value.action.data`` as the bot's cards send it, with hostile values mixed in."""
    text_value = st.one_of(st.sampled_from(sorted(FILLER.values())), odd_text(), scalars())
    fields = {**form_values(), **FILLER}
    return st.fixed_dictionaries(
        {
            "reference": st.one_of(st.sampled_from(REFERENCES), odd_text(30)),
            "version": st.one_of(st.integers(0, 5), st.integers(), odd_text(8), st.none()),
            NONCE: st.one_of(st.uuids().map(lambda u: u.hex), odd_text(), st.text(min_size=201)),
        },
        optional=dict.fromkeys(sorted(fields), text_value),
    )


def base_activity(service_url: str, tenant_id: str) -> st.SearchStrategy[dict[str, Any]]:
    """A Teams-shaped activity the bot answers: a command, a card action, an install, a join."""
    verbs = st.one_of(st.sampled_from([verb.value for verb in Verb]), st.text(max_size=20))
    message = st.fixed_dictionaries(
        {"type": st.just("message"), "text": st.one_of(st.sampled_from(COMMANDS), odd_text())}
    )
    action = st.fixed_dictionaries(
        {
            "type": st.just("invoke"),
            "name": st.just("adaptiveCard/action"),
            "value": st.fixed_dictionaries(
                {
                    "action": st.fixed_dictionaries(
                        {"type": st.just("Action.Execute"), "verb": verbs, "data": card_data()}
                    )
                }
            ),
            "replyToId": st.sampled_from(("no-card", "1", "activity-1")),
        }
    )
    other = st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("installationUpdate"),
                "action": st.sampled_from(("add", "remove", "add-upgrade")),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.just("conversationUpdate"),
                "membersAdded": st.lists(
                    st.one_of(st.just({"id": BOT_ID}), people_ids().map(lambda i: {"id": i})),
                    max_size=3,
                ),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(("invoke", "event", "typing", "messageReaction")),
                "name": st.sampled_from(("composeExtension/query", "signin/verifyState", "x")),
                "value": json_values(),
            }
        ),
    )
    kind = st.one_of(message, message, action, action, action, other)
    return st.builds(
        _envelope, kind, people_ids(), st.just(service_url), st.just(tenant_id), st.booleans()
    )


def _envelope(
    kind: dict[str, Any], sender: str, service_url: str, tenant_id: str, personal: bool
) -> dict[str, Any]:
    conversation = f"a:personal-{sender}" if personal else "19:drp-monitoring@thread.tacv2"
    activity: dict[str, Any] = {
        "id": "incoming-fuzz",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "timestamp": "2026-11-23T09:30:00.000Z",
        "from": {"id": sender, "name": "Fuzz"},
        "recipient": {"id": BOT_ID, "name": "DRP"},
        "conversation": {
            "id": conversation,
            "conversationType": "personal" if personal else "channel",
            "tenantId": tenant_id,
            "isGroup": not personal,
        },
        "channelData": {"tenant": {"id": tenant_id}},
        "locale": "en-GB",
    }
    activity.update(kind)
    return activity


_HOW = st.sampled_from(("none", "none", "set", "set", "delete", "deep", "huge", "raw"))
_PATH = st.sampled_from(PATHS)
_VALUE = json_values()
_DEPTH = st.integers(20, 1500)
_DIGITS = st.integers(15, 6000)
_RAW = st.sampled_from(("truncate", "bytes", "not an object", "NaN"))


def mutated(activity: dict[str, Any], data: st.DataObject) -> Case:
    """One structural mutation of a valid activity, or none."""
    how = data.draw(_HOW, label="how")
    if how == "none":
        return Case(_encode(activity), "valid-shaped")
    path = data.draw(_PATH, label="path")
    if how == "set":
        _set(activity, path, data.draw(_VALUE, label="value"))
        return Case(_encode(activity), f"wrong type at {'.'.join(path)}")
    if how == "delete":
        _delete(activity, path)
        return Case(_encode(activity), f"deleted {'.'.join(path)}")
    if how == "deep":
        depth = data.draw(_DEPTH, label="depth")
        _set(activity, path, "DEEP")
        body = _encode(activity).replace(b'"DEEP"', b"[" * depth + b"]" * depth)
        return Case(body, "deep nesting")
    if how == "huge":
        digits = data.draw(_DIGITS, label="digits")
        _set(activity, path, "HUGE")
        number = data.draw(st.sampled_from((b"9" * digits, b"-" + b"9" * digits, b"1e999")))
        return Case(_encode(activity).replace(b'"HUGE"', number), "huge number")
    return _raw(activity, data)


def _raw(activity: dict[str, Any], data: st.DataObject) -> Case:
    body = _encode(activity)
    kind = data.draw(_RAW, label="raw")
    if kind == "truncate":
        return Case(body[: data.draw(st.integers(0, len(body) - 1))], "truncated JSON")
    if kind == "bytes":
        return Case(body.replace(b'"msteams"', b'"ms\xff\xfeteams"'), "invalid UTF-8")
    if kind == "not an object":
        return Case(b"[" + body + b"]", "not an object")
    return Case(body.replace(b'"en-GB"', b"NaN"), "NaN")


def _encode(activity: dict[str, Any]) -> bytes:
    return json.dumps(activity, ensure_ascii=True).encode()


def _set(activity: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node: Any = activity
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


def _delete(activity: dict[str, Any], path: tuple[str, ...]) -> None:
    node: Any = activity
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return
    node.pop(path[-1], None)
