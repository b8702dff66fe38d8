"""``make run``: drp-bot on the demo data with the Microsoft 365 Agents Playground beside it.

    .venv/bin/python scripts/run_local.py [--as alex] [--as "alex megan"] [--playground-port N]

Starts ``drp-bot serve --demo`` (SQLite under ``DRP_DATA_DIR``, default ./data, with the demo
directory), waits until it answers ``/healthz``, then one Playground per chosen demo person
(it has no user switcher) with mock data generated from the demo directory, so its users are
the directory's people. Each person always gets the same port (``--playground-port`` plus their
place in the directory: Alex 56150, Megan 56151, ...), so the chat the bot remembers for them
stays valid across runs. Prints the URLs, then stops everything on Ctrl-C or when a process
exits. The Playground's mock-data schema and API live in ``tests/support/playground.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # tests/ is not installed; the Playground helpers live there
    sys.path.insert(0, str(REPO_ROOT))

from drp.policy import Policy  # noqa: E402
from store.demo import demo_directory_text  # noqa: E402
from store.directory_file import parse_directory  # noqa: E402
from teams_bot.demo_cast import Cast, Player, cast_of  # noqa: E402
from teams_bot.settings import Settings, SettingsError  # noqa: E402
from tests.support.playground import (  # noqa: E402
    CONFIG_FILE_NAME,
    PLAYGROUND_CLI,
    DemoPerson,
    demo_config,
    demo_people,
    demo_person,
    die_with_parent,
)

DEFAULT_PLAYGROUND_PORT = 56150
READY_WITHIN = 60.0  # seconds for the bot and each Playground to start listening
STOP_WITHIN = 5.0


class RunError(Exception):
    """The run cannot start: says what to do."""


@dataclass
class Child:
    """A process started by the launcher, in its own process group."""

    name: str
    process: asyncio.subprocess.Process

    async def stop(self) -> None:
        """SIGINT (both shut down cleanly on it), then SIGKILL if it lingers."""
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_WITHIN)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--as",
        dest="people",
        action="append",
        default=[],
        help="demo person(s) to open a Playground as: first name, user id or e-mail; "
        "several separated by spaces or commas (default: whoever raises under the running "
        'policy). One of "' + ", ".join(p.first_name for p in demo_people()) + '"',
    )
    parser.add_argument(
        "--playground-port",
        type=int,
        default=DEFAULT_PLAYGROUND_PORT,
        help=f"the first demo person's Playground port (default {DEFAULT_PLAYGROUND_PORT})",
    )
    return parser.parse_args(argv)


def demo_cast(policy: Policy) -> Cast:
    """Who plays which part under the running policy, from the demo directory."""
    entries, problems = parse_directory(demo_directory_text(), policy.roles)
    if problems:
        raise RunError(f"the demo directory does not fit policy {policy.key}: {problems[0]}")
    return cast_of(policy, entries)


def chosen_people(values: Sequence[str], cast: Cast) -> list[DemoPerson]:
    """The demo people named, in the order given, each once (none: the policy's raiser)."""
    names = [n for value in values for n in re.split(r"[\s,]+", value) if n]
    names = names or [cast.raiser.teams_user_id or cast.raiser.email]
    try:
        people = [demo_person(name) for name in names]
    except KeyError as error:
        raise RunError(str(error.args[0])) from None
    return list({p.user.id: p for p in people}.values())


def port_of(person: DemoPerson, first_port: int) -> int:
    """Each person's fixed Playground port."""
    return first_port + [p.user.id for p in demo_people()].index(person.user.id)


def ensure_free(port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise RunError(f"port {port} ({what}) is in use: stop whatever runs there first")


def drp_bot_command() -> str:
    beside = Path(sys.executable).with_name("drp-bot")
    found = str(beside) if beside.exists() else shutil.which("drp-bot")
    if not found:
        raise RunError("drp-bot is not installed: run `make install` first")
    return found


async def start_bot(settings: Settings) -> Child:
    """``drp-bot serve --demo``, its log on this terminal; returns once /healthz answers."""
    ensure_free(settings.port, "drp-bot")
    process = await asyncio.create_subprocess_exec(
        drp_bot_command(),
        *("serve", "--demo", "--port", str(settings.port)),
        start_new_session=True,  # Ctrl-C reaches the launcher, which stops it in order
        preexec_fn=die_with_parent,
    )
    bot = Child("drp-bot", process)
    deadline = time.monotonic() + READY_WITHIN
    while not await _healthy(settings.port):
        if process.returncode is not None or time.monotonic() > deadline:
            await bot.stop()
            raise RunError("drp-bot did not start: see its messages above")
        with contextlib.suppress(TimeoutError):  # probe again in 0.2 s, unless it has exited
            await asyncio.wait_for(asyncio.shield(process.wait()), 0.2)
    return bot


async def _healthy(port: int) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def start_playground(
    person: DemoPerson, port: int, bot_port: int, data: Path, tenant: Sequence[str]
) -> Child:
    """One Playground as ``person``; its output goes to ``<data>/playground/<name>/``."""
    node = shutil.which("node")
    if node is None or not PLAYGROUND_CLI.is_file():
        raise RunError("the Agents Playground is not installed: run scripts/e2e-deps.sh")
    ensure_free(port, f"the Playground for {person.user.name}")
    config = demo_config(person.user.id, tenant)
    workdir = data / "playground" / person.first_name
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / CONFIG_FILE_NAME).write_text(json.dumps(config.to_config(), indent=2))
    env = {
        **os.environ,
        "TEAMSAPPTESTER_BROWSER": "none",  # else it tries to open a browser and exits 1
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(workdir / CONFIG_FILE_NAME),
    }
    process = await asyncio.create_subprocess_exec(
        node,
        str(PLAYGROUND_CLI),
        *("-e", f"http://127.0.0.1:{bot_port}/api/messages", "-c", "msteams"),
        *("-p", str(port), "--conversation-id", config.personal_chat_id, "--dt"),
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    child = Child(f"Playground ({person.first_name})", process)
    log = (workdir / "playground.log").open("ab")
    try:
        await asyncio.wait_for(_until_listening(process, log, port), READY_WITHIN)
    except (TimeoutError, RunError):
        log.close()
        await child.stop()
        raise RunError(f"the Playground did not start: see {workdir}/playground.log") from None
    return child


async def _until_listening(process: asyncio.subprocess.Process, log: IO[bytes], port: int) -> None:
    """Copy the Playground's output to its log until it listens, then keep copying."""
    assert process.stdout is not None
    while line := await process.stdout.readline():
        log.write(line)
        log.flush()
        if line.startswith(f"Listening on {port}".encode()):
            _background.append(asyncio.create_task(_copy(process.stdout, log)))
            return
    raise RunError("the Playground exited")


_background: list[asyncio.Task[None]] = []


async def _copy(stream: asyncio.StreamReader, log: IO[bytes]) -> None:
    with log:
        while line := await stream.readline():
            log.write(line)
            log.flush()


def banner(settings: Settings, cast: Cast, opened: Sequence[tuple[DemoPerson, int]]) -> str:
    """What a newcomer reads once everything listens: where to go, and who does what under
    the running policy."""
    lines = [
        "",
        f"drp-bot is serving http://127.0.0.1:{settings.port}/api/messages "
        f"(policy {settings.policy.key}; SQLite and the demo directory in {settings.data_dir}).",
        "",
        "Open the Agents Playground in your browser:",
    ]
    for person, port in opened:
        roles = " and ".join(person.roles)
        lines.append(f"    http://localhost:{port}    as {person.user.name} ({roles})")
    lines += ["", *who_does_what(settings.policy, cast), ""]
    lines += [*tips(cast, [person for person, _ in opened]), "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def who_does_what(policy: Policy, cast: Cast) -> list[str]:
    """Who raises, who answers (and agrees to) each stage, and the AS= for the first two."""
    lines = [f"Under {policy.name} ({policy.key}):"]
    lines.append(f"    raises          {_names([cast.raiser])} ({cast.raiser_role})")
    for part in cast.stages:
        said = f"    stage {part.key:<9} {_names(part.answers) or 'nobody in the directory'}"
        if part.agrees:
            said += f", once {_names(part.agrees)} agrees"
        if part.told:
            said += f"; copied: {_names(part.told)}"
        lines.append(f"{said}   ({part.title.split(': ', 1)[-1]})")
    needed = " ".join(p.first_name for p in cast.needed() if p.teams_user_id)
    lines.append(f'Everyone the first two stages need:  make run AS="{needed}"')
    missing = [p for p in cast.needed() if not p.teams_user_id]
    if missing:
        lines.append(f"    (not Playground users, so not shown: {_names(missing)})")
    return lines


def _names(players: Sequence[Player]) -> str:
    return ", ".join(player.name for player in players)


def tips(cast: Cast, people: Sequence[DemoPerson]) -> list[str]:
    """What to try first, for the people opened."""
    found: list[str] = []
    first = cast.stages[0] if cast.stages else None
    for person in people:
        if person.user.email == cast.raiser.email and first is not None:
            named = f", practitioner {cast.practitioner.name}" if cast.practitioner else ""
            found.append(
                f"As {cast.raiser.name} type  new , fill in the form (team {cast.team}{named})\n"
                f"and press Raise dispute: {_names(first.agrees or first.answers)} "
                "gets the card."
            )
        else:
            found.append(f"As {person.user.name}, type  inbox  to see what waits for you.")
    if len(people) == 1:
        found.append(
            "A Playground shows only its own user's chats (the others' are in its log panel):\n"
            "to see every side, run the AS= above and open every page first."
        )
    else:
        found.append(
            "Open every page before raising: a page shows only what arrives once it is open."
        )
    return found


async def run(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as error:
        raise RunError(str(error)) from None
    cast = demo_cast(settings.policy)
    people = chosen_people(args.people, cast)
    if not settings.bot.open:
        raise RunError("MicrosoftAppId is set, but the Playground sends no token: unset it")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    children: list[Child] = []
    try:
        children.append(await start_bot(settings))
        opened = [(p, port_of(p, args.playground_port)) for p in people]
        tenant = cast.playground_users()
        for person, port in opened:
            started = await start_playground(
                person, port, settings.port, settings.data_dir, tenant
            )
            children.append(started)
        print(banner(settings, cast, opened), flush=True)
        await _until_stopped(stop, children)
    finally:
        for child in reversed(children):
            await child.stop()
        for task in _background:
            task.cancel()
    ended = [c for c in children if c.process.returncode not in (0, -signal.SIGINT)]
    return 0 if stop.is_set() or not ended else 1


async def _until_stopped(stop: asyncio.Event, children: Sequence[Child]) -> None:
    """Until Ctrl-C, or until one of the processes exits on its own (then say which)."""
    waits = {asyncio.create_task(c.process.wait()): c for c in children}
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([stopped, *waits], return_when=asyncio.FIRST_COMPLETED)
    for task in [stopped, *waits]:
        task.cancel()
    exited = [waits[t] for t in done if t in waits]
    if exited and not stop.is_set():
        print(f"run: {exited[0].name} exited; stopping the rest", file=sys.stderr)
    else:
        print("\nrun: stopping drp-bot and the Playground", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return asyncio.run(run(argv))
    except RunError as error:
        print(f"run: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
