"""Retention benchmark: erase every dispute past a two-year retention period out of a council's
history (report_bench's: 100k disputes, ~1M events over three years), and check that the past
quarters' reports give the same figures before and after.

    python bench/retention_bench.py                          # SQLite, 100,000 disputes
    python bench/retention_bench.py --disputes 20000 --engine postgresql

Measured: the first run (the backlog: every dispute closed before the cut-off) as rows erased
per second, split into the erasure (batches of 500 disputes, a transaction each, audit rows
and outbox refreshes included) and the scrub (SQLite: the one-off rebuild, then folding the log
back); the next day's run (only that day's closures). Baseline in the same run, on the same
database: the loader's own insert rate (rows written per second by bulk inserts), so the ratio
says what erasing costs against writing.

Checked: for three past quarters, the report's CSV and the store's SQL counts are the same
before and after, and the SQL counts equal the domain's tally (``drp.tally.tally``) of the
disputes and events as stored, before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_bench import NOW, load
from drp.governance import RetentionPeriod
from drp.report import Period, PeriodActivity
from drp.tally import month_bounds, tally
from store import Store
from store.reporting import ReportReader
from store.schema import audit_log
from teams_bot.audited_reads import Format, build_report, render_report
from teams_bot.retention import Retention
from tests.drp.report_seed import NEWHAM
from tests.store.postgres import Databases, find_or_start
from tests.store.test_reporting import normal

PERIOD = RetentionPeriod.parse("2 years")
AS_OF = NOW.date()
QUARTERS = (
    Period(date(2023, 4, 1), date(2023, 6, 30)),  # wholly past retention
    Period(date(2024, 1, 1), date(2024, 3, 31)),  # closures either side of the cut-off
    Period(date(2025, 1, 1), date(2025, 3, 31)),  # kept
)


async def figures(store: Store) -> dict[str, Any]:
    """Each quarter's report CSV and SQL counts; the SQL counts must equal the domain's."""
    found: dict[str, Any] = {}
    for quarter in QUARTERS:
        report = await build_report(store, NEWHAM, quarter, NOW, actor="bench", fmt=Format.CSV)
        found[f"{quarter.start} csv"] = render_report(report, Format.CSV)
        by_sql, by_domain = await _tallies(store, quarter)
        assert by_sql == by_domain, quarter
        found[f"{quarter.start} counts"] = by_sql
    return found


async def _tallies(store: Store, quarter: Period) -> tuple[dict[str, Any], dict[str, Any]]:
    start, end = quarter.bounds(NEWHAM.calendar)
    # Every dispute raised up to the quarter's end: the domain counts events in the quarter
    # of disputes raised earlier too.
    async with store.transaction(readonly=True) as tx:
        counted = await ReportReader(tx.connection).tally(
            start, end, month_bounds(quarter, NEWHAM.calendar), "newham"
        )
        early = start - timedelta(days=400)
        disputes = [d async for d in tx.disputes.for_report(early, end)]
        events = [e for d in disputes for e in await tx.disputes.events(d.reference)]
    domain = tally(quarter, PeriodActivity(disputes, events), NEWHAM.calendar)
    return normal(counted), normal(domain)


async def erase(store: Store, as_of: date) -> dict[str, float]:
    """One retention run, timed: erasure and scrub apart."""
    result = await Retention(store, PERIOD, NEWHAM).run(as_of, NOW, "bench")
    assert result.scrubbed
    return {
        "disputes": len(result.disputes),
        "rows": result.rows,
        "erase_s": result.seconds - result.scrub_seconds,
        "scrub_s": result.scrub_seconds,
    }


async def bench(url: str, count: int, seed: int) -> None:
    """Load, count, erase the backlog, count again, then one day's erasure."""
    store = await Store.open(url)
    try:
        await store.upgrade()
        load_s, _ = await load(store, count, seed)
        rows = await _row_count(store)
        print(f"{store.backend}: loaded {count:,} disputes, {rows:,} rows in {load_s:.1f} s")
        before = await figures(store)
        first = await erase(store, AS_OF)
        after = await figures(store)
        assert after == before, "a past quarter's figures changed"
        daily = await erase(store, AS_OF + timedelta(days=1))
        audited = await _audited(store)
        show(rows / load_s, first, daily, audited)
    finally:
        await store.close()


async def _row_count(store: Store) -> int:
    async with store.transaction(readonly=True) as tx:
        names = ("disputes", "children", "dispute_owners", "events", "event_texts", "responses")
        counts = [await tx.connection.scalar(text(f"SELECT count(*) FROM {n}")) for n in names]
    return int(sum(counts))


async def _audited(store: Store) -> int:
    async with store.transaction(readonly=True) as tx:
        erased = select(func.count()).where(audit_log.c.action == "erased")
        return int(await tx.connection.scalar(erased) or 0)


def show(
    insert_rate: float, first: dict[str, float], daily: dict[str, float], audited: int
) -> None:
    """The figures."""
    rate = first["rows"] / first["erase_s"] if first["erase_s"] else 0.0
    whole = first["rows"] / (first["erase_s"] + first["scrub_s"])
    print(
        f"backlog: {first['disputes']:,} disputes, {first['rows']:,} rows erased in "
        f"{first['erase_s']:.1f} s = {rate:,.0f} rows/s (+ scrub {first['scrub_s']:.1f} s: "
        f"{whole:,.0f} rows/s overall); {audited:,} audit entries"
    )
    ratio = rate / insert_rate
    print(f"baseline: bulk insert {insert_rate:,.0f} rows/s; erase / insert = {ratio:.2f}")
    print(
        f"next day: {daily['disputes']:,} disputes, {daily['rows']:,} rows in "
        f"{daily['erase_s'] * 1000:.0f} ms (+ scrub {daily['scrub_s'] * 1000:.0f} ms)"
    )
    print(
        f"reports for {len(QUARTERS)} past quarters: same figures before and after; SQL = domain"
    )


def main() -> None:
    """Parse the arguments and run on the engine asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    if args.engine == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="drp-retention-bench-"))
        try:
            asyncio.run(
                bench(f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}", args.disputes, args.seed)
            )
        finally:
            shutil.rmtree(folder)
        return
    databases = Databases(find_or_start())
    url = asyncio.run(databases.create(databases.name()))
    try:
        asyncio.run(bench(url.render_as_string(hide_password=False), args.disputes, args.seed))
    finally:
        asyncio.run(databases.drop_all())


if __name__ == "__main__":
    main()
