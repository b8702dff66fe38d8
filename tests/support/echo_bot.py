"""A minimal botbuilder 4.17.1 bot that proves the harness (not drp code).

Commands in a message: ``card`` sends an Adaptive Card with an ``Action.Execute`` button;
``proactive`` continues the conversation out of turn and updates the bot's previous activity;
``dm <user id>`` creates a 1:1 conversation with that user through the connector and writes
there; anything else is echoed back as ``echo: <text>``. An ``adaptiveCard/action`` invoke is
answered with a new card inside the invoke response. An installation adds a welcome line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import (
    Activity,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from tests.support.ports import serve_app

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
PRESS_VERB = "press"
UPDATED_TEXT = "updated by proactive"
PROACTIVE_TEXT = "proactive hello"
WELCOME_TEXT = "echo bot installed"
DM_TEXT = "hello from the echo bot"


class _OpenConfig:
    """Configuration without credentials: the bot runs unauthenticated, as for the Playground."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


def press_card(presses: int, note: str = "") -> dict[str, Any]:
    """The card with one ``Action.Execute`` button; its text counts the presses so far."""
    title = "Echo card" if presses == 0 else f"Pressed {presses} time(s)"
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title, "wrap": True, "weight": "Bolder"},
        {"type": "Input.Text", "id": "note", "label": "Note", "value": note},
    ]
    if note:
        body.append({"type": "TextBlock", "text": f"Note: {note}", "wrap": True})
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Press",
                "verb": PRESS_VERB,
                "data": {"presses": presses},
            }
        ],
    }


def card_attachment(card: dict[str, Any]) -> Attachment:
    """Wrap an Adaptive Card dict as a message attachment."""
    return Attachment(content_type=CARD_CONTENT_TYPE, content=card)


class EchoBot(ActivityHandler):
    """The echo bot; it remembers each conversation's reference and its last sent activity id."""

    def __init__(self, adapter: CloudAdapter, app_id: str = "") -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.references: dict[str, ConversationReference] = {}
        self.last_sent: dict[str, str] = {}
        self._recorded = asyncio.Condition()
        self.created_conversations: list[str] = []

    async def wait_recorded(
        self, conversation_id: str, message_id: str, within: float = 10
    ) -> None:
        """Until the bot has recorded ``message_id`` as its last in the conversation: the chat can
        show a message before the connector's answer (with its id) is back at the bot."""
        async with asyncio.timeout(within), self._recorded:
            await self._recorded.wait_for(
                lambda: self.last_sent.get(conversation_id) == message_id
            )

    async def on_turn(self, turn_context: TurnContext) -> None:
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        self.references[turn_context.activity.conversation.id] = reference
        await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        TurnContext.remove_recipient_mention(turn_context.activity)
        text = (turn_context.activity.text or "").strip()
        if text == "card":
            await self._send(
                turn_context, MessageFactory.attachment(card_attachment(press_card(0)))
            )
        elif text == "proactive":
            await self._proactive(turn_context.activity.conversation.id)
        elif text.startswith("dm "):
            await self._direct_message(turn_context, text.removeprefix("dm ").strip())
        elif text == "roster":
            members = await TeamsInfo.get_members(turn_context)
            await self._send(turn_context, MessageFactory.text(",".join(m.id for m in members)))
        else:
            await self._send(turn_context, MessageFactory.text(f"echo: {text}"))

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        # botbuilder 4.17.1 serialises on_adaptive_card_invoke's body twice (HTTP 500):
        # answer here with the response object unserialised (shared/PLAYGROUND.md).
        if turn_context.activity.name == ADAPTIVE_CARD_ACTION:
            return InvokeResponse(status=200, body=self._press(turn_context.activity.value))
        return await super().on_invoke_activity(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._send(turn_context, MessageFactory.text(WELCOME_TEXT))

    def _press(self, value: dict[str, Any] | None) -> AdaptiveCardInvokeResponse:
        action = (value or {}).get("action") or {}
        data = action.get("data") or {}
        presses = int(data.get("presses", 0)) + 1
        card = press_card(presses, str(data.get("note", "")))
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)

    async def _send(self, turn_context: TurnContext, activity: Activity) -> None:
        response = await turn_context.send_activity(activity)
        if response is not None and response.id:
            async with self._recorded:
                self.last_sent[turn_context.activity.conversation.id] = response.id
                self._recorded.notify_all()

    async def _proactive(self, conversation_id: str) -> None:
        previous = self.last_sent.get(conversation_id)

        async def callback(context: TurnContext) -> None:
            await context.send_activity(MessageFactory.text(PROACTIVE_TEXT))
            if previous:
                update = MessageFactory.text(UPDATED_TEXT)
                update.id = previous
                await context.update_activity(update)

        reference = self.references[conversation_id]
        await self.adapter.continue_conversation(reference, callback, self.app_id)

    async def _direct_message(self, turn_context: TurnContext, user_id: str) -> None:
        activity = turn_context.activity
        tenant_id = (activity.channel_data or {}).get("tenant", {}).get("id")
        parameters = ConversationParameters(
            is_group=False,
            bot=activity.recipient,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )

        async def callback(context: TurnContext) -> None:
            self.created_conversations.append(context.activity.conversation.id)
            await context.send_activity(MessageFactory.text(DM_TEXT))

        await self.adapter.create_conversation(
            self.app_id,
            callback,
            parameters,
            channel_id=activity.channel_id,
            service_url=activity.service_url,
        )


def create_app(bot_class: type[EchoBot] = EchoBot) -> tuple[web.Application, EchoBot]:
    """The aiohttp app serving ``POST /api/messages`` and the bot behind it."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_OpenConfig()))
    bot = bot_class(adapter)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app, bot


@dataclass(frozen=True)
class RunningEchoBot:
    """An echo bot served over real HTTP on a free loopback port."""

    bot: EchoBot
    endpoint: str


@asynccontextmanager
async def serve_echo_bot(bot_class: type[EchoBot] = EchoBot) -> AsyncIterator[RunningEchoBot]:
    """Serve the echo bot on a free port; yields its ``/api/messages`` URL and the bot."""
    app, bot = create_app(bot_class)
    async with serve_app(app) as base_url:
        yield RunningEchoBot(bot=bot, endpoint=f"{base_url}/api/messages")
