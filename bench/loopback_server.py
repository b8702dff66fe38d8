"""The loopback Bot Connector (``tests/support/connector.py``) in a process of its own, for
benchmarks: the bot under test sends to it as it would to Teams, without the connector's work
landing on the load generator's event loop.

Prints its service URL and its inspection URL on the first line of stdout, then serves until
SIGTERM. ``GET {inspect}/activities/{conversation id}`` lists what a conversation shows now;
``GET {inspect}/summary`` counts the calls received by method, kind and status;
``GET {inspect}/posts`` lists every message accepted as new (not an update): its conversation
and what identifies it (the dispute it names and its first line), for counting repeats.

    python bench/loopback_server.py [--limit 50]   # optional: 429 + Retry-After above 50 calls/s
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.connector import LoopbackConnector
from tests.support.ports import LOOPBACK


def _kind(path: str) -> str:
    if path == "/v3/conversations":
        return "create-conversation"
    if "/activities/" in path:
        return "activity"
    return path.rsplit("/", 1)[-1]


def _identity(activity: Any) -> str:
    """What makes a posted message the same message: the dispute it names and its first line."""
    text = json.dumps(activity, sort_keys=True)
    reference = re.search(r"DRP-\d{4}-\d{6}", text)
    first = re.search(r'"text": "([^"]{0,80})', text)
    return f"{reference.group(0) if reference else '-'} {first.group(1) if first else '-'}"


def inspection(conn: LoopbackConnector) -> web.Application:
    """Read-only views of what the connector received."""

    async def activities(request: web.Request) -> web.Response:
        return web.json_response(conn.activities(request.match_info["cid"]))

    async def summary(request: web.Request) -> web.Response:
        counts = Counter(f"{r.method} {_kind(r.path)} {r.status}" for r in conn.requests)
        return web.json_response(dict(sorted(counts.items())))

    async def posts(request: web.Request) -> web.Response:
        found = [
            {"conversation": r.conversation_id, "identity": _identity(r.json)}
            for r in conn.requests
            if r.method == "POST" and r.path.endswith("/activities") and r.status < 300
        ]
        return web.json_response(found)

    app = web.Application()
    app.router.add_get("/posts", posts)
    app.router.add_get("/activities/{cid}", activities)
    app.router.add_get("/summary", summary)
    return app


async def serve(limit: int | None) -> None:
    async with LoopbackConnector() as conn:
        if limit:
            conn.rate_limit(globally=(limit, 1.0))
        runner = web.AppRunner(inspection(conn), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, LOOPBACK, 0).start()
        port = int(runner.addresses[0][1])
        print(
            json.dumps({"service_url": conn.service_url, "inspect": f"http://{LOOPBACK}:{port}"})
        )
        sys.stdout.flush()
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="calls a second before 429 + Retry-After")
    asyncio.run(serve(parser.parse_args().limit))


if __name__ == "__main__":
    main()
