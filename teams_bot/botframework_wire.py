"""The connector calls of a proactive card, with the card put on the wire as it is. Part of the
botbuilder boundary (``teams_bot.botframework``).

botframework-connector's ``send_to_conversation`` and ``update_activity`` hand the whole
``Activity`` to msrest's serializer, which walks the card's JSON node by node (validating and
re-encoding every string): about half of a proactive send's CPU (issue 16). A card is already
plain JSON, so here the activity's envelope (from, recipient, conversation...) still goes
through msrest's serializer, and the card is put into it as it is: the same request body. The
request itself is the generated operation's, through the client's own pipeline (credentials,
retry policy, timeouts), and a status other than 200, 201 or 202 raises the same
``ErrorResponseException``.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.models import ErrorResponseException

from teams_bot.turn import Card

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
_ACCEPTED = (200, 201, 202)
_HEADERS = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}


def body(client: ConnectorClient, activity: Activity, card: Card) -> dict[str, Any]:
    """The request body of ``activity`` (which has no attachments) carrying ``card``."""
    operations = client.conversations
    envelope: dict[str, Any] = operations._serialize.body(activity, "Activity")
    envelope["attachments"] = [{"contentType": CARD_TYPE, "content": card}]
    return envelope


async def send(
    client: ConnectorClient, conversation_id: str, activity: Activity, card: Card
) -> str:
    """POST the card as a new message (``send_to_conversation``); returns its activity id."""
    operations = client.conversations
    path = {"conversationId": operations._serialize.url("conversation_id", conversation_id, "str")}
    url = operations._client.format_url(operations.send_to_conversation.metadata["url"], **path)
    request = operations._client.post(url, {}, dict(_HEADERS), body(client, activity, card))
    answer = await _call(client, request)
    return str(answer.id) if answer is not None and answer.id else ""


async def update(
    client: ConnectorClient, conversation_id: str, activity_id: str, activity: Activity, card: Card
) -> None:
    """PUT the card in place of an earlier message (``update_activity``)."""
    operations = client.conversations
    path = {
        "conversationId": operations._serialize.url("conversation_id", conversation_id, "str"),
        "activityId": operations._serialize.url("activity_id", activity_id, "str"),
    }
    url = operations._client.format_url(operations.update_activity.metadata["url"], **path)
    request = operations._client.put(url, {}, dict(_HEADERS), body(client, activity, card))
    await _call(client, request)


async def _call(client: ConnectorClient, request: Any) -> Any:
    operations = client.conversations
    response = await operations._client.async_send(request, stream=False)
    if response.status_code not in _ACCEPTED:
        raise ErrorResponseException(operations._deserialize, response)
    return operations._deserialize("ResourceResponse", response)
