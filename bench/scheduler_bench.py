"""Scheduler benchmark: a tick costs what is due, not what is open.

Each scenario bulk-loads OPEN open disputes, DUE of them with a deadline on each working day of
one week (Mon 1 - Fri 5 Mar 2027), the rest far from any moment: green deadlines weeks away,
reviews and agreements pending, external steps, and an overdue backlog already noted. Then a
scheduler runs the week as in production (a tick at 00:00, 08:29 and 08:30 each day): at 00:00
yesterday's batch goes overdue (NoteOverdue + fan-out, one transaction each) and tomorrow's turns
amber; at 08:30 today's batch is reminded "due today" and tomorrow's "due next working day".

For contrast, in the same run: the start-up sweep (everything still pending) and a naive tick
that loads every open dispute and computes its moments (a full scan).

    python bench/scheduler_bench.py                       # 100k/1k, 10k/1k, 100k/100 on SQLite
    python bench/scheduler_bench.py --engine postgresql --url postgresql+asyncpg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_bench import database

from drp.calendar import LONDON, WorkingDayCalendar
from drp.deadlines import moments
from drp.machine import Context
from drp.policy import load_policy
from store import Store
from store.schema import children, dispute_owners, disputes, events
from teams_bot.scheduler import Scheduler, Timing

WEEK = [date(2027, 3, 1) + timedelta(days=n) for n in range(5)]  # no bank holiday
CAL = WorkingDayCalendar()
BATCH = 5_000
FAR_STATUSES = ("green", "green", "green", "review", "approval", "external", "noted")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def rows(open_count: int, due_per_day: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Dispute rows: ``due_per_day`` due on each day of the week, the rest far from a moment."""
    near = [day for day in WEEK for _ in range(due_per_day)]
    for n in range(1, open_count + 1):
        if n <= len(near):
            yield _row(n, "awaiting_response", CAL.end_of_day(near[n - 1]), False)
            continue
        kind = rng.choice(FAR_STATUSES)
        later = CAL.end_of_day(WEEK[-1] + timedelta(days=rng.randrange(21, 60)))
        earlier = CAL.end_of_day(WEEK[0] - timedelta(days=rng.randrange(3, 60)))
        if kind == "green":
            yield _row(n, "awaiting_response", later, False)
        elif kind == "noted":
            yield _row(n, "awaiting_response", earlier, True)
        elif kind == "review":
            yield _row(n, "awaiting_review", later, False, review=later)
        elif kind == "approval":
            yield _row(n, "awaiting_approval", None, False)
        else:
            yield _row(n, "external", None, False)


def _row(
    n: int, status: str, due: datetime | None, noted: bool, review: datetime | None = None
) -> dict[str, Any]:
    raised = at(WEEK[0], 9) - timedelta(days=20)
    return {
        "reference": f"DRP-2027-{n:06d}",
        "policy": "nottingham",
        "process": "drp",
        "raised_by": f"chair-{n % 40}",
        "raiser_role": "chair",
        "raised_at": raised,
        "date_of_concern": raised.date(),
        "team": f"team-{n % 30}",
        "raiser_team": "",
        "practitioner": "",
        "child_on_plan": False,
        "category": "drift-delay",
        "category_other": "",
        "issue_type": "",
        "summary": "summary",
        "impact": "impact",
        "evidence": "",
        "requested_actions": [],
        "status": status,
        "stage": "1" if status != "external" else "5",
        "due_at": due if status == "awaiting_response" else None,
        "review_due_at": review,
        "overall_due_at": None,
        "formal_started_at": raised,
        "approver": "csm-0" if status == "awaiting_approval" else "",
        "pending_stage": "1" if status == "awaiting_approval" else "",
        "pending_due": None,
        "resume_status": None,
        "extensions_used": 0,
        "responded_by": "",
        "overdue_noted": noted,
        "outcome": None,
        "closed_at": None,
        "referrals": [],
        "version": 1,
        "updated_at": raised,
    }


async def load(store: Store, open_count: int, due_per_day: int, seed: int) -> None:
    rng = random.Random(seed)
    batch: dict[Any, list[dict[str, Any]]] = {
        disputes: [],
        children: [],
        dispute_owners: [],
        events: [],
    }
    for row in rows(open_count, due_per_day, rng):
        ref = row["reference"]
        batch[disputes].append(row)
        batch[children].append(
            {
                "reference": ref,
                "position": 0,
                "name": "A B",
                "local_id": f"L-{ref}",
                "dob": None,
                "pseudonym": f"p-{ref}",
            }
        )
        if row["status"] == "awaiting_response":
            person = f"tm-{rng.randrange(300)}"
            batch[dispute_owners].append({"reference": ref, "position": 0, "person_id": person})
        batch[events].append(
            {
                "reference": ref,
                "sequence": 1,
                "kind": "raised",
                "actor": row["raised_by"],
                "actor_role": "chair",
                "at": row["raised_at"],
                "from_stage": "",
                "to_stage": row["stage"],
                "payload": {},
            }
        )
        if len(batch[disputes]) >= BATCH:
            await _flush(store, batch)
    await _flush(store, batch)


async def _flush(store: Store, batch: dict[Any, list[dict[str, Any]]]) -> None:
    async with store.transaction() as tx:
        for table, found in batch.items():
            if found:
                await tx.connection.execute(insert(table), found)
                found.clear()


class Statements:
    """Counts the SQL statements sent while ``active``."""

    def __init__(self, store: Store) -> None:
        self.count = 0
        store.on_statement(self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


@dataclass
class Row:
    scenario: str
    what: str
    ms: float
    enqueued: int
    statements: int


async def timed(
    label: str, scenario: str, counter: Statements, work: Callable[[], Awaitable[int]]
) -> Row:
    before = counter.count
    began = time.perf_counter()
    enqueued = await work()  # rows owed (reminders, refreshes, digests) or events recorded
    ms = (time.perf_counter() - began) * 1000
    return Row(scenario, label, ms, enqueued, counter.count - before)


async def scenario(
    engine: str, url: str | None, open_count: int, due: int, seed: int
) -> list[Row]:
    target, discard = await database(engine, url)
    store = await Store.open(target)
    name = f"{open_count // 1000}k open / {due} due a day"
    try:
        await store.upgrade()
        began = time.perf_counter()
        await load(store, open_count, due, seed)
        if engine == "postgresql":
            async with store.transaction() as tx:
                await tx.connection.execute(text("ANALYZE"))
        print(f"  {name}: loaded in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        return await _week(store, name)
    finally:
        await store.close()
        await discard()


async def _week(store: Store, name: str) -> list[Row]:
    ctx = Context(load_policy("nottingham"), CAL)
    clock_now = [at(WEEK[0], 0)]
    # A sweep of everything only at start-up here, so each tick below is the windowed one.
    timing = Timing(full_sweep_seconds=30 * 86400)
    scheduler = Scheduler(store, ctx, lambda: clock_now[0], timing)
    counter = Statements(store)
    found: list[Row] = []

    async def tick(instant: datetime) -> int:
        clock_now[0] = instant
        done = await scheduler.tick(instant)
        return done.enqueued + done.overdue

    start = at(WEEK[0], 0) - timedelta(minutes=1)
    found.append(await timed("start-up sweep", name, counter, lambda: tick(start)))
    found.append(await timed("full scan (naive)", name, counter, lambda: _naive(store, start)))
    for day in WEEK:
        for hour, minute, label in ((0, 0, "00:00 tick"), (8, 29, "idle tick")):
            instant = at(day, hour, minute)
            found.append(await timed(label, name, counter, lambda i=instant: tick(i)))
        # The morning's reminders apart from its digests (those cost O(people owing), once a day).
        scheduler.digests_done(day)
        morning = at(day, 8, 30)
        found.append(await timed("08:30 reminders", name, counter, lambda i=morning: tick(i)))
        scheduler.digests_done(None)
        later = at(day, 8, 31)
        found.append(await timed("08:31 digests", name, counter, lambda i=later: tick(i)))
    return found


async def _naive(store: Store, now: datetime) -> int:
    """What a tick without indexed windows would do: every open dispute, every moment."""
    async with store.transaction(readonly=True) as tx:
        every = await tx.disputes.open_all()
    return sum(1 for d in every for m in moments(d, CAL, Timing().morning) if m.at <= now)


def report(found: list[Row]) -> None:
    print(f"{'scenario':<28} {'what':<18} {'median ms':>10} {'max ms':>9} {'rows':>7} {'SQL':>7}")
    order = list(dict.fromkeys((r.scenario, r.what) for r in found))
    medians: dict[tuple[str, str], float] = {}
    for key in order:
        runs = [r for r in found if (r.scenario, r.what) == key]
        med = statistics.median(r.ms for r in runs)
        medians[key] = med
        enq = statistics.median(r.enqueued for r in runs)
        sql = statistics.median(r.statements for r in runs)
        worst = max(r.ms for r in runs)
        print(f"{key[0]:<28} {key[1]:<18} {med:>10.1f} {worst:>9.1f} {enq:>7.0f} {sql:>7.0f}")
    names = list(dict.fromkeys(r.scenario for r in found))
    if len(names) >= 3:
        big, small, few = names[:3]
        print()
        for what in (
            "00:00 tick",
            "08:30 reminders",
            "idle tick",
            "08:31 digests",
            "full scan (naive)",
        ):
            same_due = medians[(big, what)] / medians[(small, what)]
            tenth = medians[(big, what)] / medians[(few, what)]
            print(f"{what:<18} {big} vs {small}: x{same_due:.2f}   {big} vs {few}: x{tenth:.2f}")


async def run(args: argparse.Namespace) -> None:
    found: list[Row] = []
    plans = [(args.open, args.due), (args.open // 10, args.due), (args.open, args.due // 10)]
    for open_count, due in plans:
        found += await scenario(args.engine, args.url, open_count, due, args.seed)
    print(f"engine: {args.engine}")
    report(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open disputes")
    parser.add_argument("--due", type=int, default=1_000, help="disputes due each working day")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="PostgreSQL: a database on the server to use")
    parser.add_argument("--seed", type=int, default=2027)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
