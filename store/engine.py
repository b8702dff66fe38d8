"""Database URLs and engines: SQLite (WAL, foreign keys, one writer) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from store import sqlite_driver
from store.errors import InvalidRecord

SQLITE = "sqlite+aiosqlite"
POSTGRESQL = "postgresql+asyncpg"
BUSY_TIMEOUT_SECONDS = 30
READONLY = "drp_readonly"
_DRIVERS = {
    "sqlite": SQLITE,
    SQLITE: SQLITE,
    "postgresql": POSTGRESQL,
    "postgres": POSTGRESQL,
    POSTGRESQL: POSTGRESQL,
}


def parse_url(url: str) -> URL:
    """A database URL with its async driver: ``sqlite:///x`` and ``postgresql://`` are accepted."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidRecord("database_url", "is not a database URL") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise InvalidRecord(
            "database_url",
            f"driver {parsed.drivername!r} is not supported (use {SQLITE} or {POSTGRESQL})",
        )
    if driver == SQLITE and parsed.database in {None, "", ":memory:"}:
        raise InvalidRecord("database_url", "give an SQLite file path; in-memory would vanish")
    return parsed.set(drivername=driver)


def redact(url: URL) -> str:
    """The URL for messages: the password hidden."""
    return url.render_as_string(hide_password=True)


# Loggers that print statements' parameters or fetched rows (child data) below WARNING.
QUIET_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")


def create_engine(url: URL) -> AsyncEngine:
    """An engine for ``url`` (already parsed), configured for its backend. Its errors and log
    lines never carry SQL parameters, and its drivers never log rows or parameters."""
    quiet_sql_logging()
    if url.drivername == SQLITE:
        return _sqlite_engine(url)
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


def quiet_sql_logging() -> None:
    """Hold the SQL loggers at WARNING whatever the root level: at INFO SQLAlchemy logs
    statements, at DEBUG the rows it fetches and aiosqlite each call with its parameters."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET follows the root: pin it
            logger.setLevel(logging.WARNING)


def _sqlite_engine(url: URL) -> AsyncEngine:
    assert url.database is not None
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        module=sqlite_driver.dbapi(),  # one thread hop a statement (store/sqlite_driver.py)
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
        # Every transaction ends in its own COMMIT or ROLLBACK (Store.transaction), and the
        # driver runs in autocommit between them: the pool's ROLLBACK on every return was one
        # more hop to the connection's thread for nothing.
        pool_reset_on_return=None,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the driver so that _on_sqlite_begin decides how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        # Deleted and overwritten content is zeroed, so erased children's details and free text
        # leave no copy in free space (retention, correction; see store/erasure.py).
        "PRAGMA secure_delete=ON",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}",
    ):
        cursor.execute(pragma)
    cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    # A writing transaction takes the write lock before it reads anything: two writers queue
    # on the busy timeout instead of both reading, then one failing to upgrade its lock
    # (SQLITE_BUSY). The BEGIN goes to the database with the transaction's first statement,
    # in the same hop to aiosqlite's thread (store/sqlite_driver.py).
    readonly = connection.get_execution_options().get(READONLY, False)
    dbapi_connection = connection.connection.dbapi_connection
    assert isinstance(dbapi_connection, sqlite_driver.OneHopConnection)
    dbapi_connection.begin_with("BEGIN" if readonly else "BEGIN IMMEDIATE")
