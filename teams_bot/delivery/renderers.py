"""What each standard outbox kind sends, rendered from the store when it goes: a dispute's card,
a notice, a reminder, a digest, a refresh of every posted card, a note on the monitoring channel.
``standard_senders`` registers them; other features add theirs to the same registry."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cards.banners import notice_card
from drp.deadlines import Occasion, still_owed
from drp.machine import Context
from drp.model import Dispute
from drp.roles import Role
from store.rows import OutboxMessage, Person, PostedCard
from store.store import Transaction
from teams_bot.delivery import notices, steps
from teams_bot.delivery.action_reminders import action_reminder
from teams_bot.delivery.senders import (
    Outlet,
    Rendered,
    Senders,
    SendResult,
    to_person,
)
from teams_bot.outbox_kinds import (
    REFRESH_RECIPIENT,
    Digest,
    EventMessage,
    LeaverFlag,
    MonitoringNote,
    OutboxKind,
    Reminder,
)
from teams_bot.turn import Card, DeliveryError, conversation_id_of

log = logging.getLogger(__name__)

MONITORING = "monitoring"  # a posted card on the monitoring channel (the board)
NO_BOARD = (
    "no monitoring channel to show a %s on: outbox row %s (%s to person %s) was not delivered "
    "(%s); type `@DRP monitor here` in a channel to set one"
)


def standard_senders() -> Senders:
    """The registry with every kind the bot's own code owes (compliments register theirs)."""
    senders = Senders()
    senders.register(OutboxKind.DISPUTE_CARD, to_person(dispute_card))
    senders.register(OutboxKind.NOTICE, to_person(notice))
    senders.register(OutboxKind.REMINDER, to_person(reminder))
    senders.register(OutboxKind.DIGEST, to_person(digest))
    senders.register(OutboxKind.REFRESH, refresh)
    senders.register(OutboxKind.DELIVERY_FAILED, to_monitoring)
    senders.register(OutboxKind.MENTION, to_monitoring)
    senders.register(OutboxKind.LEAVER_FLAG, leaver_flag)
    senders.register(OutboxKind.ACTION_REMINDER, to_person(action_reminder))
    return senders


async def _dispute(tx: Transaction, message: OutboxMessage) -> Dispute:
    dispute = await tx.disputes.find(message.reference or "")
    if dispute is None:
        raise DeliveryError(404, "dispute no longer exists")
    return dispute


async def dispute_card(
    outlet: Outlet, tx: Transaction, message: OutboxMessage, person: Person
) -> Rendered:
    """The card someone must act on, in their view; kept up to date from then on. If their
    chat shows it already, a short message of the step instead (the refresh updates that card)."""
    dispute = await _dispute(tx, message)
    if await steps.live_card_in_chat(tx, dispute.reference, person):
        return _step(outlet, dispute, EventMessage.from_json(message.payload), person, acts=True)
    card = await outlet.renderer.posted(tx, dispute, person.id, outlet.clock(), person=person)
    return Rendered(card, keeps_up=dispute)


def _step(
    outlet: Outlet, dispute: Dispute, about: EventMessage, person: Person, *, acts: bool
) -> Rendered:
    ctx, keys = outlet.renderer.ctx, outlet.renderer.keys
    button = None
    if about.event == "overdue" and person.id == dispute.raised_by:
        button = notices.escalate_now(dispute, ctx, outlet.clock(), keys)
    card = steps.step_message(
        dispute,
        about.event,
        notices.stage_title(dispute, ctx),
        acts=acts,
        automatic=about.automatic,
        keys=keys,
        button=button,
        note=_brief(dispute, about, ctx),
    )
    return Rendered(card)


def _brief(dispute: Dispute, about: EventMessage, ctx: Context) -> str:
    """Someone alerted to an overdue response is asked to make a senior aware (seed 001)."""
    if about.event == "overdue" and about.audience == "alert":
        return notices.brief_text(dispute, ctx)
    return ""


async def notice(
    outlet: Outlet, tx: Transaction, message: OutboxMessage, person: Person
) -> Rendered:
    """A step someone is told of: initials, reference and status only (a short message of the
    step if their chat shows the dispute's card already)."""
    dispute = await _dispute(tx, message)
    about = EventMessage.from_json(message.payload)
    if await steps.live_card_in_chat(tx, dispute.reference, person):
        return _step(outlet, dispute, about, person, acts=False)
    title = notices.notice_title(about.event, about.automatic) or steps.step_title(about.event)
    facts = [
        ("Reference", dispute.reference),
        ("Children", dispute.initials),
        ("Status", dispute.status.label),
    ]
    keys, ctx = outlet.renderer.keys, outlet.renderer.ctx
    text = f"{dispute.reference}: {title.lower()}." + _brief(dispute, about, ctx)
    card = notice_card(
        title,
        text,
        facts,
        urgent=about.event == "immediate_harm",
        reference=dispute.reference,
        version=dispute.version,
        key_factory=keys,
    )
    if about.event == "overdue" and person.id == dispute.raised_by:
        button = notices.escalate_now(dispute, ctx, outlet.clock(), keys)
        if button is not None:
            card.setdefault("actions", []).insert(0, button)
    return Rendered(card)


async def reminder(
    outlet: Outlet, tx: Transaction, message: OutboxMessage, person: Person
) -> Rendered | str:
    """A reminder, unless the dispute moved on since it was owed."""
    dispute = await _dispute(tx, message)
    if not still_owed(dispute, message.payload, person.id, outlet.clock()):
        return "the dispute moved on"
    occasion = Occasion(Reminder.from_json(message.payload).occasion)
    return Rendered(
        notices.reminder_card(dispute, occasion, outlet.renderer.ctx, outlet.renderer.keys)
    )


async def digest(
    outlet: Outlet, tx: Transaction, message: OutboxMessage, person: Person
) -> Rendered | str:
    """This morning's digest, if it is still this morning and anything is owed."""
    now, ctx = outlet.clock(), outlet.renderer.ctx
    day = Digest.from_json(message.payload).day
    if day != ctx.calendar.local_date(now):
        return "a digest of an earlier day"
    card = await notices.digest_card(tx, person.id, day, now, ctx, outlet.renderer.keys)
    return Rendered(card) if card is not None else "nothing owed or overdue"


async def to_monitoring(outlet: Outlet, message: OutboxMessage) -> SendResult:
    """A failed-delivery note or an @mention, on the monitoring channel."""
    note = MonitoringNote.from_json(message.payload)
    async with outlet.store.transaction(readonly=True) as tx:
        channel = await tx.directory.monitoring_channel()
        person = await tx.directory.person(note.person)
    if channel is None:  # nowhere to show it: the log line is all there is (ids only)
        log.error(NO_BOARD, message.kind, note.message_id, note.kind, note.person, note.error)
        return SendResult(skipped="no monitoring channel")
    if message.kind == OutboxKind.DELIVERY_FAILED:
        card = notices.failed_card(note, message.reference, person)
    elif person is None:
        raise DeliveryError(404, "the person to mention no longer exists")
    else:
        card = notices.mention_card(person, message.reference or "")
    await outlet.messenger.send(channel, card)
    return SendResult()


async def leaver_flag(outlet: Outlet, message: OutboxMessage) -> SendResult:
    """On the monitoring channel: a leaver's dispute that nobody took on, for the chairs'
    service managers (@mentioned)."""
    flag = LeaverFlag.from_json(message.payload)
    async with outlet.store.transaction(readonly=True) as tx:
        channel = await tx.directory.monitoring_channel()
        if channel is None:
            raise DeliveryError(404, "no monitoring channel")
        leaver = await tx.directory.person(flag.person)
        managers = await _holders(tx, outlet.renderer.ctx.policy.access.monitoring)
    card = notices.leaver_card(flag, message.reference or "", leaver, managers)
    await outlet.messenger.send(channel, card)
    return SendResult()


async def _holders(tx: Transaction, roles: tuple[Role, ...]) -> list[Person]:
    """Everyone holding any of the roles, each once (the board's @mentions)."""
    found = {p.id: p for role in roles for p in await tx.directory.holders(role)}
    return list(found.values())


async def refresh(outlet: Outlet, message: OutboxMessage) -> SendResult:
    """Update every card that shows this dispute, each in its recipient's view, and put
    a formal dispute on the monitoring channel if it is not there yet."""
    now, renderer = outlet.clock(), outlet.renderer
    updates: list[tuple[PostedCard, Card]] = []
    async with outlet.store.transaction(readonly=True) as tx:  # rendering only reads
        dispute = await tx.disputes.find(message.reference or "")
        if dispute is None:
            return SendResult(skipped="no such dispute")
        posted_cards = await tx.posted_cards.for_dispute(dispute.reference)
        for posted in posted_cards:
            if posted.kind == MONITORING:
                card = renderer.monitoring(dispute, now)
            else:
                card = await renderer.posted(tx, dispute, posted.recipient, now)
            updates.append((posted, card))
        channel = await tx.directory.monitoring_channel()
    for posted, card in updates:
        await _update(outlet, posted, card)
    # On the current board, not on a channel that was the board before.
    board_id = conversation_id_of(channel) if channel else ""
    on_board = any(
        posted.kind == MONITORING and posted.conversation_id == board_id for posted in posted_cards
    )
    if channel and not on_board and dispute.is_open and dispute.formal_started_at:
        activity_id = await outlet.messenger.send(channel, renderer.monitoring(dispute, now))
        return SendResult(posted=_board_card(dispute, channel, activity_id, now))
    return SendResult()


async def _update(outlet: Outlet, posted: PostedCard, card: Card) -> None:
    """One card in place; a card its reader deleted (or a chat left) is simply skipped."""
    try:
        await outlet.messenger.update(posted.conversation_ref, posted.activity_id, card)
    except DeliveryError as error:
        if error.retryable:
            raise  # the whole refresh is retried: updates are idempotent
        log.info("card %s no longer updatable: HTTP %s", posted.activity_id, error.status)


def _board_card(
    dispute: Dispute, channel: Mapping[str, Any], activity_id: str, now: datetime
) -> PostedCard:
    return PostedCard(
        reference=dispute.reference,
        recipient=REFRESH_RECIPIENT,
        kind=MONITORING,
        conversation_id=conversation_id_of(channel),
        activity_id=activity_id,
        conversation_ref=channel,
        posted_at=now,
    )
