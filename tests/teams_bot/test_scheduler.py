"""The scheduler over real HTTP, a real SQLite store and the loopback connector, time driven.

Each walk sweeps and delivers every 30 minutes of driven time (no sleeps) and checks every
message that went out: to whom, what, and at which instant. Deadlines are hand-computed from
the published England & Wales bank holidays: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day
substitute), Fri 1 Jan 2027.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from drp.roles import Role
from teams_bot.delivery.notices import AUTO_ESCALATED_TITLE, ESCALATE_NOW
from teams_bot.scheduler import Scheduler, Timing
from tests.support.cards import action, text_of, verbs, walk_actions
from tests.teams_bot.scheduler_scene import BOARD, Scene, Sent, london, scene

MORNING_BEFORE = london(2026, 12, 21, 8, 0)
RAISED = london(2026, 12, 21, 10, 0)  # Mon: stage 1, 5 working days -> Wed 30 Dec


def at(sent: list[Sent]) -> list[tuple[str, str, str, str]]:
    """(local time, recipient, kind, about) of each message, for exact comparisons."""
    return [(s.local.strftime("%a %d %b %H:%M"), s.recipient, s.kind, s.about) for s in sent]


def named(walk: Scene, rows: list[tuple[str, str, str, str]]) -> list[tuple[str, ...]]:
    return [(when, walk.who(to), kind, about) for when, to, kind, about in rows]


async def christmas_dispute(walk: Scene) -> str:
    """Nottingham, stage 1, raised on the Monday before Christmas by a chair the bot knows."""
    await walk.step_to(MORNING_BEFORE)
    await walk.say("alex", "help")
    walk.clock.now = RAISED
    return await walk.raise_at("1")


async def test_stage_deadline_across_christmas_reminds_the_working_day_before_and_on_the_day(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "nottingham", MORNING_BEFORE) as walk:
        ref = await christmas_dispute(walk)
        await walk.drive(london(2026, 12, 31, 9, 0))

        reminders = named(walk, at(await walk.sent("reminder")))
        assert reminders == [
            ("Tue 29 Dec 08:30", "megan", "reminder", "due_next_working_day"),
            ("Wed 30 Dec 08:30", "megan", "reminder", "due_today"),
        ]
        sent = named(walk, at(await walk.sent("dispute_card", "notice")))
        overdue = [row for row in sent if row[3] != "raised"]  # megan's card, quinn's copy
        assert sorted(overdue) == [
            ("Thu 31 Dec 00:00", "alex", "notice", "overdue"),
            ("Thu 31 Dec 00:00", "megan", "dispute_card", "overdue"),
        ]
        refreshes = [(when, about) for when, _, _, about in at(await walk.sent("refresh"))]
        assert refreshes == [
            ("Mon 21 Dec 10:00", "raised"),
            ("Tue 29 Dec 00:00", "amber"),
            ("Thu 31 Dec 00:00", "overdue"),
        ]
        assert await walk.events(ref) == [("raised", walk.ids["alex"]), ("overdue", "system")]

        # Over HTTP: the reminders are in Megan's chat with the deadline in words.
        texts = [text_of(card) for card in walk.cards_of("megan")]
        assert any("due by the next working day" in t and "Wed 30 Dec 2026" in t for t in texts)
        assert any("a response is due today" in t for t in texts)
        # Every owed row went out once and nothing failed or waits.
        rows = await walk.rows()
        assert all(row.sent_at is not None and not row.failed for row in rows)
        assert len({row.dedupe_key for row in rows}) == len(rows)


async def test_morning_digest_goes_to_who_owes_on_working_days_only(tmp_path: Path) -> None:
    timing = Timing(morning=time(7, 45))
    async with scene(tmp_path, "nottingham", MORNING_BEFORE, timing=timing) as walk:
        await christmas_dispute(walk)
        await walk.drive(london(2027, 1, 1, 12, 0), step=timedelta(minutes=15))

        digests = named(walk, at(await walk.sent("digest")))
        megan = [when for when, who, _, _ in digests if who == "megan"]
        alex = [when for when, who, _, _ in digests if who == "alex"]
        # Not Christmas Day, the weekend, the Boxing Day substitute nor New Year's Day.
        assert megan == [
            "Tue 22 Dec 07:45",
            "Wed 23 Dec 07:45",
            "Thu 24 Dec 07:45",
            "Tue 29 Dec 07:45",
            "Wed 30 Dec 07:45",
            "Thu 31 Dec 07:45",
        ]
        assert alex == ["Thu 31 Dec 07:45"]  # the chair: once their dispute is overdue
        digest = [c for c in walk.cards_of("megan") if "DRP digest for Thu 31 Dec 2026" in str(c)]
        assert len(digest) == 1
        text = text_of(digest[0])
        assert "1 for you, 1 overdue" in text
        assert "DRP-2026-000001" in text
        assert "Overdue" in text
        assert "Zara" not in text  # initials only


async def test_the_chairs_overdue_notice_escalates_in_one_click(tmp_path: Path) -> None:
    async with scene(tmp_path, "nottingham", MORNING_BEFORE) as walk:
        ref = await christmas_dispute(walk)
        await walk.drive(london(2026, 12, 31, 10, 0))
        notice = [
            (chat, aid, card)
            for chat, aid, card in walk.posted("alex")
            if "A response is overdue" in text_of(card)
        ]
        assert len(notice) == 1
        chat, activity_id, card = notice[0]
        button = next(a for a in walk_actions(card) if a.get("title", "").startswith(ESCALATE_NOW))
        assert button["associatedInputs"] == "none"  # nothing to fill in: one click

        pressed = await walk.press("alex", chat, activity_id, dict(button["data"]), button["verb"])
        assert "Stage 2" in text_of(pressed)
        again = await walk.press("alex", chat, activity_id, dict(button["data"]), button["verb"])
        assert "Stage 2" in text_of(again)
        await walk.deliver()
        events = [kind for kind, _ in await walk.events(ref)]
        assert events == ["raised", "overdue", "escalated"]  # the second click changed nothing

        # Stage 2 runs on: Adele is reminded on Thu 7 and Fri 8 Jan (New Year's Day skipped).
        await walk.drive(london(2027, 1, 9, 1, 0))
        later = [
            row
            for row in named(walk, at(await walk.sent("reminder")))
            if row[0].endswith("Jan 08:30")
        ]
        assert later == [
            ("Thu 07 Jan 08:30", "adele", "reminder", "due_next_working_day"),
            ("Fri 08 Jan 08:30", "adele", "reminder", "due_today"),
        ]
        overdue = [kind for kind, _ in await walk.events(ref)]
        assert overdue == ["raised", "overdue", "escalated", "overdue"]


async def test_calderdale_escalates_automatically_when_stage_1_passes_unanswered(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "calderdale", london(2026, 11, 23, 8, 0)) as walk:
        await walk.step_to(london(2026, 11, 23, 8, 0))
        await walk.say("alex", "help")
        walk.clock.now = london(2026, 11, 23, 10, 0)
        ref = await walk.raise_at("1", practitioner=walk.ids["patti"])  # due Mon 30 Nov
        await walk.drive(london(2026, 12, 1, 6, 0))

        assert await walk.events(ref) == [
            ("raised", walk.ids["alex"]),
            ("overdue", "system"),
            ("escalated", "system"),
        ]
        async with walk.store.transaction() as tx:
            dispute = await tx.disputes.get(ref)
            review = (await tx.disputes.reviews(ref))[-1]
        assert (dispute.status.value, dispute.stage) == ("awaiting_response", "2")
        assert review.automatic
        sent = named(walk, at(await walk.sent("dispute_card", "notice")))
        owed = sorted(row for row in sent if row[0].startswith("Tue 01 Dec"))
        assert ("Tue 01 Dec 00:00", "alex", "notice", "escalated") in owed
        assert ("Tue 01 Dec 00:00", "alex", "notice", "overdue") in owed
        assert ("Tue 01 Dec 00:00", "megan", "dispute_card", "overdue") in owed
        texts = [text_of(card) for card in walk.cards_of("alex")]
        assert any(AUTO_ESCALATED_TITLE in t for t in texts)
        # Already escalated when the chair's overdue notice was rendered: no button to press.
        overdue_notice = next(t for t in texts if "A response is overdue" in t)
        assert ESCALATE_NOW not in overdue_notice


async def test_calderdale_informal_deadline_is_chased_and_noted_but_never_escalated(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "calderdale", london(2026, 11, 23, 8, 0)) as walk:
        await walk.step_to(london(2026, 11, 23, 8, 0))
        await walk.say("alex", "help")
        walk.clock.now = london(2026, 11, 23, 10, 0)
        ref = await walk.raise_at(
            "informal", due=date(2026, 12, 2), practitioner=walk.ids["patti"]
        )
        await walk.drive(london(2026, 12, 3, 9, 0))

        reminders = named(walk, at(await walk.sent("reminder")))
        assert sorted(reminders) == [
            ("Tue 01 Dec 08:30", "megan", "reminder", "due_next_working_day"),
            ("Tue 01 Dec 08:30", "patti", "reminder", "due_next_working_day"),
            ("Wed 02 Dec 08:30", "megan", "reminder", "due_today"),
            ("Wed 02 Dec 08:30", "patti", "reminder", "due_today"),
        ]
        # Calderdale escalates automatically, but going formal is the chair's decision.
        assert [kind for kind, _ in await walk.events(ref)] == ["raised", "overdue"]
        async with walk.store.transaction() as tx:
            dispute = await tx.disputes.get(ref)
        assert (dispute.stage, dispute.overdue_noted) == ("informal", True)


async def respond(walk: Scene, who: str, reference: str, text: str) -> None:
    """The owner answers on the newest card of the dispute in their chat."""
    chat, activity_id, card = [
        found for found in walk.posted(who) if verbs(found[2]) & {"drp.respond"}
    ][-1]
    data = {**action(card, "drp.respond"), "response": text}
    answered = await walk.press(who, chat, activity_id, data, "drp.respond")
    assert "drp.respond" not in verbs(answered), text_of(answered)
    await walk.deliver()


async def test_newham_chair_review_is_chased_two_calendar_days_after_the_response(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "newham", london(2026, 11, 23, 8, 0)) as walk:
        await walk.step_to(london(2026, 11, 23, 8, 0))
        await walk.say("alex", "help")
        await walk.monitor_here()
        walk.clock.now = london(2026, 11, 23, 10, 0)
        # An IRO opens at stage 2: the form gives the chair's 2 days at stages 2-4 only.
        ref = await walk.raise_at("2", who="robin", role=Role.IRO)
        await walk.drive(london(2026, 11, 26, 15, 0))
        await respond(walk, "adele", ref, "Core group booked.")  # Thu: review due Sat 28 Nov
        await walk.drive(london(2026, 11, 29, 9, 0))

        chair = [row for row in named(walk, at(await walk.sent("reminder"))) if row[1] == "robin"]
        assert chair == [
            ("Fri 27 Nov 08:30", "robin", "reminder", "review_due"),  # Sat is no working day
            ("Sun 29 Nov 00:00", "robin", "reminder", "review_overdue"),
        ]
        refreshes = [(w, a) for w, _, _, a in at(await walk.sent("refresh")) if a != "raised"]
        assert ("Fri 27 Nov 00:00", "amber") in refreshes
        assert ("Sun 29 Nov 00:00", "red") in refreshes
        board = walk.conn.activities(BOARD)[-1]
        assert "Overdue" in text_of(board["attachments"][0]["content"])


async def test_cpc_extension_ending_with_a_response_waiting_asks_the_chair_to_review(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "cpc-standard", london(2026, 11, 23, 8, 0)) as walk:
        await walk.step_to(london(2026, 11, 23, 8, 0))
        await walk.say("alex", "help")
        walk.clock.now = london(2026, 11, 23, 10, 0)
        ref = await walk.raise_at("1")
        await walk.drive(london(2026, 11, 24, 10, 0))
        await respond(walk, "megan", ref, "Visit booked.")
        walk.clock.now = london(2026, 11, 24, 11, 0)
        chat, activity_id, card = [f for f in walk.posted("alex") if "drp.extend" in verbs(f[2])][
            -1
        ]
        data = {**action(card, "drp.extend"), "agreed_work": "Send the visit notes."}
        await walk.press("alex", chat, activity_id, data, "drp.extend")  # 24 hours: Wed 11:00
        await walk.deliver()
        await walk.drive(london(2026, 11, 25, 9, 0))
        await respond(walk, "megan", ref, "Notes sent.")
        await walk.drive(london(2026, 11, 25, 10, 59))
        await walk.step_to(london(2026, 11, 25, 11, 0) + timedelta(seconds=1))  # 24 h on
        await walk.drive(london(2026, 11, 25, 12, 0))

        reminders = named(walk, at(await walk.sent("reminder")))
        assert reminders == [
            # The extension's own day: the 08:30 reminder comes before its 11:00 end.
            ("Wed 25 Nov 08:30", "megan", "reminder", "due_today"),
            ("Wed 25 Nov 11:00", "alex", "reminder", "extension_ended"),
        ]
        ended = [t for t in map(text_of, walk.cards_of("alex")) if "extension has ended" in t]
        assert len(ended) == 1
        assert "resolve it or escalate it" in ended[0]
        assert [kind for kind, _ in await walk.events(ref)] == [
            "raised",
            "responded",
            "extended",
            "responded",
        ]


async def test_monitoring_card_turns_amber_then_red_in_place(tmp_path: Path) -> None:
    async with scene(tmp_path, "nottingham", MORNING_BEFORE) as walk:
        await walk.step_to(MORNING_BEFORE)
        await walk.say("alex", "help")
        await walk.monitor_here()
        walk.clock.now = RAISED
        ref = await walk.raise_at("1")
        seen: list[tuple[str, str]] = []
        for instant in (
            london(2026, 12, 28, 23, 30),
            london(2026, 12, 29, 0, 0),
            london(2026, 12, 30, 23, 30),
            london(2026, 12, 31, 0, 0),
        ):
            await walk.drive(instant)
            cards = [a for a in walk.conn.conversations[BOARD].activities.values() if a.versions]
            board = [a for a in cards if ref in str(a.current)]
            assert len(board) == 1  # one card, updated in place
            badge = text_of(board[0].current["attachments"][0]["content"])
            status = next(s for s in ("On track", "Due soon", "Overdue") if s in badge)
            seen.append((instant.strftime("%a %d %b %H:%M"), status))
        assert seen == [
            ("Mon 28 Dec 23:30", "On track"),
            ("Tue 29 Dec 00:00", "Due soon"),
            ("Wed 30 Dec 23:30", "Due soon"),
            ("Thu 31 Dec 00:00", "Overdue"),
        ]


async def test_a_restarted_scheduler_repeats_nothing_and_catches_up_what_it_missed(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "nottingham", MORNING_BEFORE) as walk:
        await christmas_dispute(walk)
        await walk.drive(london(2026, 12, 29, 9, 0))
        before = await walk.rows()

        # A new process: nothing in memory. Sweeping the same instant owes nothing new.
        fresh = Scheduler(walk.store, walk.bot.deps.ctx, walk.clock)
        assert (await fresh.tick(walk.clock.now)).enqueued == 0
        assert len(await walk.rows()) == len(before)

        # Down from Tue 09:00 until Wed 10:00: "due today" (08:30) goes out late, once.
        walk.clock.now = london(2026, 12, 30, 10, 0)
        late = Scheduler(walk.store, walk.bot.deps.ctx, walk.clock)
        await late.tick(walk.clock.now)
        await walk.deliver()
        # Down again until Thu 02:00: the overdue notice is owed once, by whichever runs.
        walk.clock.now = london(2026, 12, 31, 2, 0)
        await Scheduler(walk.store, walk.bot.deps.ctx, walk.clock).tick(walk.clock.now)
        await Scheduler(walk.store, walk.bot.deps.ctx, walk.clock).tick(walk.clock.now)
        await walk.deliver()

        reminders = named(walk, at(await walk.sent("reminder")))
        assert reminders == [
            ("Tue 29 Dec 08:30", "megan", "reminder", "due_next_working_day"),
            ("Wed 30 Dec 10:00", "megan", "reminder", "due_today"),
        ]
        events = [(kind, actor) for kind, actor in await walk.events("DRP-2026-000001")]
        assert events[1:] == [("overdue", "system")]


async def test_a_scheduler_down_past_the_deadline_sends_the_overdue_notice_not_stale_reminders(
    tmp_path: Path,
) -> None:
    async with scene(tmp_path, "nottingham", MORNING_BEFORE) as walk:
        await christmas_dispute(walk)
        await walk.drive(london(2026, 12, 24, 12, 0))
        walk.clock.now = london(2027, 1, 4, 9, 0)  # back after the holidays
        restarted = Scheduler(walk.store, walk.bot.deps.ctx, walk.clock)
        tick = await restarted.tick(walk.clock.now)
        await walk.deliver()
        assert (tick.overdue, tick.escalated) == (1, 0)
        assert await walk.sent("reminder") == []  # "due today" on 30 Dec would now be wrong
        notices = [row for row in named(walk, at(await walk.sent("notice"))) if row[3] != "raised"]
        assert notices == [("Mon 04 Jan 09:00", "alex", "notice", "overdue")]


def test_timing_defaults_to_half_past_eight_every_minute() -> None:
    timing = Timing()
    assert (timing.morning, timing.interval_seconds) == (time(8, 30), 60.0)
    assert datetime.combine(date(2026, 12, 29), timing.morning).hour == 8


async def test_a_reminder_made_moot_before_it_goes_out_is_settled_without_sending(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with scene(tmp_path, "nottingham", MORNING_BEFORE) as walk:
        ref = await christmas_dispute(walk)
        await walk.drive(london(2026, 12, 29, 8, 0))
        walk.clock.now = london(2026, 12, 29, 8, 30)
        await walk.bot.scheduler.tick(walk.clock.now)  # owed, not yet sent...
        with caplog.at_level(logging.INFO, logger="teams_bot.delivery"):
            await respond(walk, "megan", ref, "Visit booked.")  # ...when Megan answers

        reminder = next(r for r in await walk.rows() if r.kind == "reminder")
        assert reminder.sent_at is not None  # settled: nothing is owed any more
        assert "not needed: the dispute moved on" in caplog.text
        assert not [c for c in walk.cards_of("megan") if "Reminder" in text_of(c)]
