"""Fixtures every test package shares: the session's one PostgreSQL server, found or started
by ``tests/store/postgres.py`` (never skipped: without one, every PostgreSQL test fails and
says how to provide it), and one store per test on each engine: a real SQLite file and a real
PostgreSQL database (``engine``, ``database_url``, ``empty_database_url``, ``store``)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from store import Store
from tests.store.postgres import Databases, NoPostgres, Server, find_or_start
from tests.support import hosts
from tests.support.databases import ENGINES, sqlite_url, upgraded

# No per-example deadline: on a loaded machine a pure property's example can take longer than
# hypothesis's default 200 ms, which failed runs for no fault of the code (timings are bench/'s).
settings.register_profile("drp", deadline=None)
settings.load_profile("drp")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test in a module that starts the bot (``hosts.starts_bot``) runs on each host."""
    if hosts.starts_bot(metafunc.module) and not metafunc.definition.get_closest_marker(
        "one_host"
    ):
        if "bot_host" not in metafunc.fixturenames:
            metafunc.fixturenames.append("bot_host")
        # Module scope: a module's tests run host by host, and a module-scoped scene that asks
        # for ``bot_host`` is built once per host (not once, on whichever host came first).
        metafunc.parametrize("bot_host", hosts.HOSTS, indirect=True, ids=str, scope="module")


@pytest.fixture(autouse=True)
def _on_its_host(request: pytest.FixtureRequest) -> None:
    """A test given a host by ``pytest_generate_tests`` runs on it even when none of its
    fixtures asks for ``bot_host``: the name added to ``metafunc.fixturenames`` gave the test
    its ``[agents]`` id but never set the fixture up, so such a test ran on the default host
    twice (test_fuzz_activities' bot, built in a thread from ``hosts.current()``)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and "bot_host" in callspec.params:
        request.getfixturevalue("bot_host")


@pytest.fixture(scope="module")
def bot_host(request: pytest.FixtureRequest) -> Iterator[hosts.BotHost]:
    """The host the bots of this test run on (``hosts.current()``): its parameter, else
    DRP_BOT_HOST's."""
    chosen = getattr(request, "param", None) or hosts.default()
    hosts.choose(chosen)
    yield chosen
    hosts.release()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The PostgreSQL server for this session (a throwaway one is stopped at the end)."""
    try:
        server = find_or_start()
    except (NoPostgres, subprocess.CalledProcessError, OSError) as error:
        pytest.fail(f"no PostgreSQL for the tests: {error}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_databases(pg_server: Server) -> Iterator[Databases]:
    """This session's databases, including a migrated template; all dropped at the end."""
    databases = Databases(pg_server)

    async def build() -> None:
        url = await databases.create(databases.template)
        await upgraded(url.render_as_string(hide_password=False))

    asyncio.run(build())
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "drp.sqlite3"
    asyncio.run(upgraded(sqlite_url(path)))
    return path


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``; a test may narrow it with indirect parametrisation."""
    return str(request.param)


@pytest.fixture
def database_url(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database on ``engine``."""
    if engine == "sqlite":
        target = tmp_path / "drp.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return sqlite_url(target)
    databases: Databases = request.getfixturevalue("pg_databases")
    url = asyncio.run(databases.create(databases.name(), databases.template))
    return url.render_as_string(hide_password=False)


@pytest.fixture
def empty_database_url(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on ``engine`` with no schema at all."""
    if engine == "sqlite":
        return sqlite_url(tmp_path / "data" / "fresh.sqlite3")
    databases: Databases = request.getfixturevalue("pg_databases")
    url = asyncio.run(databases.create(databases.name()))
    return url.render_as_string(hide_password=False)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """An open store on a fresh, migrated database."""
    opened = await Store.open(database_url)
    yield opened
    await opened.close()
