"""The declared shape of an incoming activity, checked before any SDK sees it.

Every field the bot or botbuilder reads is typed here (ids by pattern and length, strings free of
NUL and lone surrogates, bounded nesting and numbers); what the bot does not read is dropped, so
the SDK only ever deserialises what was checked. No SDK import: a second host (the Agents SDK)
uses the same module. Free text inside ``value.action.data`` is left to the handlers' card
validation (field errors on the card), bounded here only by depth and the body size.
"""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

MAX_DEPTH = 32
MAX_NUMBER_DIGITS = 16
MAX_TEXT = 40_000
MAX_ENTITIES = 64
MAX_MEMBERS = 1_000
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
# Teams and Bot Framework ids: "29:1Ab-_c", "a:1x", "19:x@thread.tacv2;messageid=1", GUIDs.
_ID = r"^[A-Za-z0-9!#$%&'()*+,\-./:;=?@\[\]^_{|}~]+$"
_WORD = r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$"
_LOCALE = r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"


class MalformedActivity(ValueError):
    """The request is not an activity the bot accepts; ``reason`` is short and echoes no input."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _no_surrogates(value: str) -> str:
    if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValueError("contains a lone surrogate")
    return value


def _plain(value: str) -> str:
    """Names and structural strings: no control characters at all."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("contains a control character")
    return _no_surrogates(value)


def _text(value: str) -> str:
    """Typed text: line breaks and tabs are fine, other control characters are not."""
    if any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in value):
        raise ValueError("contains a control character")
    return _no_surrogates(value)


def _timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None or not 1970 <= moment.year <= 9998:
        raise ValueError("must be an ISO 8601 timestamp with a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _service_url(value: str) -> str:
    _plain(value)
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ValueError("is not a URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or not port_ok:
        raise ValueError("must be an http(s) URL with a host")
    if parts.username or parts.password or any(char.isspace() for char in value):
        raise ValueError("must be an http(s) URL without credentials or spaces")
    return value


Id = Annotated[str, Field(min_length=1, max_length=200, pattern=_ID)]
AadId = Annotated[str, Field(min_length=1, max_length=100, pattern=_ID)]
ConversationId = Annotated[str, Field(min_length=1, max_length=400, pattern=_ID)]
Token = Annotated[str, Field(min_length=1, max_length=100, pattern=_WORD)]
Name = Annotated[str, Field(max_length=400), AfterValidator(_plain)]
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_text)]
Timestamp = Annotated[str, Field(max_length=40), AfterValidator(_timestamp)]
ServiceUrl = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_service_url)]
Locale = Annotated[str, Field(max_length=40, pattern=_LOCALE)]


class _Shape(BaseModel):
    """Strict types (no coercion); unknown keys dropped so the SDK never reads unchecked data."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


class _Open(BaseModel):
    """A free-form object whose declared keys are checked and whose other keys pass through."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True)


class Account(_Shape):
    """``from``, ``recipient``, ``membersAdded[i]``, ``mentioned``."""

    id: Id
    name: Name | None = None
    aad_object_id: AadId | None = Field(None, alias="aadObjectId")
    role: Token | None = None


class Conversation(_Shape):
    """``conversation``: where the activity happened."""

    id: ConversationId
    name: Name | None = None
    is_group: bool | None = Field(None, alias="isGroup")
    conversation_type: Token | None = Field(None, alias="conversationType")
    tenant_id: Id | None = Field(None, alias="tenantId")
    aad_object_id: AadId | None = Field(None, alias="aadObjectId")


class IdOnly(_Open):
    """``channelData.tenant``, ``.team``, ``.channel``: an id, other keys passed through."""

    id: Id
    name: Name | None = None


class ChannelData(_Open):
    """Teams' ``channelData``: the ids the bot reads are checked, the rest passed through."""

    tenant: IdOnly | None = None
    team: IdOnly | None = None
    channel: IdOnly | None = None
    event_type: Token | None = Field(None, alias="eventType")


class Entity(_Open):
    """An entity; a mention must name whom it mentions and how."""

    type: Token
    mentioned: Account | None = None
    text: Text | None = None

    @model_validator(mode="after")
    def _mention_complete(self) -> Entity:
        if self.type == "mention" and (self.mentioned is None or self.text is None):
            raise ValueError("a mention needs mentioned.id and text")
        return self


class CardAction(_Open):
    """``value.action`` of an Universal Action: the verb is checked, the data is the card's."""

    type: Token | None = None
    verb: Token | None = None
    data: dict[str, Any] | None = None


class ActionValue(_Open):
    """``value`` of an ``adaptiveCard/action`` invoke."""

    action: CardAction


class Activity(_Shape):
    """The fields of an activity that drp-bot or botbuilder read; everything else is dropped."""

    type: Token
    id: Id | None = None
    timestamp: Timestamp | None = None
    service_url: ServiceUrl = Field(alias="serviceUrl")
    channel_id: Token = Field(alias="channelId")
    from_: Account = Field(alias="from")
    recipient: Account
    conversation: Conversation
    text: Text | None = None
    text_format: Token | None = Field(None, alias="textFormat")
    locale: Locale | None = None
    name: Token | None = None
    action: Token | None = None
    reply_to_id: Id | None = Field(None, alias="replyToId")
    value: Any = None
    entities: list[Entity] | None = Field(None, max_length=MAX_ENTITIES)
    members_added: list[Account] | None = Field(None, alias="membersAdded", max_length=MAX_MEMBERS)
    members_removed: list[Account] | None = Field(
        None, alias="membersRemoved", max_length=MAX_MEMBERS
    )
    channel_data: ChannelData | None = Field(None, alias="channelData")

    @model_validator(mode="after")
    def _card_action_shape(self) -> Activity:
        if self.type == "invoke" and self.name == ADAPTIVE_CARD_ACTION:
            try:
                ActionValue.model_validate(self.value)
            except ValidationError as error:
                raise ValueError(_reason(error, prefix="value")) from None
        return self


def parse_activity(raw: bytes) -> dict[str, Any]:
    """The checked activity as a JSON object (camelCase, unread fields dropped), or
    MalformedActivity naming the first problem."""
    document = _load(raw)
    if not isinstance(document, dict):
        raise MalformedActivity("the body must be a JSON object (an activity)")
    _check_depth(document)
    try:
        activity = Activity.model_validate(document)
    except ValidationError as error:
        raise MalformedActivity(_reason(error)) from None
    return activity.model_dump(mode="python", by_alias=True, exclude_none=True)


def tenant_of(activity: dict[str, Any]) -> str:
    """The tenant of a checked activity: channelData.tenant.id, else the conversation's."""
    tenant = (activity.get("channelData") or {}).get("tenant") or {}
    return str(tenant.get("id") or (activity.get("conversation") or {}).get("tenantId") or "")


def _load(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        return json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_no_constant,
        )
    except MalformedActivity:
        raise
    except RecursionError:
        raise MalformedActivity(f"JSON nested deeper than {MAX_DEPTH}") from None
    except (UnicodeDecodeError, ValueError):
        raise MalformedActivity("the body is not JSON") from None


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise MalformedActivity(f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return int(digits)


def _bounded_float(text: str) -> float:
    number = float(text) if len(text) <= 2 * MAX_NUMBER_DIGITS else math.inf
    if not math.isfinite(number):
        raise MalformedActivity("a number is too large")
    return number


def _no_constant(name: str) -> Any:
    raise MalformedActivity(f"{name} is not a JSON number")


def _check_depth(document: dict[str, Any]) -> None:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedActivity(f"JSON nested deeper than {MAX_DEPTH}")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _reason(error: ValidationError, prefix: str = "activity") -> str:
    first = error.errors(include_input=False, include_url=False)[0]
    parts = [str(part) for part in first["loc"] if not str(part).startswith("function-")]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "string_pattern_mismatch":
        message = "has characters or a form not allowed here"
    if not parts and message.startswith("value"):
        return f"{prefix}.{message}"[:200]
    return f"{'.'.join([prefix, *parts])}: {message}"[:200]
