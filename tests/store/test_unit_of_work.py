"""One command, one transaction: all of it or nothing, one winner, replays change nothing."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from drp.machine import Decision
from drp.model import Dispute
from store import DuplicateCommand, StaleVersion, Store, StoreError, Transaction
from store.audit import Audit
from store.disputes import Disputes
from tests.store.scenario import CHAIR, T0, later, raised, refer, respond
from tests.support.databases import POSTGRES_ONLY

REFERENCE = "DRP-2026-000001"


class Crash(Exception):
    """The process dies mid-command (simulated)."""


async def owe_message(tx: Transaction, decision: Decision) -> None:
    """What the service does after saving: owe the raiser a card."""
    event = decision.event
    await tx.outbox.enqueue(
        CHAIR.id,
        "dispute_card",
        f"{event.reference}:{event.sequence}:{CHAIR.id}",
        {"sequence": event.sequence},
        due_at=event.at,
        reference=event.reference,
    )


async def with_dispute(store: Store) -> Dispute:
    decision = raised(REFERENCE)
    async with store.transaction() as tx:
        await tx.disputes.add(decision)
        await owe_message(tx, decision)
    return decision.dispute


async def outbox_size(store: Store) -> int:
    async with store.transaction(readonly=True) as tx:
        return len(await tx.outbox.pending())


async def test_a_crash_between_raising_and_its_outbox_row_leaves_neither(store: Store) -> None:
    async def command(crash: bool) -> None:
        async with store.transaction() as tx:
            reference = await tx.disputes.next_reference(2026)
            decision = raised(reference)
            await tx.disputes.add(decision)
            if crash:
                raise Crash
            await owe_message(tx, decision)

    with pytest.raises(Crash):
        await command(crash=True)
    async with store.transaction(readonly=True) as tx:
        assert await tx.disputes.find(REFERENCE) is None
        assert await tx.disputes.events(REFERENCE) == []
        assert await tx.disputes.visits(REFERENCE) == []
    assert await outbox_size(store) == 0
    await command(crash=False)  # the number the crash took is given out again: no gap
    async with store.transaction(readonly=True) as tx:
        assert (await tx.disputes.get(REFERENCE)).version == 1
    assert await outbox_size(store) == 1


async def test_a_crash_between_saving_a_step_and_its_outbox_row_leaves_neither(
    store: Store,
) -> None:
    dispute = await with_dispute(store)
    answer = respond(dispute, later(2))

    async def save_then_crash() -> None:
        async with store.transaction() as tx:
            await tx.disputes.save(answer, expected_version=1)
            raise Crash

    with pytest.raises(Crash):
        await save_then_crash()
    async with store.transaction(readonly=True) as tx:
        assert await tx.disputes.get(REFERENCE) == dispute
        assert len(await tx.disputes.events(REFERENCE)) == 1
        assert await tx.disputes.responses(REFERENCE) == []
    assert await outbox_size(store) == 1


async def test_two_concurrent_commands_on_one_dispute_exactly_one_wins(store: Store) -> None:
    dispute = await with_dispute(store)
    # Both decided on version 1, as two managers' clicks on the same card would be.
    contenders = [respond(dispute, later(2)), refer(dispute, later(2))]
    overlap = store.backend == "postgresql"  # SQLite queues writers: no overlap to wait for
    read = asyncio.Barrier(len(contenders)) if overlap else None

    async def command(decision: Decision) -> int:
        async with store.transaction() as tx:
            current = await tx.disputes.get(REFERENCE)
            if read is not None:
                await read.wait()  # both transactions are open and have read version 1
            await tx.disputes.save(decision, expected_version=current.version)
            await owe_message(tx, decision)
            return decision.dispute.version

    results = await asyncio.gather(*(command(d) for d in contenders), return_exceptions=True)
    stale = [r for r in results if isinstance(r, StaleVersion)]
    assert sorted(map(type, results), key=str) == sorted([int, StaleVersion], key=str)
    assert stale[0].reference == REFERENCE
    assert stale[0].current_version == 2
    async with store.transaction(readonly=True) as tx:
        assert (await tx.disputes.get(REFERENCE)).version == 2
        assert len(await tx.disputes.events(REFERENCE)) == 2
    assert await outbox_size(store) == 2


async def test_a_stale_card_is_refused_with_the_current_version(store: Store) -> None:
    dispute = await with_dispute(store)
    async with store.transaction() as tx:
        await tx.disputes.save(respond(dispute, later(2)), expected_version=1)
    async with store.transaction() as tx:
        current = await tx.disputes.get(REFERENCE)
        with pytest.raises(StaleVersion) as caught:
            # decided on the current dispute, but the card the user clicked showed version 1
            await tx.disputes.save(refer(current, later(3)), expected_version=1)
    assert caught.value.current_version == 2


async def run_once(store: Store, key: str, at_hours: float) -> dict[str, object]:
    """A card click carried out under an idempotency key, as the service does it."""
    async with store.transaction() as tx:
        prior = await tx.idempotency.get(key)
        if prior is not None:
            return dict(prior.result)
        dispute = await tx.disputes.get(REFERENCE)
        decision = refer(dispute, later(at_hours))
        await tx.disputes.save(decision, expected_version=dispute.version)
        await owe_message(tx, decision)
        result = {"reference": REFERENCE, "version": decision.dispute.version}
        await tx.idempotency.put(key, result, at=decision.event.at, reference=REFERENCE)
        return dict(result)


async def test_a_replayed_idempotency_key_changes_nothing_and_returns_the_same_result(
    store: Store,
) -> None:
    await with_dispute(store)
    first = await run_once(store, "click-1", 2)
    again = await run_once(store, "click-1", 3)
    assert again == first == {"reference": REFERENCE, "version": 2}
    async with store.transaction(readonly=True) as tx:
        assert (await tx.disputes.get(REFERENCE)).version == 2
        assert len(await tx.disputes.events(REFERENCE)) == 2
        stored = await tx.idempotency.get("click-1")
    assert stored is not None
    assert stored.reference == REFERENCE
    assert await outbox_size(store) == 2


async def test_a_double_click_carried_out_concurrently_happens_once(store: Store) -> None:
    await with_dispute(store)
    results = await asyncio.gather(*(run_once(store, "click-2", 2) for _ in range(4)))
    assert all(result == {"reference": REFERENCE, "version": 2} for result in results)
    async with store.transaction(readonly=True) as tx:
        assert len(await tx.disputes.events(REFERENCE)) == 2
    assert await outbox_size(store) == 2


async def test_reusing_a_key_raises_duplicate_command_with_the_first_result(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.idempotency.put("k", {"answer": 1}, at=T0)
    with pytest.raises(DuplicateCommand) as caught:
        async with store.transaction() as tx:
            await tx.idempotency.put("k", {"answer": 2}, at=T0)
    assert caught.value.result == {"answer": 1}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor = 'someone-else'",
        "DELETE FROM events",
        "UPDATE audit_log SET actor = 'someone-else'",
        "DELETE FROM audit_log",
    ],
)
async def test_the_database_refuses_to_change_the_event_log_or_audit_trail(
    store: Store, statement: str
) -> None:
    await with_dispute(store)
    async with store.transaction() as tx:
        await tx.audit.record("exported", CHAIR.id, at=T0, reference=REFERENCE)
    with pytest.raises(StoreError):
        async with store.transaction() as tx:
            await tx.connection.execute(text(statement))
    async with store.transaction(readonly=True) as tx:
        events = await tx.disputes.events(REFERENCE)
        audit = await tx.audit.for_dispute(REFERENCE)
    assert [(e.sequence, e.actor) for e in events] == [(1, CHAIR.id)]
    assert [(a.action, a.actor) for a in audit] == [("exported", CHAIR.id)]


@pytest.mark.parametrize("engine", POSTGRES_ONLY, indirect=True)
async def test_postgresql_also_refuses_to_truncate_the_event_log(store: Store) -> None:
    await with_dispute(store)
    with pytest.raises(StoreError):
        async with store.transaction() as tx:
            await tx.connection.execute(text("TRUNCATE events CASCADE"))


@pytest.mark.parametrize("repository", [Disputes, Audit])
def test_the_api_offers_no_way_to_change_an_event_or_audit_entry(repository: type) -> None:
    changers = ("update", "delete", "remove", "edit", "amend", "truncate")
    assert [n for n in dir(repository) if n.lstrip("_").startswith(changers)] == []


async def test_a_read_only_transaction_sees_committed_work(store: Store) -> None:
    async def read() -> Dispute | None:
        async with store.transaction(readonly=True) as tx:
            return await tx.disputes.find(REFERENCE)

    assert await read() is None
    dispute = await with_dispute(store)
    assert await read() == dispute


@pytest.mark.parametrize("engine", POSTGRES_ONLY, indirect=True)
async def test_postgresql_refuses_a_write_in_a_read_only_transaction_and_pools_it_writable(
    store: Store,
) -> None:
    async def write_in_a_read() -> None:
        async with store.transaction(readonly=True) as tx:
            await with_dispute_in(tx)

    for _ in range(3):  # each time on a pooled connection a read made read-only before
        with pytest.raises(StoreError):
            await write_in_a_read()
        async with store.transaction(readonly=True) as tx:
            assert await tx.disputes.find(REFERENCE) is None
    assert (await with_dispute(store)).reference == REFERENCE  # a write is not read-only


async def with_dispute_in(tx: Transaction) -> None:
    await tx.disputes.add(raised(REFERENCE))
