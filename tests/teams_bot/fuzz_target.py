"""A whole drp-bot for the activity fuzzer: a real store (SQLite file or PostgreSQL database) with
the demo directory and one dispute raised, served over real HTTP on its own thread and event
loop, open or in production mode (tokens checked against a loopback key server).

The fuzzer is synchronous (hypothesis drives it); it posts with ``requests`` and asks the bot's
loop, between cases, to deliver the outbox and to fingerprint every table.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import threading
from collections.abc import Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import requests
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store.demo import load_demo_directory
from store.engine import create_engine, parse_url
from store.schema import metadata
from store.store import Store
from teams_bot.app import Bot, build_bot
from teams_bot.botframework import TokenKeys
from teams_bot.delivery.engine import DeliveryPolicy
from teams_bot.settings import BotCredentials
from tests.support import hosts
from tests.support.bot import DrivenClock
from tests.support.connector import LoopbackConnector
from tests.support.jwks import LoopbackAgentsTokens, TokenIssuer, loopback_outbound, serving_keys
from tests.support.ports import serve_app
from tests.teams_bot.bot_harness import LONDON, PEOPLE, Walk

T = TypeVar("T")
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
APP_ID = "00000000-0000-0000-0000-0000000000f0"
PASSWORD = "fuzz-secret"


@dataclass
class FuzzTarget:
    """The running bot as the fuzzer sees it."""

    endpoint: str
    service_url: str
    tenant_id: str
    issuer: TokenIssuer | None
    loop: asyncio.AbstractEventLoop
    bot: Bot
    reader: AsyncEngine
    session: requests.Session
    valid: dict[str, str] = field(default_factory=dict)
    forged: dict[str, dict[str, str]] = field(default_factory=dict)

    def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the bot's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(120)

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        """POST raw bytes to /api/messages; the status."""
        sent = {"Content-Type": "application/json", **headers}
        return self.session.post(self.endpoint, data=body, headers=sent, timeout=60).status_code

    def deliver(self) -> None:
        """Send what the outbox owes now."""

        async def drain() -> None:
            while await self.bot.deliverer.run_once():
                pass

        self.call(drain())

    def fingerprint(self) -> str:
        """A hash of every row of every table."""
        return self.call(_fingerprint(self.reader))


async def fingerprint(url: str) -> str:
    """A hash of every row of every table of the database at ``url``."""
    engine = create_engine(parse_url(url))
    try:
        return await _fingerprint(engine)
    finally:
        await engine.dispose()


async def _fingerprint(engine: AsyncEngine) -> str:
    digest = hashlib.sha256()
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = (await connection.execute(select(table))).all()
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@contextmanager
def fuzz_target(database_url: str, *, production: bool) -> Iterator[FuzzTarget]:
    """The bot on ``database_url`` (empty), seeded, served until the block ends."""
    with ExitStack() as stack:
        issuer = stack.enter_context(serving_keys(APP_ID)) if production else None
        ready: list[FuzzTarget] = []
        started, stop = threading.Event(), threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(_serve(database_url, issuer, ready, started, stop))
            except BaseException as error:
                failure.append(error)
                started.set()

        thread = threading.Thread(target=run, name="fuzz-bot", daemon=True)
        thread.start()
        started.wait(120)
        if failure or not ready:
            raise RuntimeError("the fuzz bot did not start") from (failure[0] if failure else None)
        try:
            yield ready[0]
        finally:
            stop.set()
            thread.join(30)
            ready[0].session.close()


async def _serve(
    url: str,
    issuer: TokenIssuer | None,
    ready: list[FuzzTarget],
    started: threading.Event,
    stop: threading.Event,
) -> None:
    store = await Store.open(url)
    await store.upgrade()
    await load_demo_directory(store, at=MONDAY)
    clock = DrivenClock(MONDAY)
    counter = itertools.count(1)
    ctx = Context(load_policy("nottingham"), WorkingDayCalendar())
    options: dict[str, Any] = {
        "clock": clock,
        "keys": lambda: f"key-{next(counter)}",
        "delivery": DeliveryPolicy(base_backoff=0.01, max_backoff=0.05),
        "deliver_in_background": False,
        "bot_host": hosts.current(),
        "agents_tokens": LoopbackAgentsTokens(),
    }
    try:
        async with LoopbackConnector(list(PEOPLE.values())) as conn:
            await _seed(store, ctx, conn, clock, options)
            creds, keys = BotCredentials(), None
            if issuer is not None:
                creds = BotCredentials(APP_ID, PASSWORD)
                outbound = loopback_outbound(APP_ID, PASSWORD)
                keys = TokenKeys(issuer.metadata_url, issuer.metadata_url, outbound)
            bot = build_bot(store, ctx, creds, token_keys=keys, **options)
            reader = create_engine(parse_url(url))
            async with serve_app(bot.web) as base:
                loop = asyncio.get_running_loop()
                target = FuzzTarget(
                    f"{base}/api/messages",
                    conn.service_url,
                    conn.tenant_id,
                    issuer,
                    loop,
                    bot,
                    reader,
                    requests.Session(),
                )
                if issuer is not None:
                    target.valid = issuer.header(conn.service_url)
                    target.forged = issuer.forged(conn.service_url)
                ready.append(target)
                started.set()
                await asyncio.to_thread(stop.wait)
            await reader.dispose()
    finally:
        await store.close()


async def _seed(
    store: Store,
    ctx: Context,
    conn: LoopbackConnector,
    clock: DrivenClock,
    options: dict[str, Any],
) -> None:
    """One dispute raised by Alex through an open bot on the same store, delivered."""
    seeding = build_bot(store, ctx, BotCredentials(), **options)
    async with serve_app(seeding.web) as base:
        walk = Walk(seeding, conn, f"{base}/api/messages", clock)
        await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
