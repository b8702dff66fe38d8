"""City & Hackney (seed 004) walked through Teams over real HTTP: any practitioner raises a
difference with another agency's practitioner; each next stage reaches the managers on both
sides by a deadline the raiser sets; the Commissioner, then the Secretary of State."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.cards.validator import own_problems, schema_problems
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
OTHER_AGENCY = "Hillcrest Children in Care"  # Patti's agency is Riverside Family Support
# Who answers at each stage: the other agency's, then the raiser's own (two-sided stages).
OWNERS = {"1": ("riley",), "2": ("taylor", "megan"), "3": ("avery", "adele"), "4": ("frankie",)}
DEADLINE = {"2": "2026-11-30", "3": "2026-12-04", "4": "2026-12-11"}
SUPERVISOR = "Megan Bowen, my supervisor, Mon 23 Nov"
BOARD_MEMBERS = "Both agencies' CHSCP Board members, 10 Dec"


async def raise_difference(walk: Walk, who: str = "patti", **fields: str) -> dict[str, object]:
    riley = await walk.person_id("riley")
    values = {"team": OTHER_AGENCY, "category": "levels-of-need", "category_other": ""}
    values.update({"practitioner": riley, "due": "2026-11-26", "consulted": SUPERVISOR})
    values.update(fields)
    return await walk.raise_dispute(who, **values)


async def respond(walk: Walk, who: str, text: str = "Discussed; our position stands.") -> None:
    walk.clock.advance(hours=2)
    await walk.act(who, REF, "drp.respond", response=text)


async def escalate(walk: Walk, to: str, raiser: str = "patti") -> None:
    walk.clock.advance(hours=1)
    consulted = BOARD_MEMBERS if to == "4" else ""
    await walk.act(
        raiser,
        REF,
        "drp.escalate",
        escalate_reason="Not resolved.",
        escalate_due=DEADLINE[to],
        escalate_consulted=consulted,
    )


async def climb(walk: Walk, to: str) -> None:
    await raise_difference(walk)
    for stage in ("1", "2", "3", "4")[: int(to) - 1]:
        await respond(walk, OWNERS[stage][0])
        await escalate(walk, str(int(stage) + 1))


async def test_hackney_any_practitioner_raises_with_the_other_practitioner(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await walk.monitor_here()
        form = await walk.open_form("patti")
        assert "responds at: Stage 1" in text_of(form.card)
        assert choices(form.card, "practitioner") == [
            await walk.person_id(who) for who in ("casey", "patti", "riley")
        ]
        assert schema_problems(form.card) == []
        assert own_problems(form.card) == []
        await raise_difference(walk)

        riley = walk.dispute_card("riley", REF).card
        assert "drp.respond" in moving_verbs(riley), "the named practitioner responds"
        assert "Thu 26 Nov 2026" in text_of(riley), "by the deadline the raiser set"
        assert not walk.dispute_cards("casey", REF)
        assert_board_shows(walk, REF, "Stage 1", "Practitioner", OTHER_AGENCY)


async def test_hackney_form_needs_the_other_practitioner_in_the_chosen_agency(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        missing = await raise_difference(walk, practitioner="")
        assert "Name the practitioner who responds" in text_of(missing)
        casey = await walk.person_id("casey")  # Northgate, not the agency chosen
        wrong_team = await raise_difference(walk, practitioner=casey)
        assert "in the team you chose" in text_of(wrong_team)
        patti = await walk.person_id("patti")
        yourself = await raise_difference(
            walk, team="Riverside Family Support", practitioner=patti
        )
        assert "not yourself" in text_of(yourself)
        by_email = await raise_difference(walk, practitioner="riley.dummy@ashdown-vale.example")
        assert "drp.raise" not in moving_verbs(by_email)
        assert await walk.events(REF) == ["raised"]


@pytest.mark.parametrize("stage", ["1", "2", "3", "4"])
async def test_hackney_resolved_at_each_stage(tmp_path: Path, stage: str) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, stage)
        for owner in OWNERS[stage]:
            card = walk.dispute_card(owner, REF).card
            assert "drp.respond" in moving_verbs(card), owner
        assert_board_shows(walk, REF, f"Stage {stage}")
        await assert_stranger_cannot(walk, "casey", REF, OWNERS[stage][0])
        # Either agency's manager may answer for both sides.
        await respond(walk, OWNERS[stage][-1], "Agreed at a professionals' meeting.")
        await assert_stranger_cannot(walk, "casey", REF, "patti")
        await walk.act("patti", REF, "drp.resolve", resolve_comments="Agreed between agencies.")

        owners = tuple(o for s in ("1", "2", "3", "4")[: int(stage)] for o in OWNERS[s])
        assert_closed_everywhere(walk, REF, "Resolved", ("patti", *owners), board="Resolved")


async def test_hackney_escalation_needs_the_deadline_the_raiser_sets(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await raise_difference(walk)
        await respond(walk, "riley")
        card = walk.dispute_card("patti", REF).card
        assert "drp.escalate" in moving_verbs(card)
        assert "Deadline you set" in text_of(card)
        shown = await walk.act("patti", REF, "drp.escalate", escalate_reason="Not resolved.")
        assert "needs a deadline set by the raiser" in text_of(shown)
        assert await walk.events(REF) == ["raised", "responded"]


async def test_hackney_stage_2_notifies_the_chair_and_iro_when_the_child_has_a_plan(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        alex = await walk.person_id("alex")
        await raise_difference(walk, child_on_plan="true", plan_chair=alex)
        await respond(walk, "riley")
        assert not walk.notices("alex", REF)
        await escalate(walk, "2")
        assert walk.notices("alex", REF), "the child's own CP chair"
        for other in ("robin", "sam"):  # not every IRO and chair in the directory
            assert not walk.notices(other, REF), other


async def test_hackney_stage_3_copies_the_head_of_service(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await climb(walk, "3")
        assert walk.notices("lynne", REF)
        assert "Fri 4 Dec 2026" in text_of(walk.dispute_card("avery", REF).card)


async def test_hackney_commissioner_then_secretary_of_state_and_concluded(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "4")
        assert_board_shows(walk, REF, "Independent Safeguarding Children Commissioner")
        await respond(walk, "frankie", "The Resolution Panel could not agree.")
        walk.clock.advance(hours=1)
        await walk.act("patti", REF, "drp.escalate", escalate_reason="Unresolved by the ISCC.")
        assert_board_shows(walk, REF, "Secretary of State", "External step")
        await walk.act("patti", REF, "drp.conclude", outcome="Referred to the inspectorate.")

        parties = ("patti", "riley", "taylor", "megan", "avery", "adele", "frankie")
        assert_closed_everywhere(walk, REF, "Concluded", parties, board="Concluded")


async def test_hackney_lado_referral_takes_the_dispute_out_of_this_policy(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "2")
        await walk.act(
            "patti",
            REF,
            "drp.refer",
            refer_target="lado",
            refer_reason="Conduct meets the LADO criteria.",
            concurrent="true",  # LADO takes precedence whatever the toggle says
        )
        parties = ("patti", "riley", "taylor", "megan")
        assert_closed_everywhere(
            walk, REF, "Referred outside the process", parties, board="Referred outside"
        )


async def test_hackney_withdrawn(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await walk.monitor_here()
        await climb(walk, "3")
        await walk.act("patti", REF, "drp.withdraw", withdraw_reason="Resolved informally.")
        parties = ("patti", "riley", "taylor", "megan", "avery", "adele")
        assert_closed_everywhere(walk, REF, "Withdrawn", parties, board="Withdrawn")


async def test_hackney_immediate_harm_informs_the_designated_safeguarding_lead(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await raise_difference(walk, immediate_harm="true", harm_details="Child left alone.")
        # Seed 004: "the Designated Safeguarding Lead in your agency" (Patti's: Riverside).
        assert any("URGENT" in text_of(n) for n in walk.notices("ellis", REF))
        assert not walk.notices("sasha", REF), "not the other agency's DSL"
        await walk.act("patti", REF, "drp.harm", harm_details="Now missing.")
        assert await walk.events(REF) == ["raised", "immediate_harm", "immediate_harm"]


async def test_hackney_a_team_manager_may_raise_too(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await raise_difference(walk, "megan")
        await respond(walk, "riley", "We will convene a strategy meeting.")
        await walk.act("megan", REF, "drp.resolve", resolve_comments="Meeting convened.")
        assert_closed_everywhere(walk, REF, "Resolved", ("megan", "riley"))


async def test_a_deputy_without_a_responding_role_cannot_answer(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await climb(walk, "2")
        # Avery (a service manager) covers for Taylor; stage 2 wants team managers.
        await walk.say("avery", f"show {REF}")
        shown = walk.shown_in(walk.chat("avery"))[-1]
        assert "drp.respond" not in moving_verbs(shown.card)
        data = {**action(walk.dispute_card("taylor", REF).card, "drp.respond"), "response": "x"}
        refused = await walk.press("avery", "drp.respond", data)
        assert "can't do that" in text_of(refused)
        assert (await walk.events(REF))[-1] == "escalated"
