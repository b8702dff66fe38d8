"""Activities on the Microsoft 365 Agents SDK to our ``Turn``, our ``Reply`` back to activities.

The Agents SDK's half of what ``teams_bot.botframework`` does for botbuilder: the same Turn for
the same activity JSON, and a conversation reference stored in the same shape (camelCase, no
empty fields), so a database written under one host is read under the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
)
from microsoft_agents.hosting.core import MessageFactory

from teams_bot.files import file_attachments
from teams_bot.turn import (
    FILE_ANSWER,
    Card,
    ConversationKind,
    Reply,
    Turn,
    TurnKind,
    UserRef,
    Where,
)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
FILE_CONSENT = "fileConsent/invoke"
_ACTIONS = frozenset({ADAPTIVE_CARD_ACTION, FILE_CONSENT})
_KINDS = {kind.value for kind in ConversationKind}


def to_turn(activity: Activity) -> Turn | None:
    """Reduce an activity to a Turn, or None when it is nothing the bot answers."""
    kind = _kind(activity)
    if kind is None:
        return None
    sender = activity.from_property or ChannelAccount(id="")
    user = UserRef(
        id=sender.id or "",
        aad_object_id=sender.aad_object_id or "",
        name=sender.name or "",
    )
    value = activity.value if isinstance(activity.value, dict) else {}
    action = _table(value, "action") if kind == TurnKind.ACTION else {}
    data = _table(action, "data")
    verb = str(action.get("verb") or "")
    if activity.type == ActivityTypes.invoke and activity.name == FILE_CONSENT:
        verb, data = FILE_ANSWER, value  # the answer to a file offer
    return Turn(
        kind=kind,
        user=user,
        where=_where(activity),
        text=_text(activity),
        verb=verb,
        data=data,
        activity_id=activity.reply_to_id or activity.id or "",
    )


def _kind(activity: Activity) -> TurnKind | None:
    if activity.type == ActivityTypes.message:
        return TurnKind.MESSAGE
    if activity.type == ActivityTypes.invoke and activity.name in _ACTIONS:
        return TurnKind.ACTION
    if activity.type == ActivityTypes.installation_update:
        removed = (activity.action or "").startswith("remove")
        return TurnKind.UNINSTALL if removed else TurnKind.INSTALL
    if activity.type == ActivityTypes.conversation_update and activity.members_added:
        bot_id = activity.recipient.id if activity.recipient else ""
        if any(member.id == bot_id for member in activity.members_added):
            # Teams also sends installationUpdate for the same install: greet only on that.
            return TurnKind.JOINED
    return None


def _text(activity: Activity) -> str:
    if activity.type != ActivityTypes.message:
        return ""
    if activity.text and activity.recipient is not None:
        activity.remove_recipient_mention()
    return (activity.text or "").strip()


def _where(activity: Activity) -> Where:
    conversation = activity.conversation
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = _table(channel_data, "tenant")
    kind_text = (conversation.conversation_type if conversation else None) or "personal"
    kind = ConversationKind(kind_text) if kind_text in _KINDS else ConversationKind.PERSONAL
    return Where(
        conversation_id=conversation.id if conversation else "",
        kind=kind,
        tenant_id=str(tenant.get("id") or (conversation.tenant_id if conversation else "") or ""),
        service_url=activity.service_url or "",
        reference=reference_of(activity),
    )


def reference_of(activity: Activity) -> dict[str, Any]:
    """The activity's conversation reference as stored: botbuilder's shape (camelCase keys,
    ``bot`` for the agent, the channel id as text, nothing empty). Unlike botbuilder 4.17 it
    keeps the conversation's ``tenantId`` (botbuilder's model reads only ``tenantID``)."""
    reference = activity.get_conversation_reference()
    shape = reference.model_dump(mode="json", by_alias=True, exclude_none=True)
    if activity.type == ActivityTypes.conversation_update:
        shape.pop("activityId", None)  # as botbuilder: an update is nothing to reply to
    return {key: value for key, value in shape.items() if value not in ("", {}, [])}


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def card_attachment(card: Card) -> Attachment:
    """An Adaptive Card as an attachment."""
    return Attachment(content_type=CARD_TYPE, content=card)


def reply_activities(reply: Reply) -> list[Activity]:
    """The messages a reply posts into the turn's conversation, in order: texts, cards, files."""
    activities = [MessageFactory.text(text) for text in reply.texts]
    activities += [MessageFactory.attachment(card_attachment(card)) for card in reply.cards]
    for shape in file_attachments(reply):
        activities.append(MessageFactory.attachment(Attachment.model_validate(shape)))
    return activities


def invoke_body(card: Card | None) -> dict[str, Any]:
    """A Universal Action's answer: the card to show in place, or a plain OK."""
    if card is None:
        body = AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.activity.message", value="OK"
        )
    else:
        body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)
    return body.model_dump(mode="json", by_alias=True, exclude_none=True)
