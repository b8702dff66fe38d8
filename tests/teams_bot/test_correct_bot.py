"""The chairs' service manager's Correct details button over real HTTP (loopback connector,
driven clock, SQLite): the detail corrected with its reason, every card of the dispute updated
in place, the history naming the detail and never the old value; anyone else refused and
audited (without the children's details unless they may see them); hostile input shown under
the input at fault with nothing changed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.cards import action, choices, text_of, verbs
from tests.teams_bot.bot_harness import CHILD, LONDON, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
NAME, LOCAL_ID = CHILD
VERB = "drp.correct"


async def _shown_to_isaiah(walk: Walk) -> dict[str, object]:
    await walk.raise_dispute("alex")
    await walk.say("isaiah", f"show {REF}")
    return walk.dispute_card("isaiah", REF).card


async def _version(walk: Walk) -> int:
    async with walk.bot.store.transaction(readonly=True) as tx:
        version = await tx.disputes.version(REF)
    assert version is not None
    return version


async def test_the_chairs_service_manager_corrects_a_name_and_every_card_updates(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        card = await _shown_to_isaiah(walk)
        assert VERB in verbs(card)
        assert "child_1_local_id" in choices(card, "correct_field")
        for who in ("alex", "megan"):
            assert VERB not in verbs(walk.dispute_card(who, REF).card)
        fixed = {
            "correct_field": "child_1_name",
            "correct_value": "Zara Quinn",
            "correct_reason": "Spelling from the birth certificate",
        }
        after = await walk.act("isaiah", REF, VERB, **fixed)
        assert "Zara Quinn" in text_of(after)
        assert NAME not in text_of(after)
        for who in ("alex", "megan"):  # isaiah sees the invoke response, `after`
            shown = walk.dispute_card(who, REF)
            assert "Zara Quinn" in text_of(shown.card), who
            assert NAME not in text_of(shown.card), who
        assert walk.dispute_card("alex", REF).versions > 1  # updated in place
        history = text_of(walk.dispute_card("alex", REF).card)
        assert "corrected child 1's name: Spelling from the birth certificate" in history
        assert (await walk.events(REF))[-1] == "corrected"


async def test_anyone_else_is_refused_audited_and_shown_no_child_they_may_not_see(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        card = await _shown_to_isaiah(walk)
        forged = {**action(card, VERB), "correct_field": "child_1_name"}
        forged |= {"correct_value": "Someone Else", "correct_reason": "forged"}
        version = await _version(walk)
        megan = await walk.press("megan", VERB, forged)  # a party: her card under the refusal
        assert "only the chairs' service manager" in text_of(megan)
        assert NAME in text_of(megan)
        lynne = await walk.press("lynne", VERB, forged)  # no part in it: a bare refusal
        assert "only the chairs' service manager" in text_of(lynne)
        assert NAME not in text_of(lynne)
        assert LOCAL_ID not in text_of(lynne)
        assert await _version(walk) == version
        assert {"action": "refused", "reference": REF, "verb": VERB, "command": "correct"} in (
            await walk.refusals("megan")
        )
        # Lynne has no part in it: the gate refuses her before the service is asked.
        assert [
            (r["reference"], r["verb"], r["attempt"]) for r in await walk.refusals("lynne")
        ] == [(REF, VERB, "act")]


async def test_hostile_input_is_shown_under_its_input_and_changes_nothing(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        card = await _shown_to_isaiah(walk)
        data = action(card, VERB)
        version = await _version(walk)
        good = {"correct_field": "child_1_name", "correct_value": "Ok Name", "correct_reason": "r"}
        for change, error in (
            ({"correct_field": "child_1_shoe_size"}, "must be child_N_name"),
            ({"correct_field": "child_4_name"}, "this dispute names 1 child"),
            ({"correct_value": "Zara\x00Quint"}, "contains control characters"),
            ({"correct_value": "Z" * 201}, "is too long"),
            ({"correct_field": "child_1_dob", "correct_value": "next week"}, "is not a date"),
            ({"correct_reason": ""}, "is required"),
            ({"correct_value": NAME}, "is what child 1's name already says"),
            ({"correct_reason": 7}, "is required"),
        ):
            shown = await walk.press("isaiah", VERB, {**data, **good, **change})
            assert error in text_of(shown), change
            assert NAME in text_of(shown)  # the card itself, with the inputs kept
        assert await _version(walk) == version
        assert (await walk.events(REF))[-1] == "raised"

        await walk.press("isaiah", VERB, {**data, **good})
        stale = await walk.press("isaiah", VERB, {**data, **good, "correct_value": "Again"})
        assert "out of date" in text_of(stale)
        assert await _version(walk) == version + 1
