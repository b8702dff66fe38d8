"""``GET /metrics`` over real HTTP (issue 19.6): requests by status, activity latency (card
actions as invokes), deliveries by outcome, the outbox's due backlog and oldest age, the
scheduler's lag and open disputes by RAG, moving as the bot works, with nothing about a child
or a person in it. And ``DRP_LOG_FORMAT=json`` in a real ``serve`` process: JSON lines."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.support import hosts
from tests.support.cards import reference_of
from tests.support.ports import free_port
from tests.teams_bot.bot_harness import CHILD, PEOPLE, TEAM, Walk, running_bot
from tests.teams_bot.scheduler_scene import london

START = london(2026, 11, 23, 9, 0)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(walk: Walk) -> tuple[str, Samples]:
    url = walk.endpoint.replace("/api/messages", "/metrics")
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_follow_the_bot_and_carry_nothing_about_anyone(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", START) as walk:
        _, before = await scrape(walk)
        assert value(before, "drp_open_disputes", rag="green") == 0
        await walk.say("alex", "help")
        reference = reference_of(await walk.raise_dispute("alex", team=TEAM))
        await walk.bot.scheduler.tick()
        text, after = await scrape(walk)

        assert value(after, "drp_http_requests_total", path="/api/messages", status="200") >= 1
        assert value(after, "drp_activity_duration_seconds_count", type="invoke") >= 1
        assert value(after, "drp_activity_duration_seconds_count", type="message") >= 2
        assert value(after, "drp_deliveries_total", outcome="sent") >= 1
        assert value(after, "drp_open_disputes", rag="green") == 1
        assert value(after, "drp_open_disputes", rag="red") == 0
        async with walk.bot.store.transaction(readonly=True) as tx:
            owed = [m for m in await tx.outbox.pending() if m.due_at <= walk.clock.now]
        assert value(after, "drp_outbox_due_messages") == len(owed)
        assert value(after, "drp_scheduler_lag_seconds") == 0
        for secret in (reference, CHILD[0], CHILD[1], "Zara", "Megan", PEOPLE["megan"].id):
            assert secret not in text

        # Three weeks on, nobody answered and the scheduler stopped: red, a backlog, a lag.
        walk.conn.fail_next(99, status=503)
        alex = await walk.person_id("alex")
        async with walk.bot.store.transaction() as tx:
            await tx.outbox.enqueue(
                alex,
                "notice",
                "m:1",
                {"event": "raised"},
                due_at=walk.clock.now,
                reference=reference,
            )
        await walk.deliver()
        walk.clock.advance(days=21)
        _, late = await scrape(walk)
        assert value(late, "drp_open_disputes", rag="red") == 1
        assert value(late, "drp_outbox_due_messages") == len(owed) + 1
        assert value(late, "drp_outbox_oldest_due_age_seconds") >= 21 * 86400 - 60
        assert value(late, "drp_scheduler_lag_seconds") == 21 * 86400
        assert value(late, "drp_deliveries_total", outcome="retrying") >= 1
        await post_unknown_path(walk)
        _, last = await scrape(walk)
        assert value(last, "drp_http_requests_total", path="other", status="404") == 1


async def post_unknown_path(walk: Walk) -> None:
    url = walk.endpoint.replace("/api/messages", f"/{CHILD[1]}")
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 404


async def test_serve_logs_json_lines_with_drp_log_format_json(tmp_path: Path) -> None:
    env = hosts.serve_env(DRP_DATA_DIR=str(tmp_path), DRP_LOG_FORMAT="json")
    port = free_port()
    command = [str(Path(sys.executable).parent / "drp-bot"), "serve", "--port", str(port)]
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    lines: list[dict[str, str]] = []
    try:
        assert process.stderr is not None
        while not any("drp-bot serving" in line["message"] for line in lines):
            line = await asyncio.wait_for(process.stderr.readline(), 60)
            assert line, f"serve stopped: {lines}"
            lines.append(json.loads(line))
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
    assert all(set(line) <= {"time", "level", "logger", "message", "exc_info"} for line in lines)
    assert {line["logger"] for line in lines} >= {"drp-bot"}
