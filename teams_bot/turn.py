"""Our own small view of a Teams turn and its answer: handlers never see Bot Framework types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

Card = dict[str, Any]
# The verb a file-consent answer (Teams' ``fileConsent/invoke``) is routed by.
FILE_ANSWER = "teams.fileConsent"


class TurnKind(StrEnum):
    """What arrived."""

    MESSAGE = "message"
    ACTION = "action"
    INSTALL = "install"
    UNINSTALL = "uninstall"
    JOINED = "joined"


class ConversationKind(StrEnum):
    """Where it arrived."""

    PERSONAL = "personal"
    CHANNEL = "channel"
    GROUP = "groupChat"


@dataclass(frozen=True, slots=True)
class UserRef:
    """The person who acted, as Teams identifies them."""

    id: str
    aad_object_id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Where:
    """The conversation, with the opaque reference needed to write there later."""

    conversation_id: str
    kind: ConversationKind
    tenant_id: str = ""
    service_url: str = ""
    reference: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Turn:
    """One incoming activity, reduced to what the handlers need."""

    kind: TurnKind
    user: UserRef
    where: Where
    text: str = ""
    verb: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    activity_id: str = ""


@dataclass(frozen=True, slots=True)
class FileOffer:
    """A file offered in a personal chat through Teams' file consent (a FileConsentCard);
    ``context`` comes back with the person's answer."""

    name: str
    size: int
    description: str
    context: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FileSent:
    """A file uploaded where Teams said, shown in the chat (a FileInfoCard)."""

    name: str
    content_url: str
    unique_id: str
    file_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What to answer: messages to post in the conversation, and/or the card for an invoke;
    files offered for consent, and files sent."""

    cards: tuple[Card, ...] = ()
    texts: tuple[str, ...] = ()
    invoke_card: Card | None = None
    offers: tuple[FileOffer, ...] = ()
    files: tuple[FileSent, ...] = ()


def conversation_id_of(reference: Mapping[str, Any]) -> str:
    """The conversation id inside a stored conversation reference ("" if none)."""
    conversation = reference.get("conversation")
    return str(conversation.get("id", "")) if isinstance(conversation, dict) else ""


class Dispatcher(Protocol):
    """Handles a turn; the Bot Framework edge turns the reply into activities."""

    async def handle(self, turn: Turn) -> Reply:
        """Answer one turn."""
        ...


class DeliveryError(Exception):
    """A proactive send failed; ``retry_after`` is set when the connector asked us to wait."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Throttling, conflicts and gateway failures are worth retrying (Teams guidance)."""
        return self.status in {408, 412, 429} or self.status >= 500


class Messenger(Protocol):
    """Proactive messaging: delivery calls this; only teams_bot implements it."""

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        """Post a card into a stored conversation; returns the new activity id."""
        ...

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        """Replace a card the bot posted earlier."""
        ...

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        """Create (or fetch) the bot's 1:1 chat with a user; returns its reference."""
        ...
