"""A running drp-bot over real HTTP, a real store and the loopback Bot Connector, for walks.

People are the demo directory's (the Agents Playground's mock users); the clock is driven.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from store.demo import demo_directory_text
from teams_bot.app import Bot
from teams_bot.cli import main as cli_main
from teams_bot.delivery.mail import Mailer
from teams_bot.delivery.senders import Installer
from tests.support.bot import FAST_DELIVERY, DrivenClock, bot_under_test, opened_store
from tests.support.cards import (
    CARD_TYPE,
    Card,
    action,
    choices,
    moving_verbs,
    reference_of,
    text_of,
    walk_actions,
)
from tests.support.connector import LoopbackConnector, Member, post_activity
from tests.support.ports import LOOPBACK, bound_socket, serve_app

LONDON = ZoneInfo("Europe/London")


def people_of(directory_text: str) -> dict[str, Member]:
    """Everyone in a directory file, by lower-case first name (``alex``, ``robin``...).

    Those with a Teams id (the Playground's ``user-id-N``) keep it; everyone else writes to the
    bot under their Azure AD object id, which is how the bot first meets them.
    """
    people: dict[str, Member] = {}
    for row in csv.DictReader(io.StringIO(directory_text)):
        key = row["name"].split()[0].lower()
        member_id = row.get("teams_user_id") or row["aad_object_id"]
        people[key] = Member(member_id, row["name"], row["aad_object_id"], row["email"])
    return people


PEOPLE = people_of(demo_directory_text())
TEAM = "Riverside Family Support"
CHILD = ("Zara Quint", "AV-100001")
SIBLING = ("Yusuf Quint", "AV-100002")
# What a stranger types into every input, so only the permission check can refuse them.
FILLER = {
    "response": "Stranger's answer.",
    "practice_issues": "None.",
    "resolve_comments": "Stranger closes it.",
    "agreed_work": "Stranger's extra work.",
    "escalate_reason": "Stranger escalates.",
    "updated_concerns": "None.",
    "refer_reason": "Stranger refers.",
    "consulted": "Nobody.",
    "harm_details": "Stranger's alarm.",
    "withdraw_reason": "Stranger withdraws.",
    "outcome": "Stranger's outcome.",
    "approve_comments": "Stranger agrees.",
    "decline_reason": "Stranger declines.",
    "reopen_reason": "Stranger reopens.",
}


def form_values(**overrides: str) -> dict[str, str]:
    """A complete DRP form as a chair fills it on Monday 23 November 2026 (one child)."""
    values = {
        "child_1_name": CHILD[0],
        "child_1_local_id": CHILD[1],
        "child_1_dob": "2016-02-03",
        "team": TEAM,
        "category": "other",
        "category_other": "Plan drift",
        "date_of_concern": "2026-11-20",
        "conference_date": "2026-11-16",  # read only where the process asks (seed 002)
        "summary": "The child protection plan has not progressed since conference.",
        "impact": "The risks the plan was meant to reduce remain.",
        "action_1_text": "Complete the updated assessment",
        "action_1_date": "2026-11-27",
        "evidence": "Assessment on the case record",
        "stage": "1",
    }
    values.update(overrides)
    return values


BOARD = "19:drp-monitoring@thread.tacv2"


def version_of(card: Card) -> int:
    """The dispute version a live dispute card shows (its refresh action carries it)."""
    refresh = card.get("refresh") or {}
    data = (refresh.get("action") or {}).get("data") or {}
    return int(data.get("version") or 0)


@dataclass(frozen=True)
class Shown:
    """A card as a conversation shows it now, and how many versions it has had in place."""

    conversation: str
    activity_id: str
    card: Card
    versions: int


@dataclass
class Walk:
    """The bot, its connector, its clock: helpers to act as each demo person."""

    bot: Bot
    conn: LoopbackConnector
    endpoint: str
    clock: DrivenClock
    keys: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    people: dict[str, Member] = field(default_factory=lambda: PEOPLE)

    def chat(self, who: str) -> str:
        """The 1:1 conversation id the test uses for a person who writes to the bot first."""
        return f"a:personal-{self.people[who].id}"

    async def say(self, who: str, text: str) -> tuple[int, Any]:
        activity = self.conn.message_activity(
            text, from_id=self.people[who].id, conversation_id=self.chat(who)
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
            from_id=self.people[who].id,
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

    async def sweep(self, at: datetime) -> None:
        """Move the clock to ``at``, run the scheduler's sweep there, deliver what it owes."""
        self.clock.now = at
        await self.bot.scheduler.tick(at)
        await self.deliver()

    def conversations_with(self, who: str) -> list[str]:
        """Conversation ids the bot created with this person through the connector."""
        found = []
        for conversation in self.conn.created_conversations():
            members = (conversation.parameters or {}).get("members") or []
            if any(m.get("id") == self.people[who].id for m in members):
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

    # --- who is who ----------------------------------------------------------------------------

    async def person_id(self, who: str) -> str:
        """The directory id of a demo person."""
        async with self.bot.store.transaction() as tx:
            person = await tx.directory.by_email(self.people[who].email)
        assert person is not None, who
        return person.id

    # --- what each person sees -----------------------------------------------------------------

    def chats(self, who: str) -> list[str]:
        """Every 1:1 chat with this person: the one they wrote in, those the bot opened."""
        return list(dict.fromkeys([self.chat(who), *self.conversations_with(who)]))

    def shown(self, who: str) -> list[Shown]:
        """Every Adaptive Card in this person's chats, as it is now."""
        return [card for chat in self.chats(who) for card in self.shown_in(chat)]

    def shown_in(self, conversation_id: str) -> list[Shown]:
        """Every Adaptive Card in one conversation, as it is now."""
        state = self.conn.conversations.get(conversation_id)
        if state is None:
            return []
        found = []
        for activity in state.activities.values():
            for attachment in activity.current.get("attachments") or []:
                if attachment.get("contentType") == CARD_TYPE and not activity.deleted:
                    shown = Shown(
                        conversation_id, activity.id, attachment["content"], len(activity.versions)
                    )
                    found.append(shown)
        return found

    def dispute_cards(self, who: str, reference: str) -> list[Shown]:
        """The live cards of one dispute in this person's chats (kept up to date in place)."""
        return [s for s in self.shown(who) if reference_of(s.card) == reference]

    def dispute_card(self, who: str, reference: str) -> Shown:
        """This person's most current live card of the dispute (the newest of those showing its
        latest version: a card a ``show`` command replied with is not kept up to date)."""
        found = self.dispute_cards(who, reference)
        assert found, f"{who} has no card of {reference}"
        newest = max(version_of(s.card) for s in found)
        return [s for s in found if version_of(s.card) == newest][-1]

    def notices(self, who: str, reference: str) -> list[Card]:
        """The notices (copies, alerts, updates, a step's short message) about a dispute in
        this person's chats: every card that is not a live card of it yet names it."""
        return [
            s.card
            for s in self.shown(who)
            if not reference_of(s.card)
            and (
                any(a.get("data", {}).get("reference") == reference for a in walk_actions(s.card))
                or reference in text_of(s.card)
            )
        ]

    def board_cards(self, reference: str = "") -> list[Shown]:
        """The monitoring channel's cards (of one dispute, if given)."""
        return [s for s in self.shown_in(BOARD) if reference in text_of(s.card)]

    def board(self, reference: str) -> Shown:
        """The one monitoring card of a dispute."""
        found = self.board_cards(reference)
        assert len(found) == 1, f"{len(found)} monitoring cards for {reference}"
        return found[0]

    # --- acting ----------------------------------------------------------------------------------

    async def act(self, who: str, reference: str, verb: str, **inputs: str) -> Card:
        """Press a button on this person's own card of the dispute, then deliver the outbox."""
        shown = self.dispute_card(who, reference)
        data = {**action(shown.card, verb), **inputs}
        card = await self.press(
            who, verb, data, conversation_id=shown.conversation, reply_to_id=shown.activity_id
        )
        await self.deliver()
        return card

    async def open_form(self, who: str) -> Shown:
        """``new`` in this person's chat: the DRP form (or why they cannot raise)."""
        status, _ = await self.say(who, "new")
        assert status in {200, 201}, status
        return self.shown_in(self.chat(who))[-1]

    async def raise_dispute(self, who: str, **fields: str) -> Card:
        """Fill in and submit the DRP form (``form_values`` plus ``fields``), then deliver."""
        form = await self.open_form(who)
        data = {**action(form.card, "drp.raise"), **form_values(**fields)}
        card = await self.press(
            who, "drp.raise", data, conversation_id=form.conversation, reply_to_id=form.activity_id
        )
        await self.deliver()
        return card

    async def monitor_here(self, who: str = "isaiah") -> None:
        """``monitor here`` in the team's monitoring channel, then deliver the backfill."""
        status, _ = await self.say_in_channel(who, "monitor here")
        assert status in {200, 201}, status
        await self.deliver()

    async def say_in_channel(self, who: str, text: str, channel: str = BOARD) -> tuple[int, Any]:
        """A message in a team channel (as Teams sends it once the bot is mentioned)."""
        activity = self.conn.message_activity(
            text,
            from_id=self.people[who].id,
            conversation_id=channel,
            conversation_type="channel",
            channelData={
                "tenant": {"id": self.conn.tenant_id},
                "team": {"id": "19:drp-team@thread.tacv2"},
                "channel": {"id": channel},
            },
        )
        return await post_activity(self.endpoint, activity)

    async def events(self, reference: str) -> list[str]:
        """The kinds of the dispute's recorded events, oldest first."""
        async with self.bot.store.transaction() as tx:
            return [event.kind.value for event in await tx.disputes.events(reference)]

    async def refusals(self, who: str) -> list[dict[str, Any]]:
        """The refusals audited for this person (action, reference, detail)."""
        person_id = await self.person_id(who)
        start, end = self.clock.now - timedelta(days=3650), self.clock.now + timedelta(days=1)
        async with self.bot.store.transaction() as tx:
            entries = await tx.audit.by_actor(person_id, start, end)
        return [
            {"action": e.action, "reference": e.reference, **dict(e.detail)}
            for e in entries
            if e.action == "refused"
        ]


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    policy: str,
    start: datetime,
    database_url: str = "",
    mailer: Mailer | None = None,
    directory: Path | None = None,
    *,
    kept: bool = False,
    port: int = 0,
    installer: Installer | None = None,
) -> AsyncIterator[Walk]:
    """The bot on a fresh store (SQLite file unless a URL is given) with the demo directory, or
    with ``directory`` imported as an operator would (``drp-bot directory import --policy``);
    ``policy`` is a shipped profile's name or a profile file's path. ``kept``: a second run on
    an earlier run's data, beside a restarted connector (on ``port``) that knows none of the
    earlier chats, as a second ``make run`` meets a restarted Playground."""
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    demo = not kept and directory is None
    store = await opened_store(url, demo_at=start if demo else None)
    people = PEOPLE
    if directory is not None and not kept:
        argv = ["directory", "import", str(directory), "--policy", policy, "--database-url", url]
        assert await asyncio.to_thread(cli_main, argv) == 0, f"{directory} did not import"
        people = people_of(await asyncio.to_thread(directory.read_text, encoding="utf-8"))
    clock = DrivenClock(start)
    web_socket = bound_socket()  # its port is known before the bot is built: e-mailed links
    web_port = web_socket.getsockname()[1]  # start with it, and no other test can take it
    # The test drives delivery itself (Walk.deliver), so nothing races it.
    bot = bot_under_test(
        store,
        policy,
        clock,
        keys="key-kept-" if kept else "key-",
        delivery=FAST_DELIVERY,
        deliver_in_background=False,
        mailer=mailer,
        installer=installer,
        public_url=f"http://{LOOPBACK}:{web_port}",
    )
    members = list(people.values())
    try:
        connector = LoopbackConnector(members, port=port, strict=kept)
        async with connector as conn, serve_app(bot.web, sock=web_socket) as base:
            yield Walk(bot, conn, f"{base}/api/messages", clock, people=people)
    finally:
        web_socket.close()  # served: closed already; a failure before that: not left open
        await store.close()


# --- what every check of a walk asserts ----------------------------------------------------------


def initials(name: str) -> str:
    """How the monitoring card shows a child: ``Zara Quint`` is ``Z.Q.``."""
    return "".join(f"{part[0]}." for part in name.split())


def assert_no_child_name(card: Card, children: tuple[tuple[str, str], ...]) -> None:
    """Neither a child's full name nor any part of it is on the card."""
    text = text_of(card)
    for name, _ in children:
        for part in name.split():
            assert part not in text, f"{part!r} of a child's name is on the card"


def assert_board_shows(
    walk: Walk, reference: str, *facts: str, children: tuple[tuple[str, str], ...] = (CHILD,)
) -> Shown:
    """The dispute's one monitoring card: initials and local IDs, the given facts, no names."""
    shown = walk.board(reference)
    text = text_of(shown.card)
    for name, local_id in children:
        assert f"{initials(name)} (" in text, text
        assert local_id in text, text
    for fact in facts:
        assert fact in text, f"{fact!r} not on the monitoring card: {text}"
    assert_no_child_name(shown.card, children)
    return shown


def assert_closed_everywhere(
    walk: Walk,
    reference: str,
    outcome: str,
    parties: tuple[str, ...],
    *,
    board: str = "",
    children: tuple[tuple[str, str], ...] = (CHILD,),
) -> None:
    """Every party's card of the dispute was updated in place to its outcome, with no button
    left that would move it; the monitoring card (if any) shows the outcome too."""
    for who in parties:
        cards = walk.dispute_cards(who, reference)
        assert cards, f"{who} has no card of {reference}"
        for shown in cards:
            assert f"Outcome: {outcome}" in text_of(shown.card), (who, text_of(shown.card))
            assert not moving_verbs(shown.card), (who, moving_verbs(shown.card))
            assert shown.versions > 1, f"{who}'s card was never updated in place"
    if board:
        shown = assert_board_shows(walk, reference, "Closed", board, children=children)
        assert shown.versions > 1


async def assert_stranger_cannot(walk: Walk, stranger: str, reference: str, party: str) -> None:
    """Every button on a party's card, pressed by someone not a party to the dispute, is
    refused on a card, changes nothing and is audited."""
    card = walk.dispute_card(party, reference).card
    pressed = sorted(moving_verbs(card))
    assert pressed, f"{party}'s card has no buttons to try"
    before = await walk.events(reference)
    refused = len(await walk.refusals(stranger))
    for verb in pressed:
        data = {**action(card, verb), **FILLER, "escalate_due": _tomorrow(walk)}
        if verb == "drp.refer":
            data["refer_target"] = choices(card, "refer_target")[0]
        shown = await walk.press(stranger, verb, data)
        assert "can't do that" in text_of(shown), (verb, text_of(shown))
        assert_no_child_name(shown, (CHILD, SIBLING))
    await walk.deliver()
    assert await walk.events(reference) == before
    audited = (await walk.refusals(stranger))[refused:]
    assert [(a["reference"], a["verb"]) for a in audited] == [(reference, v) for v in pressed]


def _tomorrow(walk: Walk) -> str:
    return (walk.clock.now + timedelta(days=1)).date().isoformat()
