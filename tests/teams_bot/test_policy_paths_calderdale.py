"""Calderdale (seed 002) walked through Teams over real HTTP: the CPCC's informal and three
formal stages ending at the Board's panel, the SCB referral after consulting the IRS Team
Manager, and a professional's dissent from a conference decision answered by the SM for
Safeguarding & QA (or taken to the appeals panel)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cards import Card, action, moving_verbs, text_of
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
OWNER = {"1": "megan", "2": "adele", "3": "blake"}
RESPONSIBLE = {
    "1": "Team manager",
    "2": "Service manager",
    "3": "Safeguarding Children Board manager",
}


async def respond(walk: Walk, who: str, text: str = "Remedial action taken.") -> None:
    walk.clock.advance(hours=2)
    await walk.act(who, REF, "drp.respond", response=text)


async def escalate(
    walk: Walk, reason: str = "Dissatisfied with the response.", **inputs: str
) -> Card:
    walk.clock.advance(hours=1)
    return await walk.act("alex", REF, "drp.escalate", escalate_reason=reason, **inputs)


LINE_MANAGER = "Isaiah Langer, my line manager, Mon 23 Nov"


async def formal(walk: Walk, to: str) -> None:
    patti = await walk.person_id("patti")
    await walk.raise_dispute("alex", practitioner=patti, consulted=LINE_MANAGER)
    for stage in ("1", "2", "3")[: int(to) - 1]:
        await respond(walk, OWNER[stage])
        await escalate(walk)


async def test_calderdale_informal_with_the_professional_and_supervising_manager(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        patti = await walk.person_id("patti")
        form = await walk.open_form("alex")
        assert "Practitioner named on the dispute" in text_of(form.card)
        await walk.raise_dispute("alex", stage="informal", due="2026-12-02", practitioner=patti)

        # Both the professional and their supervising manager are asked, by the CPCC's date.
        for who in ("patti", "megan"):
            card = walk.dispute_card(who, REF).card
            assert "drp.respond" in moving_verbs(card), who
            assert "Wed 2 Dec 2026" in text_of(card)
        await respond(walk, "patti", "Core group rebooked for Friday.")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Core group held.")

        assert_closed_everywhere(walk, REF, "Resolved", ("alex", "patti", "megan"))
        assert walk.board_cards(REF) == []


async def test_calderdale_informal_deadline_over_10_working_days_is_refused_on_the_form(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        patti = await walk.person_id("patti")
        shown = await walk.raise_dispute(
            "alex", stage="informal", due="2026-12-09", practitioner=patti
        )
        assert "drp.raise" in moving_verbs(shown)
        assert "no later than 07 Dec 2026 (10 working days)" in text_of(shown)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0


async def test_calderdale_informal_not_resolved_goes_formal_onto_the_board(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        patti = await walk.person_id("patti")
        await walk.raise_dispute("alex", stage="informal", due="2026-11-27", practitioner=patti)
        assert walk.board_cards(REF) == []
        await respond(walk, "megan", "Not this week.")
        await escalate(walk, "Formal notification.", escalate_consulted=LINE_MANAGER)

        assert_board_shows(walk, REF, "Stage 1", "Team manager", "Mon 30 Nov 2026")
        assert walk.notices("patti", REF), "the professional is copied at stage 1"


@pytest.mark.parametrize("stage", ["1", "2", "3"])
async def test_calderdale_resolved_at_each_formal_stage(tmp_path: Path, stage: str) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        await formal(walk, stage)
        assert_board_shows(walk, REF, f"Stage {stage}", RESPONSIBLE[stage])
        await assert_stranger_cannot(walk, "sam", REF, OWNER[stage])
        if stage == "2":
            assert "drp.respond" in moving_verbs(walk.dispute_card("ellis", REF).card)
        if stage == "3":
            assert any("URGENT" not in text_of(n) for n in walk.notices("drew", REF))
            assert walk.notices("isaiah", REF), "the SM for Safeguarding & QA is copied"
        await respond(walk, OWNER[stage], "Agreed at the panel.")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Resolved.")

        owners = tuple(OWNER[s] for s in ("1", "2", "3")[: int(stage)])
        assert_closed_everywhere(walk, REF, "Resolved", ("alex", *owners), board="Resolved")


async def test_calderdale_no_response_in_timescale_progresses_to_stage_2(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        await formal(walk, "1")
        chair = walk.dispute_card("alex", REF).card
        assert "drp.escalate" not in moving_verbs(chair), "not before the response is due"
        walk.clock.advance(days=8)  # Tuesday 1 December: the 5 working days have passed
        await walk.deliver()
        await walk.say("alex", f"show {REF}")
        assert "drp.escalate" in moving_verbs(walk.shown_in(walk.chat("alex"))[-1].card)
        await escalate(walk, "No response within 5 working days.")

        assert "drp.respond" in moving_verbs(walk.dispute_card("adele", REF).card)
        assert_board_shows(walk, REF, "Stage 2", "Service manager")


async def test_calderdale_board_panel_at_stage_3_concludes_the_process(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        await formal(walk, "3")
        await respond(walk, "blake", "The panel proposes a review conference.")
        chair = walk.dispute_card("alex", REF).card
        assert "drp.escalate" not in moving_verbs(chair), "stage 3 is the end of the process"
        await walk.act("alex", REF, "drp.conclude", outcome="Panel outcome sent to all.")

        parties = ("alex", "megan", "adele", "blake")
        assert_closed_everywhere(walk, REF, "Concluded", parties, board="Concluded")
        # The outcome goes to the Independent Chair and the SM for Safeguarding & QA too.
        for told in ("drew", "isaiah"):
            assert any("Concluded" in text_of(n) for n in walk.notices(told, REF)), told


async def test_calderdale_scb_referral_needs_the_irs_team_manager_consulted(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        await formal(walk, "2")
        chair = walk.dispute_card("alex", REF).card
        assert "Independent Reviewing Service Team Manager" in text_of(chair)
        unconsulted = await walk.act(
            "alex", REF, "drp.refer", refer_target="scb", refer_reason="Serious.", consulted=""
        )
        assert "Consulted" in text_of(unconsulted)
        assert (await walk.events(REF))[-1] == "escalated"

        await walk.act(
            "alex",
            REF,
            "drp.refer",
            refer_target="scb",
            refer_reason="Serious practice issue.",
            consulted="Rowan Imaginary, IRS Team Manager, 24 Nov",
            concurrent="true",
        )

        for alerted in ("isaiah", "ellis"):  # SM S&QA, designated manager
            assert walk.notices(alerted, REF), alerted
        assert "drp.respond" in moving_verbs(walk.dispute_card("adele", REF).card)
        assert_board_shows(walk, REF, "Stage 2", "Awaiting response")


async def test_calderdale_chair_withdraws(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        await formal(walk, "2")
        await walk.act("alex", REF, "drp.withdraw", withdraw_reason="Plan ended at review.")
        assert_closed_everywhere(
            walk, REF, "Withdrawn", ("alex", "megan", "adele"), board="Withdrawn"
        )


async def test_calderdale_immediate_harm_alerts_the_sm_for_safeguarding(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        patti = await walk.person_id("patti")
        await walk.raise_dispute(
            "alex",
            stage="informal",
            due="2026-11-30",
            practitioner=patti,
            immediate_harm="true",
            harm_details="Child found alone at home.",
        )
        assert any("URGENT" in text_of(n) for n in walk.notices("isaiah", REF))
        assert await walk.events(REF) == ["raised", "immediate_harm"]


# --- a professional's dissent from a conference decision --------------------------------------


async def raise_dissent(walk: Walk, who: str = "patti") -> None:
    form = await walk.open_form(who)
    assert "Dissent from a conference chair's decision" in text_of(form.card)
    assert action(form.card, "drp.raise")["process"] == "conference-dissent"
    await walk.raise_dispute(who, category="conference-decision", category_other="")


async def test_calderdale_a_chair_raises_the_chairs_process_not_a_dissent(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        form = await walk.open_form("alex")
        assert action(form.card, "drp.raise")["process"] == "drp"
        assert "Dissent from a conference chair's decision" not in text_of(form.card)


async def test_calderdale_dissent_is_answered_by_the_sm_for_safeguarding(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        await raise_dissent(walk)
        isaiah = walk.dispute_card("isaiah", REF).card
        assert "drp.respond" in moving_verbs(isaiah)
        assert "Mon 30 Nov 2026" in text_of(isaiah), "5 working days of receipt"
        assert_board_shows(walk, REF, "Safeguarding and Quality Assurance", "Chairs' service")
        await assert_stranger_cannot(walk, "alex", REF, "isaiah")
        await respond(walk, "isaiah", "Decision reviewed; the plan stands, with reasons.")
        await assert_stranger_cannot(walk, "megan", REF, "patti")
        await walk.act("patti", REF, "drp.resolve", resolve_comments="Reasons accepted.")

        assert_closed_everywhere(walk, REF, "Resolved", ("patti", "isaiah"), board="Resolved")


async def test_calderdale_dissent_on_significant_harm_goes_to_the_appeals_panel(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.monitor_here()
        # A supervising manager may dissent too; on the ground of significant harm here.
        form = await walk.open_form("megan")
        assert action(form.card, "drp.raise")["process"] == "conference-dissent"
        await walk.raise_dispute("megan", stage="2", category="conference-decision")
        walk.clock.advance(hours=2)
        await walk.act(
            "isaiah",
            REF,
            "drp.respond",
            response="The decision stands.",
            response_answer="No further risk found; no conference reconvened.",
        )
        walk.clock.advance(hours=1)
        await walk.act("megan", REF, "drp.escalate", escalate_reason="Risk of significant harm.")

        for alerted in ("blake", "drew"):  # SCB manager and Independent Chair convene it
            assert walk.notices(alerted, REF), alerted
        assert_board_shows(walk, REF, "Appeals panel", "External step")
        await walk.act("megan", REF, "drp.conclude", outcome="Panel upheld the dissent.")

        assert_closed_everywhere(walk, REF, "Concluded", ("megan", "isaiah"), board="Concluded")
        for told in ("blake", "drew", "isaiah"):
            assert any("Concluded" in text_of(n) for n in walk.notices(told, REF)), told
