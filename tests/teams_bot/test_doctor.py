"""``drp-bot doctor`` in a real process against real parts: a migrated SQLite file with the demo
directory, the loopback Graph and Entra sign-in (HTTPS) for both the Graph app and the bot's
registration, and a local SMTP server. It passes on the demo set up as a council would; with one
part broken it names that part, says what to do and exits 1, the other parts still ok."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from store.demo import load_demo_directory
from store.store import Store
from tests.support.graph import INSTALL_FOR_USER, MEMBERS_READ, USERS_READ, LoopbackGraph
from tests.support.graph_tenant import CLIENT_ID, SECRET, TENANT_ID, demo_tenant, register
from tests.support.smtp import local_smtp

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BOT_APP_ID = CLIENT_ID  # one app registration: the bot, and the Graph app that installs it
BOT_SECRET = SECRET
TEAMS_APP_ID = "3c1f0a2b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
READER_ONLY = "0f1e2d3c-4b5a-4697-8877-665544332211"  # a Graph app granted User.Read.All only
CHANNEL = {"conversation": {"id": "19:board@thread.tacv2"}, "serviceUrl": "https://x/"}
DRP_BOT = Path(sys.executable).with_name("drp-bot")
PARTS = (
    "configuration",
    "database and migration",
    "policy and directory",
    "monitoring channel",
    "bot credentials",
    "Graph permissions",
    "SMTP server",
)

Arrange = Callable[[Store], Awaitable[None]]


async def demo_council(store: Store) -> None:
    """The demo directory and a monitoring channel, as after `monitor here`."""
    await load_demo_directory(store, at=NOW)
    async with store.transaction() as tx:
        await tx.directory.set_monitoring_channel(CHANNEL, at=NOW)


async def without_service_manager(store: Store) -> None:
    await demo_council(store)
    async with store.transaction() as tx:
        [adele] = [p for p in await tx.directory.people() if p.name == "Adele Vance"]
        await tx.directory.deactivate(adele.id, at=NOW)


async def database(path: Path, arrange: Arrange | None) -> str:
    """A SQLite file: migrated and arranged, or (no ``arrange``) created with no schema."""
    url = f"sqlite+aiosqlite:///{path}"
    store = await Store.open(url)
    try:
        if arrange is not None:
            await store.upgrade()
            await arrange(store)
    finally:
        await store.close()
    return url


async def doctor(cwd: Path, env: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Run `drp-bot doctor`; its exit status and each part's line (what follows the name)."""
    process = await asyncio.create_subprocess_exec(
        str(DRP_BOT),
        "doctor",
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    lines: dict[str, str] = {}
    last = ""
    for line in out.decode().splitlines():
        for part in PARTS:
            if f"  {part}: " in line:
                lines[part], last = line, part
        if line.strip().startswith("what to do:"):
            lines[last] += " | " + line.strip()
    assert process.returncode is not None
    return process.returncode, lines


async def test_doctor_passes_on_the_demo_and_names_each_broken_part(tmp_path: Path) -> None:
    urls = {
        name: await database(tmp_path / f"{name}.sqlite3", arrange)
        for name, arrange in (
            ("demo", demo_council),
            ("no-board", load_demo_directory_only),
            ("unstaffed", without_service_manager),
            ("unmigrated", None),
        )
    }
    async with LoopbackGraph(tmp_path) as graph, local_smtp("none") as smtp:
        register(graph, (USERS_READ, MEMBERS_READ, INSTALL_FOR_USER))
        graph.register_app(TENANT_ID, READER_ONLY, SECRET, (USERS_READ,))
        demo_tenant(graph)
        healthy = {
            "DRP_DATABASE_URL": urls["demo"],
            "DRP_POLICY": "nottingham",
            "DRP_GRAPH_TENANT_ID": TENANT_ID,
            "DRP_GRAPH_CLIENT_ID": CLIENT_ID,
            "DRP_GRAPH_CLIENT_SECRET": SECRET,
            "DRP_GRAPH_URL": graph.url,
            "DRP_GRAPH_AUTHORITY": graph.authority,
            "DRP_GRAPH_CA_FILE": str(graph.ca_file),
            "DRP_TEAMS_APP_ID": TEAMS_APP_ID,
            "DRP_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "DRP_SMTP_STARTTLS": "false",
            "DRP_SMTP_FROM": "DRP bot <drp-bot@ashdown-vale.example>",
            "MicrosoftAppId": BOT_APP_ID,
            "MicrosoftAppPassword": BOT_SECRET,
            "MicrosoftAppType": "SingleTenant",
            "MicrosoftAppTenantId": TENANT_ID,
        }
        status, lines = await doctor(tmp_path, healthy)
        assert status == 0, lines
        assert sorted(lines) == sorted(PARTS)
        assert all(line.startswith("ok") for line in lines.values()), lines

        broken = [
            ("configuration", {"DRP_NATION": "XX"}, "DRP_NATION"),
            ("database and migration", {"DRP_DATABASE_URL": urls["unmigrated"]}, "db upgrade"),
            (
                "policy and directory",
                {"DRP_DATABASE_URL": urls["unstaffed"]},
                "has no Service manager",
            ),
            ("monitoring channel", {"DRP_DATABASE_URL": urls["no-board"]}, "monitor here"),
            ("bot credentials", {"MicrosoftAppPassword": "wrong"}, "MicrosoftAppPassword"),
            ("Graph permissions", {"DRP_GRAPH_CLIENT_ID": READER_ONLY}, MEMBERS_READ),
            ("SMTP server", {"DRP_SMTP_URL": "smtp://127.0.0.1:1"}, "DRP_SMTP_URL"),
        ]
        for part, change, named in broken:
            status, lines = await doctor(tmp_path, {**healthy, **change})
            assert status == 1, (part, lines)
            assert lines[part].startswith("PROBLEM"), (part, lines)
            assert named in lines[part], (part, lines[part])
            others = {p: line for p, line in lines.items() if p != part}
            assert all(not line.startswith("PROBLEM") for line in others.values()), (part, lines)
        assert smtp.received == []  # doctor sends nothing


async def load_demo_directory_only(store: Store) -> None:
    await load_demo_directory(store, at=NOW)
