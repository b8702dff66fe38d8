"""The two hosts read the same activity JSON as the same Turn (user, conversation, tenant, text
without the bot's mention, verb and data) and store the same conversation reference, so a
database written under one host is served by the other. Pure conversions: no socket.

One difference, kept: botbuilder 4.17 maps ``ConversationAccount.tenant_id`` to the key
``tenantID``, so it drops the ``tenantId`` Teams sends; the Agents SDK keeps it. Both
messengers read a reference with or without it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from botbuilder.schema import Activity as BotbuilderActivity
from microsoft_agents.activity import Activity as AgentsActivity

from teams_bot import agents_turns, botframework

SERVICE = "https://smba.trafficmanager.net/uk/"
BOT = {"id": "28:bot-app-id", "name": "DRP"}
LONG_ID = "a:1" + "x" * 180  # Teams' personal chat ids run past the SDK's 150-character cut
ALEX = {"id": "29:alex", "name": "Alex Wilber", "aadObjectId": "aad-alex"}


def _activity(kind: str, **extra: Any) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": kind,
        "id": "1700000000000",
        "channelId": "msteams",
        "serviceUrl": SERVICE,
        "from": ALEX,
        "recipient": BOT,
        "conversation": {"id": LONG_ID, "conversationType": "personal", "tenantId": "t1"},
        "channelData": {"tenant": {"id": "t1"}},
        "locale": "en-GB",
    }
    activity.update(extra)
    return activity


MENTION = {"type": "mention", "text": "<at>DRP</at>", "mentioned": BOT}
CHANNEL = {"id": "19:board@thread.tacv2;messageid=17", "conversationType": "channel"}
ACTIVITIES = {
    "message": _activity("message", text="help"),
    "channel mention": _activity(
        "message", text="<at>DRP</at> board", entities=[MENTION], conversation=CHANNEL
    ),
    "card action": _activity(
        "invoke",
        name="adaptiveCard/action",
        replyToId="card-17",
        value={"action": {"type": "Action.Execute", "verb": "respond", "data": {"v": 3}}},
    ),
    "file consent": _activity(
        "invoke", name="fileConsent/invoke", value={"action": "accept", "context": {"f": 1}}
    ),
    "install": _activity("installationUpdate", action="add"),
    "uninstall": _activity("installationUpdate", action="remove-upgrade"),
    "bot joined": _activity("conversationUpdate", membersAdded=[BOT]),
    "someone else joined": _activity("conversationUpdate", membersAdded=[ALEX]),
    "unknown invoke": _activity("invoke", name="task/fetch", value={}),
    "event": _activity("event", name="application/vnd.microsoft.meetingStart"),
}


@pytest.mark.parametrize("name", sorted(ACTIVITIES))
def test_both_hosts_read_an_activity_as_the_same_turn(name: str) -> None:
    raw = ACTIVITIES[name]
    expected = botframework.to_turn(BotbuilderActivity().deserialize(dict(raw)))
    turn = agents_turns.to_turn(AgentsActivity.model_validate(dict(raw)))
    if turn is None or expected is None:
        assert turn is expected is None
        return
    conversation = dict(turn.where.reference["conversation"])
    assert conversation.pop("tenantId", None) == raw["conversation"].get("tenantId")
    reference = {**turn.where.reference, "conversation": conversation}
    assert replace(turn, where=replace(turn.where, reference=reference)) == expected


def test_the_stored_reference_has_botbuilders_shape() -> None:
    raw = ACTIVITIES["channel mention"]
    turn = agents_turns.to_turn(AgentsActivity.model_validate(raw))
    assert turn is not None
    assert turn.text == "board"
    assert turn.where.reference == {
        "activityId": "1700000000000",
        "user": ALEX,
        "bot": BOT,
        "conversation": CHANNEL,
        "channelId": "msteams",
        "locale": "en-GB",
        "serviceUrl": SERVICE,
    }


def test_an_invoke_answer_has_botbuilders_shape() -> None:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": []}
    card_type = "application/vnd.microsoft.card.adaptive"
    assert agents_turns.invoke_body(card) == {"statusCode": 200, "type": card_type, "value": card}
    assert agents_turns.invoke_body(None)["value"] == "OK"
