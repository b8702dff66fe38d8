"""The gate (issue 12.1, issue 14.2) over real HTTP: who is asking decides what is rendered.

Someone a step copies or alerts opens the dispute from their notice, read-only and audited;
a nonce is answered only to whoever first used it; the handlers cannot load a dispute
themselves, so a new handler cannot skip the gate."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

from tests.support.cards import action, moving_verbs, reference_of, text_of, walk_actions
from tests.teams_bot.bot_harness import CHILD, FILLER, LONDON, Walk, form_values, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
HANDLERS = Path(__file__).parents[2] / "teams_bot" / "handlers"


async def audit_of(walk: Walk, who: str) -> list[tuple[str, str, str]]:
    person_id = await walk.person_id(who)
    async with walk.bot.store.transaction() as tx:
        entries = await tx.audit.for_dispute(REF)
    return [
        (e.action, str(e.detail.get("verb", "")), str(e.detail.get("attempt", "")))
        for e in entries
        if e.actor == person_id
    ]


async def test_newham_ad_for_qa_alerted_at_stage_3_opens_the_dispute_read_only(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:
        await walk.raise_dispute("robin", stage="3", category="placement", category_other="")
        shown = next(
            s
            for s in walk.shown("harper")
            if not reference_of(s.card)
            and any(a.get("data", {}).get("reference") == REF for a in walk_actions(s.card))
        )
        opened = await walk.press(
            "harper",
            "drp.show",
            action(shown.card, "drp.show"),
            conversation_id=shown.conversation,
            reply_to_id=shown.activity_id,
        )
        assert "Not one of your disputes" not in text_of(opened)
        assert CHILD[0] in text_of(opened)
        assert moving_verbs(opened) == set()
        respond = {**action(walk.dispute_card("lynne", REF).card, "drp.respond"), **FILLER}
        refused = await walk.press("harper", "drp.respond", respond)
        assert "can't do that" in text_of(refused)
        assert await walk.events(REF) == ["raised"]
        assert await audit_of(walk, "harper") == [
            ("read_only_view", "drp.show", "view"),
            ("refused", "drp.respond", "act"),
        ]


async def test_a_replayed_nonce_shows_its_dispute_only_to_whoever_first_used_it(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.raise_dispute("alex", practitioner=await walk.person_id("patti"))
        card = walk.dispute_card("megan", REF).card
        respond = {**action(card, "drp.respond"), "response": "Done."}
        first = await walk.press("megan", "drp.respond", dict(respond))
        again = await walk.press("megan", "drp.respond", dict(respond))
        stolen = await walk.press("lynne", "drp.respond", dict(respond))
        assert CHILD[0] in text_of(first)
        assert CHILD[0] in text_of(again)
        assert CHILD[0] not in text_of(stolen)
        assert "already used" in text_of(stolen)
        assert await walk.events(REF) == ["raised", "responded"]
        assert await audit_of(walk, "lynne") == [("refused", "drp.respond", "replayed")]


async def test_a_raise_replayed_by_someone_else_shows_nothing_of_the_dispute(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        form = await walk.open_form("alex")
        await walk.raise_dispute("alex")
        used = action(form.card, "drp.raise")  # the nonce the chair's raise kept
        replayed = await walk.press("lynne", "drp.raise", {**used, **form_values()})
        assert CHILD[0] not in text_of(replayed)
        assert REF not in text_of(replayed)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 1


def test_no_handler_loads_a_dispute_by_reference_itself() -> None:
    """Only the gate turns a reference into a dispute; a handler gets a ``Sight``."""
    found = []
    for path in HANDLERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"find", "get"}
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "disputes"
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
