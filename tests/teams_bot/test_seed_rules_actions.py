"""Issue 14.4, agreed actions are tracked: walked through Teams over real HTTP on both engines.

CPC standard (seed 001), raised Mon 23 Nov 2026 at stage 1 (Megan Bowen, team manager):
the form's requested action (complete by Fri 27 Nov), the response's (Mon 30 Nov) and the
chair's agreed one on resolving (Wed 2 Dec) are tracked, reminded, ticked, passed and reopened.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.cards import action, text_of, verbs, walk_actions, walk_nodes
from tests.teams_bot.bot_harness import CHILD, LONDON, Walk, initials, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
REMINDER = "Reminder: an agreed action is due"
PASSED = "An agreed action passed its date, not done"


async def resolved_with_actions(walk: Walk) -> None:
    """Raised with a requested action, answered with one, resolved with one agreed."""
    await walk.raise_dispute("alex")
    await walk.act(
        "megan",
        REF,
        "drp.respond",
        response="Core group booked.",
        action_1_text="Hold a core group",
        action_1_date="2026-11-30",
    )
    await walk.act(
        "alex",
        REF,
        "drp.resolve",
        resolve_comments="Agreed on the phone.",
        agreed_1_text="Share the core group minutes",
        agreed_1_date="2026-12-02",
    )


def done_buttons(card: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The card's Done buttons, by the number of the action each ticks."""
    return {
        int(found["data"]["action"]): dict(found["data"])
        for found in walk_actions(card)
        if found.get("verb") == "drp.action_done"
    }


async def test_agreed_actions_are_tracked_with_an_owner_reminded_the_working_day_before(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        text = text_of(walk.dispute_card("alex", REF).card)
        assert "Agreed actions" in text
        for number, what in enumerate(
            ("Complete the updated assessment", "Hold a core group", "Share the core group"),
            start=1,
        ):
            assert f"{number}. {what}" in text, text
        assert text.count("Megan Bowen · Open") == 3, text

        await walk.sweep(datetime(2026, 11, 26, 8, 0, tzinfo=LONDON))
        assert not [n for n in walk.notices("megan", REF) if REMINDER in text_of(n)]
        await walk.sweep(datetime(2026, 11, 26, 9, 0, tzinfo=LONDON))  # Thu, before Fri 27th
        await walk.sweep(datetime(2026, 11, 26, 10, 0, tzinfo=LONDON))  # owed once only
        reminders = [n for n in walk.notices("megan", REF) if REMINDER in text_of(n)]
        assert len(reminders) == 1
        said = text_of(reminders[0])
        assert "DRP-2026-000001: agreed action 1 is due by" in said
        assert "Complete the updated assessment" in said
        for part in (*CHILD[0].split(), initials(CHILD[0]), CHILD[1]):
            assert part not in said, f"{part!r} in the owner's reminder"


async def test_the_owner_ticks_an_agreed_action_done_on_the_card(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        megan = walk.dispute_card("megan", REF)
        buttons = done_buttons(megan.card)
        assert sorted(buttons) == [1, 2, 3]
        card = await walk.press(
            "megan",
            "drp.action_done",
            buttons[1],
            conversation_id=megan.conversation,
            reply_to_id=megan.activity_id,
        )
        await walk.deliver()
        assert (await walk.events(REF))[-1] == "action_done"
        assert "Done by Megan Bowen" in text_of(card)
        assert sorted(done_buttons(card)) == [2, 3]
        assert "Done by Megan Bowen" in text_of(walk.dispute_card("alex", REF).card)
        # The chair may tick one too; nobody else gets a Done button.
        assert sorted(done_buttons(walk.dispute_card("alex", REF).card)) == [2, 3]


async def test_the_chair_is_told_once_when_an_agreed_action_passes_undone_and_it_shows_red(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        await walk.act("megan", REF, "drp.action_done", **done_buttons_of(walk, "megan", 1))
        await walk.sweep(datetime(2026, 12, 1, 6, 0, tzinfo=LONDON))  # Mon 30 Nov has passed
        await walk.sweep(datetime(2026, 12, 1, 7, 0, tzinfo=LONDON))

        events = await walk.events(REF)
        assert events.count("action_passed") == 1, events
        told = [n for n in walk.notices("alex", REF) if PASSED in text_of(n)]
        assert len(told) == 1
        assert CHILD[0] not in text_of(told[0])
        card = walk.dispute_card("alex", REF).card
        assert "Passed, not done" in text_of(card)
        assert attention(card, "Passed, not done")


async def test_a_chair_reopens_a_resolved_dispute_at_its_stage_when_agreed_actions_were_not_done(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        await walk.sweep(datetime(2026, 12, 3, 9, 0, tzinfo=LONDON))
        card = await walk.act(
            "alex", REF, "drp.reopen", reopen_to="stage", reopen_reason="No core group held."
        )
        assert (await walk.events(REF))[-1] == "reopened"
        assert "reopened it to Stage 1" in text_of(card)
        megan = walk.dispute_card("megan", REF).card
        assert "drp.respond" in verbs(megan)
        async with walk.bot.store.transaction() as tx:
            dispute = await tx.disputes.get(REF)
        assert (dispute.status.value, dispute.stage, dispute.reopened) == (
            "awaiting_response",
            "1",
            1,
        )


async def test_seed_001_reopening_may_escalate_when_agreed_actions_are_not_implemented(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        await walk.act(
            "alex", REF, "drp.reopen", reopen_to="escalate", reopen_reason="Still not done."
        )
        assert (await walk.events(REF))[-1] == "reopened"
        isaiah = walk.dispute_card("isaiah", REF).card
        assert "before this is sent to Stage 2: Service Manager" in text_of(isaiah)
        assert action(isaiah, "drp.approve")


async def test_reopen_is_offered_only_within_the_profiles_period(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        assert "drp.reopen" in verbs(walk.dispute_card("alex", REF).card)
        assert "drp.reopen" not in verbs(walk.dispute_card("megan", REF).card)
        # 20 working days after Mon 23 Nov (resolved) end on Mon 21 Dec: a refresh on the
        # 22nd no longer offers it, and a press of the old button is refused.
        old = action(walk.dispute_card("alex", REF).card, "drp.reopen")
        walk.clock.now = datetime(2026, 12, 22, 9, 0, tzinfo=LONDON)
        refused = await walk.press(
            "alex", "drp.reopen", {**old, "reopen_reason": "Too late.", "reopen_to": "stage"}
        )
        assert "could be reopened until" in text_of(refused)
        assert "reopened" not in await walk.events(REF)


def done_buttons_of(walk: Walk, who: str, number: int) -> dict[str, str]:
    return {"action": str(done_buttons(walk.dispute_card(who, REF).card)[number]["action"])}


def attention(card: dict[str, Any], words: str) -> bool:
    """Whether the text block holding ``words`` is drawn in the attention (red) colour."""
    found = [
        node.get("color")
        for node in walk_nodes(card)
        if node.get("type") == "TextBlock" and words in str(node.get("text", ""))
    ]
    return found != [] and all(color == "attention" for color in found)


# --- hostile input and privacy: every new surface ------------------------------------------------

MATRIX_NAME = CHILD[0].split()


async def test_forged_and_foreign_action_ids_are_refused_on_the_card_and_change_nothing(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        await walk.raise_dispute("alex", action_1_text="", action_1_date="")  # no actions
        before = await walk.events(REF)
        megan = walk.dispute_card("megan", REF)
        data = done_buttons(megan.card)[1]
        for forged in ("999", "0", "-1", "abc", "", "1e3", "4", 10**12, None, ["1"]):
            shown = await walk.press("megan", "drp.action_done", {**data, "action": forged})
            said = text_of(shown)
            assert "refresh the card" in said or "there is no action" in said, (forged, said)
        other = walk.dispute_card("megan", "DRP-2026-000002")
        foreign = {**action(other.card, "drp.refresh"), "action": 1, "nonce": "foreign-1"}
        shown = await walk.press("megan", "drp.action_done", foreign)
        assert "there is no action 1" in text_of(shown)
        await walk.deliver()
        assert await walk.events(REF) == before
        assert "action_done" not in await walk.events("DRP-2026-000002")


async def test_a_non_party_or_someone_only_copied_cannot_tick_or_reopen_and_learns_nothing(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        before = await walk.events(REF)
        data = done_buttons(walk.dispute_card("megan", REF).card)[2]
        reopen = {
            **action(walk.dispute_card("alex", REF).card, "drp.reopen"),
            "reopen_reason": "Stranger reopens.",
        }
        for who in ("jordan", "casey", "patti"):  # isaiah oversees: he may read it
            for verb, sent in (("drp.action_done", data), ("drp.reopen", reopen)):
                refused = len(await walk.refusals(who))
                shown = await walk.press(who, verb, {**sent, "nonce": f"{who}-{verb}"})
                said = text_of(shown)
                assert "can't do that" in said or "Not one of your disputes" in said, (who, said)
                for part in MATRIX_NAME:
                    assert part not in said, (who, verb, part)
                assert len(await walk.refusals(who)) == refused + 1, (who, verb)
        await walk.deliver()
        assert await walk.events(REF) == before


async def test_a_stale_done_click_gets_the_card_as_it_is_now(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await resolved_with_actions(walk)
        old = done_buttons(walk.dispute_card("megan", REF).card)
        await walk.act("megan", REF, "drp.action_done", **done_buttons_of(walk, "megan", 1))
        before = await walk.events(REF)
        shown = await walk.press("megan", "drp.action_done", {**old[2], "nonce": "stale-2"})
        assert "Done by Megan Bowen" in text_of(shown)
        assert await walk.events(REF) == before


async def test_bad_dates_and_over_long_texts_on_agreed_actions_are_refused_field_by_field(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "cpc-standard", MONDAY, walk_database_url) as walk:
        await walk.raise_dispute("alex")
        await walk.act("megan", REF, "drp.respond", response="Booked.")
        before = await walk.events(REF)
        cases = (
            {"agreed_1_text": "Share minutes", "agreed_1_date": "2026-02-30"},
            {"agreed_1_text": "Share minutes", "agreed_1_date": "2026-11-01"},
            {"agreed_1_text": "Share minutes", "agreed_1_date": "next week"},
            {"agreed_1_text": "x" * 5000, "agreed_1_date": "2026-12-02"},
            {"agreed_1_text": "", "agreed_1_date": "2026-12-02"},
        )
        for inputs in cases:
            shown = await walk.act(
                "alex", REF, "drp.resolve", resolve_comments="Agreed.", **inputs
            )
            assert "Please correct" in text_of(shown), inputs
            assert "Agreed 1" in text_of(shown), inputs
        assert await walk.events(REF) == before
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Agreed.")
        shown = await walk.act(
            "alex", REF, "drp.reopen", reopen_to="stage", reopen_reason="y" * 5000
        )
        assert "Please correct" in text_of(shown)
        shown = await walk.act(
            "alex", REF, "drp.reopen", reopen_to="sideways", reopen_reason="Not done."
        )
        assert "Reopen to" in text_of(shown)
        assert "reopened" not in await walk.events(REF)
