"""The processes ``bench/invoke_bench.py`` drives: ``drp-bot serve`` on a fresh database with a
generated directory, the echo bot, and the loopback connector, each in its own process.

The directory has ``pairs`` chairs and ``pairs`` teams (a team manager and a practitioner
each), the Nottingham service manager, principal manager, head of service and director, and a
chairs' service manager who puts the monitoring channel up, so each raise reaches a different
manager's chat, a practitioner, the raiser's own card and the board, as in a council.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from store_bench import database

from tests.support.playground import die_with_parent
from tests.support.ports import LOOPBACK, free_port, is_listening

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
POLICY = "nottingham"
STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class Member:
    """Someone in the generated directory, as Teams and the directory both know them."""

    teams_id: str
    aad_id: str
    name: str
    email: str
    role: str
    team: str = ""

    @property
    def chat(self) -> str:
        """Their 1:1 chat with the bot."""
        return f"a:chat-{self.teams_id.removeprefix('29:')}"


def team(n: int) -> str:
    return f"Team {n:02d}"


def _member(kind: str, n: int, role: str, team_name: str = "") -> Member:
    return Member(
        teams_id=f"29:{kind}-{n}",
        aad_id=f"00000000-0000-4000-8000-{kind_code(kind)}{n:08d}",
        name=f"{kind.capitalize()} Person{n}",
        email=f"{kind}{n}@bench.example",
        role=role,
        team=team_name,
    )


def kind_code(kind: str) -> str:
    return {"chair": "0001", "manager": "0002", "worker": "0003", "senior": "0004"}[kind]


def chair(n: int) -> Member:
    return _member("chair", n, "chair")


def manager(n: int) -> Member:
    return _member("manager", n, "team_manager", team(n))


def practitioner(n: int) -> Member:
    return _member("worker", n, "practitioner", team(n))


def seniors(pairs: int) -> list[Member]:
    """The chairs' service manager and monitor first, then the senior roles of each group of
    ten teams (a directory row names at most 200 characters of teams)."""
    found = [_member("senior", 0, "chairs_service_manager;monitor")]
    roles = ("service_manager", "principal_manager", "head_of_service", "director")
    for first in range(0, pairs, 10):
        teams = ";".join(team(n) for n in range(first, min(first + 10, pairs)))
        for role in roles:
            found.append(_member("senior", len(found), role, teams))
    return found


def directory_csv(pairs: int) -> str:
    """The directory file ``drp-bot directory import`` reads."""
    people = [f(n) for n in range(pairs) for f in (chair, manager, practitioner)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "aad_object_id", "role", "team", "teams_user_id"])
    for person in [*people, *seniors(pairs)]:
        row = [person.email, person.name, person.aad_id, person.role, person.team]
        writer.writerow([*row, person.teams_id])
    return out.getvalue()


@dataclass(frozen=True)
class Connector:
    """The loopback connector's service URL and inspection URL."""

    service_url: str
    inspect: str


def tail(log: Path) -> str:
    """The end of a server's log, for an error message."""
    return log.read_text(errors="replace")[-2000:]


async def _spawn(
    args: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            *args, stdout=sink, stderr=sink, env=env, cwd=ROOT, preexec_fn=die_with_parent
        )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _wait_listening(port: int, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not is_listening(port):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server on port {port} did not start; its log:\n{tail(log)}")
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def connector(folder: Path, limit: int | None = None) -> AsyncIterator[Connector]:
    """The loopback connector in its own process."""
    args = [sys.executable, str(BENCH / "loopback_server.py")]
    if limit:
        args += ["--limit", str(limit)]
    process = await asyncio.create_subprocess_exec(
        *args,
        preexec_fn=die_with_parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=(folder / "connector.log").open("ab"),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), STARTUP_SECONDS)
        found = json.loads(line)
        yield Connector(found["service_url"], found["inspect"])
    finally:
        await _stop(process)


@contextlib.asynccontextmanager
async def echo_bot(folder: Path, cards: Path) -> AsyncIterator[tuple[str, int]]:
    """The echo bot answering with the recorded cards; yields its ``/api/messages`` URL and
    process id."""
    port = free_port()
    log = folder / "echo.log"
    args = [sys.executable, str(BENCH / "echo_bot.py"), "--port", str(port), "--cards", str(cards)]
    process = await _spawn(args, log)
    try:
        await _wait_listening(port, process, log)
        yield f"http://{LOOPBACK}:{port}/api/messages", process.pid
    finally:
        await _stop(process)


def drp_bot() -> list[str]:
    """The ``drp-bot`` command of this environment."""
    script = Path(sys.executable).parent / "drp-bot"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from teams_bot.cli import main; sys.exit(main())"]


def environment(url: str, folder: Path) -> dict[str, str]:
    """The environment a ``drp-bot`` command gets: this database, the Nottingham policy."""
    # Only what serve reads: no credentials (open, as for the Playground), no stray DRP_*.
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DRP_", "Microsoft", "MICROSOFT"))
    }
    env.update(DRP_DATABASE_URL=url, DRP_POLICY=POLICY, DRP_DATA_DIR=str(folder / "data"))
    return env


@dataclass(frozen=True)
class DrpServer:
    """A running ``drp-bot serve``: its endpoint, database URL and log file."""

    endpoint: str
    database_url: str
    log: Path
    pid: int


async def _run(args: Sequence[str], env: dict[str, str], log: Path) -> None:
    process = await _spawn(args, log, env)
    if await process.wait() != 0:
        raise RuntimeError(f"{' '.join(args[-3:])} failed:\n{tail(log)}")


Prepare = Callable[[str], Awaitable[None]]


@contextlib.asynccontextmanager
async def drp_server(
    engine: str,
    pg_url: str | None,
    folder: Path,
    pairs: int,
    name: str,
    prepare: Prepare | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[DrpServer]:
    """``drp-bot serve`` on a new database (SQLite file or PostgreSQL database) with the
    generated directory imported, then ``prepare(database URL)`` if given; the database is
    thrown away afterwards."""
    url, discard = await database(engine, pg_url)
    log = folder / f"{name}.log"
    env = environment(url, folder)
    people = folder / "people.csv"
    people.write_text(directory_csv(pairs))
    try:
        await _run([*drp_bot(), "db", "upgrade"], env, log)
        await _run([*drp_bot(), "directory", "import", str(people)], env, log)
        if prepare is not None:
            await prepare(url)
        env.update(extra_env or {})
        port = free_port()
        process = await _spawn([*drp_bot(), "serve", "--port", str(port)], log, env)
        try:
            await _wait_listening(port, process, log)
            yield DrpServer(f"http://{LOOPBACK}:{port}/api/messages", url, log, process.pid)
        finally:
            await _stop(process)
    finally:
        await discard()


@contextlib.asynccontextmanager
async def profiled(pid: int, out: Path) -> AsyncIterator[None]:
    """Sample a running process with py-spy (every thread, 250 Hz, without pausing it) while
    the block runs; the folded stacks go to ``out`` (``bench/spy_top.py`` summarises them)."""
    spy = Path(sys.executable).parent / "py-spy"
    args = [str(spy), "record", "--pid", str(pid), "--rate", "250", "--nonblocking"]
    args += ["--threads", "--format", "raw", "-o", str(out)]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep(0.5)  # attached
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes what it sampled on Ctrl-C
        await process.wait()
