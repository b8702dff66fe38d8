"""Duplicates per kill -9 during delivery (issue 12.5): ``drp-bot serve`` on a real database raises
``--cards`` disputes (each owes the stage-1 manager a card, the practitioner a copy and the board
a refresh), is killed with SIGKILL ``--kills`` times while delivering (restarted each time on the
same database), and then drains. The loopback connector, in its own process, counts every
message it accepted as new; a repeat is the same message (same dispute, same first line) posted
twice into the same conversation. A baseline run in the same invocation delivers the same load
with no kill, so the figure is repeats per kill against a baseline of repeats with none.

    python bench/crash_bench.py [--cards 200] [--kills 5] [--engine sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from invoke_load import Client, Story
from invoke_servers import (
    Connector,
    connector,
    database,
    directory_csv,
    drp_bot,
    environment,
    tail,
)
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store.engine import create_engine, parse_url
from tests.support.playground import die_with_parent
from tests.support.ports import LOOPBACK, free_port, is_listening

PAIRS = 20
DRAIN_SECONDS = 400.0  # a killed server's leases (DeliveryPolicy.lease_seconds) run out first


@dataclass
class Run:
    """One run's figures."""

    kills: int
    posted: int
    repeats: int
    seconds: float


class Server:
    """``drp-bot serve`` on one database, started again after each kill."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.env = environment(url, folder)
        self.log = folder / "serve.log"
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/api/messages"

    async def prepare(self) -> None:
        people = self.folder / "people.csv"
        people.write_text(directory_csv(PAIRS))
        for args in (["db", "upgrade"], ["directory", "import", str(people)]):
            process = await self._spawn([*drp_bot(), *args])
            if await process.wait() != 0:
                raise RuntimeError(f"{args} failed:\n{tail(self.log)}")

    async def start(self) -> None:
        self.process = await self._spawn([*drp_bot(), "serve", "--port", str(self.port)])
        deadline = time.monotonic() + 60
        while not is_listening(self.port):
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start:\n{tail(self.log)}")
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()

    async def _spawn(self, args: list[str]) -> asyncio.subprocess.Process:
        with self.log.open("ab") as sink:
            return await asyncio.create_subprocess_exec(
                *args, stdout=sink, stderr=sink, env=self.env, preexec_fn=die_with_parent
            )


async def pending(url: str) -> int:
    """Outbox rows neither sent nor given up."""
    engine = create_engine(parse_url(url))
    try:
        async with engine.connect() as connection:
            query = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND NOT failed")
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def raise_all(server: Server, conn: Connector, cards: int) -> None:
    """Raise the disputes over HTTP, eight at a time, retrying a raise the kill interrupted."""
    story = Story(PAIRS)
    queue = list(story.disputes(cards))

    async def worker(client: Client) -> None:
        while queue:
            dispute = queue.pop()
            activity = story.activity(client, "raise", dispute)
            while True:
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    status, _, _ = await client.post(activity)
                    if status == 200:
                        break
                await asyncio.sleep(0.2)  # killed mid-request: the same nonce again

    async with Client(server.endpoint, 0, conn, 8) as client:
        await asyncio.gather(*(worker(client) for _ in range(8)))


async def killer(server: Server, kills: int, rng: random.Random) -> None:
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(1.0, 6.0))  # while raising and while delivering
        await server.kill()
        await server.start()


async def posts(conn: Connector) -> list[tuple[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(f"{conn.inspect}/posts") as got:
        found = await got.json()
    return [(p["conversation"], p["identity"]) for p in found]


async def one_run(engine: str, cards: int, kills: int, seed: int) -> Run:
    folder = Path(tempfile.mkdtemp(prefix="drp-crash-"))
    url, discard = await database(engine, os.environ.get("BENCH_PG_URL"))
    server = Server(url, folder)
    began = time.perf_counter()
    try:
        async with connector(folder) as conn:
            await server.prepare()
            await server.start()
            await asyncio.gather(
                raise_all(server, conn, cards), killer(server, kills, random.Random(seed))
            )
            for _ in range(int(DRAIN_SECONDS)):
                if not await pending(url):
                    break
                await asyncio.sleep(1)
            left = await pending(url)
            if left:
                raise RuntimeError(f"{left} rows never delivered:\n{tail(server.log)}")
            sent = await posts(conn)
    finally:
        await server.stop()
        await discard()
    counts = Counter(sent)
    repeats = sum(n - 1 for n in counts.values())
    return Run(kills, len(sent), repeats, time.perf_counter() - began)


async def main(engine: str, cards: int, kills: int, seed: int) -> dict[str, object]:
    baseline = await one_run(engine, cards, 0, seed)
    crashed = await one_run(engine, cards, kills, seed)
    return {
        "engine": engine,
        "cards": cards,
        "baseline": baseline.__dict__,
        "killed": crashed.__dict__,
        "repeats_per_kill": round((crashed.repeats - baseline.repeats) / max(kills, 1), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.engine, args.cards, args.kills, args.seed)), indent=2))
