"""Leavers over real HTTP: the demo council synced from the loopback Graph, a manager deleted
in Entra ID, their open dispute handed to their deputy (who gets the card and can answer it);
a chair with no deputy flagged to the chairs' service manager on the board, naming no child."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from teams_bot.graph.client import GraphClient
from teams_bot.graph.mapping import parse_mapping
from teams_bot.graph.sync import DirectorySync, SyncReport
from teams_bot.leavers import Leavers
from tests.support.cards import reference_of, text_of
from tests.support.graph import LoopbackGraph
from tests.support.graph_tenant import Tenant, demo_tenant, register
from tests.teams_bot.bot_harness import (
    CHILD,
    LONDON,
    PEOPLE,
    Walk,
    assert_no_child_name,
    running_bot,
)

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)


async def sync(walk: Walk, graph: LoopbackGraph, tenant: Tenant) -> SyncReport:
    """A sync inside the running bot (as ``serve`` runs it on its schedule)."""
    client = GraphClient(register(graph))
    deps = walk.bot.deps
    leavers = Leavers(walk.bot.store, deps.ctx, walk.clock, deps.wake)
    mapping = parse_mapping(tenant.mapping, "demo.toml")
    try:
        return await DirectorySync(walk.bot.store, client, mapping, leavers, walk.clock).run()
    finally:
        await client.close()


async def test_a_deleted_managers_dispute_goes_to_their_deputy_who_answers_it(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with (
        LoopbackGraph(tmp_path / "tls", page_size=5) as graph,
        running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk,
    ):
        tenant = demo_tenant(graph)
        first = await sync(walk, graph, tenant)
        assert (first.added, first.left, first.problems) == (0, 0, [])
        card = await walk.raise_dispute("alex")
        reference = reference_of(card)
        assert walk.dispute_card("megan", reference)
        graph.directory.delete_user(PEOPLE["megan"].aad_object_id)
        report = await sync(walk, graph, tenant)
        await walk.deliver()
        assert (report.full, report.left, report.handed, report.flagged) == (False, 1, 1, 0)
        assert (await walk.events(reference))[-1] == "handed_over"
        handed = walk.dispute_card("jordan", reference)
        assert "drp.respond" in str(handed.card)
        told = walk.notices("alex", reference)
        assert told, "the chair hears that the dispute changed hands"
        # Megan has left: Teams may still let her press her old card; the bot refuses her.
        refused = await walk.press("megan", "drp.refresh", {"reference": reference})
        assert "Not in the directory" in text_of(refused)
        await walk.act(
            "jordan", reference, "drp.respond", response="Covering for Megan: plan agreed."
        )
        assert (await walk.events(reference))[-1] == "responded"


async def test_a_chair_with_no_deputy_is_flagged_on_the_board_without_the_child(
    tmp_path: Path,
) -> None:
    async with (
        LoopbackGraph(tmp_path / "tls") as graph,
        running_bot(tmp_path, "nottingham", MONDAY) as walk,
    ):
        tenant = demo_tenant(graph)
        await sync(walk, graph, tenant)
        await walk.monitor_here()
        reference = reference_of(await walk.raise_dispute("alex"))
        chairs = next(g for g, key in tenant.groups.items() if key == "chair/")
        graph.directory.remove_member(chairs, PEOPLE["alex"].aad_object_id)
        report = await sync(walk, graph, tenant)
        await walk.deliver()
        assert (report.left, report.handed, report.flagged) == (1, 0, 1)
        flags = [
            s for s in walk.board_cards(reference) if "nobody to take it on" in text_of(s.card)
        ]
        assert len(flags) == 1
        text = text_of(flags[0].card)
        assert "Alex Wilber" in text
        assert "raised it" in text
        assert "<at>Isaiah Langer</at>" in text
        mentioned = flags[0].card["msteams"]["entities"][0]["mentioned"]
        assert mentioned["id"] == PEOPLE["isaiah"].id
        assert_no_child_name(flags[0].card, (CHILD,))
        assert CHILD[1] not in text
        # Flagged once: a later sync owes nothing more.
        again = await sync(walk, graph, tenant)
        await walk.deliver()
        assert again.flagged == 0
        assert len([s for s in walk.board_cards(reference) if "nobody" in text_of(s.card)]) == 1
