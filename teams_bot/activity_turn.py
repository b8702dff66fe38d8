"""An activity, as either SDK models it, reduced to our ``Turn``: the part both hosts share.

botbuilder's and the Agents SDK's activity models have the same fields under the same names, so
what an activity means to the bot is decided here once. Each host supplies the two things its
SDK does its own way: the message text with the bot's mention removed, and the conversation
reference as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from teams_bot.turn import FILE_ANSWER, ConversationKind, Turn, TurnKind, UserRef, Where

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
FILE_CONSENT = "fileConsent/invoke"
_ACTIONS = frozenset({ADAPTIVE_CARD_ACTION, FILE_CONSENT})
_KINDS = {kind.value for kind in ConversationKind}
# Both SDKs' ActivityTypes are str enums with these values.
_MESSAGE, _INVOKE = "message", "invoke"
_INSTALLATION_UPDATE, _CONVERSATION_UPDATE = "installationUpdate", "conversationUpdate"


def turn_of(
    activity: Any,
    *,
    text: Callable[[], str],
    reference: Callable[[], dict[str, Any]],
) -> Turn | None:
    """The Turn an activity asks for, or None when it is nothing the bot answers. ``text`` and
    ``reference`` are asked only for an activity the bot answers."""
    kind = _kind(activity)
    if kind is None:
        return None
    sender = activity.from_property
    user = UserRef(
        id=(sender.id if sender else "") or "",
        aad_object_id=getattr(sender, "aad_object_id", None) or "",
        name=(sender.name if sender else "") or "",
    )
    value = activity.value if isinstance(activity.value, dict) else {}
    action = table(value, "action") if kind == TurnKind.ACTION else {}
    data = table(action, "data")
    verb = str(action.get("verb") or "")
    if activity.type == _INVOKE and activity.name == FILE_CONSENT:
        verb, data = FILE_ANSWER, value  # the answer to a file offer
    return Turn(
        kind=kind,
        user=user,
        where=_where(activity, reference),
        text=text().strip() if activity.type == _MESSAGE else "",
        verb=verb,
        data=data,
        activity_id=activity.reply_to_id or activity.id or "",
    )


def _kind(activity: Any) -> TurnKind | None:
    if activity.type == _MESSAGE:
        return TurnKind.MESSAGE
    if activity.type == _INVOKE and activity.name in _ACTIONS:
        return TurnKind.ACTION
    if activity.type == _INSTALLATION_UPDATE:
        removed = (activity.action or "").startswith("remove")
        return TurnKind.UNINSTALL if removed else TurnKind.INSTALL
    if activity.type == _CONVERSATION_UPDATE and activity.members_added:
        bot_id = activity.recipient.id if activity.recipient else ""
        if any(member.id == bot_id for member in activity.members_added):
            # Teams also sends installationUpdate for the same install: greet only on that.
            return TurnKind.JOINED
    return None


def _where(activity: Any, reference: Callable[[], dict[str, Any]]) -> Where:
    conversation = activity.conversation
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = table(channel_data, "tenant")
    kind_text = (conversation.conversation_type if conversation else None) or "personal"
    kind = ConversationKind(kind_text) if kind_text in _KINDS else ConversationKind.PERSONAL
    return Where(
        conversation_id=conversation.id if conversation else "",
        kind=kind,
        tenant_id=str(tenant.get("id") or (conversation.tenant_id if conversation else "") or ""),
        service_url=activity.service_url or "",
        reference=reference(),
    )


def table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``data[key]`` when it is a JSON object, else an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}
