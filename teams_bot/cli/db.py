"""``drp-bot db``: build, upgrade or inspect the database schema."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from store import migrate
from store.engine import parse_url
from store.errors import InvalidRecord, StoreError
from store.store import Store
from teams_bot.cli.errors import CliError
from teams_bot.settings import Settings, SettingsError

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``db upgrade`` and ``db current``."""
    parser = subparsers.add_parser(
        "db",
        help="create or upgrade the database schema",
        description="Apply the migrations shipped with drp-bot, or show the schema revision.",
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply every pending migration (safe to repeat)")
    add_database_option(upgrade)
    upgrade.set_defaults(handler=_upgrade)
    current = actions.add_parser("current", help="print the schema revision")
    add_database_option(current)
    current.add_argument(
        "--check", action="store_true", help="exit with status 1 unless the schema is current"
    )
    current.set_defaults(handler=_current)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database-url``, defaulting to the settings (DRP_DATABASE_URL or the SQLite file)."""
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="the database (default: DRP_DATABASE_URL, else an SQLite file in DRP_DATA_DIR)",
    )


def database_url(args: argparse.Namespace) -> str:
    """The database the command works on, validated."""
    if args.database_url:
        try:
            return parse_url(args.database_url).render_as_string(hide_password=False)
        except InvalidRecord as error:
            raise CliError(f"--database-url: {error.reason}") from None
    try:
        return Settings.load().database_url
    except SettingsError as error:
        raise CliError(str(error)) from None


def run(work: Callable[[Store], Awaitable[T]], url: str) -> T:
    """Open the store, do ``work``, close it; store errors become CLI errors."""

    async def go() -> T:
        store = await Store.open(url)
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(go())
    except StoreError as error:
        raise CliError(str(error)) from None


async def ready(store: Store) -> None:
    """An SQLite file is upgraded on the spot; a shared PostgreSQL must be upgraded on purpose."""
    if store.backend == "sqlite":
        await store.upgrade()
        return
    if await store.current_revision() != migrate.head():
        raise CliError(f"{store.display_url}: the schema is not current; run: drp-bot db upgrade")


def _upgrade(args: argparse.Namespace) -> int:
    async def work(store: Store) -> tuple[str | None, str]:
        return await store.current_revision(), await store.upgrade()

    url = database_url(args)
    before, after = run(work, url)
    where = parse_url(url).render_as_string(hide_password=True)
    change = "already current" if before == after else f"upgraded from {before or 'empty'}"
    print(f"{where}: schema at revision {after} ({change})")
    return 0


def _current(args: argparse.Namespace) -> int:
    url = database_url(args)
    found = run(lambda store: store.current_revision(), url)
    head = migrate.head()
    if found == head:
        print(f"{found} (head)")
        return 0
    print(f"{found or 'empty'} (head is {head}; run: drp-bot db upgrade)")
    return 1 if args.check else 0
