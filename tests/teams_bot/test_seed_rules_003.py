"""Seed 003 (Newham) rules from issue 14, walked through Teams over real HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.cards import text_of
from tests.teams_bot.bot_harness import LONDON, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
OWNER = {"1": "megan", "2": "adele"}


async def respond(walk: Walk, stage: str) -> None:
    walk.clock.advance(hours=2)
    await walk.act(OWNER[stage], REF, "drp.respond", response="Visits now booked.")


async def test_seed_003_newham_chairs_2_day_review_applies_at_stages_2_to_4_only(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.raise_dispute("alex", category="statutory", category_other="")
        await respond(walk, "1")  # Monday 11:30
        review = "Wed 25 Nov 2026"  # two calendar days on
        assert review not in text_of(walk.dispute_card("alex", REF).card), "none at stage 1"

        walk.clock.advance(hours=1)
        await walk.act("alex", REF, "drp.escalate", escalate_reason="Not resolved.")
        await respond(walk, "2")  # Monday 14:30
        assert f"Due {review}" in text_of(walk.dispute_card("alex", REF).card)


async def test_seed_003_newham_evidence_that_will_close_the_dispute_is_required(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        form = text_of((await walk.open_form("alex")).card)
        assert "Evidence that will show the concern is resolved (required)" in form
        shown = await walk.raise_dispute(
            "alex", category="statutory", category_other="", evidence=""
        )
        assert "Evidence: is required" in text_of(shown)
        assert await walk.events(REF) == []
        assert not walk.dispute_cards("megan", REF)


async def test_seed_003_newham_chair_states_further_action_with_timescale(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.raise_dispute("alex", category="statutory", category_other="")
        await respond(walk, "1")
        chair = walk.dispute_card("alex", REF).card
        assert "extend_due" in str(chair), "the chair sets the further action's date"

        too_late = await walk.act(
            "alex", REF, "drp.extend", agreed_work="Visit.", extend_due="2026-12-01"
        )
        assert "no later than 30 Nov 2026" in text_of(too_late)  # 5 working days
        assert await walk.events(REF) == ["raised", "responded"]
        await walk.act(
            "alex",
            REF,
            "drp.extend",
            agreed_work="Visit the child alone.",
            extend_due="2026-11-25",
        )
        megan = text_of(walk.dispute_card("megan", REF).card)
        assert "Wed 25 Nov 2026" in megan
        assert "Visit the child alone." in megan
        await respond(walk, "1")
        await walk.act(
            "alex", REF, "drp.extend", agreed_work="And the plan.", extend_due="2026-11-26"
        )
        assert await walk.events(REF) == ["raised", *["responded", "extended"] * 2]
