"""Issue 14's rules across all profiles, each walked through Teams over real HTTP (the demo
directory, a SQLite store, the loopback connector, a driven clock)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cards.text import format_due
from drp.timescale import Timescale, TimeUnit
from tests.support.cards import action, text_of
from tests.teams_bot.bot_harness import LONDON, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
FIVE_DAYS = Timescale(5, TimeUnit.WORKING_DAYS)


async def test_an_escalation_awaiting_agreement_names_where_it_is_going(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.raise_dispute("alex")
        walk.clock.advance(hours=2)
        await walk.act("megan", REF, "drp.respond", response="Plan agreed.")
        await walk.act("alex", REF, "drp.escalate", escalate_reason="Plan not agreed.")

        approver = text_of(walk.dispute_card("isaiah", REF).card)
        going = "Stage 1: Team Manager, going to Stage 2: Service Manager once agreed"
        assert going in approver
        assert "before this is sent to Stage 2: Service Manager" in approver
        assert "escalated it to Stage 2: Service Manager (awaiting agreement" in approver
        assert "escalated it to Stage 1" not in approver
        chair = text_of(walk.dispute_card("alex", REF).card)
        assert going in chair
        assert "before it is sent to Stage 2: Service Manager" in chair


def overall_limit_of(walk: Walk) -> datetime:
    """The 20 working days from this Monday's stage 1 (Nottingham's and Newham's limit)."""
    return walk.bot.deps.ctx.calendar.due(MONDAY, Timescale(20, TimeUnit.WORKING_DAYS))


async def test_the_overall_limit_caps_a_stage_deadline_where_the_profile_says(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
        limit = overall_limit_of(walk)
        walk.clock.advance(hours=2)
        await walk.act("megan", REF, "drp.respond", response="Plan agreed.")
        walk.clock.now = limit - timedelta(days=6)  # stage 2's 5 working days would run past
        await walk.act("alex", REF, "drp.escalate", escalate_reason="Plan not agreed.")
        assert f"Due {format_due(limit)}" in text_of(walk.dispute_card("alex", REF).card)


async def test_the_overall_limit_is_a_deadline_amber_the_day_before_then_red(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.raise_dispute("alex", category="statutory", category_other="")
        limit = overall_limit_of(walk)
        walk.clock.advance(hours=2)
        await walk.act("megan", REF, "drp.respond", response="Plan agreed.")
        walk.clock.now = limit - timedelta(hours=20)  # the working day before, morning
        shown = await walk.act("alex", REF, "drp.escalate", escalate_reason="Not resolved.")
        # Newham's stages may run past the limit ("In practice however it can take longer").
        stage_due = walk.bot.deps.ctx.calendar.due(walk.clock.now, FIVE_DAYS)
        assert f"Due {format_due(stage_due)} · Due soon" in text_of(shown)
        assert f"Overall limit: {format_due(limit)}" in text_of(shown).replace("\n", ": ")
        walk.clock.now = limit + timedelta(hours=10)
        red = await walk.press("alex", "drp.refresh", action(shown, "drp.refresh"))
        assert f"Due {format_due(stage_due)} · Overdue" in text_of(red)


async def test_the_digest_lists_disputes_near_or_past_the_overall_limit(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()  # the chairs' service manager's own board
        await walk.raise_dispute("alex", category="statutory", category_other="")
        walk.clock.advance(hours=2)
        await walk.act("megan", REF, "drp.respond", response="Plan agreed.")  # no review due

        def digests(who: str) -> list[str]:
            texts = [text_of(s.card) for s in walk.shown(who)]
            return [t for t in texts if "DRP digest for" in t]

        await walk.sweep(datetime(2026, 12, 17, 8, 31, tzinfo=LONDON))
        assert digests("isaiah") == [], "the limit (Mon 21 Dec) is two working days off"
        await walk.sweep(datetime(2026, 12, 18, 8, 31, tzinfo=LONDON))
        (told,) = digests("isaiah")  # the chairs' service manager
        assert REF in told
        assert "Zara" not in told
        assert any(REF in t for t in digests("alex"))


async def test_the_chair_and_chairs_service_manager_are_told_as_the_overall_limit_nears_and_passes(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex", category="statutory", category_other="")
        walk.clock.advance(hours=2)
        await walk.act("megan", REF, "drp.respond", response="Plan agreed.")

        def told(who: str, what: str) -> list[str]:
            texts = [text_of(s.card) for s in walk.shown(who)]
            return [t for t in texts if what in t and REF in t]

        near, passed = "overall time limit ends the next working day", "time limit has passed"
        await walk.sweep(datetime(2026, 12, 17, 8, 31, tzinfo=LONDON))
        assert told("isaiah", near) == []
        await walk.sweep(datetime(2026, 12, 18, 8, 31, tzinfo=LONDON))  # Fri; limit Mon 21 Dec
        for who in ("alex", "isaiah"):
            assert len(told(who, near)) == 1, who
        assert told("megan", near) == []
        await walk.sweep(datetime(2026, 12, 22, 0, 1, tzinfo=LONDON))
        for who in ("alex", "isaiah"):
            (notice,) = told(who, passed)
            assert "Zara" not in notice
        await walk.sweep(datetime(2026, 12, 22, 0, 31, tzinfo=LONDON))
        assert len(told("isaiah", passed)) == 1, "told once"
