"""Alembic environment: runs on the caller's connection (``Store.upgrade``, ``drp-bot db``).

For development with the ``alembic`` command: ``alembic -c store/migrations/alembic.ini
-x url=sqlite+aiosqlite:///scratch.sqlite3 revision --autogenerate -m "..."``.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from store.engine import create_engine, parse_url
from store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on(url: str) -> None:
    engine = create_engine(parse_url(url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database with -x url=... (see store/migrations/env.py)")
    return url


_shared = context.config.attributes.get("connection")
if _shared is not None:
    _run(_shared)
elif context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_on(_url()))
