"""Card actions over real HTTP: ``drp-bot serve`` (SQLite and PostgreSQL) side by side with a
bare botbuilder bot that answers every card action with a fixed card, in the same run.

Each run starts a fresh server and database (the generated directory of ``invoke_servers``:
50 chairs, 50 teams, the monitoring channel up), a loopback connector in its own process, and
then drives DISPUTES disputes through four timed phases with CLIENTS concurrent clients:

- raise:    a chair presses Raise dispute on the DRP form;
- refresh:  the team manager's card refreshes (Teams' automatic refresh when the chat opens);
- respond:  the team manager responds, with a SMART action;
- resolve:  the chair resolves it.

Each phase starts when the one before ends, while the outbox still drains the earlier phases'
cards, notices and in-place updates into the connector, and the scheduler sweeps, as in
production. The echo bot gets the same activities (byte for byte the same shapes) and answers
each verb with the card drp answered it with (recorded from a warm-up), through the same
``CloudAdapter``. Printed: requests a second, p50, p99 and max latency, the ratio of drp's
throughput to the echo's; the server's CPU milliseconds per action (every thread; drp's
include the delivery and scheduler work done meanwhile) and the echo's CPU per action over
drp's, a ratio other processes' load on the machine barely moves; then the issue's targets,
each PASS or FAIL.

    python bench/invoke_bench.py                # SQLite and PostgreSQL, 4 and 50 clients
    python bench/invoke_bench.py --engine sqlite --clients 4 --disputes 200
    python bench/invoke_bench.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from invoke_load import PHASES, Around, Client, Result, Story, drive, setup_people, warm_up
from invoke_servers import Connector, DrpServer, connector, drp_server, echo_bot, profiled

from store import Store
from store.schema import OUTBOX_PENDING, outbox

PAIRS = 50
DRAIN_SECONDS = 300.0


@dataclass
class Run:
    """One engine at one concurrency: a result per phase and what the outbox did."""

    engine: str
    clients: int
    results: dict[str, Result] = field(default_factory=dict)
    drain: str = ""


async def outbox_state(url: str) -> tuple[int, int, int]:
    """(still owed, sent, given up) in the server's outbox."""
    store = await Store.open(url)
    try:
        async with store.transaction(readonly=True) as tx:
            pending = await tx.connection.scalar(
                select(func.count()).select_from(outbox).where(OUTBOX_PENDING)
            )
            sent = await tx.connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_not(None))
            )
            failed = await tx.connection.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.failed.is_(True))
            )
    finally:
        await store.close()
    return int(pending or 0), int(sent or 0), int(failed or 0)


async def drained(server: DrpServer, within: float = DRAIN_SECONDS) -> str:
    """Wait until the outbox owes nothing; say how long that took and what it sent."""
    began = time.perf_counter()
    pending, sent, failed = await outbox_state(server.database_url)
    while pending and time.perf_counter() - began < within:
        await asyncio.sleep(0.5)
        pending, sent, failed = await outbox_state(server.database_url)
    waited = time.perf_counter() - began
    state = f"drained {waited:.1f} s after the last action" if not pending else "NOT drained"
    return f"outbox {state}: {sent} sent, {failed} given up, {pending} still owed"


async def summary(conn: Connector) -> dict[str, int]:
    async with aiohttp.ClientSession() as session, session.get(f"{conn.inspect}/summary") as got:
        found: dict[str, int] = await got.json()
        return found


def profiler(folder: Path | None, pid: int, name: str) -> Around | None:
    """With ``--profile``, each phase sampled by py-spy into ``folder/NAME-PHASE.txt``."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)

    def around(phase: str) -> contextlib.AbstractAsyncContextManager[None]:
        return profiled(pid, folder / f"{name}-{phase}.txt")

    return around


async def drp_run(args: argparse.Namespace, engine: str, clients: int, folder: Path) -> Run:
    """A fresh server and connector: set up, warm up, the timed phases, then the drain."""
    run = Run(engine, clients)
    async with (
        connector(folder) as conn,
        drp_server(engine, args.url, folder, PAIRS, f"drp-{engine}-{clients}") as server,
        Client(server.endpoint, server.pid, conn, clients) as client,
    ):
        story = Story(PAIRS, await setup_people(client, PAIRS))
        await warm_up(client, story, args.warm, None)
        await drained(server)
        around = profiler(args.profile, server.pid, f"{engine}-{clients}")
        run.results = await drive(client, story, args.disputes, around=around)
        run.drain = await drained(server)
        calls = await summary(conn)
        errors = {k: v for k, v in calls.items() if not k.endswith((" 200", " 201"))}
        run.drain += f"; connector errors: {errors or 'none'}"
    return run


async def echo_run(args: argparse.Namespace, clients: int, folder: Path, cards: Path) -> Run:
    """The echo bot under the same activities; its connector is never called."""
    run = Run("echo", clients)
    async with (
        connector(folder) as conn,
        echo_bot(folder, cards) as (endpoint, pid),
        Client(endpoint, pid, conn, clients) as client,
    ):
        story = Story(PAIRS)
        await warm_up(client, story, args.warm, None)
        run.results = await drive(client, story, args.disputes)
    return run


async def record_cards(args: argparse.Namespace, folder: Path) -> Path:
    """What drp answers each verb with (from a warm-up on SQLite), for the echo to answer."""
    cards = folder / "cards.json"
    async with (
        connector(folder) as conn,
        drp_server("sqlite", None, folder, PAIRS, "drp-record") as server,
        Client(server.endpoint, server.pid, conn, 4) as client,
    ):
        await warm_up(client, Story(PAIRS, await setup_people(client, PAIRS)), 4, cards)
    return cards


def print_run(run: Run, echo: Run | None) -> None:
    for phase in PHASES:
        found = run.results[phase]
        ratio = cpu = ""
        if echo is not None and run is not echo:
            baseline = echo.results[phase]
            ratio = f"{found.rate / baseline.rate:8.1%}"
            cpu = f"{baseline.cpu_per_request / found.cpu_per_request:8.1%}"
        print(
            f"{run.engine:>10} {run.clients:>7} {phase:>8} {found.count:>8} {found.rate:>8.1f}"
            f" {found.p50 * 1000:>8.1f} {found.p99 * 1000:>8.1f} {found.max * 1000:>8.1f}"
            f" {found.over(2.0):>5} {ratio:>8} {found.cpu_per_request * 1000:>8.1f} {cpu:>8}"
            f" {len(found.errors):>6}"
        )
        for error in found.errors[:3]:
            print(f"{'':>10} error: {error}")
    if run.drain:
        print(f"{'':>10} {run.drain}")
    sys.stdout.flush()


def targets(runs: list[Run]) -> list[tuple[str, bool]]:
    """The issue's targets, each with whether this run met it."""
    echo = {r.clients: r for r in runs if r.engine == "echo"}
    checks: list[tuple[str, bool]] = []
    for run in runs:
        if run.engine == "echo":
            continue
        where = f"{run.engine}, {run.clients} clients"
        for phase in ("raise", "refresh"):
            found, baseline = run.results[phase], echo[run.clients].results[phase]
            share = found.rate / baseline.rate
            cpu = baseline.cpu_per_request / found.cpu_per_request
            text = f"{where}: {phase} at {share:.0%} of the echo (>= 50 %; by CPU {cpu:.0%})"
            checks.append((text, share >= 0.5))
        if run.clients <= 4:
            for phase, found in run.results.items():
                spread = found.p99 / found.p50
                checks.append((f"{where}: {phase} p99 = {spread:.1f} x p50 (<= 3)", spread <= 3))
        errors = sum(len(found.errors) for found in run.results.values())
        checks.append((f"{where}: {errors} answers that were not the right card (0)", not errors))
        if run.clients >= 50:
            worst = max(found.max for found in run.results.values())
            checks.append((f"{where}: slowest invoke {worst:.2f} s (<= 2 s)", worst <= 2.0))
    return checks


def copy_logs(folder: Path, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for log in folder.glob("*.log"):
        (destination / log.name).write_bytes(log.read_bytes())


async def _runs(args: argparse.Namespace, folder: Path, runs: list[Run]) -> None:
    cards = await record_cards(args, folder)
    for clients in args.clients or [4, 50]:
        echo = await echo_run(args, clients, folder, cards)
        print_run(echo, None)
        runs.append(echo)
        for engine in args.engine or ["sqlite", "postgresql"]:
            found = await drp_run(args, engine, clients, folder)
            print_run(found, echo)
            runs.append(found)


async def run(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    print(
        f"{args.disputes} disputes a run through raise, refresh, respond, resolve; policy"
        f" nottingham; {os.cpu_count()} cores; load average {load[0]:.2f} {load[1]:.2f}"
    )
    print(
        f"{'bot':>10} {'clients':>7} {'action':>8} {'requests':>8} {'req/s':>8} {'p50 ms':>8}"
        f" {'p99 ms':>8} {'max ms':>8} {'>2s':>5} {'vs echo':>8} {'cpu ms':>8} {'vs echo':>8}"
        f" {'errors':>6}"
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="drp-invoke-") as name:
        folder = Path(name)
        try:
            await _runs(args, folder, runs)
        finally:
            if args.keep_logs:
                copy_logs(folder, args.keep_logs)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("targets:")
    for text, met in targets(runs):
        print(f"  {'PASS' if met else 'FAIL'}  {text}")


def main() -> None:
    """Parse the options and run; SIGTERM stops it as Ctrl-C does (servers stopped, databases
    dropped)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--clients", type=int, action="append", help="concurrent clients")
    parser.add_argument("--disputes", type=int, default=300, help="disputes a run")
    parser.add_argument("--warm", type=int, default=20, help="untimed disputes first")
    parser.add_argument(
        "--url",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL: a database on a server where the user may CREATE DATABASE",
    )
    parser.add_argument(
        "--profile", type=Path, help="sample drp-bot serve with py-spy per phase into this folder"
    )
    parser.add_argument("--keep-logs", type=Path, help="copy the servers' logs here")
    asyncio.run(_cancellable(run(parser.parse_args())))


async def _cancellable(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(work)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    await task


if __name__ == "__main__":
    main()
