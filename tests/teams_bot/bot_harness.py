"""A running drp-bot over real HTTP, a real store and the loopback Bot Connector, for walks.

People are the demo directory's (the Agents Playground's mock users); the clock is driven.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store.demo import load_demo_directory
from store.store import Store
from teams_bot.app import Bot, build_bot
from teams_bot.delivery import DeliveryPolicy
from teams_bot.settings import BotCredentials
from tests.support.connector import LoopbackConnector, Member, post_activity
from tests.support.ports import serve_app

LONDON = ZoneInfo("Europe/London")

PEOPLE = {
    "alex": Member(
        "user-id-0", "Alex Wilber", "00000000-0000-0000-0000-0000000000020", "alexw@example.com"
    ),
    "megan": Member(
        "user-id-1", "Megan Bowen", "00000000-0000-0000-0000-0000000000021", "meganb@example.com"
    ),
    "adele": Member(
        "user-id-2", "Adele Vance", "00000000-0000-0000-0000-0000000000022", "adelev@example.com"
    ),
    "isaiah": Member(
        "user-id-3",
        "Isaiah Langer",
        "00000000-0000-0000-0000-0000000000023",
        "isaiahl@example.com",
    ),
    "patti": Member(
        "user-id-4",
        "Patti Fernandez",
        "00000000-0000-0000-0000-0000000000024",
        "pattif@example.com",
    ),
    "lynne": Member(
        "user-id-5", "Lynne Robbins", "00000000-0000-0000-0000-0000000000025", "lynner@example.com"
    ),
}
TEAM = "Riverside Family Support"


@dataclass
class DrivenClock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Walk:
    """The bot, its connector, its clock: helpers to act as each demo person."""

    bot: Bot
    conn: LoopbackConnector
    endpoint: str
    clock: DrivenClock
    keys: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def chat(self, who: str) -> str:
        """The 1:1 conversation id the test uses for a person who writes to the bot first."""
        return f"a:personal-{PEOPLE[who].id}"

    async def say(self, who: str, text: str) -> tuple[int, Any]:
        activity = self.conn.message_activity(
            text, from_id=PEOPLE[who].id, conversation_id=self.chat(who)
        )
        return await post_activity(self.endpoint, activity)

    async def press(
        self,
        who: str,
        verb: str,
        data: dict[str, Any],
        *,
        conversation_id: str = "",
        reply_to_id: str = "",
    ) -> dict[str, Any]:
        """An Action.Execute from ``who`` on a card in a chat (by default the newest one there);
        returns the card in the invoke response."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        conversation = conversation_id or self.chat(who)
        if not reply_to_id:
            posted = [a for a in self.conn.activities(conversation) if a.get("attachments")]
            reply_to_id = str(posted[-1]["id"]) if posted else "no-card"
        activity = self.conn.invoke_activity(
            "adaptiveCard/action",
            value,
            from_id=PEOPLE[who].id,
            conversation_id=conversation,
            reply_to_id=reply_to_id,
        )
        status, body = await post_activity(self.endpoint, activity)
        assert status == 200, (status, body)
        assert body["type"] == "application/vnd.microsoft.card.adaptive", body
        card: dict[str, Any] = body["value"]
        return card

    async def deliver(self) -> None:
        """Send everything the outbox owes now (deterministic; no background timing)."""
        while await self.bot.deliverer.run_once():
            pass

    def conversations_with(self, who: str) -> list[str]:
        """Conversation ids the bot created with this person through the connector."""
        found = []
        for conversation in self.conn.created_conversations():
            members = conversation.parameters.get("members") or []
            if any(m.get("id") == PEOPLE[who].id for m in members):
                found.append(conversation.id)
        return found

    def cards_in(self, conversation_id: str) -> list[dict[str, Any]]:
        """The Adaptive Cards a conversation shows now (after updates in place)."""
        found = []
        for activity in self.conn.activities(conversation_id):
            for attachment in activity.get("attachments") or []:
                if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                    found.append(attachment["content"])
        return found


@asynccontextmanager
async def running_bot(
    tmp_path: Path, policy: str, start: datetime, database_url: str = ""
) -> AsyncIterator[Walk]:
    """The bot on a fresh store (SQLite file unless a URL is given) with the demo directory."""
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    store = await Store.open(url)
    await store.upgrade()
    await load_demo_directory(store, at=start)
    clock = DrivenClock(start)
    counter = itertools.count(1)
    ctx = Context(load_policy(policy), WorkingDayCalendar())
    # The test drives delivery itself (Walk.deliver), so nothing races it.
    bot = build_bot(
        store,
        ctx,
        BotCredentials(),
        clock=clock,
        keys=lambda: f"key-{next(counter)}",
        delivery=DeliveryPolicy(base_backoff=0.01, max_backoff=0.05),
        deliver_in_background=False,
    )
    members = list(PEOPLE.values())
    try:
        async with LoopbackConnector(members) as conn, serve_app(bot.web) as base:
            yield Walk(bot, conn, f"{base}/api/messages", clock)
    finally:
        await store.close()
