"""One SQLite writer at a time, queued in this process in arrival order.

SQLite lets one transaction write at a time; the others wait in its busy handler, which polls
with sleeps of up to 100 ms and favours no one, so under load a writer can lose the race for
seconds while the lock is free most of the time. Writers of one process (the bot's card
actions, the outbox, the scheduler) wait here instead, first come first served, and reach
SQLite one by one: its busy handler then only ever waits for another process (the CLI).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterTimeout(Exception):
    """No write turn came within the timeout."""


class WriterQueue:
    """A first-come, first-served turn to write, for the event loop that uses it."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait (at most ``wait_seconds``) for this writer's turn; hold it for the block."""
        lock = self._lock_for(asyncio.get_running_loop())
        try:
            async with asyncio.timeout(self.wait_seconds):
                await lock.acquire()
        except TimeoutError:
            raise WriterTimeout from None
        try:
            yield
        finally:
            lock.release()

    def _lock_for(self, loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
        # A store opened under one event loop may be used under another (a CLI command, a
        # test): an asyncio lock belongs to one loop, so each loop gets its own.
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock
