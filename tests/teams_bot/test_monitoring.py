"""The monitoring channel over real HTTP: ``monitor here`` (chairs' service managers only)
makes a team channel the board; each open formal dispute is one card there, kept up to date in
place, showing initials and local IDs but never a name; a closed dispute's card shows its
outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from teams_bot.handlers.monitoring import NOW_MONITORING, ONLY_CSM, ONLY_IN_CHANNEL
from tests.teams_bot.bot_harness import (
    BOARD,
    CHILD,
    LONDON,
    SIBLING,
    Walk,
    assert_board_shows,
    assert_closed_everywhere,
    running_bot,
)

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
CHILDREN = (CHILD, SIBLING)


def reference(n: int) -> str:
    return f"DRP-2026-{n:06d}"


async def respond(walk: Walk, who: str, ref: str) -> None:
    walk.clock.advance(minutes=30)
    await walk.act(who, ref, "drp.respond", response="Actions agreed.")


async def open_four_disputes(walk: Walk) -> None:
    """1: stage 1 open; 2: informal; 3: withdrawn; 4: stage 2 open, two children."""
    await walk.raise_dispute("alex")
    patti = await walk.person_id("patti")  # seed 000: the practitioner or TM answers informally
    await walk.raise_dispute(
        "alex", stage="informal", child_1_local_id="AV-200001", practitioner=patti
    )
    await walk.raise_dispute("alex", child_1_local_id="AV-300001")
    await walk.act("alex", reference(3), "drp.withdraw", withdraw_reason="Raised in error.")
    await walk.raise_dispute(
        "alex",
        child_1_local_id="AV-400001",
        child_2_name=SIBLING[0],
        child_2_local_id="AV-400002",
    )
    await respond(walk, "megan", reference(4))
    await walk.act("alex", reference(4), "drp.escalate", escalate_reason="Not resolved.")


async def test_monitor_here_fills_the_channel_with_one_card_per_open_formal_dispute(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        await open_four_disputes(walk)
        assert walk.board_cards() == []

        await walk.monitor_here("isaiah")

        assert NOW_MONITORING in walk.conn.texts(BOARD)
        on_board = {s.activity_id for s in walk.board_cards("DRP-")}
        assert on_board == {walk.board(reference(n)).activity_id for n in (1, 4)}
        assert_board_shows(
            walk,
            reference(1),
            "Riverside Family Support",
            "Stage 1: Team / Line Manager",
            "Team manager",
            "Mon 30 Nov 2026",
            "On track",
        )
        second = (("Zara Quint", "AV-400001"), ("Yusuf Quint", "AV-400002"))
        assert_board_shows(
            walk, reference(4), "Stage 2", "Service manager", "Mon 30 Nov 2026", children=second
        )
        isaiah = await walk.person_id("isaiah")
        async with walk.bot.store.transaction() as tx:
            audit = await tx.audit.by_actor(isaiah, MONDAY, walk.clock.now + timedelta(days=1))
        assert [entry.action for entry in audit] == ["monitoring_channel"]


async def test_a_dispute_reaching_its_first_formal_stage_later_appears(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        patti = await walk.person_id("patti")
        await walk.raise_dispute("alex", stage="informal", practitioner=patti)
        await respond(walk, "megan", reference(1))
        assert walk.board_cards(reference(1)) == []

        await walk.act("alex", reference(1), "drp.escalate", escalate_reason="Not in a week.")

        assert_board_shows(walk, reference(1), "Stage 1", "Team manager")


async def test_the_card_is_updated_in_place_on_every_change_and_shows_the_outcome(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.monitor_here()
        await walk.raise_dispute("alex", child_2_name=SIBLING[0], child_2_local_id=SIBLING[1])
        ref = reference(1)
        first = assert_board_shows(walk, ref, "Awaiting response", children=CHILDREN)

        walk.clock.advance(days=4)  # Friday 27 November: due on Monday
        await walk.act("alex", ref, "drp.harm", harm_details="New concern.")
        soon = assert_board_shows(walk, ref, "Due soon", children=CHILDREN)
        walk.clock.advance(days=4)  # Tuesday 1 December: overdue
        await walk.act("alex", ref, "drp.harm", harm_details="Another concern.")
        late = assert_board_shows(walk, ref, "Overdue", children=CHILDREN)
        await respond(walk, "megan", ref)
        review = assert_board_shows(walk, ref, "Awaiting chair's review", children=CHILDREN)
        await walk.act("alex", ref, "drp.resolve", resolve_comments="Done.")

        shown = assert_board_shows(walk, ref, "Outcome", "Resolved", "Closed", children=CHILDREN)
        # One card, the same activity throughout, one more version for each change.
        ids = {s.activity_id for s in (first, soon, late, review, shown)}
        assert len(ids) == 1
        assert [s.versions for s in (first, soon, late, review, shown)] == [1, 2, 3, 4, 5]
        assert_closed_everywhere(walk, ref, "Resolved", ("alex", "megan"), children=CHILDREN)


@pytest.mark.parametrize("who", ["alex", "megan", "jamie", "lynne"])
async def test_only_a_chairs_service_manager_may_choose_the_channel(
    tmp_path: Path, who: str
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex")
        await walk.monitor_here(who)

        assert ONLY_CSM in walk.conn.texts(BOARD)
        assert walk.board_cards() == []
        refused = await walk.refusals(who)
        assert [(r["command"], r["conversation"]) for r in refused] == [("monitor here", BOARD)]
        await walk.act("alex", reference(1), "drp.harm", harm_details="Concern.")
        assert walk.board_cards() == [], "no channel was chosen"


async def test_monitor_here_in_a_personal_chat_is_explained(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.say("isaiah", "monitor here")
        assert ONLY_IN_CHANNEL in walk.conn.texts(walk.chat("isaiah"))
        async with walk.bot.store.transaction() as tx:
            assert await tx.directory.monitoring_channel() is None


async def test_a_dispute_awaiting_agreement_joins_the_board_once_sent(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY) as walk:
        await walk.raise_dispute("alex", stage="2")
        await walk.monitor_here()
        assert walk.board_cards(reference(1)) == []
        await walk.act("isaiah", reference(1), "drp.approve", approve_comments="Agreed.")
        assert_board_shows(walk, reference(1), "Stage 2", "Service manager")


async def test_a_new_board_channel_gets_every_open_dispute_and_posts_not_thread_replies(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex")
        await walk.monitor_here()
        assert len(walk.board_cards(reference(1))) == 1
        # Chosen again in a new post of another channel: Teams gives that post's thread id.
        channel = "19:new-board@thread.tacv2"
        status, _ = await walk.say_in_channel("isaiah", "monitor here", f"{channel};messageid=42")
        assert status in {200, 201}
        await walk.deliver()
        moved = [s for s in walk.shown_in(channel) if reference(1) in str(s.card)]
        assert len(moved) == 1
        assert "Sam" not in str(moved[0].card)
