"""Posted cards, the audit trail and compliments."""

from __future__ import annotations

from datetime import timedelta

from store import PostedCard, Store
from tests.store.scenario import CHAIR, T0, TEAM_MANAGER, raised

REFERENCE = "DRP-2026-000001"
CHANNEL = {"conversation": {"id": "19:monitoring"}, "serviceUrl": "https://smba.example/"}


async def with_dispute(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.disputes.add(raised(REFERENCE))


def card(activity: str, recipient: str = TEAM_MANAGER.id, kind: str = "dispute") -> PostedCard:
    return PostedCard(REFERENCE, recipient, kind, "a:chat-1", activity, CHANNEL, T0)


async def test_posted_cards_are_found_by_dispute_and_by_activity(store: Store) -> None:
    await with_dispute(store)
    async with store.transaction() as tx:
        await tx.posted_cards.record(card("act-1"))
        await tx.posted_cards.record(card("act-2", "monitoring", "board"))
        assert await tx.posted_cards.touch("a:chat-1", "act-1", T0 + timedelta(hours=1))
        assert not await tx.posted_cards.touch("a:chat-1", "act-9", T0)
    async with store.transaction(readonly=True) as tx:
        every = await tx.posted_cards.for_dispute(REFERENCE)
        boards = await tx.posted_cards.for_dispute(REFERENCE, kind="board")
        mine = await tx.posted_cards.for_dispute(REFERENCE, recipient=TEAM_MANAGER.id)
        found = await tx.posted_cards.find("a:chat-1", "act-1")
    assert [c.activity_id for c in every] == ["act-1", "act-2"]
    assert [c.recipient for c in boards] == ["monitoring"]
    assert [c.activity_id for c in mine] == ["act-1"]
    assert found is not None
    assert found.updated_at == T0 + timedelta(hours=1)
    assert found.conversation_ref == CHANNEL


async def test_recording_the_same_activity_again_replaces_what_it_shows(store: Store) -> None:
    await with_dispute(store)
    async with store.transaction() as tx:
        await tx.posted_cards.record(card("act-1"))
        await tx.posted_cards.record(card("act-1", kind="reminder"))
        assert [c.kind for c in await tx.posted_cards.for_dispute(REFERENCE)] == ["reminder"]


async def test_the_audit_trail_says_who_read_or_was_refused_what(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.audit.record("exported", CHAIR.id, at=T0, reference=REFERENCE)
        await tx.audit.record(
            "refused",
            "tm-x",
            at=T0 + timedelta(minutes=1),
            reference=REFERENCE,
            detail={"verb": "respond", "state": "awaiting_review"},
        )
        await tx.audit.record("exported", CHAIR.id, at=T0 + timedelta(days=40))
    async with store.transaction(readonly=True) as tx:
        about = await tx.audit.for_dispute(REFERENCE)
        by_chair = await tx.audit.by_actor(CHAIR.id, T0, T0 + timedelta(days=30))
    assert [(a.action, a.actor) for a in about] == [("exported", CHAIR.id), ("refused", "tm-x")]
    assert about[1].detail == {"verb": "respond", "state": "awaiting_review"}
    assert [(a.at, a.reference) for a in by_chair] == [(T0, REFERENCE)]


async def test_a_compliment_is_acknowledged_once(store: Store) -> None:
    async with store.transaction() as tx:
        number = await tx.compliments.add(
            CHAIR.id, "sw-pat", TEAM_MANAGER.id, "Thorough, child-focused work.", at=T0
        )
        first = await tx.compliments.acknowledge(number, "sw-pat", T0 + timedelta(hours=2))
        again = await tx.compliments.acknowledge(number, TEAM_MANAGER.id, T0 + timedelta(hours=3))
    async with store.transaction(readonly=True) as tx:
        stored = await tx.compliments.get(number)
        for_practitioner = await tx.compliments.for_person("sw-pat")
        for_manager = await tx.compliments.for_person(TEAM_MANAGER.id)
    assert (first, again) == (True, False)
    assert stored is not None
    assert (stored.acknowledged_by, stored.acknowledged_at) == ("sw-pat", T0 + timedelta(hours=2))
    assert for_practitioner == for_manager == [stored]
