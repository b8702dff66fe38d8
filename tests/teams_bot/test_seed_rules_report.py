"""The quarterly report's seed rules (seeds 003 and 002, issue 14), walked through Teams over
real HTTP: disputes walked first, then ``report FROM TO`` typed by the chairs' service manager.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from drp.quarter_notes import Quarter
from teams_bot.cli import main as cli_main
from tests.support.cards import text_of
from tests.teams_bot.bot_harness import LONDON, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
NEWHAM_OWNERS = ("megan", "adele", "lynne", "morgan")


async def report(walk: Walk, who: str = "isaiah") -> str:
    status, _ = await walk.say(who, "report 2026-11-01 2026-12-31")
    assert status in {200, 201}, status
    return text_of(walk.shown_in(walk.chat(who))[-1].card)


async def newham_iro_to_stage_5(walk: Walk) -> None:
    await walk.raise_dispute("robin", category="statutory", category_other="")
    for owner in NEWHAM_OWNERS:
        walk.clock.advance(hours=2)
        await walk.act(owner, REF, "drp.respond", response="No change.")
        walk.clock.advance(hours=1)
        await walk.act("robin", REF, "drp.escalate", escalate_reason="Not resolved.")


async def test_newham_iros_stage_5_cafcass_escalation_counts_under_cafcass(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await newham_iro_to_stage_5(walk)
        assert (await walk.events(REF))[-1] == "escalated"
        shown = await report(walk)
        # IROs first, then CP chairs: "Informal 0, Stage 1 1, ..., Stage 5 1, CAFCASS 1".
        iros = next(line for line in shown.splitlines() if "Stage 5 " in line)
        assert "Stage 5 1" in iros, iros
        assert "CAFCASS 1" in iros, "the stage-5 escalation is contact with CAFCASS"


async def quarter(walk: Walk, who: str, text: str) -> str:
    status, _ = await walk.say(who, f"quarter {text}")
    assert status in {200, 201}, status
    activities = walk.conn.activities(walk.chat(who))
    last = activities[-1]
    cards = [a["content"] for a in last.get("attachments") or []]
    return text_of(cards[0]) if cards else str(last.get("text", ""))


async def test_qa_manager_writes_the_quarters_comments_issues_and_action_log_in_the_bot(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await quarter(walk, "isaiah", "2026-Q4 comment Managers answer faster since training.")
        await quarter(walk, "isaiah", "2026-Q4 individual Visits missed for one sibling group.")
        await quarter(walk, "isaiah", "2026-Q4 thematic Late reports to conference in East.")
        shown = await quarter(walk, "isaiah", "2026-Q4 action Briefing for East team managers.")
        assert "Added action 4 to 2026-Q4." in shown
        walk.clock.advance(days=40)  # the next quarter's meeting reviews the action
        await quarter(walk, "isaiah", "2027-Q1 progress A4 Briefing held on 12 January.")
        shown = await quarter(walk, "isaiah", "2026-Q4")
        for written in (
            "Managers answer faster since training.",
            "Visits missed for one sibling group.",
            "Late reports to conference in East.",
            "Briefing for East team managers.",
        ):
            assert written in shown, written
        assert "Briefing held" not in shown, "progress of a later quarter"

        url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
        out = tmp_path / "report.md"
        argv = ["report", "--from", "2027-01-01", "--to", "2027-03-31", "--format", "md"]
        argv += ["--policy", "newham", "--database-url", url, "--out", str(out)]
        assert await asyncio.to_thread(cli_main, argv) == 0
        page = out.read_text(encoding="utf-8")
        assert "Comments and issues in relation to the Dispute Resolution Process" in page
        assert "A4" in page, "the action log"
        assert "Briefing held on 12 January" in page
        assert "Managers answer faster" not in page, "a comment belongs to its own quarter"


async def test_only_report_readers_write_the_quarters_notes_and_bad_input_changes_nothing(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        refused = await quarter(walk, "alex", "2026-Q4 comment Zara Quint is at risk.")
        assert "Only those who run the report" in refused
        assert "Zara" not in refused
        for bad, says in (
            ("2026-Q5 comment x", "is not a quarter like 2026-Q4"),
            ("2026-Q4 gossip x", "is not one of"),
            ("2026-Q4 comment", "is required"),
            ("2026-Q4 progress A99 Done it.", "There is no action A99"),
            ("2026-Q4 done banana Done it.", "like A3"),
            (f"2026-Q4 comment {'x' * 2100}", "is too long"),
        ):
            assert says in await quarter(walk, "isaiah", bad), bad
        alex = await walk.person_id("alex")
        async with walk.bot.store.transaction() as tx:
            assert await tx.quarter_notes.up_to("newham", Quarter(2030, 4)) == []
            refusals = await tx.audit.by_actor(
                alex, MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)
            )
        assert [(e.action, dict(e.detail)) for e in refusals] == [
            ("refused", {"command": "quarter"})
        ]


async def test_newham_report_shows_the_timeliness_of_the_chairs_own_reviews(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.raise_dispute("alex", category="statutory", category_other="")
        for owner, wait in (("megan", 1), ("adele", 72), ("lynne", 1)):
            walk.clock.advance(hours=2)
            await walk.act(owner, REF, "drp.respond", response="Response with outcome.")
            walk.clock.advance(hours=wait)  # 3 days after stage 2's response: late
            if owner == "lynne":
                await walk.act("alex", REF, "drp.resolve", resolve_comments="Now resolved.")
            else:
                await walk.act("alex", REF, "drp.escalate", escalate_reason="Not resolved.")
        shown = await report(walk)
        # Stage 1 has no review deadline (the form's); stages 2 and 3 have 2 calendar days.
        assert "Chair's reviews within deadline: 1 of 2" in shown
