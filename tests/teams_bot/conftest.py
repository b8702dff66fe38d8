"""Fixtures for the bot's walks: a fresh database on each real engine."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.postgres import Databases, Server

ENGINES = ("sqlite", "postgresql")
# The Agents SDK needs Python 3.12+; on 3.11 the bot runs on botbuilder only (tests/support/hosts).
collect_ignore_glob = ["test_agents_*.py"] if sys.version_info < (3, 12) else []


@pytest.fixture(scope="session")
def bot_pg_databases(pg_server: Server) -> Iterator[Databases]:
    """Empty PostgreSQL databases for the walks on the session's one server (the root
    conftest's ``pg_server``); never skipped when missing."""
    databases = Databases(pg_server)
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture(params=ENGINES)
def walk_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each engine (the bot migrates it as it starts)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'drp.sqlite3'}"
    databases: Databases = request.getfixturevalue("bot_pg_databases")
    url = asyncio.run(databases.create(databases.name()))
    return url.render_as_string(hide_password=False)
