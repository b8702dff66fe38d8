"""The outbox: dedupe, leases, retries, and claimers that never share a message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from store import OutboxMessage, Store
from store.errors import InvalidRecord
from store.outbox import Owing
from tests.store.scenario import T0
from tests.support.databases import POSTGRES_ONLY

LEASE = 60.0


async def enqueue(store: Store, count: int, *, start: int = 0) -> None:
    async with store.transaction() as tx:
        for n in range(start, start + count):
            await tx.outbox.enqueue(
                f"person-{n}", "notice", f"key-{n}", {"n": n}, due_at=T0 + timedelta(seconds=n)
            )


async def claim(
    store: Store, owner: str, limit: int = 10, after: float = 3600
) -> list[OutboxMessage]:
    async with store.transaction() as tx:
        return await tx.outbox.claim_due(T0 + timedelta(seconds=after), owner, LEASE, limit)


async def test_a_dedupe_key_is_owed_once(store: Store) -> None:
    async with store.transaction() as tx:
        first = await tx.outbox.enqueue("p", "notice", "same", {"v": 1}, due_at=T0)
        again = await tx.outbox.enqueue("p", "notice", "same", {"v": 2}, due_at=T0)
    async with store.transaction() as tx:
        later_tx = await tx.outbox.enqueue("p", "notice", "same", {"v": 3}, due_at=T0)
        pending = await tx.outbox.pending()
    assert (first, again, later_tx) == (True, False, False)
    assert [(m.dedupe_key, m.payload) for m in pending] == [("same", {"v": 1})]


async def test_rows_owed_together_keep_their_order_and_each_dedupe_key_is_owed_once(
    store: Store,
) -> None:
    async with store.transaction() as tx:
        await tx.outbox.enqueue("p", "notice", "owed-before", {"v": 0}, due_at=T0)
        await tx.outbox.enqueue_all(
            [
                Owing("a", "notice", "k-1", {"v": 1}, T0),
                Owing("b", "dispute_card", "owed-before", {"v": 2}, T0),
                Owing("c", "refresh", "k-2", {"v": 3}, T0 + timedelta(seconds=1)),
                Owing("d", "notice", "k-1", {"v": 4}, T0),  # repeats a key of this batch
            ]
        )
        await tx.outbox.enqueue_all([])
        pending = await tx.outbox.pending()
    found = [(m.recipient, m.kind, m.dedupe_key, m.payload, m.reference) for m in pending]
    assert found == [
        ("p", "notice", "owed-before", {"v": 0}, None),
        ("a", "notice", "k-1", {"v": 1}, None),
        ("c", "refresh", "k-2", {"v": 3}, None),
    ]
    assert [m.id for m in pending] == sorted(m.id for m in pending)


async def test_a_row_owed_together_with_no_dedupe_key_is_refused_and_nothing_is_written(
    store: Store,
) -> None:
    with pytest.raises(InvalidRecord):
        async with store.transaction() as tx:
            await tx.outbox.enqueue_all(
                [Owing("a", "notice", "k-1", {}, T0), Owing("b", "notice", "", {}, T0)]
            )
    async with store.transaction() as tx:
        assert await tx.outbox.pending() == []


async def test_only_due_messages_are_claimed_in_due_order_under_a_lease(store: Store) -> None:
    await enqueue(store, 5)
    claimed = await claim(store, "sender-a", after=2.5)
    assert [m.dedupe_key for m in claimed] == ["key-0", "key-1", "key-2"]
    assert all(m.lease_owner == "sender-a" and m.attempts == 1 for m in claimed)
    assert claimed[0].lease_expires_at == T0 + timedelta(seconds=2.5 + LEASE)
    assert await claim(store, "sender-b", after=2.5) == []


async def test_an_expired_lease_can_be_claimed_again(store: Store) -> None:
    await enqueue(store, 1)
    (first,) = await claim(store, "sender-a", after=10)
    assert await claim(store, "sender-b", after=10 + LEASE - 1) == []
    (again,) = await claim(store, "sender-b", after=10 + LEASE)
    assert (again.id, again.lease_owner, again.attempts) == (first.id, "sender-b", 2)
    async with store.transaction() as tx:
        # the first sender lost its lease: it can no longer settle the message
        assert not await tx.outbox.mark_sent(first.id, "sender-a", T0)
        assert await tx.outbox.mark_sent(first.id, "sender-b", T0)


async def test_a_sent_message_is_never_claimed_again(store: Store) -> None:
    await enqueue(store, 2)
    claimed = await claim(store, "sender-a")
    async with store.transaction() as tx:
        assert await tx.outbox.mark_sent(claimed[0].id, "sender-a", T0 + timedelta(seconds=5))
        sent = await tx.outbox.get(claimed[0].id)
    assert sent is not None
    assert sent.sent_at == T0 + timedelta(seconds=5)
    assert sent.lease_owner is None
    again = await claim(store, "sender-b", after=3600 * 24)
    assert [m.id for m in again] == [claimed[1].id]


async def test_a_failure_is_retried_at_the_given_instant_or_given_up(store: Store) -> None:
    await enqueue(store, 2)
    first, second = await claim(store, "sender-a", after=10)
    retry_at = T0 + timedelta(minutes=5)
    async with store.transaction() as tx:
        assert await tx.outbox.mark_failed(first.id, "sender-a", "HTTP 429 " * 200, retry_at)
        assert await tx.outbox.mark_failed(second.id, "sender-a", "HTTP 403", None)
        retried, given_up = await tx.outbox.get(first.id), await tx.outbox.get(second.id)
    assert retried is not None
    assert given_up is not None
    assert (retried.due_at, retried.lease_owner, retried.failed) == (retry_at, None, False)
    assert retried.last_error is not None
    assert len(retried.last_error) == 500
    assert (given_up.failed, given_up.last_error) == (True, "HTTP 403")
    assert await claim(store, "sender-b", after=60) == []
    (again,) = await claim(store, "sender-b", after=300)
    assert (again.id, again.attempts) == (first.id, 2)


async def test_concurrent_claimers_never_claim_the_same_message(store: Store) -> None:
    await enqueue(store, 30)
    batches = await asyncio.gather(*(claim(store, f"sender-{n}", limit=7) for n in range(6)))
    ids = [m.id for batch in batches for m in batch]
    assert len(ids) == len(set(ids)) == 30
    for n, batch in enumerate(batches):
        assert all(m.lease_owner == f"sender-{n}" for m in batch)


@pytest.mark.parametrize("engine", POSTGRES_ONLY, indirect=True)
async def test_a_claimer_skips_rows_another_holds_instead_of_waiting(store: Store) -> None:
    await enqueue(store, 10)
    holding, done = asyncio.Event(), asyncio.Event()

    async def slow_claimer() -> list[OutboxMessage]:
        async with store.transaction() as tx:
            claimed = await tx.outbox.claim_due(T0 + timedelta(hours=1), "slow", LEASE, 5)
            holding.set()
            await done.wait()  # still uncommitted: its rows stay locked
            return claimed

    slow = asyncio.create_task(slow_claimer())
    await holding.wait()
    fast = await asyncio.wait_for(claim(store, "fast", limit=10), timeout=10)
    done.set()
    held = await slow
    assert [m.dedupe_key for m in held] == [f"key-{n}" for n in range(5)]
    assert [m.dedupe_key for m in fast] == [f"key-{n}" for n in range(5, 10)]


async def test_the_backlog_is_what_is_due_and_unsettled_with_its_oldest_due_instant(
    store: Store,
) -> None:
    await enqueue(store, 5)
    async with store.transaction(readonly=True) as tx:
        assert await tx.outbox.backlog(T0 - timedelta(seconds=1)) == (0, None)
        assert await tx.outbox.backlog(T0 + timedelta(seconds=2)) == (3, T0)
    (sent, failed, *_) = await claim(store, "sender-a", after=10)
    async with store.transaction() as tx:
        await tx.outbox.mark_sent(sent.id, "sender-a", T0)
        await tx.outbox.mark_failed(failed.id, "sender-a", "HTTP 404", None)
        after = await tx.outbox.backlog(T0 + timedelta(seconds=10))
    assert after == (3, T0 + timedelta(seconds=2))  # leased rows are still owed
