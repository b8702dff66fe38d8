"""Issue 12's reproductions (items 7-9), each over real HTTP against the whole bot on SQLite and
PostgreSQL: never a 5xx, never an incident in the log, and nothing stored when refused."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.cards import action, text_of, walk_nodes
from tests.support.connector import post_activity
from tests.teams_bot.bot_harness import LONDON, PEOPLE, Walk, form_values, running_bot
from tests.teams_bot.fuzz_target import fingerprint

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"


def incidents(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def raised(walk: Walk) -> dict[str, Any]:
    await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
    return walk.dispute_card("alex", REF).card


async def invoke(walk: Walk, who: str, verb: str, data: dict[str, Any]) -> tuple[int, Any]:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    activity = walk.conn.invoke_activity(
        "adaptiveCard/action", value, from_id=walk_id(who), conversation_id=walk.chat(who)
    )
    return await post_activity(walk.endpoint, activity)


def walk_id(who: str) -> str:
    return PEOPLE[who].id


@pytest.mark.parametrize(
    "nonce", ["n" * 201, "nonce\u0000", "nonce\ud800"], ids=["201 chars", "NUL", "surrogate"]
)
async def test_a_hostile_nonce_is_answered_with_a_card_and_changes_nothing(
    tmp_path: Path, walk_database_url: str, nonce: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        card = await raised(walk)
        before = await walk.events(REF)
        data = {**action(card, "drp.withdraw"), "nonce": nonce, "withdraw_reason": "Because."}
        data["version"] = int(data["version"]) + 5  # stale: whatever the nonce, nothing moves
        with caplog.at_level(logging.INFO):
            status, body = await invoke(walk, "alex", "drp.withdraw", data)
        assert status == 200
        assert body["type"] == "application/vnd.microsoft.card.adaptive"
        assert await walk.events(REF) == before
        assert "could not be read" in text_of(body["value"])  # refused before any query
    # Item 7 (a 501) is gone, and so is the incident: a clean refusal, nothing of it logged.
    assert nonce[:50] not in caplog.text
    assert incidents(caplog) == []


async def test_a_lone_surrogate_in_a_childs_name_is_answered_not_a_5xx_nor_logged(
    tmp_path: Path, walk_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        form = await walk.open_form("alex")
        data = {**action(form.card, "drp.raise"), **form_values(child_1_name="Zara \ud800Quint")}
        with caplog.at_level(logging.INFO):
            status, body = await invoke(walk, "alex", "drp.raise", data)
        assert status == 200
        assert "Zara" not in caplog.text
        assert "AV-100001" not in caplog.text
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0
        # The form comes back with the field's error and the input kept.
        card = body["value"]
        assert "cannot be stored" in text_of(card)
        assert "Zara \ud800Quint" in [n.get("value") for n in walk_nodes(card)]
    assert incidents(caplog) == []


async def test_report_over_the_whole_calendar_is_answered_not_an_overflow(
    tmp_path: Path, walk_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        await raised(walk)
        with caplog.at_level(logging.INFO):
            status, _ = await walk.say("alex", "report 0001-01-01 9999-12-31")
        assert status in {200, 201}
        answered = walk.conn.activities(walk.chat("alex"))[-1]
        assert answered.get("text") or answered.get("attachments")
    assert incidents(caplog) == []


@pytest.mark.parametrize(
    "change",
    [
        {"from": {"id": "user-id-0\u0000"}},
        {"recipient": None},
        {"entities": [{"type": "mention"}]},
        {"serviceUrl": "x"},
        {"serviceUrl": "file:///etc/passwd"},
        {"serviceUrl": "http://169.254.169.254/latest/meta-data/"},
    ],
    ids=["NUL in from.id", "no recipient", "bare mention", "x", "file URL", "metadata IP"],
)
async def test_a_malformed_activity_is_400_and_stores_nothing(
    tmp_path: Path,
    walk_database_url: str,
    change: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        before = await fingerprint(walk_database_url)
        activity = walk.conn.message_activity("new", from_id="user-id-0")
        for key, value in change.items():
            if value is None:
                activity.pop(key)
            else:
                activity[key] = value
        with caplog.at_level(logging.INFO):
            status, body = await post_activity(walk.endpoint, activity)
        assert status == 400, body
        assert walk.conn.requests == []
        assert await fingerprint(walk_database_url) == before
    assert incidents(caplog) == []
