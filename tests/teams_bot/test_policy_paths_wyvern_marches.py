"""An invented council's profile, loaded from a file with its directory imported, walked over
real HTTP from raise to every ending on both engines: roles no shipped profile uses, agreement
from any of several roles, a decider who shares the review, a close that needs agreement, and a
final step where a named role writes the report that ends it (issue 15's proof)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.cards import moving_verbs, text_of
from tests.teams_bot.bot_harness import (
    LONDON,
    Walk,
    assert_closed_everywhere,
    assert_stranger_cannot,
    running_bot,
)

PROFILES = Path(__file__).parents[1] / "profiles"
WYVERN = str(PROFILES / "wyvern-marches.toml")
STAFF = PROFILES / "wyvern-marches.csv"
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
OWNER = {"1": "cal", "2": "ada", "3": "dee"}
FORM = {"team": "Marches North", "category": "", "category_other": ""}


async def raised(walk: Walk) -> None:
    """Cora the Conference Convenor raises at stage 1: the form asks no category and offers
    no immediate-harm alert; Cal the Case Lead gets the card."""
    form = await walk.open_form("cora")
    text = text_of(form.card)
    assert "Category of concern" not in text
    assert "immediate risk" not in text
    await walk.raise_dispute("cora", **FORM)
    assert "drp.respond" in moving_verbs(walk.dispute_card("cal", REF).card)


async def respond(walk: Walk, stage: str) -> None:
    walk.clock.advance(hours=2)
    await walk.act(OWNER[stage], REF, "drp.respond", response=f"Stage {stage} plan agreed.")


async def to_stage_2(walk: Walk, approver: str = "otto") -> None:
    """Escalating to the Area Lead needs the agreement of the Principal or an Assurance
    Officer: both get the card, either may agree."""
    await respond(walk, "1")
    walk.clock.advance(hours=1)
    await walk.act("cora", REF, "drp.escalate", escalate_reason="Plan not enough.")
    assert not walk.dispute_cards("ada", REF), "sent before it was agreed"
    for who in ("pia", "otto"):
        card = walk.dispute_card(who, REF).card
        assert {"drp.approve", "drp.decline"} <= moving_verbs(card), who
    await walk.act(approver, REF, "drp.approve", approve_comments="Agreed.")
    assert "drp.respond" in moving_verbs(walk.dispute_card("ada", REF).card)


async def to_stage_3(walk: Walk) -> None:
    await to_stage_2(walk)
    await respond(walk, "2")
    walk.clock.advance(hours=1)
    await walk.act("cora", REF, "drp.escalate", escalate_reason="Still drifting.")
    assert "drp.respond" in moving_verbs(walk.dispute_card("dee", REF).card)


@pytest.fixture
async def walk(tmp_path: Path, walk_database_url: str) -> AsyncIterator[Walk]:
    """The bot running the profile file, its directory imported, on each engine."""
    bot = running_bot(tmp_path, WYVERN, MONDAY, walk_database_url, directory=STAFF)
    async with bot as running:
        yield running


async def test_resolved_at_stage_1_by_the_convenor(walk: Walk) -> None:
    await raised(walk)
    await respond(walk, "1")
    await walk.act("cora", REF, "drp.resolve", resolve_comments="Plan in place.")
    assert_closed_everywhere(walk, REF, "Resolved", ("cora", "cal"))
    assert await walk.events(REF) == ["raised", "responded", "resolved"]


async def test_the_principal_shares_the_stage_2_review_and_resolves_it(walk: Walk) -> None:
    await raised(walk)
    await to_stage_2(walk, approver="pia")
    await respond(walk, "2")
    shared = walk.dispute_card("pia", REF).card
    assert {"drp.resolve", "drp.escalate"} <= moving_verbs(shared)
    assert "you share the review with the chair" in text_of(shared)
    await assert_stranger_cannot(walk, "sam", REF, "pia")
    await walk.act("pia", REF, "drp.resolve", resolve_comments="Area plan agreed with me.")
    assert_closed_everywhere(walk, REF, "Resolved", ("cora", "cal", "ada", "pia"))
    events = ["raised", "responded", "escalated", "approved", "responded", "resolved"]
    assert await walk.events(REF) == events


async def test_closing_at_stage_3_waits_for_an_assurance_officer(walk: Walk) -> None:
    await raised(walk)
    await to_stage_3(walk)
    await respond(walk, "3")
    await walk.act("cora", REF, "drp.resolve", resolve_comments="Director's plan accepted.")
    assert "Awaiting agreement" in text_of(walk.dispute_card("cora", REF).card)
    officer = walk.dispute_card("otto", REF).card
    assert "close this as resolved: Director's plan accepted." in text_of(officer)
    await walk.act("otto", REF, "drp.decline", decline_reason="Ask for dates first.")
    assert "drp.resolve" in moving_verbs(walk.dispute_card("cora", REF).card)
    await walk.act("cora", REF, "drp.resolve", resolve_comments="Dated plan accepted.")
    await walk.act("otto", REF, "drp.approve", approve_comments="Agreed.")
    assert_closed_everywhere(walk, REF, "Resolved", ("cora", "dee", "otto"))
    assert (await walk.events(REF))[-4:] == [
        "close_proposed",
        "declined",
        "close_proposed",
        "resolved",
    ]


async def test_the_scrutiny_chair_writes_the_report_that_ends_it(walk: Walk) -> None:
    await raised(walk)
    await to_stage_3(walk)
    await respond(walk, "3")
    await walk.act("cora", REF, "drp.escalate", escalate_reason="Needs independent scrutiny.")
    chair = walk.dispute_card("sam", REF).card
    assert "drp.conclude" in moving_verbs(chair)
    assert "Submit the report" in text_of(chair)
    assert "drp.conclude" not in moving_verbs(walk.dispute_card("cora", REF).card)
    assert walk.notices("dee", REF), "the Partnership Director is told"
    assert walk.notices("otto", REF), "the Assurance Officer is told"
    # Ten working days for the report: reminded the day before, noted overdue after.
    assert "Due Mon 7 Dec 2026" in text_of(walk.dispute_card("sam", REF).card)
    for day in (4, 8):  # Fri 4 Dec (due next working day), Tue 8 Dec (overdue)
        walk.clock.now = datetime(2026, 12, day, 9, 0, tzinfo=LONDON)
        await walk.bot.scheduler.tick(walk.clock.now)
        await walk.deliver()
    reminders = [text_of(card) for card in walk.notices("sam", REF)]
    assert any("needs your response by" in text for text in reminders), reminders
    assert "Overdue" in text_of(walk.dispute_card("sam", REF).card)
    await walk.act("sam", REF, "drp.conclude", outcome="Report: practice to change as set out.")
    assert_closed_everywhere(walk, REF, "Concluded", ("cora", "sam"))
    # The form's requested action (Fri 27 Nov) passed undone meanwhile: noted, its own step.
    steps = [e for e in await walk.events(REF) if e != "action_passed"]
    assert steps[-3:] == ["escalated", "overdue", "concluded"]


async def test_withdrawn_while_waiting_for_agreement(walk: Walk) -> None:
    await raised(walk)
    await respond(walk, "1")
    await walk.act("cora", REF, "drp.escalate", escalate_reason="Plan not enough.")
    await walk.act("cora", REF, "drp.withdraw", withdraw_reason="Resolved outside the process.")
    assert_closed_everywhere(walk, REF, "Withdrawn", ("cora", "pia", "otto"))


async def test_referred_to_the_lado_ends_it(walk: Walk) -> None:
    await raised(walk)
    await walk.act(
        "cora",
        REF,
        "drp.refer",
        refer_target="lado",
        refer_reason="Conduct meets the LADO criteria.",
        consulted="",
    )
    assert_closed_everywhere(walk, REF, "Referred", ("cora", "cal"))
    assert walk.notices("otto", REF), "the Assurance Officer is alerted to the referral"


async def test_what_the_profile_grants_beyond_the_parties_is_its_access_table(walk: Walk) -> None:
    """[access]: the Assurance Officer oversees every dispute and runs the report; the
    Principal for Safeguarding chooses the monitoring channel and reads every convenor's
    supervision list; the Case Lead, a party to nothing here, is refused each."""
    await raised(walk)
    await walk.say("otto", f"show {REF}")
    assert "Zara Quint" in text_of(walk.shown_in(walk.chat("otto"))[-1].card), "oversees"
    await walk.say("dee", f"show {REF}")
    assert "Zara Quint" not in text_of(walk.shown_in(walk.chat("dee"))[-1].card)

    await walk.say("otto", "report")
    assert "report" in text_of(walk.shown_in(walk.chat("otto"))[-1].card).lower()
    await walk.say("cal", "report")
    assert walk.conn.texts(walk.chat("cal"))[-1].startswith("Only ")

    await walk.say("pia", "supervision")
    assert REF in text_of(walk.shown_in(walk.chat("pia"))[-1].card), "every convenor's"
    await walk.say("cora", "supervision")
    assert REF in text_of(walk.shown_in(walk.chat("cora"))[-1].card), "her own"

    await walk.monitor_here("otto")
    assert walk.board_cards(REF) == [], "only the Principal chooses the board"
    await walk.monitor_here("pia")
    assert len(walk.board_cards(REF)) == 1
