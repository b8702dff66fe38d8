"""What the database fixtures share: the engines a store test runs on, an SQLite file's URL,
and migrating a database."""

from __future__ import annotations

import pytest

from store import Store

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
POSTGRES_ONLY = [pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


def sqlite_url(path: object) -> str:
    """The URL of an SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


async def upgraded(url: str) -> None:
    """Migrate the database at ``url`` to the newest schema."""
    store = await Store.open(url)
    try:
        await store.upgrade()
    finally:
        await store.close()
