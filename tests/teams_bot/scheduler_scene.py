"""A running drp-bot whose scheduler and deliverer the test drives: real HTTP, a real store, the
loopback connector and a driven clock. Disputes are raised through the domain and the service's
own fan-out (the raise form is not what these tests are about); everything after is the bot's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from drp.commands import Raise
from drp.machine import Context, raise_dispute
from drp.model import Actor, Child, Concern
from drp.roles import Role
from store.outbox import message_from
from store.rows import OutboxMessage
from store.schema import outbox
from store.store import Store
from teams_bot.app import Bot
from teams_bot.delivery.engine import DeliveryPolicy
from teams_bot.notifier import Notifier
from teams_bot.outbox_kinds import Origin
from teams_bot.scheduler import Timing
from teams_bot.staffing import staff_stage
from tests.support.bot import FAST_DELIVERY, DrivenClock, bot_under_test, opened_store
from tests.support.cards import CARD_TYPE, Card
from tests.support.connector import LoopbackConnector, Member, post_activity
from tests.support.ports import serve_app
from tests.teams_bot.bot_harness import LONDON, PEOPLE


@dataclass(frozen=True, slots=True)
class _Raising:
    """A dispute about to be raised, as staffing reads it."""

    process: str
    team: str
    raiser_team: str
    practitioner: str
    raised_by: str
    plan_chair: str  # the child's own chair, where a stage is answered by them (none here)


TEAM = "Riverside Family Support"
BOARD = "19:drp-scheduler-board@thread.tacv2"


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock instant in London."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass(frozen=True)
class Sent:
    """An outbox row as settled: to whom, what, about which dispute, when it was sent."""

    recipient: str
    kind: str
    reference: str | None
    about: str
    sent_at: datetime
    key: str

    @property
    def local(self) -> datetime:
        return self.sent_at.astimezone(LONDON)


@dataclass
class Scene:
    """The bot, its connector and clock, and the demo people's directory ids."""

    bot: Bot
    conn: LoopbackConnector
    endpoint: str
    clock: DrivenClock
    ctx: Context
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.bot.store

    def who(self, person_id: str) -> str:
        """The demo first name of a directory id (for readable assertions)."""
        names = {v: k for k, v in self.ids.items()}
        return names.get(person_id, person_id)

    async def say(self, who: str, text: str) -> None:
        """``who`` writes in their 1:1 chat (the bot learns the chat and the connector)."""
        activity = self.conn.message_activity(
            text, from_id=PEOPLE[who].id, conversation_id=f"a:personal-{PEOPLE[who].id}"
        )
        status, _ = await post_activity(self.endpoint, activity)
        assert status in {200, 201}, status

    async def monitor_here(self) -> None:
        """The chairs' service manager makes the board channel the monitoring channel."""
        activity = self.conn.message_activity(
            "monitor here",
            from_id=PEOPLE["isaiah"].id,
            conversation_id=BOARD,
            conversation_type="channel",
            channelData={
                "tenant": {"id": self.conn.tenant_id},
                "team": {"id": "19:drp-team@thread.tacv2"},
                "channel": {"id": BOARD},
            },
        )
        status, _ = await post_activity(self.endpoint, activity)
        assert status in {200, 201}, status
        await self.deliver()

    async def raise_at(
        self,
        stage: str,
        *,
        who: str = "alex",
        role: Role = Role.CHAIR,
        due: date | None = None,
        practitioner: str = "",
        deliver: bool = True,
    ) -> str:
        """Raise a dispute at ``stage`` now, as the chair's form would, and deliver it."""
        now = self.clock.now
        policy = self.ctx.policy
        async with self.store.transaction() as tx:
            raiser = await tx.directory.by_email(PEOPLE[who].email)
            assert raiser is not None
            process = policy.main
            target = process.stage(stage)
            raising = _Raising(process.key, TEAM, raiser.team, practitioner, raiser.id, "")
            staffing = await staff_stage(tx, self.ctx, raising, target)
            command = Raise(
                Actor(raiser.id, role),
                now,
                await tx.disputes.next_reference(now.year),
                process.key,
                stage,
                children=(Child("Zara Quint", "AV-100001", date(2016, 2, 3)),),
                team=TEAM,
                concern=Concern(
                    "other",
                    "The plan drifts.",
                    "Risk remains.",
                    evidence="Minutes on the file.",
                    category_other="x",
                ),
                date_of_concern=self.ctx.calendar.local_date(now),
                owners=staffing.owners,
                approvers=staffing.approvers,
                due=due,
                practitioner=practitioner,
                # Read only where the profile asks (seeds 002, 004).
                consulted="The chair's line manager",
                conference_date=self.ctx.calendar.local_date(now),
            )
            decision = raise_dispute(command, self.ctx)
            await tx.disputes.add(decision)
            origin = Origin(self.conn.service_url, self.conn.tenant_id)
            await Notifier(tx, self.ctx).fan_out(None, decision, origin, now)
        if deliver:
            await self.deliver()
        return decision.dispute.reference

    async def press(
        self, who: str, conversation: str, activity_id: str, data: dict[str, Any], verb: str
    ) -> Card:
        """``who`` presses an Action.Execute on a card in a conversation; the card answered."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        activity = self.conn.invoke_activity(
            "adaptiveCard/action",
            value,
            from_id=PEOPLE[who].id,
            conversation_id=conversation,
            reply_to_id=activity_id,
        )
        status, body = await post_activity(self.endpoint, activity)
        assert status == 200, (status, body)
        card: Card = body["value"]
        return card

    def posted(self, who: str) -> list[tuple[str, str, Card]]:
        """(conversation, activity id, card) of every card in ``who``'s chats, as shown now."""
        found = []
        for chat in self.chats_of(who):
            for activity in self.conn.activities(chat):
                for attachment in activity.get("attachments") or []:
                    if attachment.get("contentType") == CARD_TYPE:
                        found.append((chat, str(activity["id"]), attachment["content"]))
        return found

    async def events(self, reference: str) -> list[tuple[str, str]]:
        """(kind, actor) of each event of the dispute."""
        async with self.store.transaction() as tx:
            return [(e.kind.value, e.actor) for e in await tx.disputes.events(reference)]

    async def deliver(self) -> None:
        """Send everything the outbox owes now."""
        while await self.bot.deliverer.run_once():
            pass

    async def step_to(self, instant: datetime) -> None:
        """Move the clock to ``instant``, sweep, deliver."""
        self.clock.now = instant
        await self.bot.scheduler.tick(instant)
        await self.deliver()

    async def drive(self, until: datetime, step: timedelta = timedelta(minutes=30)) -> None:
        """Sweep and deliver at every ``step`` (in real elapsed time) up to ``until``."""
        now = self.clock.now.astimezone(UTC)
        while now < until.astimezone(UTC):
            now = min(now + step, until.astimezone(UTC))
            await self.step_to(now.astimezone(LONDON))

    async def rows(self) -> list[OutboxMessage]:
        """Every outbox row, oldest first."""
        async with self.store.transaction() as tx:
            result = await tx.connection.execute(outbox.select().order_by(outbox.c.id))
            return [message_from(row) for row in result]

    async def sent(self, *kinds: str) -> list[Sent]:
        """Rows settled as sent (optionally of these kinds), in the order they were sent."""
        found = []
        for m in await self.rows():
            if m.sent_at is None or (kinds and m.kind not in kinds):
                continue
            about = next(
                (
                    str(m.payload[k])
                    for k in ("occasion", "moment", "event", "day")
                    if k in m.payload
                ),
                "",
            )
            found.append(Sent(m.recipient, m.kind, m.reference, about, m.sent_at, m.dedupe_key))
        return sorted(found, key=lambda s: (s.sent_at, s.key))

    def chats_of(self, who: str) -> list[str]:
        """Every 1:1 conversation with ``who``: the one they wrote in, those the bot opened."""
        member_id = PEOPLE[who].id
        found = [f"a:personal-{member_id}"]
        for conversation in self.conn.created_conversations():
            members = (conversation.parameters or {}).get("members") or []
            if any(m.get("id") == member_id for m in members):
                found.append(conversation.id)
        return found

    def cards_of(self, who: str) -> list[Card]:
        """The Adaptive Cards in ``who``'s chats as they show now."""
        return [card for chat in self.chats_of(who) for card in self.cards_in(chat)]

    def cards_in(self, conversation_id: str) -> list[Card]:
        """The Adaptive Cards a conversation shows now (after updates in place)."""
        found = []
        for activity in self.conn.activities(conversation_id):
            for attachment in activity.get("attachments") or []:
                if attachment.get("contentType") == CARD_TYPE:
                    found.append(attachment["content"])
        return found


@asynccontextmanager
async def scene(
    tmp_path: Path,
    policy: str,
    start: datetime,
    *,
    database_url: str = "",
    timing: Timing | None = None,
    delivery: DeliveryPolicy | None = None,
    members: list[Member] | None = None,
) -> AsyncIterator[Scene]:
    """A bot on a fresh store with the demo directory, the clock at ``start``."""
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    store = await opened_store(url, demo_at=start)
    clock = DrivenClock(start)
    bot = bot_under_test(
        store,
        policy,
        clock,
        delivery=delivery or FAST_DELIVERY,
        timing=timing or Timing(),
        deliver_in_background=False,
    )
    try:
        async with (
            LoopbackConnector(members or list(PEOPLE.values())) as conn,
            serve_app(bot.web) as base,
        ):
            # The bot's own context: without a mailer it owes no mailbox copies.
            found = Scene(bot, conn, f"{base}/api/messages", clock, bot.deps.ctx)
            async with store.transaction() as tx:
                for name, member in PEOPLE.items():
                    person = await tx.directory.by_email(member.email)
                    if person is not None:
                        found.ids[name] = person.id
            yield found
    finally:
        await store.close()
