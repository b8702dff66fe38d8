"""The CPC standard (Mosaic) profile (seed 001) walked through Teams over real HTTP: the
chairs' service manager agrees every stage 2+ dispute before it is sent, one further 24 hours
may be agreed instead of escalating, and stage 4 is the last."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cards import moving_verbs, text_of
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
RESPONSIBLE = {"1": "Team manager", "2": "Service manager", "3": "Head of service"}


async def respond(walk: Walk, stage: str, text: str = "SMART plan agreed.") -> None:
    walk.clock.advance(hours=2)
    await walk.act(OWNER[stage], REF, "drp.respond", response=text)


async def escalate_with_agreement(walk: Walk, stage: str) -> None:
    """Seed 001: the chair escalates; the chairs' service manager agrees; then it is sent."""
    walk.clock.advance(hours=1)
    await walk.act("alex", REF, "drp.escalate", escalate_reason="Response not satisfactory.")
    assert "Awaiting agreement" in text_of(walk.dispute_card("alex", REF).card)
    assert not walk.dispute_cards(OWNER[stage], REF), "sent before it was agreed"
    assert {"drp.approve", "drp.decline"} <= moving_verbs(walk.dispute_card("isaiah", REF).card)
    await walk.act("isaiah", REF, "drp.approve", approve_comments="Agreed after discussion.")
    assert "drp.respond" in moving_verbs(walk.dispute_card(OWNER[stage], REF).card)


@pytest.mark.parametrize("stage", ["1", "2", "3", "4"])
async def test_cpc_dispute_resolved_at_each_stage(tmp_path: Path, stage: str) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
        assert walk.notices("patti", REF), "the social worker is copied at stage 1"
        for step in ("1", "2", "3", "4")[: int(stage) - 1]:
            await respond(walk, step)
            await escalate_with_agreement(walk, str(int(step) + 1))
        assert_board_shows(walk, REF, f"Stage {stage}", "Awaiting response")
        await respond(walk, stage)
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Actions completed.")

        owners = tuple(OWNER[s] for s in ("1", "2", "3", "4")[: int(stage)])
        approver = ("isaiah",) if stage != "1" else ()
        assert_closed_everywhere(
            walk, REF, "Resolved", ("alex", *owners, *approver), board="Resolved"
        )
        climbs = ["responded", "escalated", "approved"] * (int(stage) - 1)
        assert await walk.events(REF) == ["raised", *climbs, "responded", "resolved"]


async def test_cpc_informal_drp_with_the_deadline_the_chair_agrees(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        form = await walk.open_form("alex")
        assert "Deadline you set" in text_of(form.card)
        await walk.raise_dispute("alex", stage="informal", due="2026-11-25")
        assert "Wed 25 Nov 2026" in text_of(walk.dispute_card("megan", REF).card)
        await respond(walk, "informal", "Report shared with parents today.")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Report shared.")

        assert_closed_everywhere(walk, REF, "Resolved", ("alex", "megan"))
        assert walk.board_cards(REF) == [], "an informal DRP is not an open escalation"


async def test_cpc_stage_2_dispute_goes_to_the_chairs_manager_first_and_is_routed_once_agreed(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        chair = await walk.raise_dispute("alex", stage="2")

        assert "Awaiting agreement" in text_of(chair)
        assert not walk.dispute_cards("adele", REF)
        assert walk.board_cards(REF) == []
        isaiah = walk.dispute_card("isaiah", REF).card
        assert "The chair asks your agreement" in text_of(isaiah)
        await assert_stranger_cannot(walk, "sam", REF, "isaiah")
        await assert_stranger_cannot(walk, "adele", REF, "isaiah")

        await walk.act("isaiah", REF, "drp.approve", approve_comments="Agreed.")

        assert "drp.respond" in moving_verbs(walk.dispute_card("adele", REF).card)
        assert any("Agreed" in text_of(n) for n in walk.notices("alex", REF))
        assert_board_shows(walk, REF, "Stage 2", "Service manager")
        assert await walk.events(REF) == ["raised", "approved"]


async def test_cpc_declined_stage_3_dispute_is_never_sent(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex", stage="3")
        await walk.act("isaiah", REF, "drp.decline", decline_reason="Try the service manager.")

        assert not walk.dispute_cards("lynne", REF)
        assert walk.board_cards(REF) == []
        assert_closed_everywhere(walk, REF, "Not sent: agreement was declined", ("alex", "isaiah"))
        assert any("Not agreed" in text_of(n) for n in walk.notices("alex", REF))


async def test_cpc_declined_escalation_returns_to_the_chairs_review(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex")
        await respond(walk, "1")
        await walk.act("alex", REF, "drp.escalate", escalate_reason="Plan still drifting.")
        await walk.act("isaiah", REF, "drp.decline", decline_reason="Agree more work first.")

        assert not walk.dispute_cards("adele", REF)
        chair = walk.dispute_card("alex", REF).card
        assert {"drp.resolve", "drp.escalate", "drp.extend"} <= moving_verbs(chair)
        assert_board_shows(walk, REF, "Stage 1", "Awaiting chair")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Resolved after all.")
        assert_closed_everywhere(walk, REF, "Resolved", ("alex", "megan"), board="Resolved")


async def test_cpc_one_further_24_hours_then_escalation(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex")
        await respond(walk, "1", "Assessment will be on Mosaic tomorrow.")
        await walk.act("alex", REF, "drp.extend", agreed_work="Assessment on Mosaic by 12:00.")

        megan = walk.dispute_card("megan", REF).card
        assert "drp.respond" in moving_verbs(megan)
        assert "Tue 24 Nov 2026" in text_of(megan), "24 hours from Monday 12:30"
        await respond(walk, "1", "Assessment uploaded.")
        chair = walk.dispute_card("alex", REF).card
        assert "drp.extend" not in moving_verbs(chair), "only one extension"
        await escalate_with_agreement(walk, "2")
        assert await walk.events(REF) == [
            "raised",
            "responded",
            "extended",
            "responded",
            "escalated",
            "approved",
        ]


async def test_cpc_escalated_to_the_last_stage_and_concluded_unresolved(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex", stage="4")
        await walk.act("isaiah", REF, "drp.approve", approve_comments="Agreed: straight to 4.")
        await respond(walk, "4", "No further resources.")

        chair = walk.dispute_card("alex", REF).card
        assert "drp.escalate" not in moving_verbs(chair), "stage 4 is the last"
        await walk.act("alex", REF, "drp.conclude", outcome="Unresolved; raised in supervision.")

        assert_closed_everywhere(
            walk, REF, "Concluded", ("alex", "morgan", "isaiah"), board="Concluded"
        )


async def test_cpc_withdrawn_while_awaiting_agreement(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.raise_dispute("alex")
        await respond(walk, "1")
        await walk.act("alex", REF, "drp.escalate", escalate_reason="No plan.")
        await walk.act("alex", REF, "drp.withdraw", withdraw_reason="Case closed by court.")

        assert_closed_everywhere(walk, REF, "Withdrawn", ("alex", "megan", "isaiah"))
        assert "drp.approve" not in moving_verbs(walk.dispute_card("isaiah", REF).card)


async def test_cpc_immediate_harm_alerts_the_chairs_service_manager_at_once(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.raise_dispute("alex", immediate_harm="true", harm_details="Missing overnight.")
        assert any("URGENT" in text_of(n) for n in walk.notices("isaiah", REF))
        await walk.act("alex", REF, "drp.harm", harm_details="Missing again.")
        urgent = [n for n in walk.notices("isaiah", REF) if "URGENT" in text_of(n)]
        assert len(urgent) == 2
        assert await walk.events(REF) == ["raised", "immediate_harm", "immediate_harm"]
