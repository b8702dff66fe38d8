"""Migrations build the schema the code expects, on an empty database of either engine."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table, insert, text
from sqlalchemy.engine import Connection

from store import Store, StoreError, migrate
from store.codec import dispute_values
from store.schema import disputes, metadata
from tests.store.scenario import CPC_CHAIR_DEADLINES, T0, raised


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


async def test_an_approver_stored_before_0004_is_the_disputes_approver_after_it(
    empty_database_url: str,
) -> None:
    # Issue 15 moved the one approver column to dispute_people (several approvers, deciders).
    decision = raised("DRP-2026-000201", CPC_CHAIR_DEADLINES, stage="2", approver="csm-cat")
    values = dispute_values(decision.dispute, T0)
    later = {"pending_outcome", "pending_note", "tier", "reopened"}  # columns added after 0003
    old = {k: v for k, v in values.items() if k not in later}
    old["approver"] = decision.dispute.approvers[0]
    store = await Store.open(empty_database_url)
    try:
        await store.upgrade("0003")
        async with store.transaction() as tx:
            await tx.connection.execute(insert(_disputes_at_0003()), old)
        await store.upgrade()
        async with store.transaction(readonly=True) as tx:
            waiting = await tx.disputes.awaiting_approval_by("csm-cat")
    finally:
        await store.close()
    assert [d.reference for d in waiting] == ["DRP-2026-000201"]
    assert (waiting[0].approvers, waiting[0].pending_outcome, waiting[0].pending_note) == (
        ("csm-cat",),
        None,
        "",
    )


def _disputes_at_0003() -> Table:
    """The disputes table as revision 0003 left it: one approver column, no pending close."""
    new = {"pending_outcome", "pending_note", "tier", "reopened"}
    kept = [c._copy() for c in disputes.columns if c.name not in new]
    return Table("disputes", MetaData(), *kept, Column("approver", String(100)))
