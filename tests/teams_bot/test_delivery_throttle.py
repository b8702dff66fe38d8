"""Pacing to Teams' limits and adapting to 429s: pure, on fake time; a socket would fail."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from teams_bot.delivery.throttle import PacedMessenger, Throttle, Window
from teams_bot.turn import Card, DeliveryError
from tests.support.offline import refuse_network


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit test that opens a socket fails."""
    refuse_network(monkeypatch, "the throttle's unit tests")


class FakeTime:
    """Monotonic seconds that move only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def throttle(fake: FakeTime, **windows: tuple[Window, ...]) -> Throttle:
    return Throttle(**windows, clock=fake.clock, sleep=fake.sleep)


def most_in_any(times: list[float], seconds: float) -> int:
    """The most calls in any half-open interval of ``seconds``."""
    return max(sum(1 for t in times if start <= t < start + seconds) for start in times)


async def test_one_conversation_gets_at_most_7_a_second_and_8_in_2_seconds() -> None:
    fake = FakeTime()
    pacer = throttle(fake)
    times = []
    for _ in range(24):
        await pacer.acquire("a:chat")
        times.append(fake.now)
    assert most_in_any(times, 1.0) == 7
    assert most_in_any(times, 2.0) == 8
    assert times[7] == pytest.approx(1.0)  # seven in the first second, the eighth after it
    assert times[-1] == pytest.approx(5.0)  # 8 per 2 s is the binding limit: no slower


async def test_the_bot_gets_at_most_50_a_second_across_conversations() -> None:
    fake = FakeTime()
    pacer = throttle(fake)
    times = []
    for n in range(120):
        await pacer.acquire(f"a:chat-{n}")
        times.append(fake.now)
    assert most_in_any(times, 1.0) == 50
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times)}
    assert gaps == {0.02}  # spread evenly, not in bursts
    assert times[-1] == pytest.approx(2.38)


async def test_60_in_30_seconds_holds_for_a_busy_conversation() -> None:
    fake = FakeTime()
    pacer = throttle(fake)
    times = []
    for _ in range(70):
        await pacer.acquire("a:busy")
        times.append(fake.now)
    assert most_in_any(times, 30.0) == 60


async def test_a_429_pauses_for_its_retry_after_and_slows_until_successes_restore_it() -> None:
    fake = FakeTime()
    pacer = throttle(fake, per_conversation=(Window(10, 1.0),), per_bot=(Window(100, 1.0),))
    await pacer.acquire("a:chat")
    pacer.throttled("a:chat", 1.5)
    await pacer.acquire("a:chat")
    assert fake.now == pytest.approx(1.5)  # honoured to the fraction
    slowed = pacer.conversation("a:chat").scale
    assert slowed < 1.0
    assert pacer.bot.scale < 1.0
    # Another conversation waits out the pause too: a 429 may be the bot's global limit.
    await pacer.acquire("a:other")
    for _ in range(200):
        pacer.succeeded("a:chat")
    assert pacer.conversation("a:chat").scale == 1.0
    assert pacer.bot.scale == 1.0


class Flaky:
    """A messenger that answers 429 a given number of times, then succeeds."""

    def __init__(self, throttled: int, retry_after: float | None) -> None:
        self.left = throttled
        self.retry_after = retry_after
        self.calls = 0

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        self.calls += 1
        if self.left:
            self.left -= 1
            raise DeliveryError(429, "TooManyRequests", self.retry_after)
        return f"activity-{self.calls}"

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        raise AssertionError("not used")

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        raise AssertionError("not used")


CHAT = {"conversation": {"id": "a:chat"}}


async def test_a_short_retry_after_is_waited_out_in_place_then_sent() -> None:
    fake = FakeTime()
    inner = Flaky(throttled=2, retry_after=0.25)
    paced = PacedMessenger(inner, throttle(fake))
    assert await paced.send(CHAT, {}) == "activity-3"
    assert fake.slept == [pytest.approx(0.25), pytest.approx(0.25)]


async def test_a_long_retry_after_is_left_to_the_outbox() -> None:
    fake = FakeTime()
    paced = PacedMessenger(Flaky(throttled=1, retry_after=30.0), throttle(fake), max_wait=5.0)
    with pytest.raises(DeliveryError) as raised:
        await paced.send(CHAT, {})
    assert raised.value.retry_after == 30.0
    assert fake.slept == []


async def test_endless_429s_give_up_after_the_inline_retries() -> None:
    fake = FakeTime()
    inner = Flaky(throttled=99, retry_after=None)
    paced = PacedMessenger(inner, throttle(fake), retries=3)
    with pytest.raises(DeliveryError):
        await paced.send(CHAT, {})
    assert inner.calls == 4
    assert fake.slept == [1.0, 1.0, 1.0]  # no Retry-After: a second each


async def test_a_throttle_that_is_off_never_waits_nor_retries() -> None:
    inner = Flaky(throttled=1, retry_after=0.25)
    paced = PacedMessenger(inner, Throttle.off())
    with pytest.raises(DeliveryError):
        await paced.send(CHAT, {})
    assert inner.calls == 1


async def test_429s_for_calls_already_in_flight_lower_the_pace_once() -> None:
    fake = FakeTime()
    pacer = throttle(fake)
    for _ in range(5):  # five answers to one excess, all arriving before the pause ends
        pacer.throttled("a:chat", 0.5)
    assert pacer.bot.scale == pytest.approx(0.9)
    assert pacer.conversation("a:chat").scale == pytest.approx(0.8)
    fake.now = 0.5
    pacer.throttled("a:chat", 0.5)  # a new excess after the pause: lowered again
    assert pacer.bot.scale == pytest.approx(0.81)


class LateTime(FakeTime):
    """Every sleep wakes ``late`` seconds after it was asked to, as an event loop's does."""

    def __init__(self, late: float) -> None:
        super().__init__()
        self.late = late

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + self.late)


async def test_late_wake_ups_do_not_slow_the_bot_below_its_limit() -> None:
    # 3 ms late on every 20 ms spacing: a log of the last call's instant paced the bot at
    # 1 / 23 ms = 43 a second; the schedule makes the lateness up and keeps to 50.
    fake = LateTime(0.003)
    pacer = throttle(fake)
    times = []
    for n in range(500):
        await pacer.acquire(f"a:chat-{n}")
        times.append(fake.now)
    assert most_in_any(times, 1.0) <= 50
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate > 49.0


async def test_after_an_idle_spell_the_spacing_starts_again_from_now() -> None:
    fake = FakeTime()
    pacer = throttle(fake)
    await pacer.acquire("a:one")
    fake.now = 10.0  # idle for ten seconds: no burst is owed for them
    times = []
    for n in range(5):
        await pacer.acquire(f"a:chat-{n}")
        times.append(fake.now)
    assert times == pytest.approx([10.0, 10.02, 10.04, 10.06, 10.08])
