"""Disputes with partner agencies in the quarterly report (seed 003: "The QA Service will
include details of disputes with partner agencies in the reports"; seed 002's report to the
board), walked through Teams over real HTTP on both engines: the directory file's
``partner_agency`` column says which teams are a partner agency's; the report counts the
disputes that involve one, by agency, stage reached, open or resolved, in every format, and
names no child."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from store.demo import demo_directory_text
from teams_bot.cli import main as cli_main
from tests.support.cards import text_of
from tests.teams_bot.bot_harness import CHILD, LONDON, Walk, running_bot
from tests.teams_bot.tab_scene import assert_no_child

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
HEALTH, POLICE = "Hillcrest Health NHS Trust", "Northgate Police"
PARTNER_TEAMS = {"Hillcrest Children in Care": HEALTH, "Northgate Child Protection": POLICE}
SECOND_CHILD = ("Ola Quenby", "AV-200002")
THIRD_CHILD = ("Pia Ravensworth", "AV-300003")


def partner_directory(tmp_path: Path) -> Path:
    """The demo directory with a ``partner_agency`` column: the rows of Hillcrest's and
    Northgate's own staff name their agency; staff over several teams leave it empty."""
    rows = list(csv.DictReader(io.StringIO(demo_directory_text())))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0].keys(), "partner_agency"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "partner_agency": PARTNER_TEAMS.get(row["team"], "")})
    path = tmp_path / "people.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
async def walk(tmp_path: Path, walk_database_url: str) -> AsyncIterator[Walk]:
    directory = partner_directory(tmp_path)
    bot = running_bot(tmp_path, "newham", MONDAY, walk_database_url, directory=directory)
    async with bot as running:
        yield running


def child(name_and_id: tuple[str, str]) -> dict[str, str]:
    return {"child_1_name": name_and_id[0], "child_1_local_id": name_and_id[1]}


async def three_disputes(walk: Walk) -> None:
    """Hillcrest's resolved at stage 1; Northgate's open at stage 2; Riverside's (the
    council's own) open at stage 1."""
    common = {"category": "health", "category_other": ""}
    await walk.raise_dispute("alex", team="Hillcrest Children in Care", **common, **child(CHILD))
    walk.clock.advance(hours=1)
    await walk.act("taylor", "DRP-2026-000001", "drp.respond", response="Visit booked.")
    await walk.act("alex", "DRP-2026-000001", "drp.resolve", resolve_comments="Booked.")
    await walk.raise_dispute(
        "alex", team="Northgate Child Protection", **common, **child(SECOND_CHILD)
    )
    walk.clock.advance(hours=1)
    await walk.act("jordan", "DRP-2026-000002", "drp.respond", response="No change.")
    await walk.act("alex", "DRP-2026-000002", "drp.escalate", escalate_reason="Not resolved.")
    await walk.raise_dispute("alex", **common, **child(THIRD_CHILD))
    assert (await walk.events("DRP-2026-000001"))[-1] == "resolved"
    assert (await walk.events("DRP-2026-000002"))[-1] == "escalated"


def assert_names_no_child(text: str) -> None:
    assert_no_child(text, CHILD, SECOND_CHILD, THIRD_CHILD)


async def test_newham_report_counts_disputes_with_partner_agencies(
    walk: Walk, tmp_path: Path, walk_database_url: str
) -> None:
    await three_disputes(walk)
    status, _ = await walk.say("isaiah", "report 2026-11-01 2026-12-31")
    assert status in {200, 201}
    summary = text_of(walk.shown_in(walk.chat("isaiah"))[-1].card)
    lines = summary.splitlines()
    assert "Disputes with partner agencies: 2" in lines
    assert lines[lines.index(HEALTH) + 1] == "1 (0 open, 1 resolved)"
    assert lines[lines.index(POLICE) + 1] == "1 (1 open, 0 resolved)"
    assert_names_no_child(summary)

    for fmt in ("csv", "md", "html"):
        out = tmp_path / f"report.{fmt}"
        argv = ["report", "--from", "2026-11-01", "--to", "2026-12-31", "--format", fmt]
        argv += ["--policy", "newham", "--database-url", walk_database_url, "--out", str(out)]
        assert await asyncio.to_thread(cli_main, argv) == 0
        text = out.read_text(encoding="utf-8")
        assert_names_no_child(text)
        if fmt == "csv":
            for row in (
                f"partner_agency,{HEALTH},disputes,count,1",
                f"partner_agency,{HEALTH},resolved,count,1",
                f"partner_agency,{HEALTH},open,count,0",
                f"partner_agency,{HEALTH},1,stage_reached,1",
                f"partner_agency,{POLICE},open,count,1",
                f"partner_agency,{POLICE},2,stage_reached,1",
                "partner_agency,all,total,disputes,2",
            ):
                assert f",{row}\n" in text, row
            assert "Riverside" not in "".join(
                line for line in text.splitlines() if ",partner_agency," in line
            )
        else:
            assert "Disputes with partner agencies" in text
            opening, closing = ("\\(", "\\)") if fmt == "md" else ("(", ")")  # md escapes
            for reached in ("Stage 1", "Stage 2"):
                assert f"{reached} {opening}1{closing}" in text, reached


async def test_a_report_without_partner_agencies_says_so(tmp_path: Path) -> None:
    async with running_bot(tmp_path, "newham", MONDAY) as walk:  # the demo: no partner column
        await walk.raise_dispute("alex", category="health", category_other="")
        status, _ = await walk.say("isaiah", "report 2026-11-01 2026-12-31")
        assert status in {200, 201}
        summary = text_of(walk.shown_in(walk.chat("isaiah"))[-1].card)
    assert "Disputes with partner agencies: 0" in summary
