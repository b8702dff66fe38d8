"""How many turns the bot decides at once; the rest wait at the door, first come first served.

A card action is mostly CPU on the bot's one event loop and a few transactions, each checking a
database connection out of the pool (who is asking, the change, the card answered). With every
turn admitted at once, a turn that had done its first part queued for a connection again behind
turns that arrived after it, and every turn in progress shared the CPU with every other: at 50
concurrent clicks on PostgreSQL the median raise took 0.7 s and the slowest 2.3 s (issue 16,
``bench/invoke_bench.py``). Admitting six at a time, in arrival order, keeps the slowest near
the median (1.1 s) and raises throughput a little. The gate covers deciding a turn only, not
posting its reply through the connector (network time that needs no CPU), and is kept per
process: each replica behind a load balancer has its own.
"""

from __future__ import annotations

import asyncio

from teams_bot.turn import Dispatcher, Reply, Turn

MAX_CONCURRENT_TURNS = 6


class Admission:
    """A ``Dispatcher`` that decides at most ``limit`` turns at once (``asyncio.Semaphore``
    wakes its waiters in the order they came)."""

    def __init__(self, inner: Dispatcher, limit: int = MAX_CONCURRENT_TURNS) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self._inner = inner
        self._gate = asyncio.Semaphore(limit)

    async def handle(self, turn: Turn) -> Reply:
        """Wait for a place, then answer the turn."""
        async with self._gate:
            return await self._inner.handle(turn)
