"""Fixtures for the bot's walks: a fresh database on each real engine."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.postgres import Databases, NoPostgres, find_or_start

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def bot_pg_databases() -> Iterator[Databases]:
    """Throwaway PostgreSQL databases for the walks; never skipped when missing."""
    try:
        server = find_or_start()
    except (NoPostgres, subprocess.CalledProcessError, OSError) as error:
        pytest.fail(f"no PostgreSQL for the bot walks: {error}")
    databases = Databases(server)
    yield databases
    asyncio.run(databases.drop_all())
    server.stop()


@pytest.fixture(params=ENGINES)
def walk_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each engine (the bot migrates it as it starts)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    databases: Databases = request.getfixturevalue("bot_pg_databases")
    url = asyncio.run(databases.create(databases.name()))
    return url.render_as_string(hide_password=False)
