"""Pace proactive calls to Teams' published rate limits, and slow down further on every 429.

Teams limits a bot per conversation (7 calls a second, 8 in 2 s, 60 in 30 s, 1,800 an hour) and
per app and tenant (50 a second). Each limit is kept as a sliding window (the instants of the last
N calls), so no interval of that length ever holds more. The values may change, so they are only
a ceiling: a 429 pauses its conversation and the whole bot for its Retry-After and stretches both
windows, which shrink back with each success (additive increase, multiplicative decrease).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from teams_bot.turn import Card, DeliveryError, Messenger

T = TypeVar("T")
Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``limit`` calls in any ``seconds``."""

    limit: int
    seconds: float


# "Optimize your bot with rate limiting and best practices in Teams" (per bot per thread).
PER_CONVERSATION = (Window(7, 1.0), Window(8, 2.0), Window(60, 30.0), Window(1800, 3600.0))
# The same page's global limit per app per tenant, spread evenly (one call per 20 ms) so that
# a lowered pace is a slower steady rate rather than bursts that draw 429s.
PER_BOT = (Window(50, 1.0), Window(1, 0.02))
DEFAULT_RETRY_AFTER = 1.0  # a 429 without Retry-After
MAX_CONVERSATIONS = 10_000  # paces kept; the least recently used is forgotten


@dataclass(frozen=True, slots=True)
class Adaptation:
    """How far a 429 lowers a pace, how much a success raises it, and its floor."""

    decrease: float = 0.8
    increase: float = 0.02
    floor: float = 0.05


CONVERSATION_ADAPTATION = Adaptation()
# The bot's pace is shared by every conversation: one 429 lowers it less.
BOT_ADAPTATION = Adaptation(decrease=0.9, increase=0.005, floor=0.02)


class _Log:
    """The instants of the last ``limit`` calls: the next may go once the oldest of them is
    ``seconds`` old (stretched while the pace is lowered). Exact for a sliding window."""

    __slots__ = ("_seconds", "_times")

    def __init__(self, window: Window) -> None:
        self._seconds = window.seconds
        self._times: deque[float] = deque(maxlen=window.limit)

    def wait(self, now: float, scale: float) -> float:
        """Seconds until one more call fits (0 when it fits now)."""
        if len(self._times) < (self._times.maxlen or 0):
            return 0.0
        return max(0.0, self._times[0] + self._seconds / scale - now)

    def record(self, now: float, scale: float) -> None:
        self._times.append(now)


class _Spacing:
    """One call per ``seconds``, on a schedule: a call's slot is one spacing after the last
    call's slot, not after the instant that call went. A sleep wakes a little late (the event
    loop's own latency, a millisecond or two); a log of the last call's instant would add that
    lateness to every spacing (2 ms on 20 ms: the bot at 45 a second instead of 50). Lateness up
    to one spacing is made up; after a longer idle the schedule starts again from now."""

    __slots__ = ("_next", "_seconds")

    def __init__(self, window: Window) -> None:
        self._seconds = window.seconds
        self._next = -math.inf

    def wait(self, now: float, scale: float) -> float:
        return max(0.0, self._next - now)

    def record(self, now: float, scale: float) -> None:
        spacing = self._seconds / scale
        base = self._next if now - self._next < spacing else now
        self._next = base + spacing


def _limit(window: Window) -> _Log | _Spacing:
    return _Spacing(window) if window.limit == 1 else _Log(window)


class Pace:
    """Several windows over one target, a pause until a Retry-After, and an adaptive scale."""

    __slots__ = ("_adapt", "_logs", "blocked_until", "scale")

    def __init__(self, windows: tuple[Window, ...], now: float, adapt: Adaptation) -> None:
        self._logs = [_limit(window) for window in windows]
        self._adapt = adapt
        self.blocked_until = now
        self.scale = 1.0

    def wait(self, now: float) -> float:
        """Seconds until one more call is within every window and past any pause."""
        waits = (log.wait(now, self.scale) for log in self._logs)
        return max(self.blocked_until - now, *waits, 0.0)

    def record(self, now: float) -> None:
        """A call goes now."""
        for log in self._logs:
            log.record(now, self.scale)

    def throttled(self, now: float, retry_after: float) -> None:
        """A 429: pause for Retry-After and lower the pace, once per pause (the other calls
        already in flight are answered 429 for the same excess)."""
        if now >= self.blocked_until:
            self.scale = max(self._adapt.floor, self.scale * self._adapt.decrease)
        self.blocked_until = max(self.blocked_until, now + retry_after)

    def succeeded(self) -> None:
        """A call went through: creep back towards the published limit."""
        self.scale = min(1.0, self.scale + self._adapt.increase)


class Throttle:
    """One pace for the bot, one per conversation; ``acquire`` waits for both."""

    def __init__(
        self,
        per_conversation: tuple[Window, ...] = PER_CONVERSATION,
        per_bot: tuple[Window, ...] = PER_BOT,
        *,
        clock: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        enabled: bool = True,
    ) -> None:
        self.enabled = enabled
        self._windows = per_conversation
        self._clock = clock
        self._sleep = sleep
        self.bot = Pace(per_bot, clock(), BOT_ADAPTATION)
        self._conversations: OrderedDict[str, Pace] = OrderedDict()

    @classmethod
    def off(cls) -> Throttle:
        """No pacing and no waiting in place: for a bot whose clock a test drives, where a 429
        is rescheduled through the outbox on that clock instead."""
        return cls((), (), enabled=False)

    def conversation(self, key: str) -> Pace:
        """The pace of one conversation (created at the published limits)."""
        pace = self._conversations.get(key)
        if pace is None:
            pace = Pace(self._windows, self._clock(), CONVERSATION_ADAPTATION)
            self._conversations[key] = pace
            if len(self._conversations) > MAX_CONVERSATIONS:
                self._conversations.popitem(last=False)
        self._conversations.move_to_end(key)
        return pace

    async def acquire(self, key: str) -> None:
        """Wait until one more call to this conversation is within every limit, and take it."""
        pace = self.conversation(key)
        while True:
            now = self._clock()
            wait = max(self.bot.wait(now), pace.wait(now))
            if wait <= 0:
                # No await between the check and the record: callers cannot both take a slot.
                self.bot.record(now)
                pace.record(now)
                return
            await self._sleep(wait)

    def throttled(self, key: str, retry_after: float) -> None:
        """A 429 on this conversation: pause it and the bot, and lower both paces."""
        now = self._clock()
        self.conversation(key).throttled(now, retry_after)
        self.bot.throttled(now, retry_after)

    def succeeded(self, key: str) -> None:
        """A call went through."""
        self.conversation(key).succeeded()
        self.bot.succeeded()


class PacedMessenger:
    """A Messenger that waits its turn, and on a short Retry-After waits and tries again."""

    def __init__(
        self,
        inner: Messenger,
        throttle: Throttle | None = None,
        *,
        retries: int = 3,
        max_wait: float = 5.0,
    ) -> None:
        self.inner = inner
        self.throttle = throttle or Throttle()
        self.retries = retries
        self.max_wait = max_wait

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        """Post a card, paced on its conversation."""
        return await self._call(_key(reference), lambda: self.inner.send(reference, card))

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        """Replace a card in place, paced on its conversation."""
        await self._call(_key(reference), lambda: self.inner.update(reference, activity_id, card))

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        """Create a 1:1 chat (paced on the bot and on the user)."""
        return await self._call(
            f"new:{user_id}", lambda: self.inner.open_personal(user_id, tenant_id, service_url)
        )

    async def _call(self, key: str, call: Callable[[], Awaitable[T]]) -> T:
        if not self.throttle.enabled:
            return await call()
        attempt = 0
        while True:
            await self.throttle.acquire(key)
            try:
                result = await call()
            except DeliveryError as error:
                if error.status != 429:
                    raise
                wait = DEFAULT_RETRY_AFTER if error.retry_after is None else error.retry_after
                self.throttle.throttled(key, wait)
                attempt += 1
                if attempt > self.retries or wait > self.max_wait:
                    raise  # the outbox reschedules it for after the Retry-After
                continue
            self.throttle.succeeded(key)
            return result


def _key(reference: Mapping[str, Any]) -> str:
    conversation = reference.get("conversation")
    found = conversation.get("id") if isinstance(conversation, Mapping) else None
    return str(found or "unknown")
