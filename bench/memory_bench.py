"""Memory benchmark: the resident set of ``drp-bot serve`` holding 100,000 open disputes, its
scheduler sweeping them and a ten-year report made through Teams, against the same server on
an empty database in the same run; and the peak of ``drp-bot report`` over the same ten years.

The open disputes belong to the generated directory of ``invoke_servers`` (50 chairs, 50 teams)
and are bulk-loaded as the store writes them: raised over the last ten years, ``--due`` of them
due on each of the working days around today (yesterday's not yet noted overdue), the rest far
from any moment (deadlines weeks ahead, chairs' reviews pending, an overdue backlog already
noted). Everyone's chat and the monitoring channel are known, so what the sweeps owe is
delivered into the loopback connector. The server's RSS is sampled every 0.1 s:

- started:  once the start-up sweep (a full catch-up over every open dispute) has run and the
            server has gone quiet;
- swept:    after ``--sweeps`` further sweeps (DRP_SCHEDULER_INTERVAL=5) and quiet again;
- report:   after ``report FROM TO`` over ten years, typed by the chairs' service manager;
- drained:  once the outbox owes nothing.

    python bench/memory_bench.py                        # 100,000 open disputes, SQLite
    python bench/memory_bench.py --open 20000 --engine postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from invoke_bench import drained
from invoke_load import BOARD, TENANT, Client, cpu_seconds
from invoke_servers import (
    ROOT,
    Connector,
    DrpServer,
    Member,
    chair,
    connector,
    drp_bot,
    drp_server,
    environment,
    manager,
    seniors,
)
from sqlalchemy import insert, select, update

from drp.calendar import LONDON, WorkingDayCalendar
from store import Store
from store.schema import (
    child_pseudonyms,
    children,
    dispute_owners,
    disputes,
    events,
    people,
    reference_counters,
)

PAIRS = 50
BATCH = 5_000
YEARS = 10
CAL = WorkingDayCalendar()
INTERVAL = 5  # seconds between sweeps (DRP_SCHEDULER_INTERVAL)


def _row(n: int, pair: int, ids: dict[str, str], raised: datetime, state: dict[str, Any]) -> Any:
    return {
        "reference": f"DRP-{raised.year}-{n:06d}",
        "policy": "nottingham",
        "process": "drp",
        "raised_by": ids[chair(pair).email],
        "raiser_role": "chair",
        "raised_at": raised,
        "date_of_concern": raised.date(),
        "team": f"Team {pair:02d}",
        "raiser_team": "",
        "practitioner": "",
        "child_on_plan": False,
        "category": "plan-progress",
        "category_other": "",
        "issue_type": "",
        "summary": "The plan has not progressed.",
        "impact": "The risks remain.",
        "evidence": "",
        "requested_actions": [],
        "stage": "1",
        "overall_due_at": None,
        "formal_started_at": raised,
        "approver": "",
        "pending_stage": "",
        "pending_due": None,
        "resume_status": None,
        "extensions_used": 0,
        "outcome": None,
        "closed_at": None,
        "referrals": [],
        "version": 1,
        "updated_at": raised,
        **state,
    }


def _state(n: int, due: int, today: date, rng: random.Random) -> dict[str, Any]:
    """Where dispute ``n`` stands: due around today, or far from any moment."""
    near = [CAL.add_working_days(today, k) for k in (1, 2)]
    near = [_previous_working_day(today), today, *near]
    if n <= due * len(near):
        return _waiting(CAL.end_of_day(near[(n - 1) // due]), noted=False)
    kind = rng.choice(("ahead", "ahead", "review", "noted"))
    if kind == "ahead":
        return _waiting(CAL.end_of_day(today + timedelta(days=rng.randrange(21, 60))), False)
    if kind == "noted":
        return _waiting(CAL.end_of_day(today - timedelta(days=rng.randrange(3, 60))), True)
    review = CAL.end_of_day(today + timedelta(days=rng.randrange(21, 60)))
    return {
        "status": "awaiting_review",
        "due_at": None,
        "review_due_at": review,
        "responded_by": "",
        "overdue_noted": False,
    }


def _waiting(due: datetime, noted: bool) -> dict[str, Any]:
    return {
        "status": "awaiting_response",
        "due_at": due,
        "review_due_at": None,
        "responded_by": "",
        "overdue_noted": noted,
    }


def _previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not CAL.is_working_day(day):
        day -= timedelta(days=1)
    return day


def rows(
    count: int, due: int, ids: dict[str, str], seed: int
) -> Iterator[tuple[dict[str, Any], str]]:
    """``count`` open disputes raised over the last ten years, each with its stage owner."""
    rng = random.Random(seed)
    now = datetime.now(LONDON)
    for n in range(1, count + 1):
        raised = now - timedelta(days=365 * YEARS * rng.random(), hours=1)
        pair = n % PAIRS
        row = _row(n, pair, ids, raised, _state(n, due, now.date(), rng))
        yield row, ids[manager(pair).email]


def _chat(conn: Connector, member: Member) -> dict[str, Any]:
    return {
        "serviceUrl": conn.service_url,
        "channelId": "msteams",
        "conversation": {"id": member.chat, "conversationType": "personal", "tenantId": TENANT},
        "bot": {"id": "28:bench-bot", "name": "DRP"},
        "user": {"id": member.teams_id, "aadObjectId": member.aad_id},
    }


def _board(conn: Connector) -> dict[str, Any]:
    return {
        "serviceUrl": conn.service_url,
        "channelId": "msteams",
        "conversation": {"id": BOARD, "conversationType": "channel", "tenantId": TENANT},
        "bot": {"id": "28:bench-bot", "name": "DRP"},
    }


async def load(url: str, conn: Connector, count: int, due: int, seed: int) -> float:
    """Chats, the board, then ``count`` open disputes; seconds taken."""
    began = time.perf_counter()
    store = await Store.open(url)
    try:
        members = [f(n) for n in range(PAIRS) for f in (chair, manager)] + seniors(PAIRS)
        async with store.transaction() as tx:
            found = await tx.connection.execute(select(people.c.email, people.c.id))
            ids: dict[str, str] = {email: pid for email, pid in found}  # noqa: C416
            for member in members:
                values = {"conversation_ref": _chat(conn, member)}
                statement = update(people).where(people.c.id == ids[member.email])
                await tx.connection.execute(statement.values(values))
            await tx.directory.set_monitoring_channel(_board(conn), at=datetime.now(LONDON))
        await _load_disputes(store, rows(count, due, ids, seed))
    finally:
        await store.close()
    return time.perf_counter() - began


async def _load_disputes(store: Store, found: Iterator[tuple[dict[str, Any], str]]) -> None:
    tables = (disputes, children, child_pseudonyms, dispute_owners, events)
    batch: dict[Any, list[dict[str, Any]]] = {table: [] for table in tables}
    years: dict[int, int] = {}
    for row, owner_id in found:
        ref, n = row["reference"], int(row["reference"][-6:])
        years[row["raised_at"].year] = max(years.get(row["raised_at"].year, 0), n)
        batch[disputes].append(row)
        child = {"reference": ref, "position": 0, "name": f"Child {n}", "local_id": f"LL-{n}"}
        batch[children].append({**child, "pseudonym": f"p-{n}"})
        batch[child_pseudonyms].append({"local_key": f"LL-{n}", "pseudonym": f"p-{n}"})
        owner = {"reference": ref, "position": 0, "person_id": owner_id}
        if row["status"] == "awaiting_response":
            batch[dispute_owners].append(owner)
        batch[events].append(_raised_event(row))
        if len(batch[disputes]) >= BATCH:
            await _flush(store, batch)
    await _flush(store, batch)
    counters = [{"year": year, "last_value": last} for year, last in years.items()]
    if counters:  # the next raise of a year gets the next number
        async with store.transaction() as tx:
            await tx.connection.execute(insert(reference_counters), counters)


def _raised_event(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": row["reference"],
        "sequence": 1,
        "kind": "raised",
        "actor": row["raised_by"],
        "actor_role": "chair",
        "at": row["raised_at"],
        "from_stage": "",
        "to_stage": "1",
        "payload": {},
    }


async def _flush(store: Store, batch: dict[Any, list[dict[str, Any]]]) -> None:
    async with store.transaction() as tx:
        for table, found in batch.items():
            if found:
                await tx.connection.execute(insert(table), found)
                found.clear()


class Sampler:
    """The server's resident set, sampled every 0.1 s in the background."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._since = 0
        self._task: asyncio.Task[None] | None = None

    def rss(self) -> int:
        """Kilobytes resident now (VmRSS)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def high_water(self) -> int:
        """The kernel's own peak (VmHWM), in kilobytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    async def _sample(self) -> None:
        while True:
            now = self.rss()
            self.peak, self._since = max(self.peak, now), max(self._since, now)
            await asyncio.sleep(0.1)

    def mark(self) -> tuple[int, int]:
        """(RSS now, the highest sample since the last mark), in kilobytes."""
        now = self.rss()
        found, self._since = max(self._since, now), now
        return now, found

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def settled(pid: int, quiet: float = 0.1, window: float = 2.0) -> None:
    """Wait until the server uses under ``quiet`` CPU seconds in ``window`` (its sweep and the
    deliveries it caused are done, or down to the paced trickle)."""
    while True:
        before = cpu_seconds(pid)
        await asyncio.sleep(window)
        if cpu_seconds(pid) - before < quiet:
            return


async def report_in_teams(client: Client, overseer: Member, today: date) -> float:
    """``report FROM TO`` over ten years by the chairs' service manager; seconds taken."""
    start = today.replace(year=today.year - YEARS)
    text = f"report {start.isoformat()} {today.isoformat()}"
    began = time.perf_counter()
    status, body, _ = await client.post(
        client.activity("message", overseer, overseer.chat, text=text)
    )
    if status not in (200, 201):
        raise RuntimeError(f"report: HTTP {status} {body}")
    return time.perf_counter() - began


async def measure(args: argparse.Namespace, folder: Path, count: int) -> dict[str, Any]:
    """One server: loaded with ``count`` open disputes (0: the empty baseline)."""
    found: dict[str, Any] = {"open": count}
    env = {"DRP_SCHEDULER_INTERVAL": str(INTERVAL)}
    async with connector(folder) as conn:

        async def prepare(url: str) -> None:
            found["load"] = await load(url, conn, count, args.due, args.seed)

        name = f"memory-{count}"
        async with drp_server(args.engine, args.url, folder, PAIRS, name, prepare, env) as server:
            await _measure_server(args, server, conn, found)
    return found


async def _measure_server(
    args: argparse.Namespace, server: DrpServer, conn: Connector, found: dict[str, Any]
) -> None:
    sampler = Sampler(server.pid)
    sampler.start()
    try:
        await settled(server.pid)  # the start-up sweep has run
        found["started"] = sampler.mark()
        await asyncio.sleep(args.sweeps * INTERVAL)
        await settled(server.pid)
        found["swept"] = sampler.mark()
        async with Client(server.endpoint, server.pid, conn, 1) as client:
            found["report_seconds"] = await report_in_teams(
                client, seniors(PAIRS)[0], datetime.now(LONDON).date()
            )
        found["report"] = sampler.mark()
        found["drain"] = await drained(server)
        found["drained"] = sampler.mark()
        found["peak"] = max(sampler.peak, sampler.high_water())
        found["cli_peak"] = cli_report_peak(server, folder_of(server))
    finally:
        await sampler.stop()


def folder_of(server: DrpServer) -> Path:
    return server.log.parent


def cli_report_peak(server: DrpServer, folder: Path) -> int:
    """Peak RSS (kB) of ``drp-bot report`` over the same ten years, HTML with charts."""
    today = datetime.now(LONDON).date()
    start = today.replace(year=today.year - YEARS)
    args = [*drp_bot(), "report", "--from", start.isoformat(), "--to", today.isoformat()]
    args += ["--format", "html", "--out", str(folder / "report.html")]
    env = environment(server.database_url, folder)
    with (folder / "report-cli.log").open("ab") as log:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError("drp-bot report failed")
    return int(usage.ru_maxrss)


def mb(kilobytes: int) -> str:
    return f"{kilobytes / 1024:7.1f}"


def pair(found: tuple[int, int]) -> str:
    return f"{found[0] / 1024:6.1f}/{found[1] / 1024:6.1f}"


async def run(args: argparse.Namespace) -> None:
    load_avg = os.getloadavg()
    print(
        f"drp-bot serve ({args.engine}, nottingham): RSS in MB; load average"
        f" {load_avg[0]:.2f} {load_avg[1]:.2f}; {os.cpu_count()} cores"
    )
    print("each step: RSS at its end / the highest sample during it; peak = the kernel's VmHWM")
    print(
        f"{'open':>8} {'load s':>7} {'started':>13} {'swept':>13} {'report':>13}"
        f" {'drained':>13} {'peak':>7} {'report s':>9} {'CLI peak':>9}"
    )
    with tempfile.TemporaryDirectory(prefix="drp-memory-") as name:
        for count in (0, args.open):
            found = await measure(args, Path(name), count)
            print(
                f"{count:>8} {found.get('load', 0):>7.1f} {pair(found['started'])}"
                f" {pair(found['swept'])} {pair(found['report'])} {pair(found['drained'])}"
                f" {mb(found['peak'])} {found['report_seconds']:>9.2f} {mb(found['cli_peak'])}"
            )
            print(f"{'':>8} {found['drain']}")
            sys.stdout.flush()
    print(f"target: peak <= 200 MB with {args.open:,} open disputes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="open disputes to load")
    parser.add_argument("--due", type=int, default=100, help="due on each working day near today")
    parser.add_argument("--sweeps", type=int, default=3, help="sweeps after the start-up one")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL: a database on a server where the user may CREATE DATABASE",
    )
    parser.add_argument("--seed", type=int, default=2026)
    asyncio.run(_cancellable(run(parser.parse_args())))


async def _cancellable(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(work)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await task


if __name__ == "__main__":
    main()
