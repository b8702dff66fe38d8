"""Report benchmark: a council's history of 100k disputes and ~1M events on SQLite, then the
quarterly report (count, compute, render HTML with charts and CSV) timed end to end.

    python bench/report_bench.py                       # 100,000 disputes, ~1,000,000 events
    python bench/report_bench.py --disputes 20000 --runs 3

The disputes are real: template stories made by the domain (``raise_dispute`` / ``decide``
under Newham's profile: resolved at each stage, informal then formal, up the whole ladder,
the external step, CAFCASS referrals, withdrawn, immediate-harm alerts, still open), each
dispute a template moved whole weeks in time with its own reference, children, team and
category (``tests/drp/report_seed.history``). Raises are spread over three years; those of
the last 40 days are open. Rows are bulk-inserted as the store writes them (disputes,
children, owners, events and the responses projection the report reads).

Two baselines in the same run, on the same database:
- ``log scan``: reading every event row once (``sum(length(payload))``), what any report
  that looked at the whole log would cost on this machine: the report's time is also given
  as a ratio of it, so the figure travels between machines;
- ``no covering index``: the report's counts with its five covering indexes dropped (in a
  transaction rolled back afterwards), showing what they buy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drp.calendar import LONDON
from drp.events import Responded
from drp.machine import Context
from drp.model import Dispute
from drp.report import Period
from drp.tally import child_key
from store import Store, Transaction
from store.codec import (
    children_values,
    dispute_values,
    event_text_values,
    event_values,
    owner_values,
)
from store.projections import response_values
from store.pseudonyms import new_pseudonym
from store.schema import (
    child_pseudonyms,
    children,
    dispute_owners,
    disputes,
    event_texts,
    events,
    responses,
)
from teams_bot.audited_reads import Format, build_report, period_tally, render_report
from tests.drp.report_seed import NEWHAM, history

BATCH = 4_000
YEARS = 3
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=LONDON)
QUARTER = Period(date(2026, 1, 1), date(2026, 3, 31))
COVERING = (
    "ix_events_report",
    "ix_children_report",
    "ix_disputes_raised_report",
    "ix_disputes_report",
    "ix_responses_report",
)


async def load(store: Store, count: int, seed: int) -> tuple[float, int]:
    """Bulk-load with core inserts in batches; (seconds, events loaded)."""
    began, total = time.perf_counter(), 0
    tables = (disputes, children, dispute_owners, events, event_texts, responses)
    batch: dict[Any, list[dict[str, Any]]] = {table: [] for table in tables}
    tokens: dict[str, str] = {}  # each child's pseudonym, as store.pseudonyms makes them
    for decisions in history(count, seed, NOW, YEARS):
        dispute = decisions[-1].dispute
        chronology = [d.event for d in decisions]
        batch[disputes].append(dispute_values(dispute, dispute.raised_at))
        batch[children] += children_rows(dispute, tokens)
        batch[dispute_owners] += owner_values(dispute)
        batch[events] += [event_values(e) for e in chronology]
        batch[event_texts] += [t for e in chronology if (t := event_text_values(e)) is not None]
        batch[responses] += [
            response_values(e, e.payload) for e in chronology if isinstance(e.payload, Responded)
        ]
        total += len(chronology)
        if len(batch[disputes]) >= BATCH:
            await _flush(store, batch)
    await _flush(store, batch)
    links = [{"local_key": k, "pseudonym": p} for k, p in tokens.items()]
    await _flush(store, {child_pseudonyms: links})
    return time.perf_counter() - began, total


def children_rows(dispute: Dispute, tokens: dict[str, str]) -> list[dict[str, Any]]:
    """The ``children`` rows with each child's pseudonym (the same local ID, the same one)."""
    rows = children_values(dispute)
    for row in rows:
        row["pseudonym"] = tokens.setdefault(child_key(row["local_id"]), new_pseudonym())
    return rows


async def _flush(store: Store, batch: dict[Any, list[dict[str, Any]]]) -> None:
    async with store.transaction() as tx:
        for table, rows in batch.items():
            if rows:
                await tx.connection.execute(insert(table), rows)
                rows.clear()


async def one_report(store: Store, ctx: Context) -> dict[str, float]:
    """Milliseconds of each part of one report: load + compute, HTML, CSV."""
    began = time.perf_counter()
    report = await build_report(store, ctx, QUARTER, NOW, actor="bench", fmt=Format.HTML)
    built = time.perf_counter()
    page = render_report(report, Format.HTML)
    drawn = time.perf_counter()
    render_report(report, Format.CSV)
    done = time.perf_counter()
    assert "<svg" in page
    assert report.current.raised > 0
    return {
        "count+compute": (built - began) * 1000,
        "html": (drawn - built) * 1000,
        "csv": (done - drawn) * 1000,
        "total": (done - began) * 1000,
        "raised": report.current.raised,
    }


async def scan(store: Store) -> float:
    """Milliseconds to read every event row once."""
    async with store.transaction(readonly=True) as tx:
        began = time.perf_counter()
        await tx.connection.execute(text("SELECT sum(length(payload)) FROM events"))
        return (time.perf_counter() - began) * 1000


async def without_indexes(store: Store, ctx: Context) -> float:
    """Milliseconds of the report's counts with its covering indexes dropped (rolled back)."""
    async with store.scratch() as conn:
        for index in COVERING:
            await conn.execute(text(f"DROP INDEX {index}"))
        began = time.perf_counter()
        tx = Transaction(conn)
        await period_tally(tx, QUARTER, ctx)
        await period_tally(tx, QUARTER.last_year(), ctx)
        await tx.reports.open_deadlines(ctx.policy.key, NOW)
        return (time.perf_counter() - began) * 1000


async def build(path: Path, args: argparse.Namespace) -> None:
    """Load the history into a new SQLite file, analyse it and fold its WAL back in."""
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        await store.upgrade()
        seconds, total = await load(store, args.disputes, args.seed)
        async with store.transaction() as tx:
            await tx.connection.execute(text("ANALYZE"))
    finally:
        await store.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"sqlite: loaded {args.disputes:,} disputes, {total:,} events in {seconds:.1f} s")


async def measure(path: Path, runs: int) -> None:
    """Time the report on an existing file: warm-up, then the median of ``runs``."""
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    try:
        await one_report(store, NEWHAM)  # warm-up: imports, caches, the holiday tables
        timed = [await one_report(store, NEWHAM) for _ in range(runs)]
        parts = {k: statistics.median(r[k] for r in timed) for k in timed[0]}
        floor = statistics.median([await scan(store) for _ in range(runs)])
        slow = statistics.median([await without_indexes(store, NEWHAM) for _ in range(2)])
        show(runs, parts, floor, slow)
    finally:
        await store.close()


def run(args: argparse.Namespace) -> None:
    """Load (unless ``--database`` names a loaded file), then measure in a fresh process, as
    a running server would report: none of the loader's million objects in its memory."""
    folder = Path(tempfile.mkdtemp(prefix="drp-report-bench-"))
    path = args.database or folder / "bench.sqlite3"
    try:
        if path.exists():
            print(f"sqlite: reusing {path}")
        else:
            asyncio.run(build(path, args))
        command = [sys.executable, __file__, "--measure", str(path), "--runs", str(args.runs)]
        subprocess.run(command, check=True)
    finally:
        remove(folder)


def remove(folder: Path) -> None:
    """Delete the benchmark's database folder."""
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()


def show(runs: int, parts: dict[str, float], floor: float, slow: float) -> None:
    """The figures: each part, the budget, the two baselines."""
    raised = int(parts["raised"])
    print(f"quarter {QUARTER.label}: {raised:,} disputes raised; median of {runs} runs")
    for name in ("count+compute", "html", "csv", "total"):
        print(f"  {name:14} {parts[name]:8.1f} ms")
    print(f"  budget 1000 ms: {'PASS' if parts['total'] <= 1000 else 'FAIL'}")
    print(f"baseline log scan (every event row read once): {floor:8.1f} ms;")
    print(f"  report total / log scan = {parts['total'] / floor:.2f}")
    print(f"baseline without the covering indexes (counts only): {slow:8.1f} ms;")
    print(f"  without / with = {slow / parts['count+compute']:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs (median)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database", type=Path, help="keep the loaded SQLite file here (reused if it exists)"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        asyncio.run(measure(args.measure, args.runs))
    else:
        run(args)


if __name__ == "__main__":
    main()
