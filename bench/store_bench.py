"""Store benchmark: bulk-load a council's history, then time the hot queries with and without
their indexes (the baseline drops the index inside a transaction that is rolled back).

    python bench/store_bench.py --disputes 100000 --events 1000000 --engine sqlite
    python bench/store_bench.py --engine postgresql --url postgresql+asyncpg://postgres@127.0.0.1/test

PostgreSQL: ``--url`` names a database on a server where the user may CREATE DATABASE; the
benchmark works in a new database it drops afterwards (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store, Transaction
from store.schema import children, dispute_owners, disputes, events, outbox

BATCH = 5_000
OPEN_SHARE = 0.10
START = datetime(2023, 1, 1, tzinfo=UTC)
YEARS = 3
MANAGERS, CHAIRS, TEAMS = 300, 40, 30
OPEN = ("awaiting_response", "awaiting_response", "awaiting_review", "awaiting_approval")
NOW = START + timedelta(days=365 * YEARS)
OPEN_WINDOW = timedelta(days=90)  # open disputes were raised in the last 90 days


def dispute_rows(count: int, events_per: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Synthetic dispute rows: 90% closed over three years, 10% open in the last 90 days."""
    span = (NOW - START).total_seconds()
    for n in range(1, count + 1):
        is_open = rng.random() < OPEN_SHARE
        if is_open:
            raised = NOW - OPEN_WINDOW * rng.random()
        else:
            raised = START + timedelta(seconds=span * rng.random())
        status = rng.choice(OPEN) if is_open else "closed"
        yield _dispute(n, raised, status, events_per, rng)


def _dispute(n: int, raised: datetime, status: str, version: int, rng: random.Random) -> dict:
    due = raised + timedelta(days=7)
    return {
        "reference": f"DRP-{raised.year}-{n:06d}",
        "policy": "nottingham",
        "process": "drp",
        "raised_by": f"chair-{rng.randrange(CHAIRS)}",
        "raiser_role": "chair",
        "raised_at": raised,
        "date_of_concern": raised.date(),
        "team": f"team-{rng.randrange(TEAMS)}",
        "raiser_team": "",
        "practitioner": "sw",
        "child_on_plan": False,
        "category": "drift-delay",
        "category_other": "",
        "issue_type": "",
        "summary": "summary",
        "impact": "impact",
        "evidence": "",
        "requested_actions": [],
        "status": status,
        "stage": "1",
        "due_at": due if status == "awaiting_response" else None,
        "review_due_at": due + timedelta(days=2) if status == "awaiting_review" else None,
        "overall_due_at": None,
        "formal_started_at": raised,
        "approver": "csm-0" if status == "awaiting_approval" else "",
        "pending_stage": "",
        "pending_due": None,
        "resume_status": None,
        "extensions_used": 0,
        "responded_by": "",
        "overdue_noted": False,
        "outcome": "resolved" if status == "closed" else None,
        "closed_at": raised + timedelta(days=10) if status == "closed" else None,
        "referrals": [],
        "version": version,
        "updated_at": raised,
    }


def parts(row: dict[str, Any], rng: random.Random) -> tuple[list[dict], list[dict], list[dict]]:
    """A dispute's children, owners (open only) and events."""
    ref = row["reference"]
    kids = [
        {
            "reference": ref,
            "position": k,
            "name": "A B",
            "local_id": f"LL-{ref}-{k}",
            "dob": None,
            "pseudonym": f"p-{ref}-{k}",
        }
        for k in range(rng.choice((1, 1, 2)))
    ]
    owners = []
    if row["status"] in {"awaiting_response", "awaiting_review"}:
        owners = [{"reference": ref, "position": 0, "person_id": f"tm-{rng.randrange(MANAGERS)}"}]
    chronology = [
        {
            "reference": ref,
            "sequence": s,
            "kind": "raised" if s == 1 else "responded",
            "actor": row["raised_by"],
            "actor_role": "chair",
            "at": row["raised_at"] + timedelta(hours=s),
            "from_stage": "1",
            "to_stage": "1",
            "payload": {"n": s},
        }
        for s in range(1, row["version"] + 1)
    ]
    return kids, owners, chronology


async def load(store: Store, count: int, total_events: int, seed: int) -> float:
    """Bulk-load with core inserts in batches; returns seconds taken."""
    rng = random.Random(seed)
    events_per = max(1, total_events // count)
    began = time.perf_counter()
    batch: dict[Any, list[dict]] = {disputes: [], children: [], dispute_owners: [], events: []}
    for row in dispute_rows(count, events_per, rng):
        batch[disputes].append(row)
        kids, owners, chronology = parts(row, rng)
        batch[children] += kids
        batch[dispute_owners] += owners
        batch[events] += chronology
        if len(batch[events]) >= BATCH * 4 or len(batch[disputes]) >= BATCH:
            await _flush(store, batch)
    await _flush(store, batch)
    await _load_outbox(store, count, rng)
    return time.perf_counter() - began


async def _flush(store: Store, batch: dict[Any, list[dict]]) -> None:
    async with store.transaction() as tx:
        for table, rows in batch.items():
            if rows:
                await tx.connection.execute(insert(table), rows)
                rows.clear()


async def _load_outbox(store: Store, count: int, rng: random.Random) -> None:
    rows = []
    for n in range(count):  # one message per dispute, nearly all long sent
        due = NOW - timedelta(days=rng.randrange(1, 1000))
        pending = n % 1000 == 0
        rows.append(
            {
                "recipient": f"tm-{n % MANAGERS}",
                "kind": "notice",
                "reference": None,
                "dedupe_key": f"k-{n}",
                "payload": {},
                "due_at": due,
                "attempts": 1,
                "sent_at": None if pending else due,
                "failed": False,
            }
        )
    for start in range(0, len(rows), BATCH):
        async with store.transaction() as tx:
            await tx.connection.execute(insert(outbox), rows[start : start + BATCH])


Query = Callable[[Transaction], Awaitable[int]]


def queries(sample: str) -> list[tuple[str, Query, tuple[str, ...]]]:
    """(name, query returning its row count, the indexes it relies on)."""
    month = (NOW - timedelta(days=400), NOW - timedelta(days=370))
    due_at = NOW - OPEN_WINDOW + timedelta(days=8)

    async def monthly(tx: Transaction) -> int:
        return sum([1 async for _ in tx.disputes.for_report(*month)])

    async def claim(tx: Transaction) -> int:
        return len(await tx.outbox.claim_due(NOW, "bench", 60, 50))

    return [
        (
            "due_before(T)",
            lambda tx: _n(tx.disputes.due_before(due_at)),
            ("ix_disputes_response_due", "ix_disputes_review_due"),
        ),
        (
            "open_for_owner(manager)",
            lambda tx: _n(tx.disputes.open_for_owner("tm-7")),
            ("ix_dispute_owners_person_id",),
        ),
        (
            "open_for_raiser(chair)",
            lambda tx: _n(tx.disputes.open_for_raiser("chair-3")),
            ("ix_disputes_open_raiser",),
        ),
        (
            "awaiting_review_for(chair)",
            lambda tx: _n(tx.disputes.awaiting_review_for("chair-3")),
            ("ix_disputes_open_raiser",),
        ),
        ("open_all() (board)", lambda tx: _n(tx.disputes.open_all()), ("ix_disputes_open_team",)),
        ("for_report(one month)", monthly, ("ix_disputes_raised_at",)),
        ("events(reference)", lambda tx: _n(tx.disputes.events(sample)), ()),
        ("outbox.claim_due(50)", claim, ("ix_outbox_pending",)),
    ]


async def _n(rows: Awaitable[list[Any]]) -> int:
    return len(await rows)


class DbClock:
    """Milliseconds spent inside the driver's execute (the async drivers fetch rows there)."""

    def __init__(self, store: Store) -> None:
        self.total = 0.0
        store.on_statement(self._before, self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        self.total += (time.perf_counter() - conn.info.pop("bench_began")) * 1000


async def timed(
    conn: AsyncConnection, clock: DbClock, query: Query, runs: int
) -> tuple[int, float, float]:
    """Median total and database milliseconds of ``runs`` runs, after one warm-up."""
    found, totals, in_db = 0, [], []
    for attempt in range(runs + 1):
        nested = await conn.begin_nested()  # claim_due writes: undo it each time
        clock.total, began = 0.0, time.perf_counter()
        found = await query(Transaction(conn))
        elapsed, db = (time.perf_counter() - began) * 1000, clock.total
        await nested.rollback()
        if attempt:
            totals.append(elapsed)
            in_db.append(db)
    return found, statistics.median(totals), statistics.median(in_db)


Result = tuple[str, int, float, float, float | None]


async def measure(store: Store, runs: int) -> list[Result]:
    """Each query with its indexes, then with them dropped (rolled back afterwards)."""
    async with store.transaction(readonly=True) as tx:
        sample = (await tx.connection.execute(text("SELECT max(reference) FROM events"))).scalar()
    clock = DbClock(store)
    results = []
    for name, query, indexes in queries(str(sample)):
        async with store.scratch() as conn:
            found, total, db = await timed(conn, clock, query, runs)
            slow = None
            if indexes:
                for index in indexes:
                    await conn.execute(text(f"DROP INDEX {index}"))
                _, _, slow = await timed(conn, clock, query, max(1, runs // 2))
        results.append((name, found, total, db, slow))
    return results


async def database(engine: str, url: str | None) -> tuple[str, Callable[[], Awaitable[None]]]:
    """A fresh database to load into, and how to throw it away."""
    if engine == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="drp-bench-")) / "bench.sqlite3"

        async def remove() -> None:
            for file in path.parent.iterdir():
                file.unlink()
            path.parent.rmdir()

        return f"sqlite+aiosqlite:///{path}", remove
    admin = make_url(url or "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    name = f"drp_bench_{uuid.uuid4().hex[:8]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()

    async def drop() -> None:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await conn.close()

    return admin.set(database=name).render_as_string(hide_password=False), drop


async def run(args: argparse.Namespace) -> None:
    url, discard = await database(args.engine, args.url)
    store = await Store.open(url)
    try:
        await store.upgrade()
        seconds = await load(store, args.disputes, args.events, args.seed)
        async with store.transaction() as tx:
            await tx.connection.execute(text("ANALYZE"))
        print(
            f"{args.engine}: loaded {args.disputes:,} disputes, ~{args.events:,} events,"
            f" {args.disputes:,} outbox rows in {seconds:.1f} s"
        )
        report(await measure(store, args.runs))
    finally:
        await store.close()
        if not args.keep:
            await discard()


def report(rows: list[Result]) -> None:
    """One line per query: rows, end-to-end ms, database ms with and without its index."""
    print(
        f"{'query':28} {'rows':>6} {'total ms':>9} {'db ms':>8} {'db ms, no index':>16}"
        f" {'ratio':>7}"
    )
    for name, found, total, db, slow in rows:
        slow_text = f"{slow:16.2f}" if slow is not None else f"{'(primary key)':>16}"
        ratio = f"{slow / db:6.0f}x" if slow is not None and db > 0 else f"{'-':>7}"
        print(f"{name:28} {found:6d} {total:9.2f} {db:8.2f} {slow_text} {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL: a database on the server to use")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the loaded database")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
