"""Delivery over real HTTP to the loopback connector, time driven: Retry-After, backoff with
jitter, giving up on the monitoring channel, chats opened or @mentions instead, a sender killed
between send and mark_sent, and two replicas on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drp.events import JsonValue
from store.store import Store
from teams_bot.delivery.engine import CHAT_REFUSED, Deliverer, DeliveryPolicy
from teams_bot.delivery.throttle import Throttle
from teams_bot.scheduler import Scheduler
from teams_bot.turn import Card, Messenger
from tests.store.postgres import Databases
from tests.support.cards import action, text_of
from tests.teams_bot.bot_harness import PEOPLE
from tests.teams_bot.scheduler_scene import BOARD, Scene, london, scene

START = london(2026, 11, 23, 9, 0)
ALEX_CHAT = f"a:personal-{PEOPLE['alex'].id}"


@pytest.fixture
def pg_url(pg_databases: Databases) -> str:
    """A fresh, migrated PostgreSQL database."""
    url = asyncio.run(pg_databases.create(pg_databases.name(), pg_databases.template))
    return url.render_as_string(hide_password=False)


async def owe_alex(walk: Scene, key: str = "test:1", event: str = "responded") -> str:
    """A notice to the chair about a fresh dispute, owed now (the dispute's own rows sent)."""
    ref = await walk.raise_at("1")
    payload: dict[str, JsonValue] = {"event": event}
    async with walk.store.transaction() as tx:
        await tx.outbox.enqueue(
            walk.ids["alex"], "notice", key, payload, due_at=walk.clock.now, reference=ref
        )
    return ref


async def row(walk: Scene, key: str) -> Any:
    return next(r for r in await walk.rows() if r.dedupe_key == key)


def posts_to(walk: Scene, conversation: str, status: int | None = None) -> int:
    path = f"/v3/conversations/{conversation}/activities"
    return len(walk.conn.requests_matching("POST", path, status))


async def test_a_fractional_retry_after_is_waited_out_and_the_message_sent_once(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        slept: list[float] = []
        seconds = [0.0]

        async def sleep(wait: float) -> None:
            slept.append(wait)
            seconds[0] += wait

        walk.bot.deliverer.messenger.throttle = Throttle(clock=lambda: seconds[0], sleep=sleep)
        answered = posts_to(walk, ALEX_CHAT, 201)  # the reply to "help"
        walk.conn.throttle_next(1, retry_after=1.5, conversation_id=ALEX_CHAT)
        await owe_alex(walk)
        await walk.deliver()

        # The Retry-After, to the fraction; the rest are the bot's 20 ms spacing.
        assert [wait for wait in slept if wait > 0.021] == [pytest.approx(1.5)]
        assert posts_to(walk, ALEX_CHAT, 429) == 1
        assert posts_to(walk, ALEX_CHAT, 201) == answered + 1
        sent = await row(walk, "test:1")
        assert (sent.sent_at is not None, sent.attempts) == (True, 1)


async def test_a_long_retry_after_reschedules_the_row_for_after_it(tmp_path: Path) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        answered = posts_to(walk, ALEX_CHAT, 201)
        walk.conn.throttle_next(1, retry_after=30, conversation_id=ALEX_CHAT)
        await owe_alex(walk)
        await walk.deliver()
        waiting = await row(walk, "test:1")
        assert waiting.due_at == walk.clock.now + timedelta(seconds=30)
        assert waiting.sent_at is None

        await walk.step_to(walk.clock.now + timedelta(seconds=29))
        assert (await row(walk, "test:1")).sent_at is None
        await walk.step_to(walk.clock.now + timedelta(seconds=1))
        assert (await row(walk, "test:1")).sent_at is not None
        assert posts_to(walk, ALEX_CHAT, 201) == answered + 1


async def test_server_errors_back_off_with_jitter_then_deliver(tmp_path: Path) -> None:
    policy = DeliveryPolicy(base_backoff=10.0, max_backoff=100.0)
    async with scene(tmp_path, "nottingham", START, delivery=policy) as walk:
        walk.bot.deliverer.rng = random.Random(7)
        await walk.say("alex", "help")
        walk.conn.fail_next(2, status=502, conversation_id=ALEX_CHAT)
        await owe_alex(walk)
        waits = []
        for ceiling in (10.0, 20.0):
            await walk.deliver()
            waiting = await row(walk, "test:1")
            wait = (waiting.due_at - walk.clock.now).total_seconds()
            assert ceiling / 2 <= wait <= ceiling  # exponential, with jitter
            waits.append(wait)
            await walk.step_to(waiting.due_at)
        assert waits[0] != 10.0
        assert waits[1] != 20.0
        done = await row(walk, "test:1")
        assert (done.sent_at is not None, done.attempts) == (True, 3)


async def test_after_n_tries_it_is_given_up_logged_and_shown_on_the_monitoring_channel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = DeliveryPolicy(max_attempts=3, base_backoff=1.0, max_backoff=1.0)
    async with scene(tmp_path, "nottingham", START, delivery=policy) as walk:
        await walk.say("alex", "help")
        await walk.monitor_here()
        walk.conn.fail_next(99, status=500, conversation_id=ALEX_CHAT)
        ref = await owe_alex(walk)
        with caplog.at_level(logging.WARNING, logger="teams_bot.delivery"):
            for _ in range(4):
                await walk.step_to(walk.clock.now + timedelta(seconds=2))

        failed = await row(walk, "test:1")
        assert (failed.failed, failed.attempts, failed.sent_at) == (True, 3, None)
        assert "HTTP 500" in (failed.last_error or "")
        given_up = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(given_up) == 1
        assert "given up after 3 attempts" in given_up[0].getMessage()
        assert "Zara" not in caplog.text  # ids in the log, never a child's name
        notes = [c for c in walk.cards_in(BOARD) if "could not be delivered" in text_of(c)]
        assert len(notes) == 1
        note = text_of(notes[0])
        assert ref in note
        assert "Alex Wilber" in note
        assert "HTTP 500" in note


async def test_someone_without_a_chat_gets_one_created_through_the_connector(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        await walk.raise_at("1")
        created = [
            c
            for c in walk.conn.created_conversations()
            if any(m.get("id") == PEOPLE["megan"].id for m in c.parameters.get("members", []))
        ]
        assert len(created) == 1
        assert walk.cards_in(created[0].id)
        async with walk.store.transaction() as tx:
            megan = await tx.directory.person(walk.ids["megan"])
        assert megan is not None
        assert megan.conversation_ref is not None
        assert megan.conversation_ref["conversation"]["id"] == created[0].id


async def test_someone_teams_will_not_chat_with_is_mentioned_on_the_monitoring_channel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        await walk.monitor_here()
        walk.conn.forbid_conversation_with(PEOPLE["megan"].id)
        with caplog.at_level(logging.WARNING, logger="teams_bot.delivery"):
            ref = await walk.raise_at("1")

        refused = next(r for r in await walk.rows() if r.kind == "dispute_card")
        assert refused.failed
        assert CHAT_REFUSED in (refused.last_error or "")
        assert CHAT_REFUSED in caplog.text
        mentions = [a for a in walk.conn.activities(BOARD) if "<at>" in str(a)]
        assert len(mentions) == 1
        card = mentions[0]["attachments"][0]["content"]
        entity = card["msteams"]["entities"][0]
        assert entity["type"] == "mention"
        assert entity["text"] == "<at>Megan Bowen</at>"
        assert entity["mentioned"]["id"] == PEOPLE["megan"].id
        assert card["body"][0]["text"].startswith("<at>Megan Bowen</at>, ")
        assert ref in text_of(card)
        # Given up for good, and no "could not be delivered" note on top of the mention.
        assert not [c for c in walk.cards_in(BOARD) if "could not be delivered" in text_of(c)]


class Stall:
    """The real messenger, except that the first card sent is sent and then the sender hangs
    (the process is as good as dead between the connector's 201 and mark_sent)."""

    def __init__(self, inner: Messenger) -> None:
        self.inner = inner
        self.sent = asyncio.Event()

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        activity_id = await self.inner.send(reference, card)
        if not self.sent.is_set():
            self.sent.set()
            await asyncio.Event().wait()
        return activity_id

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        await self.inner.update(reference, activity_id, card)

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        return await self.inner.open_personal(user_id, tenant_id, service_url)


def dispute_cards(walk: Scene, who: str) -> list[tuple[str, str, Card]]:
    return [p for p in walk.posted(who) if "drp.respond" in str(p[2])]


async def test_a_sender_killed_between_send_and_mark_sent_loses_nothing_and_its_repeat_is_harmless(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with scene(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        first = walk.bot.deliverer
        first.policy = replace(first.policy, batch=1)  # it dies holding Megan's card alone
        real = first.messenger.inner
        stall = Stall(real)
        first.messenger.inner = stall
        ref = await walk.raise_at("1", deliver=False)
        dying = asyncio.create_task(first.run_once())
        await asyncio.wait_for(stall.sent.wait(), 10)
        dying.cancel()  # kill -9: the card is in Megan's chat, the row is not marked sent
        with contextlib.suppress(asyncio.CancelledError):
            await dying
        assert len(dispute_cards(walk, "megan")) == 1
        assert any(r.sent_at is None for r in await walk.rows())

        # A new process: its own owner. While the dead one's lease holds, it sends nothing.
        second = Deliverer(
            walk.store, real, first.renderer, walk.clock, first.policy, throttle=Throttle.off()
        )
        assert second.owner != first.owner
        while await second.run_once():  # the refresh was never claimed: it goes now
            pass
        held = next(r for r in await walk.rows() if r.kind == "dispute_card")
        assert (held.sent_at, held.lease_owner) == (None, first.owner)
        assert len(dispute_cards(walk, "megan")) == 1
        walk.clock.now += timedelta(seconds=first.policy.lease_seconds + 1)
        with caplog.at_level(logging.INFO, logger="teams_bot.delivery"):
            while await second.run_once():
                pass

        rows = await walk.rows()
        assert all(r.sent_at is not None and not r.failed for r in rows)  # nothing lost
        card_row = next(r for r in rows if r.kind == "dispute_card")
        assert card_row.attempts == 2
        assert "earlier attempt ended unrecorded" in caplog.text
        copies = dispute_cards(walk, "megan")
        assert len(copies) == 2  # the one repeat the crash window allows...
        assert text_of(copies[0][2]).split("key-")[0] == text_of(copies[1][2]).split("key-")[0]

        # ...is harmless: either copy acts once, the other is out of date and changes nothing.
        for chat, activity_id, card in (copies[1], copies[0]):
            data = {**action(card, "drp.respond"), "response": "Visit booked."}
            await walk.press("megan", chat, activity_id, data, "drp.respond")
        await walk.deliver()
        assert [kind for kind, _ in await walk.events(ref)] == ["raised", "responded"]


@pytest.mark.postgres
async def test_two_deliverers_on_postgres_never_send_a_row_twice(
    tmp_path: Path, pg_url: str
) -> None:
    policy = DeliveryPolicy(batch=3, base_backoff=0.01, max_backoff=0.05)
    async with scene(tmp_path, "nottingham", START, database_url=pg_url, delivery=policy) as walk:
        await walk.say("alex", "help")
        for _ in range(12):
            await walk.raise_at("1", deliver=False)
        other_store = await Store.open(pg_url)
        try:
            first = walk.bot.deliverer
            second = Deliverer(
                other_store,
                first.messenger.inner,
                first.renderer,
                walk.clock,
                policy,
                throttle=Throttle.off(),
            )
            claimed = {first.owner: 0, second.owner: 0}

            async def drain(deliverer: Deliverer) -> None:
                while found := await deliverer.run_once():
                    claimed[deliverer.owner] += found
                    await asyncio.sleep(0)

            await asyncio.gather(drain(first), drain(second))
        finally:
            await other_store.close()

        rows = await walk.rows()
        # a card for Megan, a copy for the Principal Manager (seed 000) and a refresh per dispute
        assert len(rows) == 36
        assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
        assert sum(claimed.values()) == 36
        assert all(claimed.values()), claimed  # both replicas did work
        cards = dispute_cards(walk, "megan")
        references = sorted(text_of(card).split("DRP-")[1][:11] for _, _, card in cards)
        assert references == [f"2026-{n:06d}" for n in range(1, 13)]  # each exactly once


@pytest.mark.postgres
async def test_two_schedulers_on_postgres_note_each_deadline_once(
    tmp_path: Path, pg_url: str
) -> None:
    async with scene(tmp_path, "calderdale", START, database_url=pg_url) as walk:
        await walk.step_to(START)
        await walk.say("alex", "help")
        patti = walk.ids["patti"]
        refs = [await walk.raise_at("1", practitioner=patti) for _ in range(5)]  # due Mon 30 Nov
        other_store = await Store.open(pg_url)
        try:
            schedulers = [
                walk.bot.scheduler,
                Scheduler(other_store, walk.bot.deps.ctx, walk.clock),
            ]
            overdue = london(2026, 12, 1, 0, 0)
            walk.clock.now = overdue
            ticks = await asyncio.gather(*(s.tick(overdue) for s in schedulers))
            again = await asyncio.gather(*(s.tick(overdue) for s in schedulers))
        finally:
            await other_store.close()
        assert sum(t.overdue for t in ticks) == 5
        assert sum(t.escalated for t in ticks) == 5
        assert sum(t.enqueued for t in again) == 0
        for ref in refs:
            kinds = [kind for kind, _ in await walk.events(ref)]
            assert kinds == ["raised", "overdue", "escalated"]
        await walk.deliver()
        rows = await walk.rows()
        assert len({r.dedupe_key for r in rows}) == len(rows)
        assert all(r.sent_at is not None for r in rows)
