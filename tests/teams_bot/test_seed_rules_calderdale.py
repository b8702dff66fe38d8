"""Seed 002 (Calderdale) rules, each walked through Teams over real HTTP (issue 14): the
consultation with the CPCC's line manager before the formal stages, stage 2 answered by either
the next tier or the designated CP lead, the panel's outcome to everyone who took part, and the
SCB alert to the Head of Service Commissioning and Partnerships."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from store.demo import demo_directory_text
from tests.support.cards import moving_verbs, text_of
from tests.teams_bot.bot_harness import LONDON, Walk, assert_closed_everywhere, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
LINE_MANAGER = "Isaiah Langer, my line manager, Mon 23 Nov"


async def respond(walk: Walk, who: str, text: str = "Remedial action taken.") -> None:
    walk.clock.advance(hours=2)
    await walk.act(who, REF, "drp.respond", response=text)


async def escalate(walk: Walk, **inputs: str) -> dict[str, object]:
    walk.clock.advance(hours=1)
    return await walk.act("alex", REF, "drp.escalate", escalate_reason="Not resolved.", **inputs)


async def formal(walk: Walk, to: str) -> None:
    patti = await walk.person_id("patti")
    await walk.raise_dispute("alex", practitioner=patti, consulted=LINE_MANAGER)
    for owner in ("megan", "adele")[: int(to) - 1]:
        await respond(walk, owner)
        await escalate(walk)


async def test_calderdale_formal_stages_begin_after_consulting_the_cpccs_line_manager(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        patti = await walk.person_id("patti")
        form = await walk.open_form("alex")
        assert "Who you consulted, and when" in text_of(form.card)
        assert "the CPCC's line manager" in text_of(form.card)
        await walk.raise_dispute("alex", stage="informal", due="2026-11-27", practitioner=patti)
        await respond(walk, "megan", "Not this week.")
        chair = walk.dispute_card("alex", REF).card
        assert "the CPCC's line manager" in text_of(chair)
        shown = await escalate(walk)
        assert "is required" in text_of(shown)
        assert await walk.events(REF) == ["raised", "responded"]

        await escalate(walk, escalate_consulted=LINE_MANAGER)
        assert (await walk.events(REF))[-1] == "escalated"
        assert f"consulted: {LINE_MANAGER}" in text_of(walk.dispute_card("alex", REF).card)
        assert "drp.respond" in moving_verbs(walk.dispute_card("megan", REF).card)

        refused = await walk.raise_dispute("alex", practitioner=patti)  # straight to stage 1
        assert "drp.raise" in moving_verbs(refused), "the form comes back"
        assert "is required" in text_of(refused)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 1


async def test_calderdale_form_has_the_date_of_the_child_protection_conference(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        patti = await walk.person_id("patti")
        form = await walk.open_form("alex")
        assert "Date of the child protection conference (required)" in text_of(form.card)
        missing = await walk.raise_dispute(
            "alex", practitioner=patti, consulted=LINE_MANAGER, conference_date=""
        )
        assert "drp.raise" in moving_verbs(missing)
        assert "is required" in text_of(missing)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0

        await walk.raise_dispute(
            "alex", practitioner=patti, consulted=LINE_MANAGER, conference_date="2026-11-16"
        )
        async with walk.bot.store.transaction() as tx:
            (raised,) = await tx.disputes.open_all()
        for who in ("alex", "megan"):
            card = walk.dispute_card(who, raised.reference).card
            assert "Date of the child protection conference" in text_of(card), who
            assert "Mon 16 Nov 2026" in text_of(card), who


async def test_a_raise_the_domain_refuses_takes_no_reference_number(tmp_path: Path) -> None:
    """References are gap-free: a form refused by the domain (here the conference date it
    requires) commits its refusal but not a number; the next raise is the year's first."""
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        patti = await walk.person_id("patti")
        for _ in range(2):
            refused = await walk.raise_dispute(
                "alex", practitioner=patti, consulted=LINE_MANAGER, conference_date=""
            )
            assert "is required" in text_of(refused)
        await walk.raise_dispute(
            "alex", practitioner=patti, consulted=LINE_MANAGER, conference_date="2026-11-16"
        )
        async with walk.bot.store.transaction() as tx:
            (raised,) = await tx.disputes.open_all()
        assert raised.reference == "DRP-2026-000001"


async def test_calderdale_stage_2_is_answered_by_the_next_tier_or_the_designated_cp_lead(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await formal(walk, "2")
        for either in ("adele", "ellis"):  # service manager, designated CP lead
            assert "drp.respond" in moving_verbs(walk.dispute_card(either, REF).card), either
        await respond(walk, "ellis", "Designated lead: assessment to be redone by Friday.")
        assert "drp.respond" not in moving_verbs(walk.dispute_card("adele", REF).card)
        await walk.act("alex", REF, "drp.resolve", resolve_comments="Accepted.")
        assert_closed_everywhere(walk, REF, "Resolved", ("alex", "adele", "ellis"))


@pytest.mark.parametrize(
    ("verb", "inputs", "outcome"),
    [
        ("drp.resolve", {"resolve_comments": "Resolved at the panel."}, "Resolved"),
        ("drp.conclude", {"outcome": "Panel proposal sent."}, "Concluded"),
    ],
)
async def test_calderdale_panel_outcome_reaches_everyone_who_took_part(
    tmp_path: Path, verb: str, inputs: dict[str, str], outcome: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await formal(walk, "3")
        await respond(walk, "blake", "The panel's proposal for resolution.")
        await walk.act("alex", REF, verb, **inputs)

        parties = ("alex", "megan", "adele", "ellis", "blake")
        assert_closed_everywhere(walk, REF, outcome, parties)
        # The professional, the Independent Chair, the SM for Safeguarding & QA.
        for told in ("patti", "drew", "isaiah"):
            assert any(outcome in text_of(n) for n in walk.notices(told, REF)), told


# The post is Calderdale's own role (its profile's [[roles]]), so the directory is the demo
# council's with a holder added, imported as an operator would with --policy calderdale.
HEAD_OF_COMMISSIONING = (
    "jesse.nominal@ashdown-vale.example,Jesse Nominal,11111111-0000-4000-8000-000000000099,"
    "head_of_commissioning,,,,,,Head of Service Commissioning and Partnerships\n"
)


async def test_calderdale_scb_alert_goes_to_the_head_of_service_commissioning_and_partnerships(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "calderdale-people.csv"
    directory.write_text(demo_directory_text() + HEAD_OF_COMMISSIONING, encoding="utf-8")
    async with running_bot(tmp_path, "calderdale", MONDAY, directory=directory) as walk:
        await formal(walk, "1")
        await walk.act(
            "alex",
            REF,
            "drp.refer",
            refer_target="scb",
            refer_reason="Serious practice issue.",
            consulted="Rowan Imaginary, IRS Team Manager, 23 Nov",
            concurrent="true",
        )
        alert = walk.notices("jesse", REF)
        assert alert, "the Head of Service Commissioning and Partnerships is alerted"
        assert not walk.notices("lynne", REF), "not the child's team's head of service"


async def test_calderdale_dissent_on_significant_harm_is_reviewed_at_once_and_may_go_to_appeal(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        form = await walk.open_form("megan")
        assert "Significant harm" in text_of(form.card)
        await walk.raise_dispute(
            "megan", stage="2", category="conference-decision", category_other=""
        )
        isaiah = walk.dispute_card("isaiah", REF).card
        assert "drp.respond" in moving_verbs(isaiah)
        assert "Tue 24 Nov 2026" in text_of(isaiah), "same or next working day, not 5"
        assert "convened with a different CPCC" in text_of(isaiah), "the card asks"
        walk.clock.advance(hours=2)
        unanswered = await walk.act("isaiah", REF, "drp.respond", response="Reviewed.")
        assert "is required" in text_of(unanswered)
        assert await walk.events(REF) == ["raised"]
        reconvened = "Conference reconvened Wed 25 Nov, chaired by Sam Sample"
        await walk.act(
            "isaiah", REF, "drp.respond", response="Reviewed today.", response_answer=reconvened
        )
        async with walk.bot.store.transaction() as tx:
            (answered,) = [e for e in await tx.disputes.events(REF) if e.kind.value == "responded"]
        assert getattr(answered.payload, "answer", "") == reconvened, "recorded"
        chair = walk.dispute_card("megan", REF).card
        assert "Appeals panel" in text_of(chair)
        walk.clock.advance(hours=1)
        await walk.act("megan", REF, "drp.escalate", escalate_reason="Risk remains.")
        for convenes in ("blake", "drew"):  # SCB manager and Independent Chair
            assert walk.notices(convenes, REF), convenes


async def test_calderdale_dissent_on_other_grounds_is_answered_in_5_days_without_appeal(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await walk.raise_dispute("patti", category="conference-decision", category_other="")
        assert "Mon 30 Nov 2026" in text_of(walk.dispute_card("isaiah", REF).card)
        await respond(walk, "isaiah", "The decision stands, with reasons.")
        card = text_of(walk.dispute_card("patti", REF).card)
        # A further challenge is only on the ground of significant harm, reviewed at once;
        # the appeals panel is not the next step.
        assert "Not resolved: escalate to Significant harm" in card
        walk.clock.advance(hours=1)  # Monday 23 Nov, 12:30
        await walk.act("patti", REF, "drp.escalate", escalate_reason="Risk of significant harm.")
        assert "Tue 24 Nov 2026" in text_of(walk.dispute_card("isaiah", REF).card)
        assert not walk.notices("blake", REF), "no appeals panel yet"
