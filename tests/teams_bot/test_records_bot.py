"""The Case record button, ``report`` and ``supervision`` over real HTTP (loopback connector,
driven clock, SQLite): who may read what, what they get, and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.cards import action, reference_of, text_of
from tests.teams_bot.bot_harness import LONDON, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"


async def _raised_and_answered(walk: Walk) -> None:
    await walk.raise_dispute("alex")
    walk.clock.advance(days=1)
    await walk.act(
        "megan",
        REF,
        "drp.respond",
        response="Assessment booked for Thursday.",
        action_1_text="Home visit",
        action_1_date="2026-11-26",
        practice_issues="Supervision gap",
    )


async def _audit(walk: Walk, action_name: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    start, end = walk.clock.now - timedelta(days=30), walk.clock.now + timedelta(days=1)
    found = []
    for who in ("alex", "megan", "isaiah", "patti"):
        person_id = await walk.person_id(who)
        async with walk.bot.store.transaction() as tx:
            entries = await tx.audit.by_actor(person_id, start, end)
        found += [(who, e.reference, dict(e.detail)) for e in entries if e.action == action_name]
    return found


def _newest(walk: Walk, who: str) -> dict[str, Any]:
    return walk.shown_in(walk.chat(who))[-1].card


async def test_case_record_button_posts_every_step_and_leaves_the_card(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await _raised_and_answered(walk)
        shown = walk.dispute_card("alex", REF)
        data = action(shown.card, "drp.record")
        after = await walk.press(
            "alex",
            "drp.record",
            data,
            conversation_id=shown.conversation,
            reply_to_id=shown.activity_id,
        )
        assert reference_of(after) == REF  # the clicked dispute card stays as it was
        record = text_of(_newest(walk, "alex"))
        for text in (
            f"Case record {REF}",
            "Zara Quint",
            "AV-100001",
            "Dispute raised",
            "Sent to",
            "Megan Bowen",
            "Assessment booked for Thursday",
            "Home visit",
            "Supervision gap",
            "drp-bot record",
        ):
            assert text in record, text
        assert await _audit(walk, "record_exported") == [("alex", REF, {"format": "card"})]


async def test_the_monitoring_service_may_export_the_record(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await _raised_and_answered(walk)
        await walk.say("isaiah", f"show {REF}")
        data = {"reference": REF, "version": 2}
        await walk.press("isaiah", "drp.record", data)
        assert f"Case record {REF}" in text_of(_newest(walk, "isaiah"))
        assert ("isaiah", REF, {"format": "card"}) in await _audit(walk, "record_exported")


async def test_a_manager_cannot_export_the_record_and_is_audited(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await _raised_and_answered(walk)
        shown = walk.dispute_card("megan", REF)
        card = await walk.press(
            "megan",
            "drp.record",
            {"reference": REF, "version": 2},
            conversation_id=shown.conversation,
            reply_to_id=shown.activity_id,
        )
        assert "You can" in text_of(card)
        assert "Only the chair who raised it" in text_of(card)
        assert await _audit(walk, "record_exported") == []
        refused = await walk.refusals("megan")
        assert {
            "action": "refused",
            "reference": REF,
            "verb": "drp.record",
            "state": "awaiting_review",
        } in refused


async def test_report_gives_the_service_manager_a_summary_and_refuses_a_chair(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await _raised_and_answered(walk)
        status, _ = await walk.say("isaiah", "report 2026-11-01 2026-11-30")
        assert status in {200, 201}
        summary = text_of(_newest(walk, "isaiah"))
        assert "DRP quarterly report" in summary
        assert "there were 1 disputes raised" in summary
        assert "drp-bot report --from 2026-11-01 --to 2026-11-30 --format html" in summary
        assert await _audit(walk, "report_generated") == [
            ("isaiah", None, {"from": "2026-11-01", "to": "2026-11-30", "format": "card"})
        ]
        await walk.say("alex", "report")
        texts = [a.get("text") for a in walk.conn.activities(walk.chat("alex"))]
        assert any("Only the chairs' service manager" in str(t) for t in texts)
        await walk.say("isaiah", "report last week")
        texts = [a.get("text") for a in walk.conn.activities(walk.chat("isaiah"))]
        assert any("report FROM TO" in str(t) for t in texts)


async def test_supervision_lists_the_chairs_open_disputes_with_days_open(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex")
        walk.clock.advance(days=10)  # Thu 3 Dec: the response was due on Mon 30 Nov
        await walk.say("alex", "supervision")
        mine = text_of(_newest(walk, "alex"))
        assert "Your open disputes, for supervision" in mine
        assert REF in mine
        assert "8 working days open" in mine
        assert "OVERDUE" in mine
        await walk.say("isaiah", "supervision")
        everyone = text_of(_newest(walk, "isaiah"))
        assert "Open disputes of every chair" in everyone
        assert REF in everyone
        await walk.say("isaiah", "supervision alexw@example.com")
        assert "Open disputes of Alex Wilber" in text_of(_newest(walk, "isaiah"))
        await walk.say("megan", "supervision")
        texts = [a.get("text") for a in walk.conn.activities(walk.chat("megan"))]
        assert any("for chairs, IROs" in str(t) for t in texts)
