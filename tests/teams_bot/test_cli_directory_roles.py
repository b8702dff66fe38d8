"""``drp-bot directory import`` checks each row's role against the profile the bot runs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from store import Store
from teams_bot.cli import main

PROFILES = Path(__file__).parents[1] / "profiles"
WYVERN = PROFILES / "wyvern-marches.toml"
WYVERN_STAFF = PROFILES / "wyvern-marches.csv"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in [n for n in os.environ if n.startswith("DRP_")]:
        monkeypatch.delenv(name)
    url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    return url


def roles_held(url: str) -> set[tuple[str, str]]:
    async def read() -> set[tuple[str, str]]:
        store = await Store.open(url)
        try:
            async with store.transaction(readonly=True) as tx:
                people = await tx.directory.people()
        finally:
            await store.close()
        return {(g.role.value, g.team) for p in people for g in p.roles}

    return asyncio.run(read())


def test_the_invented_councils_directory_imports_under_its_own_profile(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DRP_POLICY", str(WYVERN))
    capsys.readouterr()
    status = main(["directory", "import", str(WYVERN_STAFF), "--database-url", database])
    assert (status, capsys.readouterr().err) == (0, "")
    held = roles_held(database)
    assert ("case_lead", "Marches North") in held  # a team role, held per team
    assert ("partnership_director", "") in held  # an organisation post, council-wide


def test_a_role_the_running_profile_lacks_is_named_with_its_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default profile (Nottingham) has never heard of the invented council's roles.
    capsys.readouterr()
    status = main(["directory", "import", str(WYVERN_STAFF), "--database-url", database])
    err = capsys.readouterr().err
    assert status == 2
    assert "7 bad row(s); nothing was imported" in err
    assert "  line 2: role: unknown role 'conference_convenor' (known: chair, iro," in err
    assert roles_held(database) == set()


def test_the_policy_flag_names_the_profile_to_check_against(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = tmp_path / "people.csv"
    rows = WYVERN_STAFF.read_text(encoding="utf-8")
    people.write_text(rows + "t@wyvern.example,Tam,aad-t,team_manager,Marches North,\n")
    capsys.readouterr()
    argv = ["directory", "import", str(people), "--policy", str(WYVERN)]
    status = main([*argv, "--database-url", database])
    err = capsys.readouterr().err
    assert status == 2
    assert "  line 9: role: unknown role 'team_manager' (known: conference_convenor, " in err
    assert main([*argv[:-2], "--policy", "atlantis", "--database-url", database]) == 2
    assert "--policy: atlantis: policy: no such profile or file" in capsys.readouterr().err
