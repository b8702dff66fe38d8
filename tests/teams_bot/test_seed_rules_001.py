"""Seed 001 (CPC standard, Mosaic) rules from issue 14, walked through Teams over real HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from teams_bot.delivery.notices import ESCALATE_NOW
from tests.support.cards import action, text_of, walk_actions
from tests.teams_bot.bot_harness import LONDON, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
AFTER_DEADLINE = datetime(2026, 12, 1, 6, 0, tzinfo=LONDON)  # stage due Mon 30 Nov
REF = "DRP-2026-000001"


def overdue_notice(cards: list[dict]) -> dict:
    found = [card for card in cards if "A response is overdue" in text_of(card)]
    assert len(found) == 1, [text_of(c) for c in cards]
    return found[0]


async def test_seed_001_cpc_escalates_on_no_response_with_one_click(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        # The requested action falls after the sweep: only the stage's deadline passes here.
        await walk.raise_dispute("alex", action_1_date="2026-12-18")
        await walk.sweep(AFTER_DEADLINE)

        assert await walk.events(REF) == ["raised", "overdue"], "no silent escalation"
        notice = overdue_notice(walk.notices("alex", REF))
        button = next(a for a in walk_actions(notice) if ESCALATE_NOW in a.get("title", ""))
        assert button["associatedInputs"] == "none"
        chat = walk.dispute_card("alex", REF).conversation
        shown = [s for s in walk.shown_in(chat) if s.card == notice]
        await walk.press(
            "alex", "drp.escalate", dict(button["data"]), reply_to_id=shown[0].activity_id
        )
        await walk.deliver()

        assert await walk.events(REF) == ["raised", "overdue", "escalated"]
        isaiah = walk.dispute_card("isaiah", REF).card
        assert "before this is sent to Stage 2: Service Manager" in text_of(isaiah)
        assert action(isaiah, "drp.approve")


async def test_seed_001_chairs_service_manager_is_asked_to_tell_the_head_of_service(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.raise_dispute("alex", stage="2")
        await walk.act("isaiah", REF, "drp.approve", approve_comments="Agreed.")
        await walk.sweep(AFTER_DEADLINE)

        told = text_of(overdue_notice(walk.notices("isaiah", REF)))
        assert "please make the Head of service aware" in told
        assert "Zara" not in told, "initials only"
        assert not any("make the" in text_of(n) for n in walk.notices("alex", REF))
