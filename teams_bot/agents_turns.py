"""Activities on the Microsoft 365 Agents SDK to our ``Turn``, our ``Reply`` back to activities.

The Agents SDK's half of what ``teams_bot.botframework`` does for botbuilder: the same Turn for
the same activity JSON, and a conversation reference stored in the same shape (camelCase, no
empty fields), so a database written under one host is read under the other.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
)
from microsoft_agents.hosting.core import MessageFactory

from teams_bot.activity_turn import CARD_TYPE, turn_of
from teams_bot.files import file_attachments
from teams_bot.turn import (
    Card,
    Reply,
    Turn,
)


def to_turn(activity: Activity) -> Turn | None:
    """Reduce an activity to a Turn, or None when it is nothing the bot answers."""
    return turn_of(
        activity, text=lambda: _text(activity), reference=lambda: reference_of(activity)
    )


def _text(activity: Activity) -> str:
    if activity.text and activity.recipient is not None:
        activity.remove_recipient_mention()
    return activity.text or ""


def reference_of(activity: Activity) -> dict[str, Any]:
    """The activity's conversation reference as stored: botbuilder's shape (camelCase keys,
    ``bot`` for the agent, the channel id as text, nothing empty). Unlike botbuilder 4.17 it
    keeps the conversation's ``tenantId`` (botbuilder's model reads only ``tenantID``)."""
    reference = activity.get_conversation_reference()
    shape = reference.model_dump(mode="json", by_alias=True, exclude_none=True)
    if activity.type == ActivityTypes.conversation_update:
        shape.pop("activityId", None)  # as botbuilder: an update is nothing to reply to
    return {key: value for key, value in shape.items() if value not in ("", {}, [])}


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
