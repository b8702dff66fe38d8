"""SQLite's one writer at a time: this process's writers take turns in arrival order."""

from __future__ import annotations

import asyncio

import pytest

from store import Store, StoreUnavailable
from store.writers import WriterQueue
from tests.store.scenario import T0

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


async def write_after(store: Store, gate: asyncio.Event, order: list[str], name: str) -> None:
    async with store.transaction() as tx:
        order.append(name)
        await tx.audit.record("bench", name, at=T0, reference=None, detail={})
        await gate.wait()


async def test_writers_waiting_on_a_long_write_go_in_the_order_they_came(store: Store) -> None:
    order: list[str] = []
    release, free = asyncio.Event(), asyncio.Event()
    free.set()
    first = asyncio.create_task(write_after(store, release, order, "first"))
    await asyncio.sleep(0.05)
    waiting = []
    for n in range(6):
        waiting.append(asyncio.create_task(write_after(store, free, order, f"writer-{n}")))
        await asyncio.sleep(0.01)
    async with store.transaction(readonly=True) as tx:  # readers never wait for a writer
        assert await tx.disputes.count() == 0
    assert order == ["first"]
    release.set()
    await asyncio.gather(first, *waiting)
    assert order == ["first", *(f"writer-{n}" for n in range(6))]


async def test_a_writer_that_gets_no_turn_in_time_is_told_the_store_is_busy(store: Store) -> None:
    store._writers = WriterQueue(wait_seconds=0.2)
    release = asyncio.Event()
    holder = asyncio.create_task(write_after(store, release, [], "holder"))
    await asyncio.sleep(0.05)
    with pytest.raises(StoreUnavailable, match="busy"):
        async with store.transaction() as tx:
            await tx.disputes.count()
    release.set()
    await holder


def test_a_store_used_under_a_new_event_loop_still_queues_its_writers(database_url: str) -> None:
    async def open_store() -> Store:
        return await Store.open(database_url)

    async def two_writers(store: Store) -> list[str]:
        order: list[str] = []
        release, free = asyncio.Event(), asyncio.Event()
        free.set()
        first = asyncio.create_task(write_after(store, release, order, "a"))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(write_after(store, free, order, "b"))
        await asyncio.sleep(0.05)
        assert order == ["a"]
        release.set()
        await asyncio.gather(first, second)
        return order

    store = asyncio.run(open_store())
    try:
        assert asyncio.run(two_writers(store)) == ["a", "b"]
        assert asyncio.run(two_writers(store)) == ["a", "b"]  # a second loop: a lock of its own
    finally:
        asyncio.run(store.close())


async def test_an_urgent_writer_goes_before_those_waiting_not_before_the_one_writing(
    store: Store,
) -> None:
    order: list[str] = []
    release, free = asyncio.Event(), asyncio.Event()
    free.set()
    first = asyncio.create_task(write_after(store, release, order, "first"))
    await asyncio.sleep(0.05)
    waiting = [asyncio.create_task(write_after(store, free, order, f"writer-{n}")) for n in (0, 1)]
    await asyncio.sleep(0.05)

    async def urgent() -> None:
        async with store.transaction(urgent=True) as tx:
            order.append("urgent")
            await tx.audit.record("bench", "urgent", at=T0, reference=None, detail={})

    marked = asyncio.create_task(urgent())
    await asyncio.sleep(0.05)
    assert order == ["first"]
    release.set()
    await asyncio.gather(first, marked, *waiting)
    assert order == ["first", "urgent", "writer-0", "writer-1"]
