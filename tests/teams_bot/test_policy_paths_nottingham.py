"""Nottingham City (seed 000) walked through Teams over real HTTP: every ending its seed
describes, checked on the card each party sees and on the monitoring channel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cards import action, moving_verbs, reference_of, text_of
from tests.teams_bot.bot_harness import (
    CHILD,
    LONDON,
    SIBLING,
    Walk,
    assert_board_shows,
    assert_closed_everywhere,
    assert_no_child_name,
    assert_stranger_cannot,
    running_bot,
)

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
# Who answers each stage for Riverside Family Support in the demo directory.
OWNER = {"informal": "megan", "1": "megan", "2": "adele", "3": "lynne", "4": "morgan"}
RESPONSIBLE = {
    "1": "Team manager",
    "2": "Service manager",
    "3": "Head of service",
    "4": "Director",
}
MEETINGS = {"2", "4"}  # the chair records the meeting's outcome (seed 000)


async def respond(walk: Walk, stage: str, text: str = "Actions agreed with dates.") -> None:
    """The stage's manager answers on their own card; at a meeting stage the chair records it."""
    walk.clock.advance(hours=2)
    who = "alex" if stage in MEETINGS else OWNER[stage]
    card = await walk.act(who, REF, "drp.respond", response=text, practice_issues="None")
    assert "drp.respond" not in verbs_of(card)


def verbs_of(card: dict[str, object]) -> set[str]:
    return moving_verbs(card)


CONSULTED = {"3": "Quinn Specimen (Principal Manager)", "5": "Quinn Specimen; the Director"}


async def escalate(walk: Walk, reason: str = "Not resolved.", to: str = "") -> None:
    """Seed 000: stage 3 and legal advice (5) follow consulting the Principal Manager (and,
    for 5, the Director); the chair records whom."""
    walk.clock.advance(hours=1)
    inputs = {"escalate_reason": reason, "updated_concerns": "-"}
    if to in CONSULTED:
        inputs["escalate_consulted"] = CONSULTED[to]
    await walk.act("alex", REF, "drp.escalate", **inputs)


async def climb(walk: Walk, to: str) -> None:
    """Raise at stage 1 and take the dispute up, stage by stage, to ``to``."""
    await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
    for stage in ("1", "2", "3", "4")[: int(to) - 1]:
        await respond(walk, stage)
        await escalate(walk, to=str(int(stage) + 1))


@pytest.mark.parametrize("stage", ["1", "2", "3", "4"])
async def test_nottingham_dispute_resolved_at_each_stage(tmp_path: Path, stage: str) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, stage)
        owner = OWNER[stage]
        assert "drp.respond" in moving_verbs(walk.dispute_card(owner, REF).card)
        assert_board_shows(walk, REF, f"Stage {stage}", RESPONSIBLE[stage], "On track")
        await assert_stranger_cannot(walk, "sam", REF, owner)
        await respond(walk, stage)
        await assert_stranger_cannot(walk, "sam", REF, "alex")

        closed = await walk.act("alex", REF, "drp.resolve", resolve_comments="Plan on track.")

        assert "Outcome: Resolved" in text_of(closed)
        owners = tuple(OWNER[s] for s in ("1", "2", "3", "4")[: int(stage)])
        assert_closed_everywhere(walk, REF, "Resolved", ("alex", *owners), board="Resolved")
        expected = ["raised"] + ["responded", "escalated"] * (int(stage) - 1)
        assert await walk.events(REF) == [*expected, "responded", "resolved"]
        # The practitioner named on the form was copied on stage 1.
        assert walk.notices("patti", REF)


async def test_nottingham_several_children_in_one_dispute(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        card = await walk.raise_dispute(
            "alex", child_2_name=SIBLING[0], child_2_local_id=SIBLING[1]
        )
        assert reference_of(card) == REF
        megan = walk.dispute_card("megan", REF).card
        assert CHILD[0] in text_of(megan)
        assert SIBLING[0] in text_of(megan)
        assert "Children (2)" in text_of(megan)
        board = assert_board_shows(walk, REF, "Stage 1", children=(CHILD, SIBLING))
        assert_no_child_name(board.card, (CHILD, SIBLING))


async def test_nottingham_informal_discussion_resolved_and_never_on_the_board(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        patti = await walk.person_id("patti")
        await walk.raise_dispute("alex", stage="informal", practitioner=patti)
        assert "Informal" in text_of(walk.dispute_card("megan", REF).card)
        # "resolved within a week, either by the practitioner or by their Team Manager"
        assert "drp.respond" in moving_verbs(walk.dispute_card("patti", REF).card)
        await respond(walk, "informal", "Visit booked for Wednesday.")
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Visit done.")

        assert_closed_everywhere(walk, REF, "Resolved", ("alex", "megan"))
        assert walk.board_cards(REF) == []


async def test_nottingham_informal_stage_not_resolved_goes_formal_at_stage_1(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute(
            "alex", stage="informal", practitioner=await walk.person_id("patti")
        )
        await respond(walk, "informal", "We cannot do it this week.")
        await escalate(walk, "No satisfactory resolution within the week.")

        assert "Stage 1" in text_of(walk.dispute_card("megan", REF).card)
        assert_board_shows(walk, REF, "Stage 1", "Team manager")


async def test_nottingham_escalated_to_legal_advice_and_concluded(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "4")
        await respond(walk, "4", "The Director asks for a meeting; no agreement reached.")
        await escalate(walk, "No satisfactory resolution at stage 4.", to="5")

        chair = walk.dispute_card("alex", REF).card
        assert "Legal advice" in text_of(chair)
        assert moving_verbs(chair) >= {"drp.conclude", "drp.withdraw"}
        assert_board_shows(walk, REF, "Legal advice", "External step")
        await assert_stranger_cannot(walk, "sam", REF, "alex")

        await walk.act("alex", REF, "drp.conclude", outcome="Referred to the Corporate Director.")

        parties = ("alex", "megan", "adele", "lynne", "morgan")
        assert_closed_everywhere(walk, REF, "Concluded", parties, board="Concluded")
        assert (await walk.events(REF))[-2:] == ["escalated", "concluded"]


async def test_nottingham_chair_withdraws_part_way(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "3")
        await walk.act("alex", REF, "drp.withdraw", withdraw_reason="Child moved out of area.")

        assert_closed_everywhere(
            walk, REF, "Withdrawn", ("alex", "megan", "adele", "lynne"), board="Withdrawn"
        )
        assert walk.notices("lynne", REF), "the stage 3 owner is told it was withdrawn"


async def test_nottingham_lscb_referral_runs_alongside_then_ends_the_dispute(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "2")
        await walk.act(
            "alex",
            REF,
            "drp.refer",
            refer_target="lscb",
            refer_reason="Exceptional.",
            concurrent="true",
        )
        assert "drp.respond" in moving_verbs(walk.dispute_card("adele", REF).card)
        assert_board_shows(walk, REF, "Stage 2", "Awaiting response")

        await walk.act(
            "alex",
            REF,
            "drp.refer",
            refer_target="lscb",
            refer_reason="Hand over.",
            concurrent="false",
        )

        assert_closed_everywhere(
            walk,
            REF,
            "Referred outside the process",
            ("alex", "megan", "adele"),
            board="Referred outside the process",
        )
        assert (await walk.events(REF))[-2:] == ["referred", "referred"]


async def test_nottingham_immediate_harm_on_the_form_alerts_the_seniors_at_once(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute(
            "alex", immediate_harm="true", harm_details="Bruising seen at the visit today."
        )

        assert await walk.events(REF) == ["raised", "immediate_harm"]
        for senior in ("isaiah", "lynne"):  # chairs' service manager, head of service
            assert any("URGENT" in text_of(n) for n in walk.notices(senior, REF)), senior
        assert "drp.respond" in moving_verbs(walk.dispute_card("megan", REF).card)


async def test_nottingham_immediate_harm_from_the_card_mid_way(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await climb(walk, "2")
        await walk.act("alex", REF, "drp.harm", harm_details="New disclosure at school.")

        assert (await walk.events(REF))[-1] == "immediate_harm"
        for senior in ("isaiah", "lynne"):
            assert any("URGENT" in text_of(n) for n in walk.notices(senior, REF)), senior
        assert walk.notices("adele", REF), "the stage owner is informed"
        assert "drp.respond" in moving_verbs(walk.dispute_card("adele", REF).card)


async def test_a_deputy_answers_for_the_named_team_manager(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex")
        # Jordan deputises for Megan (demo directory); he opens the dispute himself.
        await walk.say("jordan", f"show {REF}")
        shown = walk.shown_in(walk.chat("jordan"))[-1]
        assert "drp.respond" in moving_verbs(shown.card)
        data = {**action(shown.card, "drp.respond"), "response": "Covering for Megan."}
        await walk.press(
            "jordan",
            "drp.respond",
            data,
            conversation_id=shown.conversation,
            reply_to_id=shown.activity_id,
        )
        await walk.deliver()
        assert await walk.events(REF) == ["raised", "responded"]


async def test_a_stranger_is_refused_and_audited_whatever_they_send(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex")
        megan = walk.dispute_card("megan", REF).card
        attempts = [
            ("drp.respond", {"response": ""}),  # an empty required input
            ("drp.resolve", {"resolve_comments": "Closing it."}),  # not in this state anyway
            ("drp.approve", {}),  # nothing awaits agreement
        ]
        for verb, inputs in attempts:
            shown = await walk.press("sam", verb, {**action(megan, "drp.respond"), **inputs})
            assert "can't do that" in text_of(shown), verb
            assert_no_child_name(shown, (CHILD,))
        assert await walk.events(REF) == ["raised"]
        refused = await walk.refusals("sam")
        assert [r["verb"] for r in refused] == [verb for verb, _ in attempts]


@pytest.mark.parametrize("who", ["patti", "megan", "isaiah"])
async def test_nottingham_only_a_chair_may_raise(tmp_path: Path, who: str) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        form = await walk.open_form(who)
        assert "You cannot raise a dispute" in text_of(form.card)
        assert "drp.raise" not in moving_verbs(form.card)
