"""The SQLite driver's one-hop cursor (store/sqlite_driver.py) on a real SQLite file: a
statement is one call on aiosqlite's thread, and everything SQLAlchemy reads back (rows,
description, row counts, last row id, errors) is what aiosqlite's own cursor gave."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from store import Store
from store.engine import create_engine, parse_url
from store.sqlite_driver import OneHopCursor

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
)


def test_the_private_aiosqlite_calls_it_relies_on_are_there() -> None:
    assert callable(aiosqlite.Connection._execute)
    assert isinstance(aiosqlite.Connection._conn, property)


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    found = create_engine(parse_url(f"sqlite:///{tmp_path / 'driver.db'}"))
    async with found.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield found
    await found.dispose()


class Hops:
    """Counts the calls handed to aiosqlite's thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = aiosqlite.Connection._execute

        async def counted(connection: aiosqlite.Connection, fn: Any, *args: Any) -> Any:
            self.count += 1
            return await real(connection, fn, *args)

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)


async def test_a_statement_is_one_call_on_the_connection_thread(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert type(raw.driver_connection.cursor) is not OneHopCursor  # the driver's own
        assert isinstance(raw.dbapi_connection.cursor(), OneHopCursor)
        await conn.begin()  # BEGIN is a statement too: one hop
        hops = Hops(monkeypatch)
        rows = (await conn.execute(text("SELECT 1, 'two'"))).all()
        assert hops.count == 1  # was four: cursor, execute, fetchall, close
    assert rows == [(1, "two")]


async def test_rows_counts_and_ids_read_back_as_before(engine: Any) -> None:
    async with engine.begin() as conn:
        first = await conn.execute(insert(things).values(name="a"))
        assert first.inserted_primary_key == (1,)  # lastrowid
        await conn.execute(insert(things), [{"name": "b"}, {"name": "c"}])  # executemany
        changed = await conn.execute(
            update(things).where(things.c.id > 1).values(name=things.c.name + "!")
        )
        assert changed.rowcount == 2
        result = await conn.execute(select(things.c.id, things.c.name).order_by(things.c.id))
        assert list(result.keys()) == ["id", "name"]  # description
        assert result.all() == [(1, "a"), (2, "b!"), (3, "c!")]
        nothing = await conn.execute(select(things).where(things.c.id == 99))
        assert nothing.first() is None


async def test_an_error_is_raised_as_sqlalchemy_raises_it_and_the_transaction_rolls_back(
    engine: Any,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(things).values(name="only"))

    async def second_and_a_duplicate() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(things).values(name="second"))
            await conn.execute(insert(things).values(name="only"))

    with pytest.raises(IntegrityError):
        await second_and_a_duplicate()
    async with engine.connect() as conn:
        names = (await conn.execute(select(things.c.name))).scalars().all()
    assert names == ["only"]


async def test_streamed_results_keep_the_drivers_own_cursor(engine: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(things), [{"name": f"n{i}"} for i in range(250)])
    async with engine.connect() as conn:
        stream = await conn.stream(select(things.c.name).order_by(things.c.id))
        names = [row.name async for row in stream]
    assert len(names) == 250
    assert (names[0], names[-1]) == ("n0", "n249")


async def test_a_transaction_begins_with_its_first_statement_and_costs_two_hops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await Store.open(f"sqlite:///{tmp_path / 'hops.db'}")
    try:
        await store.upgrade()
        hops = Hops(monkeypatch)
        async with store.transaction() as tx:
            assert await tx.directory.by_teams_id("29:nobody") is None
        assert hops.count == 2  # BEGIN IMMEDIATE with the SELECT, then COMMIT (was four)
        hops.count = 0
        async with store.transaction(readonly=True):
            pass
        assert hops.count == 0  # nothing was begun, so nothing to commit
    finally:
        await store.close()


async def test_a_writer_still_holds_the_write_lock_before_it_reads(tmp_path: Path) -> None:
    # Another connection (another process, say) cannot write between a writer's first read and
    # its write: BEGIN IMMEDIATE went with that first read.
    path = tmp_path / "lock.db"
    store = await Store.open(f"sqlite:///{path}")
    try:
        await store.upgrade()
        async with store.transaction() as tx:
            await tx.directory.by_teams_id("29:nobody")
            other = sqlite3.connect(path, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
    finally:
        await store.close()
