"""Typed event payloads and the JSON the events table holds: every kind round-trips both ways,
and rows written before the payloads were typed read back and write back unchanged."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select

from drp.events import PAYLOAD_TYPES, EventKind, Payload, Referred, Responded
from drp.model import Action
from store import Store
from store.payloads import payload_from, payload_json, stored_key
from store.schema import events
from tests.store.scenario import raised

# One of each shape the state machine wrote before the payloads were typed (captured from its
# tests), plus the optional values those did not reach.
STORED: list[tuple[str, dict[str, Any]]] = [
    ("raised", {"to": "1", "late": False}),
    ("raised", {"awaiting_approval": True, "to": "2", "late": True}),
    (
        "raised",
        {
            "to": "1",
            "late": False,
            "consulted": "Line manager, 23 Nov",
            "conference_date": "2026-11-16",
        },
    ),
    ("approved", {"comments": ""}),
    ("declined", {"reason": "Try stage 1 first."}),
    (
        "responded",
        {
            "response": "Core group booked for 4 January.",
            "actions": [],
            "practice_issues": "",
            "on_behalf_of": "",
            "on_time": True,
            "due_at": "2026-12-30T23:59:59+00:00",
        },
    ),
    (
        "responded",
        {
            "response": "Reviewed the same day.",
            "actions": [],
            "practice_issues": "",
            "on_behalf_of": "",
            "on_time": True,
            "due_at": "2026-11-24T23:59:59+00:00",
            "answer": "Conference reconvened on 25 November with a different CPCC.",
        },
    ),
    (
        "responded",
        {
            "response": "Allocated.",
            "actions": [{"text": "Visit", "complete_by": "2027-01-04"}],
            "practice_issues": "Drift",
            "on_behalf_of": "tm-2",
            "on_time": False,
            "due_at": None,
        },
    ),
    ("resolved", {"comments": "Plan back on track."}),
    ("resolved", {"comments": "Plan back on track.", "agreed": True}),
    ("extended", {"agreed_work": "Visit by 2pm.", "due_at": "2026-12-23T14:00:00+00:00"}),
    # The chair's review against its deadline (seed 003), where the policy sets one.
    ("resolved", {"comments": "Done.", "review": "on_time"}),
    (
        "extended",
        {"agreed_work": "By 2pm.", "due_at": "2026-12-23T14:00:00+00:00", "review": "late"},
    ),
    (
        "escalated",
        {"reason": "No.", "updated_concerns": "", "automatic": False, "review": "on_time"},
    ),
    ("concluded", {"outcome": "Concluded at stage 4.", "review": "late"}),
    ("escalated", {"reason": "No.", "updated_concerns": "", "automatic": False, "to": "2"}),
    (
        "escalated",
        {
            "reason": "No.",
            "updated_concerns": "",
            "automatic": False,
            "to": "4",
            "consulted": "Board members, 10 Dec",
        },
    ),
    (
        "escalated",
        {
            "reason": "Not resolved.",
            "updated_concerns": "Worse",
            "automatic": False,
            "awaiting_approval": True,
            "to": "3",
        },
    ),
    (
        "escalated",
        {"reason": "Legal", "updated_concerns": "", "automatic": True, "final_step": True},
    ),
    (
        "escalated",
        {
            "reason": "Heads of service next.",
            "updated_concerns": "",
            "automatic": False,
            "to": "3",
            "tier": 3,
            "skipped": "tier 2 (Head of service): nobody holds it in Agency B",
        },
    ),
    (
        "referred",
        {"target": "lscb", "reason": "Exhausted.", "consulted": "IRS", "concurrent": True},
    ),
    ("immediate_harm", {"details": "Disclosure of assault at school today."}),
    ("withdrawn", {"reason": "Child moved out of area."}),
    ("concluded", {"outcome": "Referred to Corporate Director"}),
    ("concluded", {"outcome": "The scrutiny report: practice to change.", "agreed": True}),
    ("close_proposed", {"outcome": "resolved", "text": "Plan back on track."}),
    ("overdue", {"due_at": "2026-12-30T23:59:59+00:00"}),
    ("overdue", {"due_at": None}),
    ("corrected", {"field": "child_1_name", "reason": "Misspelt when raised."}),
    ("handed_over", {"leaver": "tm-1", "successor": "tm-2", "parts": ["owner", "raiser"]}),
    # Agreed actions tracked (issue 14.4).
    (
        "resolved",
        {"comments": "Agreed.", "actions": [{"text": "Minutes", "complete_by": "2026-12-02"}]},
    ),
    (
        "extended",
        {
            "agreed_work": "By noon.",
            "due_at": "2026-12-23T12:00:00+00:00",
            "actions": [{"text": "Visit", "complete_by": "2026-12-23"}],
        },
    ),
    ("action_done", {"number": 2}),
    ("action_passed", {"number": 1}),
    ("reopened", {"reason": "Not done.", "to": "1"}),
    ("reopened", {"reason": "Not done.", "to": "3", "escalated": True, "awaiting_approval": True}),
    ("reopened", {"reason": "Not done.", "to": "legal", "escalated": True, "final_step": True}),
]

_OFFSETS = (UTC, timezone(timedelta(hours=1)), timezone(-timedelta(hours=5, minutes=30)))
_INSTANT = st.datetimes(timezones=st.sampled_from(_OFFSETS))
_ACTION = st.builds(Action, st.text(max_size=20), st.dates())
_BY_TYPE: dict[object, st.SearchStrategy[Any]] = {
    str: st.text(max_size=40),
    bool: st.booleans(),
    int: st.integers(min_value=1, max_value=9),
    datetime: _INSTANT,
    datetime | None: st.none() | _INSTANT,
    tuple[Action, ...]: st.lists(_ACTION, max_size=3).map(tuple),
    tuple[str, ...]: st.lists(st.text(max_size=12), max_size=4).map(tuple),
}


def payloads(kind: EventKind) -> st.SearchStrategy[Payload]:
    """Any payload of ``kind``: every field drawn from its type."""
    payload_type = PAYLOAD_TYPES[kind]
    hints = get_type_hints(payload_type)
    return st.builds(
        payload_type, **{f.name: _BY_TYPE[hints[f.name]] for f in fields(payload_type)}
    )


def through_the_database(values: dict[str, Any]) -> dict[str, Any]:
    """What a JSON column gives back."""
    return dict(json.loads(json.dumps(values)))


def test_every_event_kind_has_one_payload_type_naming_it() -> None:
    assert set(PAYLOAD_TYPES) == set(EventKind)
    assert all(t.kind == kind for kind, t in PAYLOAD_TYPES.items())
    assert len(set(PAYLOAD_TYPES.values())) == len(EventKind)


@pytest.mark.parametrize("kind", list(EventKind))
@given(data=st.data())
def test_every_payload_comes_back_from_its_stored_json_as_it_went_in(
    kind: EventKind, data: st.DataObject
) -> None:
    payload = data.draw(payloads(kind))
    stored = through_the_database(payload_json(payload))
    back = payload_from(kind, stored)
    assert back == payload
    assert list(payload_json(back).items()) == list(stored.items())


@pytest.mark.parametrize(
    ("kind", "stored"), STORED, ids=[f"{k}-{n}" for n, (k, _) in enumerate(STORED)]
)
def test_json_written_before_the_payloads_were_typed_reads_and_writes_back_unchanged(
    kind: str, stored: dict[str, Any]
) -> None:
    payload = payload_from(EventKind(kind), stored)
    assert payload.kind == EventKind(kind)
    assert json.dumps(payload_json(payload)) == json.dumps(stored)  # same keys, same order


def test_the_stored_examples_hold_every_kind_and_every_key() -> None:
    # Otherwise the test above could miss a kind or a key the codec spells differently.
    keys = {(kind, key) for kind, values in STORED for key in values}
    every = {(t.kind.value, f.name) for t in PAYLOAD_TYPES.values() for f in fields(t)}
    assert {kind for kind, _ in STORED} == {k.value for k in EventKind}
    assert keys == every


def test_a_key_missing_from_a_stored_row_reads_as_the_readers_always_took_it() -> None:
    payload = payload_from(EventKind.RESPONDED, {})
    assert payload == Responded(
        response="", actions=(), practice_issues="", on_behalf_of="", on_time=True, due_at=None
    )


def test_a_query_can_only_name_a_key_the_payload_has() -> None:
    assert stored_key(Referred, "target") == "target"
    with pytest.raises(KeyError, match="Referred has no field 'route'"):
        stored_key(Referred, "route")


async def test_rows_written_before_the_payloads_were_typed_load_typed(store: Store) -> None:
    decision = raised("DRP-2026-000201")
    reference = decision.dispute.reference
    async with store.transaction() as tx:
        await tx.disputes.add(decision)
        rows = [
            _event_row(reference, 100 + n, kind, stored) for n, (kind, stored) in enumerate(STORED)
        ]
        await tx.connection.execute(insert(events), rows)
    async with store.transaction(readonly=True) as tx:
        loaded = (await tx.disputes.events(reference))[1:]
        raw = await tx.connection.execute(
            select(events.c.payload).where(events.c.sequence >= 100).order_by(events.c.sequence)
        )
        on_disk = [row.payload for row in raw]
    assert [e.payload for e in loaded] == [payload_from(EventKind(k), v) for k, v in STORED]
    assert on_disk == [stored for _, stored in STORED]


def _event_row(reference: str, sequence: int, kind: str, stored: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": reference,
        "sequence": sequence,
        "kind": kind,
        "actor": "chair-ann",
        "actor_role": "chair",
        "at": datetime(2026, 12, 21, 9, tzinfo=UTC),
        "from_stage": "1",
        "to_stage": "1",
        "payload": stored,
    }
