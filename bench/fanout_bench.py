"""Fan-out benchmark: 1,000 notifications through the loopback connector, which answers 429
with Retry-After whenever the bot goes over a set limit; every one is delivered once, at what
share of the allowed rate.

The connector keeps a token bucket of LIMIT calls a second (burst LIMIT) for the whole bot; the
deliverer knows only Teams' published limits (50 a second per bot, 7/s, 8/2 s, 60/30 s and
1,800/h per conversation) and adapts to the 429s. Real time, real HTTP, an SQLite store.

    python bench/fanout_bench.py                   # limits 50 (Teams' own) and 20 a second
    python bench/fanout_bench.py --limit 30 --messages 1000 --people 250
    python bench/fanout_bench.py --messenger raw   # the deliverer alone, without botbuilder
    python bench/fanout_bench.py --messenger agents  # the Agents SDK's messenger (Python 3.12+)

The deliverer runs with ``drp-bot serve``'s own ``DeliveryPolicy()`` (batch and lanes) unless
``--batch`` / ``--concurrency`` say otherwise, so the figure is the one serve reaches.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cards.verbs import new_key
from drp.calendar import WorkingDayCalendar
from drp.machine import Context
from drp.policy import load_policy
from store import Store
from store.schema import children, disputes, people
from teams_bot.botframework import BotFrameworkMessenger, make_adapter
from teams_bot.delivery.engine import Deliverer, DeliveryPolicy
from teams_bot.rendering import Renderer
from teams_bot.settings import BotCredentials
from teams_bot.turn import Card, DeliveryError, Messenger
from tests.support.connector import LoopbackConnector

REFERENCE = "DRP-2027-000001"
CARD = "application/vnd.microsoft.card.adaptive"


def utc_now() -> datetime:
    return datetime.now(UTC)


class RawMessenger:
    """The connector's REST calls made directly over one aiohttp session: the deliverer and
    its pacing without botbuilder's per-call client construction (``--messenger raw``)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def send(self, reference: Mapping[str, Any], card: Card) -> str:
        url = f"{reference['serviceUrl']}v3/conversations/{reference['conversation']['id']}"
        activity = {"type": "message", "attachments": [{"contentType": CARD, "content": card}]}
        async with self.session.post(f"{url}/activities", json=activity) as response:
            if response.status >= 300:
                wait = response.headers.get("Retry-After")
                raise DeliveryError(response.status, "raw", float(wait) if wait else None)
            return str((await response.json())["id"])

    async def update(self, reference: Mapping[str, Any], activity_id: str, card: Card) -> None:
        raise NotImplementedError

    async def open_personal(
        self, user_id: str, tenant_id: str, service_url: str
    ) -> Mapping[str, Any]:
        raise NotImplementedError


async def seed(store: Store, conn: LoopbackConnector, count: int, headcount: int) -> None:
    """``headcount`` people with a 1:1 chat, one dispute, ``count`` notices owed round-robin."""
    now = utc_now()
    async with store.transaction() as tx:
        await tx.connection.execute(insert(people), [_person(n, now) for n in range(headcount)])
        await tx.connection.execute(insert(disputes), [_dispute(now)])
        await tx.connection.execute(
            insert(children),
            [
                {
                    "reference": REFERENCE,
                    "position": 0,
                    "name": "A B",
                    "local_id": "L-1",
                    "pseudonym": "p1",
                }
            ],
        )
        for n in range(headcount):
            await tx.directory.save_conversation_reference(f"p-{n}", _chat(conn, n), at=now)
        for n in range(count):
            await tx.outbox.enqueue(
                f"p-{n % headcount}",
                "notice",
                f"bench:{n}",
                {"event": "responded", "n": n},
                due_at=now,
                reference=REFERENCE,
            )


def _person(n: int, now: datetime) -> dict[str, Any]:
    return {
        "id": f"p-{n}",
        "email": f"p{n}@example.org",
        "name": f"Person {n}",
        "team": "",
        "teams_user_id": f"29:p-{n}",
        "updated_at": now,
    }


def _chat(conn: LoopbackConnector, n: int) -> dict[str, Any]:
    return {
        "serviceUrl": conn.service_url,
        "channelId": "msteams",
        "conversation": {"id": f"a:bench-{n}", "conversationType": "personal"},
        "bot": {"id": "28:bench-bot"},
        "user": {"id": f"29:p-{n}"},
    }


def _dispute(now: datetime) -> dict[str, Any]:
    return {
        "reference": REFERENCE,
        "policy": "nottingham",
        "process": "drp",
        "raised_by": "p-0",
        "raiser_role": "chair",
        "raised_at": now,
        "date_of_concern": date(2027, 3, 1),
        "team": "team",
        "raiser_team": "",
        "practitioner": "",
        "child_on_plan": False,
        "category": "drift-delay",
        "category_other": "",
        "issue_type": "",
        "summary": "s",
        "impact": "i",
        "evidence": "",
        "requested_actions": [],
        "status": "awaiting_review",
        "stage": "1",
        "due_at": now + timedelta(days=5),
        "review_due_at": None,
        "overall_due_at": None,
        "formal_started_at": now,
        "approver": "",
        "pending_stage": "",
        "pending_due": None,
        "resume_status": None,
        "extensions_used": 0,
        "responded_by": "p-1",
        "overdue_noted": False,
        "outcome": None,
        "closed_at": None,
        "referrals": [],
        "version": 2,
        "updated_at": now,
    }


async def unsent(store: Store) -> int:
    async with store.transaction(readonly=True) as tx:
        return len(await tx.outbox.pending(100_000))


SENDERS = {
    "botbuilder": "botbuilder's CloudAdapter",
    "agents": "the Agents SDK's ConnectorClient",
    "raw": "direct REST calls",
}


async def fan_out(
    limit: int,
    count: int,
    headcount: int,
    sender: str = "botbuilder",
    policy: DeliveryPolicy | None = None,
) -> dict[str, float]:
    chosen = policy or DeliveryPolicy()
    with tempfile.TemporaryDirectory(prefix="drp-fanout-") as folder:
        async with aiohttp.ClientSession() as session:
            if sender == "agents":
                from teams_bot.agents_messenger import AgentsMessenger

                agents = AgentsMessenger(BotCredentials())
                try:
                    return await _fan_out(Path(folder), limit, count, headcount, agents, chosen)
                finally:
                    await agents.close()
            messenger = RawMessenger(session) if sender == "raw" else None
            return await _fan_out(Path(folder), limit, count, headcount, messenger, chosen)


async def _fan_out(
    folder: Path,
    limit: int,
    count: int,
    headcount: int,
    raw: Messenger | None,
    policy: DeliveryPolicy,
) -> dict[str, float]:
    store = await Store.open(f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}")
    await store.upgrade()
    try:
        async with LoopbackConnector() as conn:
            await seed(store, conn, count, headcount)
            ctx = Context(load_policy("nottingham"), WorkingDayCalendar())
            messenger = raw or BotFrameworkMessenger(make_adapter(BotCredentials()), "")
            deliverer = Deliverer(store, messenger, Renderer(ctx, new_key), utc_now, policy)
            conn.rate_limit(globally=(limit, 1.0))  # Retry-After: the exact wait for a token
            began, cpu = time.perf_counter(), time.process_time()
            while await unsent(store):
                if not await deliverer.run_once():
                    await asyncio.sleep(0.01)  # rows rescheduled after a long Retry-After
            elapsed = time.perf_counter() - began
            # This process is the deliverer and the connector both (the raw path's figure is
            # the connector's share and the deliverer's own, without botbuilder).
            cpu_ms = (time.process_time() - cpu) * 1000 / count
            accepted = conn.requests_matching("POST", "/activities", 201)
            throttled = conn.requests_matching("POST", "/activities", 429)
            per_chat = [len(conn.activities(f"a:bench-{n}")) for n in range(headcount)]
    finally:
        await store.close()
    expected = [count // headcount + (1 if n < count % headcount else 0) for n in range(headcount)]
    assert len(accepted) == count, f"{len(accepted)} accepted for {count} owed"
    assert per_chat == expected, "a chat got a message twice or not at all"
    ideal = (count - limit) / limit  # the bucket's burst, then its rate
    return {
        "limit": limit,
        "elapsed": elapsed,
        "rate": count / elapsed,
        "share": ideal / elapsed,
        "throttled": len(throttled),
        "cpu_ms": cpu_ms,
    }


async def run(args: argparse.Namespace) -> None:
    sender = SENDERS[args.messenger]
    defaults = DeliveryPolicy()
    policy = DeliveryPolicy(
        batch=args.batch or defaults.batch, concurrency=args.concurrency or defaults.concurrency
    )
    print(f"{args.messages} notices to {args.people} people, real HTTP ({sender}), SQLite")
    print(f"delivery batch {policy.batch}, {policy.concurrency} lanes (serve: {defaults.batch},")
    print(f"{defaults.concurrency}); load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(
        f"{'limit/s':>8} {'seconds':>8} {'sent/s':>8} {'of allowed':>11} {'429s':>6}"
        f" {'cpu ms/msg':>10}"
    )
    for limit in args.limit or [50, 20]:
        found = await fan_out(limit, args.messages, args.people, args.messenger, policy)
        print(
            f"{found['limit']:>8.0f} {found['elapsed']:>8.2f} {found['rate']:>8.1f}"
            f" {found['share']:>10.1%} {found['throttled']:>6.0f} {found['cpu_ms']:>10.2f}"
        )
    print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print("every notice delivered exactly once (one 201 each, each chat its own count)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, action="append", help="calls a second allowed")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--people", type=int, default=250)
    parser.add_argument(
        "--messenger",
        choices=tuple(SENDERS),
        default="botbuilder",
        help="agents: the Agents SDK's messenger (DRP_BOT_HOST=agents); raw: POST to the "
        "connector directly (measures the deliverer without either SDK)",
    )
    parser.add_argument("--batch", type=int, help="rows a claim (default: serve's)")
    parser.add_argument("--concurrency", type=int, help="lanes in parallel (default: serve's)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
