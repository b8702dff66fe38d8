"""What goes wrong in real use changes nothing and says why: stale or repeated clicks,
strangers, bad input, unknown verbs and unknown people, over real HTTP."""

from __future__ import annotations

from pathlib import Path

from store.store import Store
from tests.support.connector import Member, post_activity
from tests.teams_bot.bot_harness import Walk, running_bot
from tests.teams_bot.test_walk import MONDAY, action, latest_card, raise_dispute, text_of, verbs

REFERENCE = "DRP-2026-000001"


async def _events(walk: Walk) -> list[str]:
    store: Store = walk.bot.store
    async with store.transaction() as tx:
        return [e.kind.value for e in await tx.disputes.events(REFERENCE)]


async def _megan_card(walk: Walk) -> tuple[str, dict[str, object]]:
    await raise_dispute(walk)
    await walk.deliver()
    return latest_card(walk, "megan")


async def test_repeated_click_changes_nothing_and_returns_current_card(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        chat, card = await _megan_card(walk)
        respond = action(card, "drp.respond")  # type: ignore[arg-type]
        respond["response"] = "Done."
        first = await walk.press("megan", "drp.respond", dict(respond), conversation_id=chat)
        again = await walk.press("megan", "drp.respond", dict(respond), conversation_id=chat)
        assert await _events(walk) == ["raised", "responded"]
        assert "drp.respond" not in verbs(first)
        assert "drp.respond" not in verbs(again)


async def test_click_on_an_old_card_gets_the_current_one(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        chat, card = await _megan_card(walk)
        stale = action(card, "drp.respond")  # type: ignore[arg-type]
        stale.update(response="First answer.")
        await walk.press("megan", "drp.respond", dict(stale), conversation_id=chat)
        stale.update(nonce="another-click", response="Second answer from an old copy.")
        shown = await walk.press("megan", "drp.respond", dict(stale), conversation_id=chat)
        assert "out of date" in text_of(shown)
        assert await _events(walk) == ["raised", "responded"]


async def test_a_stranger_cannot_respond_and_the_attempt_is_audited(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        _, card = await _megan_card(walk)
        respond = action(card, "drp.respond")  # type: ignore[arg-type]
        respond["response"] = "I am not the manager."
        shown = await walk.press("lynne", "drp.respond", respond)
        assert "can't do that" in text_of(shown)
        assert await _events(walk) == ["raised"]
        async with walk.bot.store.transaction() as tx:
            audit = await tx.audit.for_dispute(REFERENCE)
        assert [(entry.action, entry.detail.get("verb")) for entry in audit] == [
            ("refused", "drp.respond")
        ]


async def test_a_response_without_text_comes_back_with_input_kept(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        chat, card = await _megan_card(walk)
        respond = action(card, "drp.respond")  # type: ignore[arg-type]
        respond.update(response="   ", practice_issues="Keep this text")
        shown = await walk.press("megan", "drp.respond", respond, conversation_id=chat)
        assert "Keep this text" in text_of(shown)
        assert "drp.respond" in verbs(shown)
        assert await _events(walk) == ["raised"]


async def test_form_errors_come_back_on_the_form_with_input_kept(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        shown = await raise_dispute(walk, summary="", child_1_dob="2015-13-45")
        assert "drp.raise" in verbs(shown)
        assert "Sam Smith" in text_of(shown)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0


async def test_raising_at_a_stage_the_role_may_not_open_is_refused_on_the_form(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        shown = await raise_dispute(walk, stage="3")
        assert "drp.raise" in verbs(shown)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0


async def test_unknown_verb_and_garbled_data_get_a_card_not_an_error(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        unknown = await walk.press("alex", "drp.nonsense", {"reference": REFERENCE})
        assert "Unknown action" in text_of(unknown)
        garbled = await walk.press("alex", "drp.respond", {"reference": 5, "version": "x"})
        assert "could not be read" in text_of(garbled)  # checked before any query


async def test_someone_not_in_the_directory_is_told_so(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        walk.conn.members.append(Member("29:stranger", "Stranger", "aad-x", "x@example.org"))
        activity = walk.conn.message_activity(
            "new", from_id="29:stranger", conversation_id="a:stranger"
        )
        status, _ = await post_activity(walk.endpoint, activity)
        assert status in {200, 201}
        shown = walk.cards_in("a:stranger")
        assert shown
        assert "not in the DRP directory" in text_of(shown[-1])


async def test_unknown_text_gets_help_never_silence(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await walk.say("alex", "what now?")
        shown = walk.cards_in(walk.chat("alex"))
        assert shown
        assert "What you can ask" in text_of(shown[-1])


async def test_refresh_gives_each_person_their_own_view(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        chair_card = await raise_dispute(walk)
        refresh = chair_card["refresh"]
        assert set(refresh["userIds"]) >= {"user-id-0", "user-id-1"}
        data = refresh["action"]["data"]
        assert refresh["action"]["verb"] == "drp.refresh"
        manager_view = await walk.press("megan", "drp.refresh", dict(data))
        chair_view = await walk.press("alex", "drp.refresh", dict(data))
        stranger_view = await walk.press("lynne", "drp.refresh", dict(data))
        assert "drp.respond" in verbs(manager_view)
        assert "drp.respond" not in verbs(chair_view)
        assert "drp.withdraw" in verbs(chair_view)
        assert verbs(stranger_view) & {"drp.respond", "drp.withdraw", "drp.resolve"} == set()
        assert await _events(walk) == ["raised"]


async def test_the_chair_is_told_when_a_response_arrives(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        chat, card = await _megan_card(walk)
        before = len(walk.cards_in(walk.chat("alex")))
        respond = action(card, "drp.respond")  # type: ignore[arg-type]
        respond["response"] = "Visit booked."
        await walk.press("megan", "drp.respond", respond, conversation_id=chat)
        await walk.deliver()
        chair_cards = walk.cards_in(walk.chat("alex"))
        assert len(chair_cards) == before + 1  # a short message; the card is updated in place
        assert "A response has arrived" in text_of(chair_cards[-1])
        live = walk.dispute_card("alex", REFERENCE)
        assert {"drp.resolve", "drp.escalate"} <= verbs(live.card)
        assert "Visit booked." in text_of(live.card)


async def test_install_sends_a_welcome_and_remembers_the_chat(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        conversation = walk.chat("megan")
        install = walk.conn.incoming_activity(
            "installationUpdate",
            from_id="user-id-1",
            conversation_id=conversation,
            action="add",
        )
        status, _ = await post_activity(walk.endpoint, install)
        assert status in {200, 201}
        welcome = walk.cards_in(conversation)
        assert welcome
        assert "Welcome, Megan Bowen" in text_of(welcome[-1])
        added = walk.conn.incoming_activity(
            "conversationUpdate",
            from_id="user-id-1",
            conversation_id=conversation,
            membersAdded=[{"id": "28:loopback-bot"}],
        )
        status, _ = await post_activity(walk.endpoint, added)
        assert status in {200, 201}
        assert len(walk.cards_in(conversation)) == 1  # one install, one welcome
        async with walk.bot.store.transaction() as tx:
            megan = await tx.directory.by_teams_id("user-id-1")
        assert megan is not None
        assert megan.conversation_ref is not None
        assert megan.conversation_ref["conversation"]["id"] == conversation


async def test_someone_with_no_part_cannot_read_a_dispute(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        chair_card = await raise_dispute(walk)
        data = chair_card["refresh"]["action"]["data"]
        await walk.say("lynne", "show DRP-2026-000001")
        shown = walk.cards_in(walk.chat("lynne"))[-1]
        refreshed = await walk.press("lynne", "drp.refresh", dict(data))
        for card in (shown, refreshed):
            assert "Not one of your disputes" in text_of(card)
            assert "Sam Smith" not in text_of(card)
        await walk.say("isaiah", "show DRP-2026-000001")  # the chairs' service manager oversees
        assert "Sam Smith" in text_of(walk.cards_in(walk.chat("isaiah"))[-1])
        async with walk.bot.store.transaction() as tx:
            audit = await tx.audit.for_dispute(REFERENCE)
        assert [entry.action for entry in audit] == ["view_refused", "view_refused"]


async def test_the_chairs_service_manager_sees_the_case_record_button(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        await raise_dispute(walk)
        await walk.say("isaiah", "show DRP-2026-000001")
        card = walk.cards_in(walk.chat("isaiah"))[-1]
        assert "drp.record" in verbs(card)
        assert verbs(card) & {"drp.respond", "drp.withdraw", "drp.resolve"} == set()
