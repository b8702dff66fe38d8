"""Seed 002 (Calderdale) §4-5, dissent between agencies over carrying out the child protection
plan, walked through Teams over real HTTP on both engines (issue 14): any professional or
manager of an agency involved raises it; the line managers of both professionals, then each
agency's line management, then the child's own CPCC (never every chair), then each agency's
Board member; then the appeals panel the SCB Manager and Independent Chair arrange.

The walk: Patti (a practitioner at Riverside Family Support) disputes what Riley (Hillcrest
Children in Care) is doing under the plan; Sam Sample is the child's CPCC.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.cards import action, choices, moving_verbs, text_of, walk_actions
from tests.teams_bot.bot_harness import (
    CHILD,
    LONDON,
    Shown,
    Walk,
    assert_closed_everywhere,
    assert_no_child_name,
    assert_stranger_cannot,
    form_values,
    running_bot,
)

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"
PROCESS = "plan-dissent"
OTHER_AGENCY = "Hillcrest Children in Care"
DEADLINE = {"2": "2026-11-30", "3": "2026-12-04", "4": "2026-12-11"}
# Who answers each rung: the raiser's agency first, then the other agency's.
RUNG = {"1": ("megan", "taylor"), "2": ("adele", "avery"), "3": ("sam",), "4": ("dana", "lee")}
REVIEW_CONFERENCE = "A review conference is convened for Mon 7 Dec, chaired by Sam Sample."


async def open_plan_form(walk: Walk, who: str, text: str = f"new {PROCESS}") -> Shown:
    """``new plan-dissent`` typed in this person's chat: the form (or why they cannot)."""
    status, _ = await walk.say(who, text)
    assert status in {200, 201}, status
    return walk.shown_in(walk.chat(who))[-1]


async def raise_plan_dissent(walk: Walk, who: str = "patti", **fields: str) -> dict[str, object]:
    form = await open_plan_form(walk, who)
    values = {"team": OTHER_AGENCY, "category": "core-groups", "category_other": ""}
    values |= {"practitioner": await walk.person_id("riley"), "due": "2026-11-26"}
    values |= {"plan_chair": await walk.person_id("sam"), **fields}
    data = {**action(form.card, "drp.raise"), **form_values(**values)}
    card = await walk.press(
        who, "drp.raise", data, conversation_id=form.conversation, reply_to_id=form.activity_id
    )
    await walk.deliver()
    return card


async def respond(walk: Walk, who: str, **inputs: str) -> None:
    walk.clock.advance(hours=2)
    await walk.act(who, REF, "drp.respond", response="Discussed; no agreement.", **inputs)


async def escalate(walk: Walk, to: str) -> dict[str, object]:
    walk.clock.advance(hours=1)
    due = {"escalate_due": DEADLINE[to]} if to in DEADLINE else {}
    return await walk.act("patti", REF, "drp.escalate", escalate_reason="Not resolved.", **due)


async def climb(walk: Walk, to: str) -> None:
    """Raise, and escalate unanswered rung by rung until the dispute is at ``to``."""
    await raise_plan_dissent(walk)
    for here in ("1", "2", "3", "4")[: ("1", "2", "3", "4", "5").index(to)]:
        answers = {"response_answer": REVIEW_CONFERENCE} if here == "3" else {}
        await respond(walk, RUNG[here][-1], **answers)
        await escalate(walk, str(int(here) + 1))


def responds(walk: Walk, who: str) -> bool:
    return "drp.respond" in moving_verbs(walk.dispute_card(who, REF).card)


async def test_calderdale_plan_dissent_is_raised_by_a_professional_or_manager_of_an_agency(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        usual = await open_plan_form(walk, "patti", "new")
        assert "Dissent from a conference chair's decision" in text_of(usual.card)
        assert choices_of_process(usual.card) == [PROCESS], "offered as a button"
        form = await open_plan_form(walk, "patti")
        assert "carrying out the child protection plan" in text_of(form.card)
        assert "The child's own Child Protection Chair (required" in text_of(form.card)
        chairs = choices(form.card, "plan_chair")
        assert await walk.person_id("sam") in chairs
        assert await walk.person_id("robin") not in chairs, "an IRO is not a CPCC"
        for manager in ("megan", "adele"):  # a team manager, a service manager
            shown = await open_plan_form(walk, manager)
            assert "drp.raise" in moving_verbs(shown.card), manager
        helped = await open_plan_form(walk, "patti", "help")
        assert f"new {PROCESS}" in text_of(helped.card)
        chair = await open_plan_form(walk, "alex")  # the CPCC's own process is the PDRP
        assert "Practice Dispute Resolution (CPCC)" in text_of(chair.card)
        assert not choices_of_process(chair.card)

        await raise_plan_dissent(walk)
        async with walk.bot.store.transaction() as tx:
            (raised,) = await tx.disputes.open_all()
        assert (raised.process, raised.stage) == (PROCESS, "1")
        assert raised.plan_chair == await walk.person_id("sam")


def choices_of_process(card: dict[str, Any]) -> list[str]:
    """The processes the form's "Instead" buttons open."""
    return [
        str(a["data"]["process"])
        for a in walk_actions(card)
        if a.get("verb") == "drp.new" and "process" in a.get("data", {})
    ]


async def test_calderdale_plan_dissent_is_first_addressed_by_both_professionals_line_managers(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        await raise_plan_dissent(walk)
        for manager in RUNG["1"]:  # the raiser's and the other professional's
            assert responds(walk, manager), manager
        assert walk.notices("riley", REF), "the other professional is copied"
        for nobody in ("adele", "avery", "sam", "alex"):
            assert not walk.dispute_cards(nobody, REF), nobody
            assert not walk.notices(nobody, REF), nobody


async def test_calderdale_plan_dissent_goes_on_through_each_agencys_line_management(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        await climb(walk, "2")
        for manager in RUNG["2"]:
            assert responds(walk, manager), manager
        assert "Mon 30 Nov 2026" in text_of(walk.dispute_card("avery", REF).card)
        assert not responds(walk, "taylor")


async def test_calderdale_plan_dissent_reaches_the_childs_own_cpcc_only(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        await climb(walk, "3")
        sam = walk.dispute_card("sam", REF).card
        assert "drp.respond" in moving_verbs(sam)
        assert "Child Protection Review Conference" in text_of(sam), "the card asks"
        for other in ("alex", "robin", "isaiah"):  # another CPCC, an IRO, their manager
            assert not walk.dispute_cards(other, REF), other
            assert not [n for n in walk.notices(other, REF) if CHILD[0] in text_of(n)], other
        async with walk.bot.store.transaction() as tx:
            dispute = await tx.disputes.get(REF)
        assert dispute.owners == (await walk.person_id("sam"),)

        walk.clock.advance(hours=2)
        unanswered = await walk.act("sam", REF, "drp.respond", response="Considered.")
        assert "is required" in text_of(unanswered)
        await respond(walk, "sam", response_answer=REVIEW_CONFERENCE)
        async with walk.bot.store.transaction() as tx:
            answered = (await tx.disputes.events(REF))[-1]
        assert answered.kind.value == "responded"
        assert getattr(answered.payload, "answer", "") == REVIEW_CONFERENCE, "recorded"


async def test_calderdale_plan_dissent_then_goes_to_each_agencys_board_member(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        await climb(walk, "4")
        for member in RUNG["4"]:  # Riverside's, Hillcrest's
            assert responds(walk, member), member
        assert "Each agency's Safeguarding Children Board member" in text_of(
            walk.dispute_card("patti", REF).card
        )
        assert not responds(walk, "sam")


async def test_calderdale_plan_dissent_ends_at_the_appeals_panel_the_scb_manager_arranges(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        await climb(walk, "5")
        blake = walk.dispute_card("blake", REF).card
        assert "Appeals panel" in text_of(blake)
        assert "drp.conclude" in moving_verbs(blake), "the SCB manager records the outcome"
        assert walk.notices("drew", REF), "the Independent Chair is told"
        assert "drp.conclude" not in moving_verbs(walk.dispute_card("patti", REF).card)
        walk.clock.advance(hours=3)
        await walk.act("blake", REF, "drp.conclude", outcome="Panel: a revised plan by 18 Dec.")
        assert_closed_everywhere(walk, REF, "Concluded", ("patti", "blake"))
        assert any("Concluded" in text_of(n) for n in walk.notices("drew", REF))


async def test_calderdale_plan_dissent_needs_the_childs_cpcc_named_on_the_form(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        missing = await raise_plan_dissent(walk, plan_chair="")
        assert "Name the child's own Child Protection Chair" in text_of(missing)
        not_a_chair = await raise_plan_dissent(walk, plan_chair=await walk.person_id("megan"))
        assert "Choose the child's CP chair or IRO from the list" in text_of(not_a_chair)
        for hostile in ("<script>alert(1)</script>", "'; DROP TABLE disputes; --", "x" * 5000):
            refused = await raise_plan_dissent(walk, plan_chair=hostile)
            assert "drp.raise" in moving_verbs(refused), hostile[:20]
            assert "<script>" not in str(refused)
        async with walk.bot.store.transaction() as tx:
            assert await tx.disputes.count() == 0


async def test_calderdale_plan_dissent_is_refused_to_strangers_without_child_data(
    tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        await climb(walk, "3")
        # Another CPCC, and a Board member before their rung, are not parties.
        await assert_stranger_cannot(walk, "alex", REF, "sam")
        await assert_stranger_cannot(walk, "dana", REF, "patti")
        for stranger in ("alex", "dana"):
            status, _ = await walk.say(stranger, f"show {REF}")
            assert status in {200, 201}
            shown = walk.shown_in(walk.chat(stranger))[-1].card
            assert "Not one of your disputes" in text_of(shown), stranger
            assert_no_child_name(shown, (CHILD,))


async def test_new_with_any_words_opens_a_form_and_never_fails(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY) as walk:
        # Words naming no process open to her: her first process's form.
        for words in ("new <b>x</b>", "new plan-dissent; drop", "new " + "z" * 3000, "new drp"):
            shown = await open_plan_form(walk, "patti", words)
            assert "drp.raise" in moving_verbs(shown.card), words[:20]
            assert "<b>" not in str(shown.card)
        status, _ = await walk.say("patti", "new PLAN-DISSENT")
        assert status in {200, 201}
        assert "carrying out the child protection plan" in text_of(
            walk.shown_in(walk.chat("patti"))[-1].card
        )


async def test_calderdale_report_counts_the_plan_dissent_apart(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "calderdale", MONDAY, walk_database_url) as walk:
        await climb(walk, "2")  # the plan dissent: raised at stage 1, escalated to 2
        await walk.raise_dispute("megan", category="conference-decision", category_other="")
        status, _ = await walk.say("isaiah", "report 2026-11-01 2026-12-31")
        assert status in {200, 201}
        lines = text_of(walk.shown_in(walk.chat("isaiah"))[-1].card).splitlines()
        by_process = lines[lines.index("By process") :]
        plan = by_process[by_process.index(PLAN_TITLE) + 1]
        assert plan.startswith("raised 1; Stage 1 1, Stage 2 1, Stage 3 0, Stage 4 0"), plan
        dissent = by_process[by_process.index(CONFERENCE_TITLE) + 1]
        assert dissent.startswith("raised 1; Stage 1 1, Stage 2 0"), dissent
        pdrp = by_process[by_process.index("Practice Dispute Resolution (CPCC)") + 1]
        assert pdrp.startswith("raised 0;"), pdrp


PLAN_TITLE = "Dissent between agencies over carrying out the child protection plan"
CONFERENCE_TITLE = "Dissent from a conference chair's decision"
