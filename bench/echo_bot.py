"""The baseline of ``bench/invoke_bench.py``: a bare aiohttp + botbuilder 4.17.1 bot that answers
every ``adaptiveCard/action`` invoke with a fixed card, and nothing else. No drp code.

It is served the way ``drp-bot serve`` is (one process, ``web.AppRunner`` with its access log,
logging at INFO), through the same ``CloudAdapter`` with the same open (Playground) auth, so
the bench compares the bot's own work with the framework's. ``--cards FILE`` holds the invoke
response body to answer per verb (the bench records drp's own answers there first, so both
bots send the same number of bytes back); without it, a small card.

    python bench/echo_bot.py --port 3979 [--cards cards.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from pathlib import Path
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
FALLBACK: dict[str, Any] = {
    "statusCode": 200,
    "type": CARD_TYPE,
    "value": {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "echo"}],
    },
}


class _OpenConfig:
    """No credentials: every request is accepted, as drp-bot serve does for the Playground."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class FixedCardBot(ActivityHandler):
    """Answers each card action with the body recorded for its verb."""

    def __init__(self, bodies: dict[str, Any]) -> None:
        self.bodies = bodies

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        value = (
            turn_context.activity.value if isinstance(turn_context.activity.value, dict) else {}
        )
        verb = str((value.get("action") or {}).get("verb") or "")
        recorded = self.bodies.get(verb, FALLBACK)
        # The response object, serialised once by botbuilder (drp serialises its own once too).
        body = AdaptiveCardInvokeResponse(
            status_code=recorded["statusCode"], type=recorded["type"], value=recorded["value"]
        )
        return InvokeResponse(status=200, body=body)


def create_app(bodies: dict[str, Any]) -> web.Application:
    """``POST /api/messages`` through botbuilder's own aiohttp integration."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_OpenConfig()))
    bot = FixedCardBot(bodies)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def serve(port: int, bodies: dict[str, Any]) -> None:
    runner = web.AppRunner(create_app(bodies))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cards", type=Path, help="JSON: verb -> invoke response body")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    bodies = json.loads(args.cards.read_text()) if args.cards else {}
    asyncio.run(serve(args.port, bodies))


if __name__ == "__main__":
    main()
