"""Several categories (issue 14.5), walked through Teams over real HTTP on both engines: seed
003's form ticks every category that applies ("Dispute Resolution Category | TICK IF
APPLICABLE"); the card, the case record and the report show each, and the report counts a
dispute once in each category it ticks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from teams_bot.cli import main as cli_main
from tests.support.cards import text_of
from tests.teams_bot.bot_harness import CHILD, LONDON, Walk, running_bot
from tests.teams_bot.tab_scene import Scene, assert_no_child, signed_in

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
FIRST, SECOND = "DRP-2026-000001", "DRP-2026-000002"
TICKED = "Health issues; Education issues; Other (please specify): Respite care"


@pytest.fixture
async def walk(tmp_path: Path, walk_database_url: str) -> AsyncIterator[Walk]:
    async with running_bot(tmp_path, "newham", MONDAY, walk_database_url) as running:
        yield running


def category_input(card: dict) -> dict:
    found = [
        item
        for item in _inputs(card)
        if item.get("id") == "category" and item.get("type") == "Input.ChoiceSet"
    ]
    assert len(found) == 1, found
    return found[0]


def _inputs(node: object) -> list[dict]:
    if isinstance(node, dict):
        return [node, *(i for v in node.values() for i in _inputs(v))]
    if isinstance(node, list):
        return [i for v in node for i in _inputs(v)]
    return []


async def test_seed_003_newham_form_ticks_several_categories(walk: Walk) -> None:
    choice = category_input((await walk.open_form("alex")).card)
    assert choice["isMultiSelect"] is True
    assert len(choice["choices"]) == 14  # the form's two columns of seven boxes

    await walk.raise_dispute(
        "alex", category="health,education,other", category_other="Respite care"
    )
    assert await walk.events(FIRST) == ["raised"]
    for who in ("alex", "megan"):  # the raiser's card and the stage 1 owner's
        shown = text_of(walk.dispute_card(who, FIRST).card)
        assert "Categories" in shown, who
        assert TICKED in shown, who
    async with walk.bot.store.transaction(readonly=True) as tx:
        stored = await tx.disputes.get(FIRST)
    assert stored.concern.categories == ("health", "education", "other")

    scene = Scene(walk, walk.endpoint.removesuffix("/api/messages"), FIRST, FIRST, FIRST)
    async with (
        signed_in(scene, "alex") as client,
        client.get(f"/tabs/disputes/{FIRST}/record") as answer,
    ):
        assert answer.status == 200
        record = await answer.text()
    assert "Categories" in record
    assert "Health issues; Education issues" in record


@pytest.mark.parametrize(
    ("ticked", "message"),
    [
        ("health,no-such-category", "'no-such-category' is not in the policy's list"),
        ("health,education,health", "the same category is ticked twice"),
        (",".join(["health"] * 15), "at most 14 categories"),
        ("", "This is required."),
        (" , ", "choose a category of concern"),
        ("health,other", "Other category: This is required."),
    ],
)
async def test_seed_003_newham_several_categories_refuse_hostile_ticks_and_store_nothing(
    walk: Walk, ticked: str, message: str
) -> None:
    shown = text_of(await walk.raise_dispute("alex", category=ticked, category_other=""))
    assert message in shown, shown
    assert "Dispute raised" not in shown
    assert await walk.events(FIRST) == []
    assert not walk.dispute_cards("megan", FIRST)
    async with walk.bot.store.transaction(readonly=True) as tx:
        assert await tx.disputes.count() == 0


async def test_seed_003_newham_report_counts_a_dispute_once_in_each_category_ticked(
    walk: Walk, tmp_path: Path, walk_database_url: str
) -> None:
    await walk.raise_dispute("alex", category="health,education", category_other="")
    await walk.raise_dispute("alex", category="health", category_other="")
    status, _ = await walk.say("isaiah", "report 2026-11-01 2026-12-31")
    assert status in {200, 201}
    summary = text_of(walk.shown_in(walk.chat("isaiah"))[-1].card)
    assert "a dispute ticking several categories counts once in each" in summary
    lines = summary.splitlines()
    assert lines[lines.index("Health issues") + 1] == "2 (100.0%)"
    assert lines[lines.index("Education issues") + 1] == "1 (50.0%)"
    assert_no_child(summary, CHILD)

    for fmt in ("md", "csv", "html"):
        out = tmp_path / f"report.{fmt}"
        argv = ["report", "--from", "2026-11-01", "--to", "2026-12-31", "--format", fmt]
        argv += ["--policy", "newham", "--database-url", walk_database_url, "--out", str(out)]
        assert await asyncio.to_thread(cli_main, argv) == 0
        text = out.read_text(encoding="utf-8")
        assert_no_child(text, CHILD)
        if fmt == "csv":
            assert ",category,all,health,count,2" in text
            assert ",category,all,education,count,1" in text
            assert ",category,all,total,ticked,3" in text
            assert ",category,all,total,disputes,2" in text
        else:
            assert "Categories ticked" in text
            assert "a dispute ticking several categories counts once in each" in text
            assert "Total disputes" in text


async def test_a_policy_whose_form_takes_one_category_refuses_several(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY) as walk:
        choice = category_input((await walk.open_form("alex")).card)
        assert "isMultiSelect" not in choice
        first, second = (c["value"] for c in choice["choices"][:2])
        shown = text_of(await walk.raise_dispute("alex", category=f"{first},{second}"))
        assert "this policy takes one category of concern" in shown
        assert await walk.events(FIRST) == []
