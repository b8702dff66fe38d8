"""One SQLite writer at a time, queued in this process in arrival order.

SQLite lets one transaction write at a time; the others wait in its busy handler, which polls
with sleeps of up to 100 ms and favours no one, so under load a writer can lose the race for
seconds while the lock is free most of the time. Writers of one process (the bot's card
actions, the outbox, the scheduler) wait here instead, first come first served, and reach
SQLite one by one: its busy handler then only ever waits for another process (the CLI).
Delivery's record that a message was sent is urgent: a crash while it waits would send it again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterTimeout(Exception):
    """No write turn came within the timeout."""


class _Turns:
    """The turns of one event loop: who holds it, and who waits (urgent ones first)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.busy = False
        self.urgent: deque[asyncio.Future[None]] = deque()
        self.normal: deque[asyncio.Future[None]] = deque()

    async def acquire(self, urgent: bool, wait_seconds: float) -> None:
        if not self.busy and not self.urgent and not self.normal:
            self.busy = True
            return
        turn: asyncio.Future[None] = self.loop.create_future()
        queue = self.urgent if urgent else self.normal
        queue.append(turn)
        try:
            async with asyncio.timeout(wait_seconds):
                await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.release()  # handed the turn just as it gave up: pass it on
            else:
                with contextlib.suppress(ValueError):
                    queue.remove(turn)
            raise

    def release(self) -> None:
        for queue in (self.urgent, self.normal):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # handed over: still busy
                    return
        self.busy = False


class WriterQueue:
    """A first-come, first-served turn to write, for the event loop that uses it; an urgent
    writer (delivery recording a message as sent, which a crash would otherwise repeat) goes
    before those waiting, never before the one writing."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._turns: _Turns | None = None

    @asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Wait (at most ``wait_seconds``) for this writer's turn; hold it for the block."""
        turns = self._turns_for(asyncio.get_running_loop())
        try:
            await turns.acquire(urgent, self.wait_seconds)
        except TimeoutError:
            raise WriterTimeout from None
        try:
            yield
        finally:
            turns.release()

    def _turns_for(self, loop: asyncio.AbstractEventLoop) -> _Turns:
        # A store opened under one event loop may be used under another (a CLI command, a
        # test): turns belong to one loop, so each loop gets its own.
        if self._turns is None or self._turns.loop is not loop:
            self._turns = _Turns(loop)
        return self._turns
