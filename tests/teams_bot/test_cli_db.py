"""``drp-bot db`` and ``drp-bot directory`` through ``teams_bot.cli.main``, on both engines."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from drp.roles import RoleBook
from store import Store, migrate
from teams_bot.cli import main

HEADER = "email,name,aad_object_id,role,team,deputy_email\n"
GOOD = HEADER + (
    "tom@council.example,Tom Manager,aad-1,team_manager,Riverside,\n"
    "ann@council.example,Ann Chair,aad-2,chair,,tom@council.example\n"
)
BAD = HEADER + (
    "tom@council.example,Tom Manager,aad-1,team_manager,Riverside,\n"
    "ann@council,Ann Chair,aad-2,chair,,\n"
    "sue@council.example,Sue Service,aad-3,service_manager,,\n"
    "bo@council.example,Bo Chair,aad-4,chair,,ghost@council.example\n"
    "tom@council.example,Tom Again,aad-5,wizard,Riverside,\n"
)


def people_in(url: str) -> int:
    async def count() -> int:
        store = await Store.open(url)
        try:
            async with store.transaction(readonly=True) as tx:
                return len(await tx.directory.people())
        finally:
            await store.close()

    return asyncio.run(count())


def test_db_upgrade_builds_the_schema_on_a_fresh_database(
    empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--database-url", empty_database_url]
    assert main(["db", "current", "--check", *url]) == 1
    assert f"empty (head is {migrate.head()}" in capsys.readouterr().out
    assert main(["db", "upgrade", *url]) == 0
    assert f"schema at revision {migrate.head()} (upgraded from empty)" in capsys.readouterr().out
    assert main(["db", "upgrade", *url]) == 0
    assert "(already current)" in capsys.readouterr().out
    assert main(["db", "current", "--check", *url]) == 0
    assert capsys.readouterr().out == f"{migrate.head()} (head)\n"
    assert people_in(empty_database_url) == 0


def test_db_upgrade_uses_an_sqlite_file_in_the_data_dir_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("DRP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DRP_DATA_DIR", "state")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "state" / "drp.sqlite3").is_file()
    assert str(tmp_path / "state" / "drp.sqlite3") in capsys.readouterr().out


def test_a_bad_setting_is_a_usage_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRP_DATABASE_URL", "mysql://db/drp")
    assert main(["db", "upgrade"]) == 2
    assert "drp-bot: error: DRP_DATABASE_URL: driver 'mysql' is not supported" in (
        capsys.readouterr().err
    )


def test_directory_import_refuses_a_bad_file_whole_naming_every_bad_line(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(BAD, encoding="utf-8")
    assert main(["directory", "import", str(path), "--database-url", database_url]) == 2
    error = capsys.readouterr().err
    assert f"{path}: 4 bad row(s); nothing was imported" in error
    assert error.splitlines()[1:] == [
        "  line 3: email: 'ann@council' is not an e-mail address",
        "  line 4: team: is required for service_manager",
        "  line 5: deputy_email: nobody with this e-mail in the file or the directory",
        "  line 6: email: duplicate of line 2",
        "  line 6: role: unknown role 'wizard' (known: " + RoleBook.defaults().known() + ")",
    ]
    assert people_in(database_url) == 0


def test_directory_import_of_a_good_file_upserts_and_lists(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "directory.csv"
    path.write_text(GOOD, encoding="utf-8")
    url = ["--database-url", database_url]
    assert main(["directory", "import", str(path), *url]) == 0
    assert "imported 2 people (2 new, 0 updated) in 1 teams" in capsys.readouterr().out
    assert main(["directory", "import", str(path), *url]) == 0
    assert "imported 2 people (0 new, 2 updated)" in capsys.readouterr().out
    assert main(["directory", "list", "--role", "team_manager", "--team", "Riverside", *url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("tom@council.example\tTom Manager\tteam_manager (Riverside)")
    assert listed[-1] == "1 people"


def test_directory_import_of_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    url = f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    assert main(["directory", "import", str(missing), "--database-url", url]) == 2
    assert f"{missing}: cannot read: No such file or directory" in capsys.readouterr().err
