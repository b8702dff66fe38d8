"""Compliments over real HTTP (seeds 000, 001): the chair's form, one send reaching the
practitioner and their team manager exactly once, their acknowledgements, and the report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from drp.report import Period
from teams_bot.audited_reads import Format, build_report
from teams_bot.compliment_views import ComplimentText
from teams_bot.outbox_kinds import OutboxKind
from tests.support.cards import action, text_of, verbs
from tests.teams_bot.bot_harness import LONDON, TEAM, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
PRAISE = {
    "good_practice": "Patti visited the same day and secured a safe placement.",
    "impact": "Zara slept safely that night.",
    "child_local_id": "AV-100001",
}


def _compliment_cards(walk: Walk, who: str) -> list[Any]:
    return [s for s in walk.shown(who) if "A compliment for good practice" in text_of(s.card)]


async def _send(walk: Walk, **overrides: str) -> tuple[dict[str, Any], dict[str, Any]]:
    status, _ = await walk.say("alex", "compliment")
    assert status in {200, 201}
    form = walk.shown_in(walk.chat("alex"))[-1]
    assert "drp.compliment" in verbs(form.card)
    data = {**action(form.card, "drp.compliment"), "practitioner": await walk.person_id("patti")}
    data.update({**PRAISE, **overrides})
    sent = await walk.press(
        "alex",
        "drp.compliment",
        data,
        conversation_id=form.conversation,
        reply_to_id=form.activity_id,
    )
    return sent, data


async def _owed(walk: Walk) -> list[str]:
    async with walk.bot.store.transaction() as tx:
        rows = await tx.outbox.pending(1000)
        sent = [m for m in rows if m.kind == OutboxKind.COMPLIMENT]
    return [m.recipient for m in sent]


async def test_a_compliment_reaches_the_practitioner_and_team_manager_once(tmp_path: Path) -> None:
    # Seed 001: "send a notification to the responsible practitioner and team manager".
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        sent, data = await _send(walk)
        assert "A compliment for good practice" in text_of(sent)
        assert "Patti Fernandez" in text_of(sent)
        # The same click again (a retry or a double click) sends nothing more.
        again = await walk.press("alex", "drp.compliment", data)
        assert "A compliment for good practice" in text_of(again)
        assert sorted(await _owed(walk)) == sorted(
            [await walk.person_id("patti"), await walk.person_id("megan")]
        )
        await walk.deliver()
        await walk.deliver()
        assert await _owed(walk) == []
        for who in ("patti", "megan"):
            cards = _compliment_cards(walk, who)
            assert len(cards) == 1, who
            assert "drp.acknowledge" in verbs(cards[0].card)
            assert "secured a safe placement" in text_of(cards[0].card)
        assert _compliment_cards(walk, "adele") == []
        patti_id = await walk.person_id("patti")
        async with walk.bot.store.transaction() as tx:
            stored = await tx.compliments.for_person(patti_id)
        assert len(stored) == 1
        written = ComplimentText.loads(stored[0].text)
        assert (written.impact, written.team) == (PRAISE["impact"], TEAM)


async def test_recipients_acknowledge_and_a_stranger_cannot(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await _send(walk)
        await walk.deliver()
        walk.clock.advance(hours=2)
        patti = _compliment_cards(walk, "patti")[0]
        data = action(patti.card, "drp.acknowledge")
        seen = await walk.press(
            "patti",
            "drp.acknowledge",
            data,
            conversation_id=patti.conversation,
            reply_to_id=patti.activity_id,
        )
        assert "Acknowledged" in text_of(seen)
        assert "drp.acknowledge" not in verbs(seen)
        stranger = await walk.press("adele", "drp.acknowledge", data)
        assert "Only the practitioner and their team manager" in text_of(stranger)
        megan = _compliment_cards(walk, "megan")[0]
        both = await walk.press(
            "megan",
            "drp.acknowledge",
            action(megan.card, "drp.acknowledge"),
            conversation_id=megan.conversation,
            reply_to_id=megan.activity_id,
        )
        assert "Patti Fernandez" in text_of(both)
        assert "Megan Bowen" in text_of(both)
        patti_id = await walk.person_id("patti")
        async with walk.bot.store.transaction() as tx:
            (stored,) = await tx.compliments.for_person(patti_id)
        assert stored.acknowledged_by == patti_id
        ctx = walk.bot.deps.ctx
        report = await build_report(
            walk.bot.store,
            ctx,
            Period(MONDAY.date().replace(day=1), MONDAY.date().replace(day=30)),
            walk.clock.now,
            actor="test",
            fmt=Format.CSV,
        )
        assert report.current.compliments == ((TEAM, 1, 1),)


async def test_the_form_refuses_a_missing_text_and_a_non_chair(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        card, _ = await _send(walk, impact="")
        assert "drp.compliment" in verbs(card)  # the form again, with the error
        assert "is required" in text_of(card) or "Impact on the child" in text_of(card)
        assert await _owed(walk) == []
        await walk.say("megan", "compliment")
        texts = [a.get("text") for a in walk.conn.activities(walk.chat("megan"))]
        assert any("sent by chairs and IROs" in str(t) for t in texts)
