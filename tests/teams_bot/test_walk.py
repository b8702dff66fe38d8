"""Issue 4's walk over real HTTP: raise, respond, not resolved → escalate, respond, resolved.

Everything is real but Teams itself: the aiohttp server and CloudAdapter, the SQLite store,
the outbox delivery, and a loopback Bot Connector recording what each person's chat shows.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from store.store import Store
from tests.support.cards import AFTERCARE_VERBS, action, text_of, verbs
from tests.teams_bot.bot_harness import LONDON, TEAM, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)


def form_data(card: dict[str, Any], **overrides: str) -> dict[str, Any]:
    data = action(card, "drp.raise")
    data.update(
        {
            "child_1_name": "Sam Smith",
            "child_1_local_id": "LL-123456",
            "child_1_dob": "2015-06-01",
            "team": TEAM,
            "category": "drift-delay",
            "date_of_concern": "2026-11-20",
            "summary": "The child protection plan has not progressed since conference.",
            "impact": "Sam remains at risk while the assessment is outstanding.",
            "action_1_text": "Complete the updated assessment",
            "action_1_date": "2026-11-27",
            "evidence": "Assessment on the case record",
            "stage": "1",
        }
    )
    data.update(overrides)
    return data


async def raise_dispute(walk: Walk, **overrides: str) -> dict[str, Any]:
    status, _ = await walk.say("alex", "new")
    assert status in {200, 201}
    form = walk.cards_in(walk.chat("alex"))[-1]
    assert "drp.raise" in verbs(form)
    return await walk.press("alex", "drp.raise", form_data(form, **overrides))


def latest_card(walk: Walk, who: str) -> tuple[str, dict[str, Any]]:
    """The newest dispute card in the chat the bot created with ``who``."""
    conversations = walk.conversations_with(who)
    assert conversations, f"the bot never opened a chat with {who}"
    cards = walk.cards_in(conversations[-1])
    assert cards, f"nothing was posted to {who}"
    return conversations[-1], cards[-1]


@pytest.mark.parametrize("policy", ["nottingham", "cpc-standard"])
async def test_raise_respond_escalate_respond_resolve(
    tmp_path: Path, policy: str, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, policy, MONDAY, walk_database_url) as walk:
        chair_card = await raise_dispute(walk)
        assert "DRP-2026-000001" in text_of(chair_card)
        assert "Sam Smith" in text_of(chair_card)
        await walk.deliver()

        # Stage 1: the team manager gets the card in a 1:1 chat the bot created.
        megan_chat, megan_card = latest_card(walk, "megan")
        assert "drp.respond" in verbs(megan_card)
        respond = action(megan_card, "drp.respond")
        respond.update(
            response="Assessment booked for Thursday.",
            action_1_text="Visit",
            action_1_date="2026-11-26",
            practice_issues="Supervision gap",
        )
        walk.clock.advance(days=1)
        answered = await walk.press("megan", "drp.respond", respond, conversation_id=megan_chat)
        assert "drp.respond" not in verbs(answered)
        await walk.deliver()

        # The chair reviews: not resolved, escalate to stage 2.
        status, _ = await walk.say("alex", "show DRP-2026-000001")
        assert status in {200, 201}
        review = walk.cards_in(walk.chat("alex"))[-1]
        assert {"drp.resolve", "drp.escalate"} <= verbs(review)
        escalate = action(review, "drp.escalate")
        escalate.update(
            escalate_reason="The plan still drifts.",
            updated_concerns="No date for the assessment.",
        )
        after = await walk.press("alex", "drp.escalate", escalate)
        await walk.deliver()

        if policy == "cpc-standard":
            # Seed 001: the chairs' service manager agrees before stage 2 is sent.
            assert "Awaiting agreement" in text_of(after)
            isaiah_chat, isaiah_card = latest_card(walk, "isaiah")
            agree = action(isaiah_card, "drp.approve")
            agree["approve_comments"] = "Agreed: escalate."
            await walk.press("isaiah", "drp.approve", agree, conversation_id=isaiah_chat)
            await walk.deliver()

        # Stage 2: the service manager responds.
        adele_chat, adele_card = latest_card(walk, "adele")
        respond2 = action(adele_card, "drp.respond")
        respond2["response"] = "Assessment allocated to a senior practitioner."
        walk.clock.advance(days=1)
        await walk.press("adele", "drp.respond", respond2, conversation_id=adele_chat)
        await walk.deliver()

        # The chair ticks resolved; the dispute closes.
        status, _ = await walk.say("alex", "show DRP-2026-000001")
        final_review = walk.cards_in(walk.chat("alex"))[-1]
        resolve = action(final_review, "drp.resolve")
        resolve["resolve_comments"] = "Assessment allocated; resolved."
        closed = await walk.press("alex", "drp.resolve", resolve)
        assert "Resolved" in text_of(closed)
        # Only reading, and the aftercare of the agreed actions (tick done, reopen).
        assert verbs(closed) <= {"drp.show", "drp.refresh", "drp.record"} | AFTERCARE_VERBS
        assert "drp.resolve" not in verbs(closed)
        await walk.deliver()

        # Every card the bot posted for the dispute was updated in place to the closed state.
        for chat in (megan_chat, adele_chat):
            shown = walk.cards_in(chat)
            dispute_cards = [c for c in shown if "DRP-2026-000001" in text_of(c)]
            assert dispute_cards
            assert "drp.respond" not in verbs(dispute_cards[0])

        store: Store = walk.bot.store
        async with store.transaction() as tx:
            events = [e.kind.value for e in await tx.disputes.events("DRP-2026-000001")]
        expected = ["raised", "responded", "escalated", "responded", "resolved"]
        if policy == "cpc-standard":
            expected.insert(3, "approved")
        assert events == expected
