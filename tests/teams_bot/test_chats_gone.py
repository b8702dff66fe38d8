"""Chats that went away (issue 19.2), over real HTTP to the loopback connector: a second run on
kept data beside a restarted connector that knows none of the earlier chats, the app removed by
someone, and the monitoring notes when no monitoring channel was ever set."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from store.outbox import message_from
from store.rows import OutboxMessage
from store.schema import outbox
from teams_bot.delivery.engine import DeliveryPolicy
from tests.support.cards import reference_of, text_of
from tests.teams_bot.bot_harness import CHILD, TEAM, Walk, running_bot
from tests.teams_bot.scheduler_scene import london

START = london(2026, 11, 23, 9, 0)


async def first_run(tmp_path: Path) -> tuple[int, str]:
    """Alex raises a dispute; Megan gets it in a chat the bot opened. Returns the connector's
    port and Megan's chat."""
    async with running_bot(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        await walk.raise_dispute("alex", team=TEAM)
        [chat] = walk.conversations_with("megan")
        assert walk.cards_in(chat)
        return walk.conn.port, chat


async def rows_of(walk: Walk, kind: str) -> list[OutboxMessage]:
    async with walk.bot.store.transaction(readonly=True) as tx:
        result = await tx.connection.execute(outbox.select().where(outbox.c.kind == kind))
        return [message_from(row) for row in result]


async def stored_chat(walk: Walk, who: str) -> str:
    async with walk.bot.store.transaction(readonly=True) as tx:
        person = await tx.directory.person(await walk.person_id(who))
    assert person is not None
    return str((person.conversation_ref or {}).get("conversation", {}).get("id", ""))


async def test_a_second_run_on_kept_data_opens_a_new_chat_for_whoever_lost_theirs(
    tmp_path: Path,
) -> None:
    port, old_chat = await first_run(tmp_path)
    async with running_bot(tmp_path, "nottingham", START, kept=True, port=port) as walk:
        await walk.say("alex", "help")
        card = await walk.raise_dispute("alex", team=TEAM)
        reference = reference_of(card)

        gone = walk.conn.requests_matching("POST", f"/v3/conversations/{old_chat}/", 404)
        assert len(gone) == 1  # the stored chat was tried once, then a new one opened
        [new_chat] = walk.conversations_with("megan")
        assert new_chat != old_chat
        assert [reference in text_of(c) for c in walk.cards_in(new_chat)] == [True]
        assert await stored_chat(walk, "megan") == new_chat
        card_row = next(r for r in await rows_of(walk, "dispute_card") if r.reference == reference)
        assert (card_row.sent_at is not None, card_row.failed, card_row.attempts) == (
            True,
            False,
            1,
        )


async def test_someone_who_removed_the_app_is_mentioned_and_with_no_board_it_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path, "nottingham", START) as walk:
        await walk.say("alex", "help")
        await walk.raise_dispute("alex", team=TEAM)
        [chat] = walk.conversations_with("megan")
        walk.conn.remove_app_for(walk.people["megan"].id)
        with caplog.at_level(logging.INFO, logger="teams_bot.delivery"):
            card = await walk.raise_dispute(
                "alex", team=TEAM, child_1_name="Yusuf Quint", child_1_local_id="AV-100002"
            )
        reference = reference_of(card)
        assert walk.conn.requests_matching("POST", f"/v3/conversations/{chat}/", 403)
        assert await stored_chat(walk, "megan") == ""  # forgotten: the next message tries anew
        rows = await rows_of(walk, "dispute_card")
        refused = next(r for r in rows if r.reference == reference)
        assert refused.failed
        assert "403" in (refused.last_error or "")
        mention = next(r for r in await rows_of(walk, "mention"))
        assert (mention.sent_at is not None, mention.failed) == (True, False)
        assert f"outbox row {refused.id}" in caplog.text
        assert "monitor here" in caplog.text
        assert "Yusuf" not in caplog.text
        assert CHILD[0] not in caplog.text


async def test_a_message_given_up_with_no_board_is_logged_not_failed_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy = DeliveryPolicy(max_attempts=1)
    async with running_bot(tmp_path, "nottingham", START) as walk:
        walk.bot.deliverer.policy = policy
        await walk.say("alex", "help")
        await walk.raise_dispute("alex", team=TEAM)
        [chat] = walk.conversations_with("megan")
        walk.conn.fail_next(99, status=500, conversation_id=chat)
        with caplog.at_level(logging.INFO, logger="teams_bot.delivery"):
            await walk.raise_dispute(
                "alex", team=TEAM, child_1_name="Yusuf Quint", child_1_local_id="AV-100002"
            )
        walk.conn.clear_faults()
        await walk.deliver()
        notes = await rows_of(walk, "delivery_failed")
        assert notes
        assert all(n.sent_at is not None and not n.failed for n in notes)
        assert "no monitoring channel to show a delivery_failed on" in caplog.text
        assert "Yusuf" not in caplog.text
        assert CHILD[0] not in caplog.text
