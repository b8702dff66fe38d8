"""Migration 0003 on a database written by the previous schema (0002), on both engines: the
events' free text moves to ``event_texts`` and every event reads back exactly as before, each
child gets its pseudonym (the same child the same one), the log stays append-only, the report's
figures do not change, and erasure then leaves nothing of an erased dispute on disk, including
the old row versions the previous code left in free space (it ran without secure_delete)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Column, MetaData, String, Table, delete, insert, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from drp.machine import Decision
from drp.report import PeriodActivity
from drp.tally import month_bounds, tally
from store import Store, StoreError, migrate
from store.codec import children_values, dispute_values, owner_values
from store.payloads import payload_json
from store.projections import project
from store.reporting import ReportReader
from store.schema import children, dispute_owners, disputes, events
from tests.store.erasure_seed import CPC, NOW, PERIOD, SHARED, save, seeded
from tests.store.test_reporting import normal
from tests.teams_bot.test_retention import QUARTER, _raw

# The disputes table as schema 0002 had it (0003 added erased_at; 0004 moved the approver;
# 0012 added the tier).
DISPUTES_0002 = Table(
    "disputes",
    MetaData(),
    *(
        c._copy()
        for c in disputes.columns
        if c.name not in {"erased_at", "pending_outcome", "pending_note", "tier", "reopened"}
    ),
    Column("approver", String(100), nullable=False),
)


async def _legacy_write(store: Store, stories: dict[str, list[Decision]], *, grow: bool) -> None:
    """What the code of schema 0002 wrote: full payloads in the log, children without
    pseudonyms, each step a transaction rewriting the dispute's rows, secure_delete off (the
    default of many SQLite builds). Then one row grows, as rows do, and moves, leaving its old
    version in the page's free space: the copy only a rebuild of the file removes."""
    for decisions in stories.values():
        for number, decision in enumerate(decisions):
            async with store.transaction() as tx:
                await _insecure(tx.connection)
                await _legacy_step(tx.connection, decision, first=number == 0)
    if not grow:
        return
    async with store.transaction() as tx:
        await _insecure(tx.connection)
        grown = update(disputes).where(disputes.c.reference == "DRP-2024-000002")
        await tx.connection.execute(grown.values(impact=disputes.c.impact + " (more)" * 40))


async def _insecure(conn: AsyncConnection) -> None:
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("PRAGMA secure_delete=OFF")


async def _legacy_step(conn: AsyncConnection, decision: Decision, *, first: bool) -> None:
    dispute, event = decision.dispute, decision.event
    row = dispute_values(dispute, event.at)
    del row["erased_at"]
    # Schema 0002 had one approver column and no pending close (0004 moved them; issue 15).
    del row["pending_outcome"], row["pending_note"]
    del row["tier"]  # 0012 added the tier of management within a stage
    del row["reopened"]  # 0013 (issue 14.4)
    row["approver"] = dispute.approvers[0] if dispute.approvers else ""
    if first:
        await conn.execute(insert(DISPUTES_0002).values(row))
    else:
        ref = row.pop("reference")
        where = DISPUTES_0002.c.reference == ref
        await conn.execute(update(DISPUTES_0002).where(where).values(row))
        for table in (children, dispute_owners):
            await conn.execute(delete(table).where(table.c.reference == ref))
    kids = [{k: v for k, v in c.items() if k != "pseudonym"} for c in children_values(dispute)]
    await conn.execute(insert(children), kids)
    if dispute.owners:
        await conn.execute(insert(dispute_owners), owner_values(dispute))
    await conn.execute(insert(events).values(_event_row(decision)))
    await project(conn, dispute, event)


def _event_row(decision: Decision) -> dict[str, Any]:
    e = decision.event
    return {
        "reference": e.reference,
        "sequence": e.sequence,
        "kind": e.kind.value,
        "actor": e.actor,
        "actor_role": e.actor_role.value,
        "at": e.at,
        "from_stage": e.from_stage,
        "to_stage": e.to_stage,
        "payload": payload_json(e.payload),
    }


def _downgrade(connection: Connection, revision: str) -> None:
    cfg = migrate.config()
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def _legacy_database(url: str, *, grow: bool = False) -> dict[str, list[Decision]]:
    stories = seeded().stories
    store = await Store.open(url)
    try:
        assert await store.upgrade("0002") == "0002"
        await _legacy_write(store, stories, grow=grow)
    finally:
        await store.close()
    return stories


async def _children_figures(store: Store) -> dict[str, Any]:
    start, end = QUARTER.bounds(CPC.calendar)
    async with store.transaction(readonly=True) as tx:
        counted = await ReportReader(tx.connection).tally(
            start, end, month_bounds(QUARTER, CPC.calendar), "cpc-standard"
        )
    return normal(counted)


async def test_upgrade_moves_texts_apart_and_keeps_every_event_and_figure(
    empty_database_url: str,
) -> None:
    stories = await _legacy_database(empty_database_url)
    store = await Store.open(empty_database_url)
    try:
        await store.upgrade()
        async with store.transaction(readonly=True) as tx:
            for ref, decisions in stories.items():
                assert await tx.disputes.events(ref) == [d.event for d in decisions]
                # Actions were tracked from 0013 on (issue 14.4): older disputes' requested and
                # promised actions stay in their texts, none is tracked.
                untracked = replace(decisions[-1].dispute, actions=())
                assert await tx.disputes.get(ref) == untracked
            loaded = {ref: await tx.disputes.get(ref) for ref in stories}
            facts = await tx.connection.execute(text("SELECT payload FROM events"))
            assert all("reason" not in p and "response" not in p for (p,) in facts)
        shared = {
            c.pseudonym
            for d in loaded.values()
            for c in d.children
            if c.local_id == SHARED.local_id
        }
        assert len(shared) == 1
        assert "" not in shared
        cpc = [d for d in loaded.values() if d.policy == "cpc-standard"]
        log = [d.event for decisions in stories.values() for d in decisions]
        expected = tally(QUARTER, PeriodActivity(cpc, log), CPC.calendar)
        assert await _children_figures(store) == normal(expected)
        for statement in ("UPDATE events SET kind = 'x'", "DELETE FROM events"):
            with pytest.raises(StoreError):
                async with store.transaction() as tx:
                    await tx.connection.execute(text(statement))
    finally:
        await store.close()


async def test_erasure_after_the_upgrade_leaves_no_old_copy(empty_database_url: str) -> None:
    seed = seeded()
    await _legacy_database(empty_database_url, grow=True)
    store = await Store.open(empty_database_url)
    try:
        await store.upgrade()
        before = await _children_figures(store)
        async with store.transaction() as tx:
            due = await tx.erasure.due(PERIOD.cutoff(NOW.date()), limit=100)
            erased, rows = await tx.erasure.erase([d.reference for d in due], NOW)
        assert len(erased) == 4
        assert rows > 0
        assert await store.scrub()
        assert await _children_figures(store) == before
    finally:
        await store.close()
    raw = await _raw(empty_database_url)
    assert [s for s in seed.erased if s.encode() in raw] == []
    assert [s for s in seed.kept if s.encode() not in raw] == []


async def test_a_new_database_can_be_downgraded_to_0002_with_its_texts_back(
    empty_database_url: str,
) -> None:
    store = await Store.open(empty_database_url)
    try:
        await store.upgrade()
        await save(store, seeded().stories)
        async with store.transaction() as tx:
            await tx.connection.run_sync(_downgrade, "0002")
            where = "reference = 'DRP-2024-000003' AND sequence = 2"
            rows = await tx.connection.execute(text(f"SELECT payload FROM events WHERE {where}"))
            (payload,) = rows.one()
        assert await store.upgrade() == migrate.head()
    finally:
        await store.close()
    found = payload if isinstance(payload, dict) else json.loads(payload)
    assert found == {"reason": "ERASE-C-DECLINE-WHY"}
