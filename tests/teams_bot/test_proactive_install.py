"""Proactive installation (issue 19.3) over real HTTP: the bot, the loopback Bot Connector and
the loopback Graph (HTTPS). A manager who never opened the app gets it installed through Graph
and the card in the chat the installation opened; without the permission the bot says so at
start and @mentions them on the monitoring channel, as before."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from teams_bot.graph.client import GraphClient
from teams_bot.graph.install import NO_APP_ID, NO_PERMISSION, ON, AppInstaller, start_installer
from teams_bot.settings import GraphSettings
from tests.support.cards import reference_of, text_of
from tests.support.graph import INSTALL_FOR_USER, MEMBERS_READ, USERS_READ, LoopbackGraph
from tests.support.graph_tenant import demo_tenant, register
from tests.teams_bot.bot_harness import BOARD, TEAM, Walk, running_bot
from tests.teams_bot.scheduler_scene import london

START = london(2026, 11, 23, 9, 0)
TEAMS_APP_ID = "3c1f0a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"  # the app's id in the org's catalog
MANIFEST_ID = "7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a090"


@asynccontextmanager
async def tenant(
    tmp_path: Path, permissions: tuple[str, ...]
) -> AsyncIterator[tuple[LoopbackGraph, GraphClient, GraphSettings]]:
    """The demo council in a loopback Entra tenant, the DRP app in its catalog, and a Graph
    client signed in as the bot's Graph app granted ``permissions``."""
    async with LoopbackGraph(tmp_path) as graph:
        settings = replace(register(graph, permissions), teams_app_id=TEAMS_APP_ID)
        graph.publish_app(TEAMS_APP_ID, MANIFEST_ID)
        demo_tenant(graph)
        client = GraphClient(settings)
        try:
            yield graph, client, settings
        finally:
            await client.close()


def install_opens_chats(graph: LoopbackGraph, walk: Walk) -> None:
    """An installation in Entra is an installation Teams knows: the connector lets the bot
    chat with the user in the installation's chat."""
    by_object_id = {m.aad_object_id: m.id for m in walk.people.values()}
    graph.on_install = lambda i: walk.conn.app_installed_for(by_object_id[i.user_id], i.chat_id)


async def test_a_manager_who_never_opened_the_app_gets_it_installed_and_the_card(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    every = (USERS_READ, MEMBERS_READ, INSTALL_FOR_USER)
    async with tenant(tmp_path, every) as (graph, client, settings):
        with caplog.at_level(logging.INFO, logger="teams_bot.graph"):
            installer = await start_installer(client, settings)
        assert installer is not None
        assert ON in caplog.text
        async with running_bot(tmp_path, "nottingham", START, installer=installer) as walk:
            install_opens_chats(graph, walk)
            megan = walk.people["megan"]
            walk.conn.forbid_conversation_with(megan.id)  # she never opened the app
            await walk.say("alex", "help")
            reference = reference_of(await walk.raise_dispute("alex", team=TEAM))

            [installation] = graph.installations.values()
            assert installation.user_id == megan.aad_object_id
            cards = walk.cards_in(installation.chat_id)
            assert [reference in text_of(card) for card in cards] == [True]
            teamwork = [(c.method, c.path.split("/teamwork/")[-1], c.status) for c in graph.calls]
            teamwork = [t for t in teamwork if t[1].startswith("installedApps")]
            assert teamwork == [
                ("POST", "installedApps", 201),
                ("GET", "installedApps", 200),
                ("GET", f"installedApps/{installation.id}/chat", 200),
            ]
            async with walk.bot.store.transaction(readonly=True) as tx:
                stored = await tx.directory.person(await walk.person_id("megan"))
            assert stored is not None
            assert stored.conversation_ref is not None
            assert stored.conversation_ref["conversation"]["id"] == installation.chat_id
            assert not [a for a in walk.conn.activities(BOARD) if "<at>" in str(a)]


async def test_without_the_permission_it_says_so_at_start_and_mentions_instead(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with tenant(tmp_path, (USERS_READ, MEMBERS_READ)) as (graph, client, settings):
        with caplog.at_level(logging.INFO, logger="teams_bot.graph"):
            assert await start_installer(client, settings) is None
            assert await start_installer(client, replace(settings, teams_app_id="")) is None
        assert NO_PERMISSION.format(permission=INSTALL_FOR_USER) in caplog.text
        assert NO_APP_ID in caplog.text
        # Granted at start, revoked since: Graph's 403 is an @mention, not a lost card.
        installer = AppInstaller(client, TEAMS_APP_ID)
        async with running_bot(tmp_path, "nottingham", START, installer=installer) as walk:
            await walk.say("alex", "help")
            await walk.monitor_here()
            walk.conn.forbid_conversation_with(walk.people["megan"].id)
            reference = reference_of(await walk.raise_dispute("alex", team=TEAM))

            assert [(c.method, c.status) for c in graph.calls if "teamwork" in c.path] == [
                ("POST", 403)
            ]
            assert not graph.installations
            mentions = [a for a in walk.conn.activities(BOARD) if "<at>Megan Bowen</at>" in str(a)]
            assert len(mentions) == 1
            assert reference in text_of(mentions[0]["attachments"][0]["content"])
