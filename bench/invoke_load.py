"""The load ``bench/invoke_bench.py`` puts on a bot: Teams-shaped activities over keep-alive
HTTP from N concurrent clients, each timed from the request's first byte to the answer's last.

A dispute's story is four card actions (``PHASES``); each takes what it sends from the card the
bot answered the step before with, as Teams would (the refresh data of the raiser's card, the
respond button of the manager's card, the version after the response).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from invoke_servers import Connector, Member, chair, manager, seniors, team

Json = dict[str, Any]
CARD = "application/vnd.microsoft.card.adaptive"
TENANT = "tenant-bench"
BOT = {"id": "28:bench-bot", "name": "DRP"}
BOARD = "19:bench-board@thread.tacv2"
PHASES = ("raise", "refresh", "respond", "resolve")
VERBS = {"raise": "drp.raise", "refresh": "drp.refresh", "respond": "drp.respond"}
VERBS["resolve"] = "drp.resolve"


@dataclass
class Result:
    """The latencies of one phase, and how long the phase took end to end."""

    latencies: list[float]
    elapsed: float
    cpu: float  # the server process's CPU seconds (every thread) over the phase
    errors: list[str] = field(default_factory=list)  # answers that were not the right card

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.elapsed

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else math.nan

    @property
    def p99(self) -> float:
        if len(self.latencies) < 2:
            return self.max
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[98]

    @property
    def max(self) -> float:
        return max(self.latencies, default=math.nan)

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.count

    def over(self, seconds: float) -> int:
        return sum(1 for latency in self.latencies if latency > seconds)


class Client:
    """Posts activities to one bot's ``/api/messages`` over ``concurrency`` kept-alive
    connections, as the Teams service would."""

    def __init__(self, endpoint: str, pid: int, conn: Connector, concurrency: int) -> None:
        self.endpoint = endpoint
        self.pid = pid
        self.conn = conn
        self.concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        limit = aiohttp.TCPConnector(limit=max(self.concurrency, 8))
        timeout = aiohttp.ClientTimeout(total=120)
        self._session = aiohttp.ClientSession(connector=limit, timeout=timeout)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        await self._session.close()

    async def post(self, activity: Json) -> tuple[int, Any, float]:
        """(status, JSON body or None, seconds)."""
        assert self._session is not None
        body = json.dumps(activity)
        headers = {"Content-Type": "application/json"}
        began = time.perf_counter()
        async with self._session.post(self.endpoint, data=body, headers=headers) as response:
            raw = await response.read()
        took = time.perf_counter() - began
        return response.status, json.loads(raw) if raw else None, took

    async def inspect(self, conversation_id: str) -> list[Json]:
        """What a conversation shows now, at the connector."""
        assert self._session is not None
        async with self._session.get(f"{self.conn.inspect}/activities/{conversation_id}") as got:
            found: list[Json] = await got.json()
            return found

    def activity(self, kind: str, who: Member, conversation: str, **extra: Any) -> Json:
        """An activity as Teams posts it, from ``who`` in a 1:1 chat unless ``extra`` says."""
        return {
            "type": kind,
            "id": f"in-{uuid.uuid4().hex}",
            "channelId": "msteams",
            "serviceUrl": self.conn.service_url,
            "from": {"id": who.teams_id, "name": who.name, "aadObjectId": who.aad_id},
            "recipient": BOT,
            "conversation": {
                "id": conversation,
                "conversationType": "personal",
                "tenantId": TENANT,
                "isGroup": False,
            },
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
            **extra,
        }

    def invoke(self, who: Member, verb: str, data: Json, reply_to: str) -> Json:
        """An ``adaptiveCard/action`` from ``who``'s 1:1 chat."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
        return self.activity(
            "invoke", who, who.chat, name="adaptiveCard/action", value=value, replyToId=reply_to
        )


@dataclass
class Dispute:
    """What one dispute's story knows so far."""

    n: int
    pair: int
    reference: str = ""
    refresh: Json = field(default_factory=dict)
    manager_card: Json = field(default_factory=dict)
    version: int = 0
    failed: bool = False


def walk_actions(node: Any) -> Iterator[Json]:
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            yield node
        for value in node.values():
            yield from walk_actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_actions(item)


def action_data(card: Json, verb: str) -> Json:
    for found in walk_actions(card):
        if found.get("type") == "Action.Execute" and found.get("verb") == verb:
            return dict(found.get("data") or {})
    raise RuntimeError(f"no {verb} button on the card: {json.dumps(card)[:600]}")


def refresh_data(card: Json) -> Json:
    return dict(((card.get("refresh") or {}).get("action") or {}).get("data") or {})


class Story:
    """Raise, refresh, respond, resolve: the activities of each step, and what the answer
    must show (checked only against drp: the echo answers the same card every time)."""

    def __init__(self, pairs: int, forms: dict[int, str] | None = None) -> None:
        self.pairs = pairs
        self.forms = forms or {}
        self.strict = forms is not None
        self._numbers = itertools.count(1)

    def disputes(self, count: int) -> list[Dispute]:
        return [Dispute(n, n % self.pairs) for n in itertools.islice(self._numbers, count)]

    def activity(self, client: Client, phase: str, dispute: Dispute) -> Json:
        verb = VERBS[phase]
        if phase == "raise":
            data = {"reference": "", "version": 0, "nonce": uuid.uuid4().hex, "process": "drp"}
            data.update(form_values(dispute))
            form = self.forms.get(dispute.pair, "form")
            return client.invoke(chair(dispute.pair), verb, data, form)
        if phase == "refresh":
            return client.invoke(manager(dispute.pair), verb, dispute.refresh, "card")
        if phase == "respond":
            data = {**action_data(dispute.manager_card, verb), **RESPONSE}
            data["action_1_date"] = (date.today() + timedelta(days=7)).isoformat()
            return client.invoke(manager(dispute.pair), verb, data, "card")
        data = {"reference": dispute.reference, "version": dispute.version}
        data.update(nonce=uuid.uuid4().hex, resolve_comments="Agreed: the plan is back on track.")
        return client.invoke(chair(dispute.pair), verb, data, "card")

    def absorb(self, phase: str, dispute: Dispute, card: Json) -> str:
        """Take what the next step needs from the card; what is wrong with it, or ""."""
        refreshed = refresh_data(card)
        if phase == "raise":
            dispute.refresh = refreshed
            dispute.reference = str(refreshed.get("reference") or "")
            return self._check(bool(dispute.reference), "no dispute card", card)
        if phase == "refresh":
            dispute.manager_card = card
            has_respond = any(a.get("verb") == VERBS["respond"] for a in walk_actions(card))
            return self._check(has_respond, "no respond button", card)
        version = int(refreshed.get("version") or 0)
        expected = (dispute.version or int(dispute.refresh.get("version") or 0)) + 1
        dispute.version = version
        return self._check(version == expected, f"version {version}, not {expected}", card)

    def _check(self, ok: bool, problem: str, card: Json) -> str:
        if self.strict and not ok:
            return f"{problem}: {json.dumps(card)[:300]}"
        return ""


RESPONSE = {
    "response": "The assessment is booked and the core group meets on Thursday.",
    "practice_issues": "",
    "action_1_text": "Hold the core group meeting",
}


def form_values(dispute: Dispute) -> Json:
    """The DRP form as a chair fills it in for the child of dispute ``n`` in their team."""
    today = date.today()
    return {
        "child_1_name": f"Bench Child{dispute.n}",
        "child_1_local_id": f"LL-{dispute.n:07d}",
        "child_1_dob": "2016-02-03",
        "team": team(dispute.pair),
        "category": "plan-progress",
        "date_of_concern": (today - timedelta(days=3)).isoformat(),
        "summary": "The child protection plan has not progressed since conference.",
        "impact": "The risks the plan was meant to reduce remain.",
        "action_1_text": "Complete the updated assessment",
        "action_1_date": (today + timedelta(days=10)).isoformat(),
        "evidence": "Assessment on the case record",
        "stage": "1",
    }


async def _phase(
    client: Client, story: Story, phase: str, disputes: Sequence[Dispute], record: Json | None
) -> Result:
    latencies: list[float] = []
    errors: list[str] = []
    work = iter([d for d in disputes if not d.failed])

    async def worker() -> None:
        for dispute in work:
            status, body, took = await client.post(story.activity(client, phase, dispute))
            latencies.append(took)
            problem = _problem(status, body) or story.absorb(phase, dispute, _card(body))
            if problem:
                errors.append(f"{phase} {dispute.reference or dispute.n}: {problem}")
                dispute.failed = True  # its later steps are not tried
            elif record is not None:
                record.setdefault(VERBS[phase], body)

    began, cpu = time.perf_counter(), cpu_seconds(client.pid)
    await asyncio.gather(*(worker() for _ in range(client.concurrency)))
    elapsed = time.perf_counter() - began
    return Result(latencies, elapsed, cpu_seconds(client.pid) - cpu, errors)


def _problem(status: int, body: Any) -> str:
    """What is wrong with an invoke's answer, or "" (it is an Adaptive Card)."""
    if status != 200 or not isinstance(body, dict) or body.get("type") != CARD:
        return f"HTTP {status}: {json.dumps(body)[:300]}"
    return ""


def _card(body: Any) -> Json:
    value = body.get("value") if isinstance(body, dict) else None
    return value if isinstance(value, dict) else {}


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Around = Callable[[str], contextlib.AbstractAsyncContextManager[None]]


async def drive(
    client: Client,
    story: Story,
    count: int,
    record: Json | None = None,
    around: Around | None = None,
) -> dict[str, Result]:
    """``count`` new disputes through every phase, one phase after the other; ``around``
    wraps each phase (e.g. a profiler)."""
    disputes = story.disputes(count)
    results: dict[str, Result] = {}
    for phase in PHASES:
        async with around(phase) if around else contextlib.nullcontext():
            results[phase] = await _phase(client, story, phase, disputes, record)
    return results


async def warm_up(client: Client, story: Story, count: int, record: Path | None) -> None:
    """Untimed disputes first; with ``record``, write each verb's answer there (for the echo)."""
    bodies: Json = {}
    await drive(client, story, count, bodies)
    if record is not None:
        _write(record, bodies)


def _write(path: Path, data: Json) -> None:
    path.write_text(json.dumps(data))


async def setup_people(client: Client, pairs: int) -> dict[int, str]:
    """Everyone installs the app (the bot remembers their chat), the chairs' service manager
    puts the board up with ``monitor here``, and each chair opens the DRP form; returns each
    chair's form activity id (the card the raise is pressed on)."""
    overseer = seniors(pairs)[0]
    people = [f(n) for n in range(pairs) for f in (chair, manager)] + [overseer]
    gate = asyncio.Semaphore(8)

    async def send(activity: Json) -> None:
        async with gate:
            status, body, _ = await client.post(activity)
            if status not in (200, 201):
                raise RuntimeError(f"setup: HTTP {status}: {json.dumps(body)[:400]}")

    await asyncio.gather(
        *(send(client.activity("installationUpdate", p, p.chat, action="add")) for p in people)
    )
    await send(_monitor_here(client, overseer))
    await asyncio.gather(
        *(
            send(client.activity("message", chair(n), chair(n).chat, text="new"))
            for n in range(pairs)
        )
    )
    forms: dict[int, str] = {}
    for n in range(pairs):
        posted = [a for a in await client.inspect(chair(n).chat) if a.get("attachments")]
        if not posted:
            raise RuntimeError(f"setup: no DRP form in {chair(n).chat}")
        forms[n] = str(posted[-1]["id"])
    return forms


def _monitor_here(client: Client, overseer: Member) -> Json:
    activity = client.activity("message", overseer, BOARD, text="monitor here")
    activity["conversation"].update(conversationType="channel", isGroup=True)
    activity["channelData"] = {
        "tenant": {"id": TENANT},
        "team": {"id": "19:bench-team@thread.tacv2"},
        "channel": {"id": BOARD},
    }
    return activity
