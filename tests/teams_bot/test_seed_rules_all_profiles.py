"""Issue 14's rules across all profiles, each walked through Teams over real HTTP (the demo
directory, a SQLite store, the loopback connector, a driven clock)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.cards import text_of
from tests.teams_bot.bot_harness import LONDON, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"


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
