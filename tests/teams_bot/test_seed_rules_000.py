"""Seed 000 (Nottingham City) rules from issue 14, walked through Teams over real HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.cards import action, moving_verbs, text_of, verbs
from tests.teams_bot.bot_harness import LONDON, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"


async def test_seed_000_nottingham_principal_manager_is_copied_from_stage_1(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
        assert walk.notices("quinn", REF), "copied on a stage 1 dispute"
        assert "Zara" not in text_of(walk.notices("quinn", REF)[0])


async def test_seed_000_nottingham_informal_timescale_is_the_chairs_5_working_days_by_default(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        form = text_of((await walk.open_form("alex")).card)
        assert "Deadline you set for Informal: practitioner and team manager" in form
        assert "(left empty: 5 working days)" in form
        await walk.raise_dispute(
            "alex", stage="informal", practitioner=await walk.person_id("patti")
        )
        assert "Mon 30 Nov 2026" in text_of(walk.dispute_card("megan", REF).card)


async def test_seed_000_nottingham_informal_chair_sets_an_earlier_timescale(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        patti = await walk.person_id("patti")
        await walk.raise_dispute("alex", stage="informal", practitioner=patti, due="2026-11-25")
        assert "Wed 25 Nov 2026" in text_of(walk.dispute_card("megan", REF).card)


async def test_seed_000_nottingham_informal_the_practitioner_or_team_manager_resolves_it(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute(
            "alex", stage="informal", practitioner=await walk.person_id("patti")
        )
        assert "drp.respond" in moving_verbs(walk.dispute_card("megan", REF).card)
        walk.clock.advance(hours=2)
        await walk.act("patti", REF, "drp.respond", response="Visit booked for Wednesday.")
        chair = walk.dispute_card("alex", REF).card
        assert "drp.resolve" in moving_verbs(chair)
        assert "drp.respond" not in moving_verbs(walk.dispute_card("megan", REF).card)


async def test_seed_000_nottingham_compliments_reach_team_service_manager_and_head_of_service(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        status, _ = await walk.say("alex", "compliment")
        assert status in {200, 201}
        form = walk.shown_in(walk.chat("alex"))[-1]
        data = {
            **action(form.card, "drp.compliment"),
            "practitioner": await walk.person_id("patti"),
            "good_practice": "Patti visited the same day.",
            "impact": "Zara slept safely that night.",
            "child_local_id": "AV-100001",
        }
        await walk.press("alex", "drp.compliment", data, reply_to_id=form.activity_id)
        await walk.deliver()

        def compliments(who: str) -> list[dict]:
            found = [s.card for s in walk.shown(who)]
            return [c for c in found if "A compliment for good practice" in text_of(c)]

        for who in ("patti", "megan", "adele", "lynne"):
            assert len(compliments(who)) == 1, who
        for who in ("adele", "lynne"):  # they read it; the practitioner and manager acknowledge
            assert "drp.acknowledge" not in verbs(compliments(who)[0])
        assert compliments("morgan") == []


async def test_seed_000_nottingham_consultations_with_principal_manager_and_director_recorded(
    tmp_path: Path,
) -> None:
    consulted = {"3": "Quinn (Principal Manager) on Monday", "5": "Quinn and the Director"}
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
        await walk.act("megan", REF, "drp.respond", response="Plan.")
        await walk.act("alex", REF, "drp.escalate", escalate_reason="No.")
        await walk.act("alex", REF, "drp.respond", response="Meeting: no agreement.")
        chair = walk.dispute_card("alex", REF).card
        assert "the Principal Manager" in text_of(chair), "the card asks who was consulted"
        refused = await walk.act("alex", REF, "drp.escalate", escalate_reason="No.")
        assert "Consulted" in text_of(refused) or "consulted" in text_of(refused)
        assert await walk.events(REF) == ["raised", "responded", "escalated", "responded"]
        await walk.act(
            "alex", REF, "drp.escalate", escalate_reason="No.", escalate_consulted=consulted["3"]
        )
        await walk.act("lynne", REF, "drp.respond", response="No.")
        await walk.act("alex", REF, "drp.escalate", escalate_reason="No.")
        await walk.act("alex", REF, "drp.respond", response="Director's meeting: no agreement.")
        await walk.act(
            "alex", REF, "drp.escalate", escalate_reason="No.", escalate_consulted=consulted["5"]
        )
        history = text_of(walk.dispute_card("alex", REF).card)
        assert f"(consulted: {consulted['3']})" in history
        assert f"(consulted: {consulted['5']})" in history
