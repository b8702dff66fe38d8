"""Migrations build the schema the code expects, on an empty database of either engine."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from store import Store, StoreError, migrate
from store.schema import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_upgrade_builds_the_schema_from_nothing_and_is_safe_to_repeat(
    empty_database_url: str,
) -> None:
    store = await Store.open(empty_database_url)
    try:
        assert await store.current_revision() is None
        assert await store.upgrade() == migrate.head()
        assert await store.upgrade() == migrate.head()
        async with store.transaction() as tx:
            differences = await tx.connection.run_sync(_differences)
            assert await tx.disputes.count() == 0
    finally:
        await store.close()
    assert differences == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(store: Store) -> None:
    async with store.transaction(readonly=True) as tx:
        mode = (await tx.connection.execute(text("PRAGMA journal_mode"))).scalar()
        keys = (await tx.connection.execute(text("PRAGMA foreign_keys"))).scalar()
    assert (mode, keys) == ("wal", 1)


async def test_a_row_pointing_at_no_dispute_is_refused(store: Store) -> None:
    async def orphan() -> None:
        async with store.transaction() as tx:
            await tx.connection.execute(
                text("INSERT INTO children VALUES ('DRP-2026-999999', 0, 'A', 'B', NULL, 'P')")
            )

    with pytest.raises(StoreError, match=r"IntegrityError|ForeignKeyViolation"):
        await orphan()
