"""Newham (seed 003) walked through Teams over real HTTP: IROs enter at stages 1-3, the chair
may bypass any stage, the instigator records the resolution within 2 calendar days, CAFCASS is
for IROs only (at any point, or as stage 5 with the DCS alerted)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cards import action, choices, moving_verbs, text_of
from tests.teams_bot.bot_harness import (
    LONDON,
    Walk,
    assert_board_shows,
    assert_closed_everywhere,
    assert_stranger_cannot,
    running_bot,
)

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
OWNER = {"informal": "megan", "1": "megan", "2": "adele", "3": "lynne", "4": "morgan"}
RESPONSIBLE = {
    "1": "Team manager",
    "2": "Service manager",
    "3": "Head of service",
    "4": "Director",
}


async def respond(walk: Walk, stage: str, text: str = "Response with outcome and impact.") -> None:
    walk.clock.advance(hours=2)
    await walk.act(OWNER[stage], REF, "drp.respond", response=text)


async def escalate(walk: Walk, raiser: str = "alex", to_stage: str = "") -> None:
    walk.clock.advance(hours=1)
    inputs = {"escalate_reason": "Not resolved."}
    if to_stage:
        inputs["to_stage"] = to_stage
    await walk.act(raiser, REF, "drp.escalate", **inputs)


async def climb(walk: Walk, to: str, raiser: str = "alex") -> None:
    await walk.raise_dispute(raiser, category="statutory", category_other="")
    for stage in ("1", "2", "3", "4")[: int(to) - 1]:
        await respond(walk, stage)
        await escalate(walk, raiser)


@pytest.mark.parametrize("stage", ["1", "2", "3", "4"])
async def test_newham_resolved_at_each_stage(tmp_path: Path, stage: str) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, stage)
        assert_board_shows(walk, REF, f"Stage {stage}", RESPONSIBLE[stage])
        await assert_stranger_cannot(walk, "sam", REF, OWNER[stage])
        await respond(walk, stage)
        # The instigator records the resolution within 2 calendar days of the response.
        assert_board_shows(walk, REF, "Awaiting chair", "Responsible")
        await assert_stranger_cannot(walk, "robin", REF, "alex")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Visits now on time.")

        owners = tuple(OWNER[s] for s in ("1", "2", "3", "4")[: int(stage)])
        assert_closed_everywhere(walk, REF, "Resolved", ("alex", *owners), board="Resolved")


async def test_newham_chairs_review_is_due_within_2_calendar_days(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "2")  # stage 2: the form's "Response expected within 2 calendar days"
        walk.clock.advance(days=3)  # Thursday 26 November, 12:30
        await walk.act("adele", REF, "drp.respond", response="Visit done.")
        assert_board_shows(walk, REF, "Sat 28 Nov 2026", "Awaiting chair's review")


async def test_newham_informal_discussion_resolved(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex", stage="informal", due="2026-11-25", category="health")
        await respond(walk, "informal", "Health assessment booked.")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Booked.")
        assert_closed_everywhere(walk, REF, "Resolved", ("alex", "megan"))
        assert walk.board_cards(REF) == []


async def test_newham_iro_may_enter_at_stages_1_to_3_a_cp_chair_at_stage_1(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        chair_form = await walk.open_form("alex")
        assert choices(chair_form.card, "stage") == ["informal", "1"]
        iro_form = await walk.open_form("robin")
        assert choices(iro_form.card, "stage") == ["informal", "1", "2", "3"]

        await walk.raise_dispute("robin", stage="3", category="placement", category_other="")

        assert "drp.respond" in moving_verbs(walk.dispute_card("lynne", REF).card)
        assert walk.notices("harper", REF), "the Assistant Director of QA is alerted"
        assert not walk.dispute_cards("megan", REF)
        assert_board_shows(walk, REF, "Stage 3: Operations Director", "Head of service")


async def test_newham_chair_bypasses_stage_2_to_the_operations_director(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "1")
        # No need to wait for the response: the chair may bypass any stage at any time.
        chair = walk.dispute_card("alex", REF).card
        assert choices(chair, "to_stage") == ["2", "3", "4"], "CAFCASS is for IROs only"
        await escalate(walk, to_stage="3")

        assert not walk.dispute_cards("adele", REF)
        assert "drp.respond" in moving_verbs(walk.dispute_card("lynne", REF).card)
        assert walk.notices("harper", REF)
        assert_board_shows(walk, REF, "Stage 3", "Head of service")
        assert "drp.respond" not in moving_verbs(walk.dispute_card("megan", REF).card)


async def test_newham_cp_chair_concludes_at_stage_4(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "4")
        assert walk.notices("lynne", REF), "the Operations Director is copied at stage 4"
        await respond(walk, "4", "No change possible.")
        chair = walk.dispute_card("alex", REF).card
        assert "drp.escalate" not in moving_verbs(chair), "stage 5 is for IROs only"
        await walk.act("alex", REF, "drp.conclude", outcome="Unresolved; escalated to SLT.")

        parties = ("alex", "megan", "adele", "lynne", "morgan")
        assert_closed_everywhere(walk, REF, "Concluded", parties, board="Concluded")


async def test_newham_iro_escalates_to_cafcass_alerting_the_dcs_and_concludes(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "4", raiser="robin")
        await respond(walk, "4", "Resources declined.")
        await escalate(walk, "robin")

        assert any("Escalated" in text_of(n) for n in walk.notices("morgan", REF))
        assert_board_shows(walk, REF, "CAFCASS referral", "External step")
        await assert_stranger_cannot(walk, "alex", REF, "robin")
        await walk.act("robin", REF, "drp.conclude", outcome="CAFCASS officer appointed.")

        parties = ("robin", "megan", "adele", "lynne", "morgan")
        assert_closed_everywhere(walk, REF, "Concluded", parties, board="Concluded")
        assert any("Concluded" in text_of(n) for n in walk.notices("morgan", REF)), "the DCS"


async def test_newham_iro_refers_to_cafcass_at_any_point_alongside(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "2", raiser="robin")
        iro = walk.dispute_card("robin", REF).card
        assert choices(iro, "refer_target") == ["cafcass"]
        await walk.act(
            "robin",
            REF,
            "drp.refer",
            refer_target="cafcass",
            refer_reason="Breach of the child's rights.",
            concurrent="true",
        )

        assert (await walk.events(REF))[-1] == "referred"
        assert "drp.respond" in moving_verbs(walk.dispute_card("adele", REF).card)
        assert_board_shows(walk, REF, "Stage 2", "Awaiting response")


async def test_newham_cp_chair_has_no_cafcass_referral(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await climb(walk, "1")
        chair = walk.dispute_card("alex", REF).card
        assert "drp.refer" not in moving_verbs(chair)
        data = {**action(chair, "drp.withdraw"), "refer_target": "cafcass", "refer_reason": "x"}
        shown = await walk.press("alex", "drp.refer", data)
        assert "can't do that" in text_of(shown)
        assert await walk.events(REF) == ["raised"]


async def test_newham_withdrawn(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "2", raiser="robin")
        await walk.act("robin", REF, "drp.withdraw", withdraw_reason="Placement moved.")
        assert_closed_everywhere(
            walk, REF, "Withdrawn", ("robin", "megan", "adele"), board="Withdrawn"
        )


async def test_newham_immediate_harm_alerts_the_sm_and_the_ad_for_qa(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.raise_dispute(
            "robin", stage="2", immediate_harm="true", harm_details="Missing from placement."
        )
        for senior in ("isaiah", "harper"):
            assert any("URGENT" in text_of(n) for n in walk.notices(senior, REF)), senior
        assert walk.notices("adele", REF), "the stage owner is informed"
