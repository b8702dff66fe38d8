"""Event payloads to the JSON the ``events`` table holds, and back.

A stored key is the payload dataclass's field name (``drp.events``), so each key is spelled
once; a field with a default is written only when it differs from it (``awaiting_approval``,
``final_step``, an escalation's ``to``). This is the JSON the events table has always held:
rows written before the payloads were typed read back, and write back, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, fields
from datetime import date, datetime
from typing import Any, get_type_hints

from drp.events import (
    PAYLOAD_TYPES,
    Escalated,
    EventKind,
    JsonValue,
    Payload,
    Referred,
    Resolved,
    Responded,
)
from drp.model import Action


def actions_json(actions: tuple[Action, ...]) -> list[JsonValue]:
    """Actions as JSON: text and an ISO complete-by date."""
    return [{"text": a.text, "complete_by": a.complete_by.isoformat()} for a in actions]


def actions_from(value: Any) -> tuple[Action, ...]:
    """The inverse of ``actions_json``."""
    return tuple(Action(a["text"], date.fromisoformat(a["complete_by"])) for a in value or ())


def _instant_json(value: datetime | None) -> JsonValue:
    return value.isoformat() if value is not None else None


def _instant_from(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _required_instant(value: Any) -> datetime:
    found = _instant_from(value)
    if found is None:
        raise ValueError(f"not an instant: {value!r}")
    return found


# Per field type: to JSON, and from JSON.
_Codec = tuple[Callable[[Any], JsonValue], Callable[[Any], Any]]
_CODECS: Mapping[object, _Codec] = {
    str: (str, lambda v: "" if v is None else str(v)),
    int: (int, lambda v: int(v or 0)),
    bool: (bool, bool),
    datetime | None: (_instant_json, _instant_from),
    datetime: (_instant_json, _required_instant),
    tuple[Action, ...]: (actions_json, actions_from),
    tuple[str, ...]: (list, lambda v: tuple(str(x) for x in v or ())),
}


def _fields(kind: type[Payload]) -> tuple[tuple[Field[Any], _Codec], ...]:
    hints = get_type_hints(kind)
    return tuple((f, _CODECS[hints[f.name]]) for f in fields(kind))


_FIELDS = {kind: _fields(kind) for kind in PAYLOAD_TYPES.values()}


def payload_json(payload: Payload) -> dict[str, JsonValue]:
    """The stored JSON of a payload: its fields by name, defaults left out."""
    found: dict[str, JsonValue] = {}
    for f, (to_json, _) in _FIELDS[type(payload)]:
        value = getattr(payload, f.name)
        if f.default is MISSING or value != f.default:
            found[f.name] = to_json(value)
    return found


def payload_from(kind: EventKind, stored: Mapping[str, Any]) -> Payload:
    """The typed payload of an event of ``kind`` from its stored JSON."""
    payload_type = PAYLOAD_TYPES[kind]
    values: dict[str, Any] = {}
    for f, (_, from_json) in _FIELDS[payload_type]:
        if f.name in stored:
            values[f.name] = from_json(stored[f.name])
        elif f.default is MISSING:
            values[f.name] = _ABSENT[f.name] if f.name in _ABSENT else from_json(None)
    return payload_type(**values)


def stored_key(payload_type: type[Payload], name: str) -> str:
    """The JSON key of a payload field, for queries that read inside the stored JSON."""
    if name not in {f.name for f in fields(payload_type)}:
        raise KeyError(f"{payload_type.__name__} has no field {name!r}")
    return name


REFERRAL_TARGET = stored_key(Referred, "target")
REVIEW = stored_key(Resolved, "review")  # the same key on every review event
ESCALATED_TIER = stored_key(Escalated, "tier")  # the tier of management climbed to (seed 004)
# A key absent from a stored row reads as its field's default, else as this (readers always took
# a missing ``on_time`` as on time), else as JSON null would (an empty text, False, no instant).
_ABSENT: Mapping[str, object] = {stored_key(Responded, "on_time"): True}
