"""Seed 004 (City & Hackney) rules, each walked through Teams over real HTTP (issue 14): the
practitioner's consultation with their supervisor, the Board members engaged before the
Commissioner, a dispute raised by a CP chair or IRO climbing with their own line on their side,
and the child's own chair or IRO (never every one) told when the child has a plan."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cards import choices, moving_verbs, text_of
from tests.teams_bot.bot_harness import LONDON, Walk, assert_closed_everywhere, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
OTHER_AGENCY = "Hillcrest Children in Care"
DEADLINE = {"2": "2026-11-30", "3": "2026-12-04", "4": "2026-12-11"}
SUPERVISOR = "Megan Bowen, my supervisor, Mon 23 Nov"


async def raise_difference(walk: Walk, who: str = "patti", **fields: str) -> dict[str, object]:
    values = {"team": OTHER_AGENCY, "category": "levels-of-need", "category_other": ""}
    values.update({"practitioner": await walk.person_id("riley"), "due": "2026-11-26"})
    values.update({"consulted": SUPERVISOR, **fields})
    return await walk.raise_dispute(who, **values)


async def respond(walk: Walk, who: str) -> None:
    walk.clock.advance(hours=2)
    await walk.act(who, REF, "drp.respond", response="Discussed; our position stands.")


async def escalate(walk: Walk, raiser: str, to: str, **inputs: str) -> dict[str, object]:
    walk.clock.advance(hours=1)
    return await walk.act(
        raiser,
        REF,
        "drp.escalate",
        escalate_reason="Not resolved.",
        escalate_due=DEADLINE[to],
        **inputs,
    )


async def test_hackney_practitioner_records_consulting_their_supervisor(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        form = await walk.open_form("patti")
        assert "your supervisor or manager" in text_of(form.card)
        await raise_difference(walk)
        assert f"consulted: {SUPERVISOR}" in text_of(walk.dispute_card("patti", REF).card)
        refused = await raise_difference(walk, consulted="")
        assert "drp.raise" in moving_verbs(refused)
        assert "is required" in text_of(refused)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 1


async def test_hackney_board_members_are_engaged_before_the_commissioner(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await raise_difference(walk)
        for owner, to in (("riley", "2"), ("taylor", "3")):
            await respond(walk, owner)
            await escalate(walk, "patti", to)
        await respond(walk, "avery")
        card = walk.dispute_card("patti", REF).card
        assert "each agency's CHSCP Board member" in text_of(card)
        shown = await escalate(walk, "patti", "4")
        assert "is required" in text_of(shown)
        assert (await walk.events(REF))[-1] == "responded"
        assert not walk.dispute_cards("frankie", REF)

        engaged = "Both Board members, 10 Dec"
        await escalate(walk, "patti", "4", escalate_consulted=engaged)
        assert "drp.respond" in moving_verbs(walk.dispute_card("frankie", REF).card)
        assert f"consulted: {engaged}" in text_of(walk.dispute_card("patti", REF).card)


@pytest.mark.parametrize("raiser", ["alex", "robin"])  # a CP chair, an IRO
async def test_hackney_raised_by_a_chair_or_iro_climbs_with_their_own_line_on_their_side(
    tmp_path: Path, raiser: str
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await raise_difference(walk, raiser, consulted="Isaiah Langer, 23 Nov")
        await respond(walk, "riley")
        await escalate(walk, raiser, "2")
        # The other agency's line manager, and the chairs' service manager on the raiser's side.
        for owner in ("taylor", "isaiah"):
            assert "drp.respond" in moving_verbs(walk.dispute_card(owner, REF).card), owner
        await respond(walk, "isaiah")
        await escalate(walk, raiser, "3")
        for owner in ("avery", "harper"):  # then up: the AD for Quality Assurance
            assert "drp.respond" in moving_verbs(walk.dispute_card(owner, REF).card), owner
        await respond(walk, "harper")
        await walk.act(raiser, REF, "drp.resolve", resolve_comments="Agreed between services.")
        parties = (raiser, "riley", "taylor", "avery", "harper")
        assert_closed_everywhere(walk, REF, "Resolved", parties)
        # The chairs' service manager keeps only the button to correct a child's details.
        assert "Outcome: Resolved" in text_of(walk.dispute_card("isaiah", REF).card)


async def test_hackney_only_the_childs_own_chair_or_iro_is_told_when_the_child_has_a_plan(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        form = await walk.open_form("patti")
        offered = choices(form.card, "plan_chair")
        assert set(offered) == {await walk.person_id(w) for w in ("alex", "sam", "robin")}
        unnamed = await raise_difference(walk, child_on_plan="true")
        assert "Name the child's CP chair or IRO" in text_of(unnamed)
        stranger = await raise_difference(
            walk, child_on_plan="true", plan_chair=await walk.person_id("megan")
        )
        assert "from the list" in text_of(stranger)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0

        robin = await walk.person_id("robin")
        await raise_difference(walk, child_on_plan="true", plan_chair=robin)
        reference = await only_reference(walk)
        walk.clock.advance(hours=2)
        await walk.act("riley", reference, "drp.respond", response="No.")
        walk.clock.advance(hours=1)
        await walk.act(
            "patti",
            reference,
            "drp.escalate",
            escalate_reason="Not resolved.",
            escalate_due=DEADLINE["2"],
        )
        assert walk.notices("robin", reference), "the child's own IRO"
        for other in ("alex", "sam"):
            assert not walk.notices(other, reference), other


async def test_hackney_a_chair_raising_is_the_childs_chair_and_no_other_is_told(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        form = await walk.open_form("alex")
        assert "plan_chair" not in text_of(form.card)
        await raise_difference(walk, "alex", child_on_plan="true", consulted="Isaiah, 23 Nov")
        await respond(walk, "riley")
        await escalate(walk, "alex", "2")
        for other in ("robin", "sam"):
            assert not walk.notices(other, REF), other


async def only_reference(walk: Walk) -> str:
    async with walk.bot.store.transaction() as tx:
        found = await tx.disputes.open_all()
    assert len(found) == 1
    return found[0].reference
