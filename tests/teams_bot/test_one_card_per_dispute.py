"""One live card per dispute in each person's chat (issue 14): over real HTTP, a dispute walked
through two stages leaves each party one card of it, updated in place at every step, and each
later step reaches them as a short message naming the dispute and what changed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.cards import Card, moving_verbs, reference_of, text_of, walk_nodes
from tests.teams_bot.bot_harness import LONDON, Shown, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
CHILD_NAMES = ("Zara", "Quint")


def lines(card: Card) -> list[str]:
    """What a card says: its text blocks, in order."""
    return [text_of(n["text"]) for n in walk_nodes(card) if n.get("type") == "TextBlock"]


def step_messages(walk: Walk, who: str) -> list[str]:
    """The titles of the short messages about the dispute in this person's chats, in order."""
    found = []
    for shown in walk.shown(who):
        said = lines(shown.card)
        if not reference_of(shown.card) and said and said[0].startswith(f"{REF}: "):
            found.append(said[0].removeprefix(f"{REF}: "))
    return found


def only_card(walk: Walk, who: str) -> Shown:
    cards = walk.dispute_cards(who, REF)
    assert len(cards) == 1, f"{who} has {len(cards)} cards of {REF}"
    return cards[0]


async def two_stage_walk(walk: Walk) -> None:
    await walk.raise_dispute("alex")
    walk.clock.advance(hours=2)
    await walk.act("megan", REF, "drp.respond", response="Assessment booked.")
    walk.clock.advance(hours=1)
    await walk.act("alex", REF, "drp.escalate", escalate_reason="Still drifting.")
    walk.clock.advance(hours=2)
    await walk.act("adele", REF, "drp.respond", response="Allocated to a senior practitioner.")


async def test_each_party_keeps_one_card_of_a_dispute_updated_in_place_and_hears_of_each_step(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        await two_stage_walk(walk)

        chair = only_card(walk, "alex")  # the form it was raised from, kept current
        assert {"drp.resolve", "drp.escalate"} <= moving_verbs(chair.card)
        assert "Stage 2" in text_of(chair.card)
        assert chair.versions >= 4, "the chair's card was not updated at each step"
        assert step_messages(walk, "alex") == ["A response has arrived"] * 2
        assert only_card(walk, "megan").versions > 1
        assert only_card(walk, "adele").versions > 1

        await walk.act("alex", REF, "drp.resolve", resolve_comments="Now on track.")
        for who in ("alex", "megan", "adele"):
            shown = only_card(walk, who)
            assert "Outcome: Resolved" in text_of(shown.card), who
            assert not moving_verbs(shown.card), who
        assert step_messages(walk, "adele") == ["Resolved"]
        assert step_messages(walk, "alex") == ["A response has arrived"] * 2  # alex acted


async def test_a_step_message_is_short_and_names_no_child(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await two_stage_walk(walk)
        messages = [
            s.card
            for s in walk.shown("alex")
            if not reference_of(s.card) and REF in text_of(s.card)
        ]
        assert len(messages) == 2
        for card in messages:
            text = " ".join(lines(card))
            assert "Awaiting chair's review".lower() in text, text
            assert "Stage" in text
            assert not any(name in text for name in CHILD_NAMES), text
            assert not moving_verbs(card), "a step message carries no copy of the buttons"
            assert len(text) < 300, text


async def test_someone_without_a_card_in_their_chat_gets_the_card_not_a_message(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await two_stage_walk(walk)
        # Adele first hears of the dispute at stage 2: the whole card, no short message.
        assert "drp.respond" not in moving_verbs(only_card(walk, "adele").card)
        assert step_messages(walk, "adele") == []
        assert step_messages(walk, "megan") == []
