"""A real PostgreSQL for the store's tests, never a silent skip.

In order: the server named by ``DRP_TEST_POSTGRES_URL``; the local one at 127.0.0.1:5432
(database ``test``, user postgres or root); else a throwaway server started from Debian's
binaries (``initdb`` + ``pg_ctl``) in a temporary directory on a free port. If none can be
had, the tests fail and say how to provide one.
"""

from __future__ import annotations

import asyncio
import getpass
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from tests.support.ports import LOOPBACK, free_port

LOCAL_PORT = 5432
LOCAL_DATABASE = "test"
DROP_LANES = 4  # connections dropping a session's databases at once
HOW_TO = (
    "set DRP_TEST_POSTGRES_URL=postgresql+asyncpg://USER@HOST:PORT/DB (a user that may CREATE"
    " DATABASE), run PostgreSQL on 127.0.0.1:5432, or install Debian's postgresql package"
)


class NoPostgres(RuntimeError):
    """No PostgreSQL could be found or started."""


@dataclass
class Server:
    """A PostgreSQL server and a URL to a database on it from which databases are created."""

    url: URL
    origin: str
    stop: Callable[[], None] = field(default=lambda: None)

    def database(self, name: str) -> URL:
        """The URL of another database on this server."""
        return self.url.set(database=name)


def dsn(url: URL) -> str:
    """An asyncpg DSN for a SQLAlchemy URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _reachable(url: URL) -> bool:
    async def probe() -> None:
        connection = await asyncpg.connect(dsn(url), timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    return True


def find_or_start() -> Server:
    """The named server, the local one, or a throwaway one."""
    named = os.environ.get("DRP_TEST_POSTGRES_URL")
    if named:
        url = make_url(named).set(drivername="postgresql+asyncpg")
        if not _reachable(url):
            raise NoPostgres(f"DRP_TEST_POSTGRES_URL is set but unreachable; {HOW_TO}")
        return Server(url, "DRP_TEST_POSTGRES_URL")
    for user in dict.fromkeys(("postgres", "root", getpass.getuser())):
        url = URL.create(
            "postgresql+asyncpg",
            username=user,
            host=LOOPBACK,
            port=LOCAL_PORT,
            database=LOCAL_DATABASE,
        )
        if _reachable(url):
            return Server(url, f"local server as {user}")
    return start_throwaway()


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise NoPostgres(f"no PostgreSQL reachable and no initdb to start one; {HOW_TO}")
    return Path(found[-1]).parent


def _as_server_user(workdir: Path) -> list[str]:
    """initdb refuses to run as root: run the server as the ``postgres`` user then."""
    if os.geteuid() != 0:
        return []
    shutil.chown(workdir, "postgres")
    return ["runuser", "-u", "postgres", "--"]


def start_throwaway() -> Server:
    """initdb + pg_ctl in a temporary directory, trust auth, loopback, a free port."""
    bindir = _binaries()
    workdir = Path(tempfile.mkdtemp(prefix="drp-pg-"))
    prefix = _as_server_user(workdir)
    data, port = workdir / "data", free_port()
    run = [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    subprocess.run([*run, "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {workdir} -c listen_addresses={LOOPBACK} -c fsync=off"
    start = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w"]
    subprocess.run([*start, "-l", str(workdir / "log"), "start"], check=True, capture_output=True)

    def stop() -> None:
        stop_cmd = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        subprocess.run(stop_cmd, check=False, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)

    url = URL.create(
        "postgresql+asyncpg", username="postgres", host=LOOPBACK, port=port, database="postgres"
    )
    return Server(url, f"throwaway server on port {port}", stop)


class Databases:
    """Throwaway databases on one server, all named with one prefix and dropped at the end."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.prefix = f"drp_test_{uuid.uuid4().hex[:10]}"
        self.template = f"{self.prefix}_template"
        self._count = 0

    def name(self) -> str:
        """A fresh database name."""
        self._count += 1
        return f"{self.prefix}_{self._count}"

    async def create(self, name: str, template: str = "template0") -> URL:
        """Create a database (a copy of ``template``) and return its URL."""
        connection = await asyncpg.connect(dsn(self.server.url))
        try:
            await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await connection.close()
        return self.server.database(name)

    async def drop_all(self) -> None:
        """Drop every database this session created, a few at once: each DROP DATABASE waits
        for a checkpoint, and drops waiting together share one (one by one, a loaded machine
        took minutes over a session's databases)."""
        connection = await asyncpg.connect(dsn(self.server.url))
        try:
            rows = await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{self.prefix}%"
            )
        finally:
            await connection.close()
        names = [str(row["datname"]) for row in rows]
        await asyncio.gather(*(self._drop(names[lane::DROP_LANES]) for lane in range(DROP_LANES)))

    async def _drop(self, names: list[str]) -> None:
        if not names:
            return
        connection = await asyncpg.connect(dsn(self.server.url))
        try:
            for name in names:
                await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await connection.close()
