"""Seed 004 §2.10 walked through Teams over real HTTP, on both engines: "If there remains
disagreement, the expectation is that escalation continues through the appropriate tiers of
management in each organisation until the matter is resolved." City & Hackney's stage 3 climbs
from each agency's service manager (tier 1) to its head of service (tier 2) and its director
(tier 3) before the Commissioner; a tier an agency has nobody at is passed over and the chair
is told why; the new tier's owners get the dispute, earlier tiers' owners keep reading it as
parties, nobody else sees it; a forged or outdated tier click changes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from store.demo import demo_directory_text
from tests.support.cards import action, facts, moving_verbs, text_of
from tests.teams_bot.bot_harness import (
    CHILD,
    LONDON,
    Walk,
    assert_no_child_name,
    assert_stranger_cannot,
    running_bot,
    version_of,
)

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
HILLCREST = "Hillcrest Children in Care"
SUPERVISOR = "Megan Bowen, my supervisor, Mon 23 Nov"
BOARD_MEMBERS = "Both agencies' CHSCP Board members, 9 Dec"
TIER_2 = "Stage 3, tier 2: Head of service"
TIER_3 = "Stage 3, tier 3: Director"
# Hillcrest (the other agency here) gets its own head of service and director; the demo's
# Lynne Robbins and Morgan Example then hold those posts for Patti's side (Riverside) only.
KIT = (
    "kit.hypothesis@ashdown-vale.example,Kit Hypothesis,11111111-0000-4000-8000-000000000097,"
    f"head_of_service,{HILLCREST},,,,,Hillcrest's head of service\n"
)
JO = (
    "jo.conjecture@ashdown-vale.example,Jo Conjecture,11111111-0000-4000-8000-000000000098,"
    f"director,{HILLCREST},,,,,Hillcrest's director\n"
)


def directory(tmp_path: Path, *extra: str) -> Path:
    """The demo council with the posts above the service managers split by agency: Lynne and
    Morgan no longer hold them for Hillcrest; ``extra`` are Hillcrest's own holders."""
    lines = [
        line.replace(f";{HILLCREST}", "")
        if line.startswith(("lynner@", "morgan.example@"))
        else line
        for line in demo_directory_text().splitlines(keepends=True)
    ]
    path = tmp_path / "hackney-tiers.csv"
    path.write_text("".join(lines) + "".join(extra), encoding="utf-8")
    return path


async def to_stage_3(walk: Walk) -> None:
    """Patti's difference with Hillcrest, answered and escalated up to stage 3, then answered
    there by Hillcrest's service manager."""
    riley = await walk.person_id("riley")
    await walk.raise_dispute(
        "patti",
        team=HILLCREST,
        category="levels-of-need",
        category_other="",
        practitioner=riley,
        due="2026-11-26",
        consulted=SUPERVISOR,
    )
    for owner, due in (("riley", "2026-11-30"), ("taylor", "2026-12-04"), ("avery", "")):
        await respond(walk, owner)
        if due:
            await escalate(walk, due)


async def respond(walk: Walk, who: str) -> None:
    walk.clock.advance(hours=2)
    await walk.act(who, REF, "drp.respond", response="Discussed; our position stands.")


async def escalate(walk: Walk, due: str, **inputs: str) -> dict[str, object]:
    walk.clock.advance(hours=1)
    return await walk.act(
        "patti", REF, "drp.escalate", escalate_reason="Not resolved.", escalate_due=due, **inputs
    )


def responds(walk: Walk, who: str) -> bool:
    return "drp.respond" in moving_verbs(walk.dispute_card(who, REF).card)


async def test_hackney_escalation_climbs_each_agencys_tiers_of_management_before_the_commissioner(
    tmp_path: Path, walk_database_url: str
) -> None:
    people = directory(tmp_path, KIT, JO)
    async with running_bot(
        tmp_path, "city-hackney", MONDAY, walk_database_url, directory=people
    ) as walk:
        await to_stage_3(walk)
        chair = text_of(walk.dispute_card("patti", REF).card)
        assert f"escalate to {TIER_2}" in chair

        await escalate(walk, "2026-12-07")
        for owner in ("kit", "lynne"):  # each agency's head of service
            assert responds(walk, owner), owner
        chair = text_of(walk.dispute_card("patti", REF).card)
        assert TIER_2 in chair
        assert f"escalated it to {TIER_2}" in chair
        assert "7 Dec 2026" in chair  # the tier's own deadline, set by the chair
        async with walk.bot.store.transaction(readonly=True) as tx:
            dispute = await tx.disputes.get(REF)
        assert (dispute.stage, dispute.tier) == ("3", 2)

        await respond(walk, "kit")
        await escalate(walk, "2026-12-09")
        for owner in ("jo", "morgan"):  # then each agency's director
            assert responds(walk, owner), owner
        assert f"escalated it to {TIER_3}" in text_of(walk.dispute_card("patti", REF).card)
        # The case record and the report say which tiers it reached.
        await walk.act("patti", REF, "drp.record")
        record = text_of(walk.shown_in(walk.chat("patti"))[-1].card)
        assert f"Case record {REF}" in record
        assert TIER_2 in record
        assert TIER_3 in record
        status, _ = await walk.say("isaiah", "report 2026-11-01 2026-12-31")
        assert status in {200, 201}
        reached = facts(walk.shown_in(walk.chat("isaiah"))[-1].card)
        assert (reached.get(TIER_2), reached.get(TIER_3)) == ("1", "1"), reached

        await respond(walk, "morgan")
        await escalate(walk, "2026-12-11", escalate_consulted=BOARD_MEMBERS)
        assert responds(walk, "frankie"), "the Commissioner, after the last tier"
        events = await walk.events(REF)
        assert events.count("escalated") == 5


async def test_hackney_a_tier_an_agency_has_nobody_at_is_passed_over_and_the_chair_told(
    tmp_path: Path, walk_database_url: str
) -> None:
    people = directory(tmp_path, JO)  # Hillcrest has a director but no head of service
    async with running_bot(
        tmp_path, "city-hackney", MONDAY, walk_database_url, directory=people
    ) as walk:
        await to_stage_3(walk)
        await escalate(walk, "2026-12-07")
        for owner in ("jo", "morgan"):
            assert responds(walk, owner), owner
        assert not walk.dispute_cards("lynne", REF), "tier 2 was passed over"
        chair = text_of(walk.dispute_card("patti", REF).card)
        assert f"escalated it to {TIER_3}" in chair
        assert f"tier 2 (Head of service): nobody holds it in {HILLCREST}" in chair


async def test_hackney_every_tier_passed_over_goes_on_to_the_commissioner(tmp_path: Path) -> None:
    # The demo council's head of service and director hold both agencies' posts: one person
    # cannot discuss with themselves, so each tier is passed over, and said so.
    async with running_bot(tmp_path, "city-hackney", MONDAY) as walk:
        await to_stage_3(walk)
        refused = await escalate(walk, "2026-12-07")
        assert "Commissioner" in text_of(refused)  # the Board members must be engaged first
        assert "is required" in text_of(refused)
        await escalate(walk, "2026-12-07", escalate_consulted=BOARD_MEMBERS)
        assert responds(walk, "frankie")
        chair = text_of(walk.dispute_card("patti", REF).card)
        assert "Tiers passed over" in chair
        assert "tier 2 (Head of service): one person holds it for both agencies" in chair
        assert "tier 3 (Director): one person holds it for both agencies" in chair


async def test_hackney_tier_owners_see_it_earlier_tiers_keep_reading_and_no_one_else_does(
    tmp_path: Path, walk_database_url: str
) -> None:
    people = directory(tmp_path, KIT, JO)
    async with running_bot(
        tmp_path, "city-hackney", MONDAY, walk_database_url, directory=people
    ) as walk:
        await to_stage_3(walk)
        await escalate(walk, "2026-12-07")
        assert CHILD[0] in text_of(walk.dispute_card("kit", REF).card)
        # Tier 1's service managers read it as parties, and can no longer answer it.
        for earlier in ("avery", "adele"):
            status, _ = await walk.say(earlier, f"show {REF}")
            assert status in {200, 201}
            shown = walk.shown_in(walk.chat(earlier))[-1].card
            assert CHILD[0] in text_of(shown), earlier
            assert "drp.respond" not in moving_verbs(shown), earlier
        # The next tier up has no part yet; nor has anyone outside the dispute.
        for outsider in ("jo", "sasha"):
            status, _ = await walk.say(outsider, f"show {REF}")
            assert status in {200, 201}
            assert_no_child_name(walk.shown_in(walk.chat(outsider))[-1].card, (CHILD,))
            await assert_stranger_cannot(walk, outsider, REF, "kit")


async def test_hackney_forged_or_outdated_tier_clicks_change_nothing(
    tmp_path: Path, walk_database_url: str
) -> None:
    people = directory(tmp_path, KIT, JO)
    async with running_bot(
        tmp_path, "city-hackney", MONDAY, walk_database_url, directory=people
    ) as walk:
        await to_stage_3(walk)
        card = walk.dispute_card("patti", REF)
        assert action(card.card, "drp.escalate")["to_tier"] == "2"
        before = await walk.events(REF)
        for forged in ("3", "1", "99", "two", "2; DROP TABLE disputes", "", "-1"):
            data = {
                **action(card.card, "drp.escalate"),
                "to_tier": forged,
                "escalate_reason": "Forged.",
                "escalate_due": "2026-12-07",
            }
            shown = await walk.press(
                "patti", "drp.escalate", data, conversation_id=card.conversation
            )
            if forged == "":  # no tier named: the card's own check has nothing to compare
                assert await walk.events(REF) == [*before, "escalated"]
                break
            assert "out of date" in text_of(shown), forged
            assert await walk.events(REF) == before, forged
        # The chair's card from before the climb is now outdated: pressing it again climbs
        # nothing more, and shows the card as it is now.
        stale = await walk.press(
            "patti",
            "drp.escalate",
            {
                **action(card.card, "drp.escalate"),
                "escalate_reason": "Again.",
                "escalate_due": "2026-12-08",
            },
            conversation_id=card.conversation,
        )
        assert await walk.events(REF) == [*before, "escalated"]
        assert version_of(stale) == len(before) + 1
        assert TIER_2 in text_of(stale)
        async with walk.bot.store.transaction(readonly=True) as tx:
            assert (await tx.disputes.get(REF)).tier == 2
        # Someone outside the dispute forging a tier click learns nothing of the child.
        data = {**action(card.card, "drp.escalate"), "to_tier": "3", "escalate_reason": "x"}
        outsider = await walk.press("sasha", "drp.escalate", data)
        assert_no_child_name(outsider, (CHILD,))
        assert await walk.events(REF) == [*before, "escalated"]


async def test_hackney_a_tiers_owners_are_reminded_of_the_tiers_own_deadline(
    tmp_path: Path, walk_database_url: str
) -> None:
    people = directory(tmp_path, KIT, JO)
    async with running_bot(
        tmp_path, "city-hackney", MONDAY, walk_database_url, directory=people
    ) as walk:
        await to_stage_3(walk)
        await escalate(walk, "2026-12-07")  # Monday: reminded on Friday and on the day
        await walk.sweep(datetime(2026, 12, 4, 9, 0, tzinfo=LONDON))
        for owner in ("kit", "lynne"):
            reminders = [
                text_of(n)
                for n in walk.notices(owner, REF)
                if "due by the next working day" in text_of(n)
            ]
            assert reminders, owner
            assert TIER_2 in reminders[-1], reminders[-1]
        for earlier in ("avery", "adele"):  # tier 1 owes nothing any more
            assert not [
                n
                for n in walk.notices(earlier, REF)
                if "due by the next working day" in text_of(n)
            ], earlier
        await walk.sweep(datetime(2026, 12, 7, 9, 0, tzinfo=LONDON))
        for owner in ("kit", "lynne"):
            assert any("due today" in text_of(n) for n in walk.notices(owner, REF)), owner
