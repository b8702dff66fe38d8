"""Issue 12.4: no child data in any log record, whatever happens.

Every path is driven over real HTTP with sentinel child data — raise, refresh, show, respond,
not resolved, escalate, record, report, refusals, form errors, hostile values, malformed
activities, delivery and its failures — with the root logger and every library logger at DEBUG,
on SQLite and PostgreSQL. Each record is rendered with the standard formatter (its message and
any traceback, chained messages included) and searched for every sentinel.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import text as sql

from store.engine import create_engine, parse_url
from teams_bot.logs import formatter
from tests.support.cards import action
from tests.support.connector import post_activity
from tests.teams_bot.bot_harness import LONDON, Walk, assert_stranger_cannot, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
NAME = "Qwzsentinel Xjvsentinel"
LOCAL_ID = "SENT-424242"
DOB = "2011-09-17"
CONCERN = "Sentinel concern about Qwzsentinel"
RESPONSE = "Sentinel response text"
REASON = "Sentinel escalation reason"
SENTINELS = ("Qwzsentinel", "Xjvsentinel", LOCAL_ID, DOB, "Sentinel", "sentinel")


class Capture(logging.Handler):
    """Keeps every record that reaches it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def everything_logged() -> Iterator[Capture]:
    """The root logger at DEBUG with a capturing handler, also on every logger that does not
    propagate; restored afterwards."""
    capture = Capture()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(capture)
    isolated = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in isolated:
        logger.addHandler(capture)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(level)
        for logger in isolated:
            logger.removeHandler(capture)


def leaks(records: list[logging.LogRecord]) -> list[str]:
    """Sentinels in any record as the standard formatter renders it (tracebacks with their
    messages) or as ``DRP_LOG_FORMAT=json`` writes it (with every field it keeps)."""
    formatters = (logging.Formatter("%(name)s %(levelname)s %(message)s"), formatter("json"))
    found = []
    for record in records:
        for rendering in formatters:
            line = rendering.format(record)
            found += [f"{s!r} in: {line[:300]}" for s in SENTINELS if s in line]
    return found


async def drive_every_path(walk: Walk) -> None:
    await walk.monitor_here()
    patti = await walk.person_id("patti")
    form = await walk.open_form("alex")
    bad = {**action(form.card, "drp.raise"), "child_1_name": NAME, "child_1_dob": "31/02/2011"}
    await walk.press("alex", "drp.raise", bad, conversation_id=form.conversation)
    await walk.raise_dispute(
        "alex",
        child_1_name=NAME,
        child_1_local_id=LOCAL_ID,
        child_1_dob=DOB,
        summary=CONCERN,
        impact=CONCERN,
        practitioner=patti,
    )
    await walk.press("alex", "drp.refresh", {"reference": REF})
    await walk.press("patti", "drp.refresh", {"reference": REF})
    for who in ("alex", "patti", "sam"):
        await walk.say(who, f"show {REF}")
    await assert_stranger_cannot(walk, "sam", REF, "megan")
    await walk.act("megan", REF, "drp.respond", response=RESPONSE, practice_issues=RESPONSE)
    await walk.act("alex", REF, "drp.escalate", escalate_reason=REASON, updated_concerns=REASON)
    walk.conn.fail_next(3, status=500)
    await walk.act("adele", REF, "drp.respond", response=RESPONSE, practice_issues=RESPONSE)
    await walk.act("alex", REF, "drp.record")
    for text in ("report 2026-01-01 2026-12-31", "report 0001-01-01 9999-12-31", "supervision"):
        await walk.say("alex", text)
    await hostile_values(walk)
    await malformed(walk)


async def hostile_values(walk: Walk) -> None:
    """Values a handler must refuse (or fail on) without logging them."""
    card = walk.dispute_card("alex", REF).card
    data = action(card, "drp.resolve")
    for nonce in ("Qwzsentinel" * 30, "Qwzsentinel\u0000", "Qwzsentinel\ud800"):
        value = {"action": {"type": "Action.Execute", "verb": "drp.resolve", "data": {}}}
        value["action"]["data"] = {**data, "nonce": nonce, "resolve_comments": CONCERN}
        activity = walk.conn.invoke_activity(
            "adaptiveCard/action", value, from_id="user-id-0", conversation_id=walk.chat("alex")
        )
        status, _ = await post_activity(walk.endpoint, activity)
        assert status == 200, status
    form = await walk.open_form("alex")
    surrogate = {
        **action(form.card, "drp.raise"),
        "child_1_name": "Qwzsentinel \ud800",
        "child_1_local_id": LOCAL_ID,
        "summary": CONCERN,
    }
    await walk.press("alex", "drp.raise", surrogate, conversation_id=form.conversation)


async def a_turn_fails(walk: Walk, database_url: str) -> None:
    """The database refuses mid-turn (its idempotency table is gone): the turn becomes an
    incident, logged at ERROR with its class and id, never the values it carried."""
    engine = create_engine(parse_url(database_url))
    try:
        async with engine.begin() as connection:
            await connection.execute(sql("ALTER TABLE idempotency_keys RENAME TO keys_gone"))
    finally:
        await engine.dispose()
    card = walk.dispute_card("alex", REF).card
    data = {**action(card, "drp.resolve"), "resolve_comments": CONCERN}
    value = {"action": {"type": "Action.Execute", "verb": "drp.resolve", "data": data}}
    activity = walk.conn.invoke_activity(
        "adaptiveCard/action", value, from_id="user-id-0", conversation_id=walk.chat("alex")
    )
    status, _ = await post_activity(walk.endpoint, activity)
    assert status == 200, status


async def malformed(walk: Walk) -> None:
    base = walk.conn.message_activity(f"show {NAME}", from_id="user-id-0")
    for change in (
        {"recipient": 5},
        {"from": {"id": "user-id-0", "name": f"{NAME}\u0000"}},
        {"conversation": {"id": LOCAL_ID, "isGroup": "Qwzsentinel"}},
        {"entities": [{"type": "mention", "text": NAME}]},
    ):
        status, _ = await post_activity(walk.endpoint, {**base, **change})
        assert status == 400


async def test_no_log_record_carries_child_data(tmp_path: Path, walk_database_url: str) -> None:
    with everything_logged() as capture:
        async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
            await drive_every_path(walk)
            events = await walk.events(REF)
            await a_turn_fails(walk, walk_database_url)
    assert len(events) >= 4, events
    seen = {
        record.name.split(".")[0] + "." + record.name.split(".")[1]
        for record in capture.records
        if "." in record.name
    }
    # The capture saw the access log, the handlers, delivery failing and turns failing.
    assert {"aiohttp.access", "teams_bot.handlers", "teams_bot.delivery"} <= seen, seen
    assert any(record.levelno >= logging.ERROR for record in capture.records)
    assert leaks(capture.records) == []


def test_sentinels_would_be_found(tmp_path: Path) -> None:
    """The search itself works: a record quoting a sentinel, even in a chained traceback, and
    in JSON lines (its message, escaped as JSON escapes it)."""
    try:
        try:
            raise ValueError(f"bad name {NAME}")
        except ValueError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    assert leaks([record])
    quoted = logging.LogRecord("x", logging.INFO, __file__, 1, "name %s", (NAME,), None)
    json_line = formatter("json").format(quoted)
    assert NAME in json.loads(json_line)["message"]
    assert leaks([quoted])
