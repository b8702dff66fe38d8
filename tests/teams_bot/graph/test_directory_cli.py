"""``drp-bot directory sync | import --replace | hand-over | check-mapping`` as an operator runs
them: a real process against the loopback Graph, and the CLI beside a running bot."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store.demo import demo_directory_text
from teams_bot.cli import main
from tests.support.cards import reference_of
from tests.support.graph import MEMBERS_READ, USERS_READ, LoopbackGraph
from tests.support.graph_tenant import CLIENT_ID, SECRET, TENANT_ID, large_tenant, register
from tests.teams_bot.bot_harness import LONDON, PEOPLE, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)


async def drp_bot(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the ``drp-bot`` console script in a process of its own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DRP_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from teams_bot.cli import main; sys.exit(main())",
        *args,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return int(process.returncode or 0), out.decode(), err.decode()


def graph_env(graph: LoopbackGraph, tmp_path: Path, mapping: str) -> dict[str, str]:
    (tmp_path / "mapping.toml").write_text(mapping)
    return {
        "DRP_DATA_DIR": str(tmp_path / "data"),
        "DRP_GRAPH_TENANT_ID": TENANT_ID,
        "DRP_GRAPH_CLIENT_ID": CLIENT_ID,
        "DRP_GRAPH_CLIENT_SECRET": SECRET,
        "DRP_GRAPH_URL": graph.url,
        "DRP_GRAPH_AUTHORITY": graph.authority,
        "DRP_GRAPH_CA_FILE": str(graph.ca_file),
        "DRP_GRAPH_MAPPING": str(tmp_path / "mapping.toml"),
    }


async def test_directory_sync_reads_everything_then_only_changes(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=120, teams=4)
    register(graph)
    env = graph_env(graph, tmp_path, tenant.mapping)
    status, out, err = await drp_bot("directory", "sync", env=env)
    assert (status, err) == (0, ""), err
    assert "directory sync (full): 240 users and 120 memberships read" in out
    assert "120 added" in out
    status, out, _ = await drp_bot("directory", "sync", env=env)
    assert status == 0
    assert "directory sync (changes only): 0 users and 0 memberships read in 2 Graph" in out
    status, out, _ = await drp_bot("directory", "sync", "--full", env=env)
    assert "(full)" in out
    assert "120 unchanged" in out
    status, out, _ = await drp_bot("directory", "list", "--role", "team_manager", env=env)
    assert out.splitlines()[-1] == "4 people"


async def test_directory_sync_names_a_missing_permission_and_a_bad_mapping(
    graph: LoopbackGraph, tmp_path: Path
) -> None:
    tenant = large_tenant(graph, users=10, teams=1)
    register(graph, permissions=[MEMBERS_READ])
    env = graph_env(graph, tmp_path, tenant.mapping)
    status, out, err = await drp_bot("directory", "sync", env=env)
    assert (status, out) == (2, "")
    refused = "Graph refused GET /users/delta (403 Authorization_RequestDenied): grant the app"
    assert f"{refused} the {USERS_READ}" in err
    (tmp_path / "mapping.toml").write_text('[[groups]]\nid = "x"\nroles = ["chair"]\n')
    status, _, err = await drp_bot("directory", "sync", env=env)
    assert status == 2
    assert "DRP_GRAPH_MAPPING" in err
    assert "groups[0].id: 'x' is not a group's object id" in err
    status, _, err = await drp_bot(
        "directory", "check-mapping", str(tmp_path / "mapping.toml"), env={}
    )
    assert status == 2
    assert "groups[0].id" in err


def test_check_mapping_accepts_a_good_file(
    graph: LoopbackGraph, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.toml"
    path.write_text(large_tenant(graph, users=3, teams=2).mapping)
    assert main(["directory", "check-mapping", str(path)]) == 0
    assert (
        "ok, 4 groups (chair, service_manager); roles also from jobTitle"
        in capsys.readouterr().out
    )


def without(*names: str) -> str:
    """The demo directory without these people's rows."""
    rows = list(csv.DictReader(io.StringIO(demo_directory_text())))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(r for r in rows if r["name"].split()[0].lower() not in names)
    return out.getvalue()


async def test_import_replace_gives_file_users_the_same_leaver_handling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    async with running_bot(tmp_path, "nottingham", MONDAY, url) as walk:
        await walk.monitor_here()
        reference = reference_of(await walk.raise_dispute("alex"))
        (tmp_path / "staff.csv").write_text(without("megan", "alex"))
        args = [
            "directory",
            "import",
            str(tmp_path / "staff.csv"),
            "--replace",
            "--database-url",
            url,
        ]
        assert await asyncio.to_thread(main, args) == 0
        out = capsys.readouterr().out
        assert "2 left (1 open disputes handed to deputies, 1 flagged" in out
        walk.clock.now = datetime.now(UTC) + timedelta(minutes=1)  # the CLI owes on the wall clock
        await walk.deliver()
        assert walk.dispute_card("jordan", reference)
        assert any("nobody to take it on" in str(s.card) for s in walk.board_cards(reference))
        # The chairs' service manager asks the administrator to hand Alex's part to Sam.
        hand = [
            "directory",
            "hand-over",
            "--from",
            PEOPLE["alex"].email,
            "--to",
            "sam.sample@ashdown-vale.example",
            "--database-url",
            url,
        ]
        assert await asyncio.to_thread(main, hand) == 0
        assert (
            "1 open dispute(s) handed to sam.sample@ashdown-vale.example"
            in capsys.readouterr().out
        )
        assert (await walk.events(reference))[-2:] == ["handed_over", "handed_over"]
        refused = [
            "directory",
            "hand-over",
            "--from",
            "isaiahl@example.com",
            "--to",
            "sam.sample@ashdown-vale.example",
            "--database-url",
            url,
        ]
        assert await asyncio.to_thread(main, refused) == 2
        assert "has not left" in capsys.readouterr().err
