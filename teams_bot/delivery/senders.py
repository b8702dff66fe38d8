"""The ``{kind: sender}`` registry the deliverer sends through, and the common path of a
message to one person's 1:1 chat (render at send time, open the chat if need be, post).

A feature with its own outbox kind registers a sender here (``delivery.compliments`` does);
nothing subclasses the deliverer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from drp.model import Dispute
from store.rows import OutboxMessage, Person, PostedCard
from store.store import Store, Transaction
from teams_bot.delivery.steps import POSTED_DISPUTE
from teams_bot.outbox_kinds import Origin, OutboxKind
from teams_bot.rendering import Renderer
from teams_bot.turn import Card, DeliveryError, Messenger, conversation_id_of

# A stored chat Teams answers with these is gone (ConversationNotFound; the app removed from
# it, or the chat belongs to another client): a new chat is opened and the send retried once.
CHAT_GONE = frozenset({403, 404})

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a send did: a card to remember for updates, or why nothing was sent."""

    posted: PostedCard | None = None
    skipped: str = ""


class ChatRefused(DeliveryError):
    """Teams would not open a 1:1 chat with the recipient (HTTP 403)."""


class Installer(Protocol):
    """Installs the bot's app for someone (proactive installation through Graph)."""

    async def chat_with(self, user_id: str) -> str:
        """The id of the user's (Entra object id) 1:1 chat with the bot, installing the app
        for them if need be; DeliveryError if that cannot be done."""
        ...


@dataclass(frozen=True, slots=True)
class Outlet:
    """What a sender may use: the store, the paced messenger, the renderer and the clock, and
    the installer for people who never opened the app (None: they are @mentioned instead)."""

    store: Store
    messenger: Messenger
    renderer: Renderer
    clock: Callable[[], datetime]
    installer: Installer | None = None


Sender = Callable[[Outlet, OutboxMessage], Awaitable[SendResult]]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A person's card, and the dispute it shows if it is to be kept up to date."""

    card: Card
    keeps_up: Dispute | None = None


# A card for one person, or why nothing needs sending any more; rendering only reads.
PersonalRender = Callable[[Outlet, Transaction, OutboxMessage, Person], Awaitable[Rendered | str]]


class Senders:
    """The sender of each outbox kind."""

    def __init__(self) -> None:
        self._by_kind: dict[OutboxKind, Sender] = {}

    def register(self, kind: OutboxKind, sender: Sender) -> None:
        """Send ``kind`` with ``sender`` (one sender a kind)."""
        if kind in self._by_kind:
            raise ValueError(f"a sender for {kind.value} is registered already")
        self._by_kind[kind] = sender

    def wrap(self, kind: OutboxKind, wrapper: Callable[[Sender], Sender]) -> None:
        """Send ``kind`` through ``wrapper`` around the sender registered for it (a channel
        chooser: partners outside Teams get e-mail)."""
        self._by_kind[kind] = wrapper(self._by_kind[kind])

    def sender(self, kind: str) -> Sender:
        """The sender of a stored kind; a kind nobody registered is a permanent failure."""
        try:
            return self._by_kind[OutboxKind(kind)]
        except (ValueError, KeyError):
            raise DeliveryError(422, f"no sender for outbox kind {kind[:40]!r}") from None


def to_person(render: PersonalRender) -> Sender:
    """A sender of one person's card: rendered when it goes (reads side by side with other
    lanes), into their 1:1 chat (opened first if the bot has none yet)."""

    async def send(outlet: Outlet, message: OutboxMessage) -> SendResult:
        async with outlet.store.transaction(readonly=True) as tx:
            person = await tx.directory.person(message.recipient)
            if person is None:
                raise DeliveryError(404, "recipient no longer exists")
            if not person.active:
                return SendResult(skipped="the recipient has left")
            found = await render(outlet, tx, message, person)
        if isinstance(found, str):
            return SendResult(skipped=found)
        origin = Origin.from_json(message.payload)
        reference, activity_id = await send_to_chat(outlet, person, origin, found.card)
        if found.keeps_up is None:
            return SendResult()
        posted = PostedCard(
            reference=found.keeps_up.reference,
            recipient=person.id,
            kind=POSTED_DISPUTE,
            conversation_id=conversation_id_of(reference),
            activity_id=activity_id,
            conversation_ref=reference,
            posted_at=outlet.clock(),
        )
        return SendResult(posted=posted)

    return send


async def send_to_chat(
    outlet: Outlet, person: Person, origin: Origin, card: Card
) -> tuple[Mapping[str, Any], str]:
    """Post into the person's 1:1 chat: the stored one, or a new one if there is none or Teams
    answers that the stored one is gone (404, or 403: the app removed, another client), opened
    through the connector the gone chat was on (the person's region).
    Returns the chat's reference and the new activity's id."""
    stored = person.conversation_ref
    if stored:
        try:
            return stored, await outlet.messenger.send(stored, card)
        except DeliveryError as error:
            if error.status not in CHAT_GONE:
                raise
            await forget_chat(outlet, person, stored, error.status)
            person = replace(person, conversation_ref=None)
            origin = Origin(str(stored.get("serviceUrl") or origin.service_url), origin.tenant_id)
    reference = await open_chat(outlet, person, origin)
    try:
        return reference, await outlet.messenger.send(reference, card)
    except DeliveryError as error:
        if stored and error.status in CHAT_GONE:  # a new chat, refused too: Teams will not
            raise ChatRefused(403, "new chat refused") from None
        raise


async def forget_chat(
    outlet: Outlet, person: Person, gone: Mapping[str, Any], status: int
) -> None:
    """Teams no longer knows the stored chat: forget it, so the next message opens a new one."""
    async with outlet.store.transaction() as tx:
        await tx.directory.forget_conversation_reference(person.id, conversation_id_of(gone))
    log.info("person %s: stored chat answered HTTP %s; opening a new one", person.id, status)


async def open_chat(outlet: Outlet, person: Person, origin: Origin) -> Mapping[str, Any]:
    """The person's 1:1 chat, created through the connector the message came from (else the
    monitoring channel's) and remembered. The connector is called outside any transaction: a
    write held across the network stalls every other writer (on SQLite, the whole database)."""
    if person.conversation_ref:
        return person.conversation_ref
    user_id = person.teams_user_id or person.aad_object_id or ""
    service_url = origin.service_url
    if not service_url:
        async with outlet.store.transaction(readonly=True) as tx:
            channel = await tx.directory.monitoring_channel() or {}
        service_url = str(channel.get("serviceUrl") or "")
    if not user_id or not service_url:
        raise DeliveryError(404, "no Teams identity or connector known for the recipient")
    try:
        reference = await outlet.messenger.open_personal(user_id, origin.tenant_id, service_url)
    except DeliveryError as error:
        if error.status != 403:
            raise
        reference = await installed_chat(outlet, person, Origin(service_url, origin.tenant_id))
    async with outlet.store.transaction() as tx:
        await tx.directory.save_conversation_reference(person.id, reference, at=outlet.clock())
    return reference


async def installed_chat(outlet: Outlet, person: Person, origin: Origin) -> Mapping[str, Any]:
    """Teams refused a chat (the person never opened the app): install it for them and use
    the chat the installation opened; ChatRefused when that cannot be done either."""
    if outlet.installer is None or not person.aad_object_id:
        raise ChatRefused(403, "chat refused")
    try:
        chat_id = await outlet.installer.chat_with(person.aad_object_id)
    except DeliveryError as error:
        if error.retryable:
            raise
        raise ChatRefused(403, f"chat refused; app not installed ({error})") from None
    return {
        "channelId": "msteams",
        "serviceUrl": origin.service_url,
        "conversation": {
            "id": chat_id,
            "conversationType": "personal",
            "tenantId": origin.tenant_id or None,
        },
        "user": {"id": person.teams_user_id or person.aad_object_id},
    }
