"""``drp-bot outstanding``: each chair's open disputes for supervision (seed 001)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from cards.report import outstanding_text
from drp.policy import Policy
from store.rows import Person
from store.store import Store
from teams_bot.audited_reads import raisers, supervision_rows
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.cli.report import context


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``outstanding``."""
    parser = commands.add_parser(
        "outstanding",
        help="open disputes per chair, with working days open, stage and overdue flags",
        description="For the chair's supervision: every open dispute a chair or IRO raised, "
        "longest open first.",
    )
    parser.add_argument(
        "--chair", metavar="EMAIL", help="only this chair's (default: every chair)"
    )
    parser.add_argument("--now", type=datetime.fromisoformat, help=argparse.SUPPRESS)
    add_database_option(parser)
    parser.set_defaults(handler=_outstanding)


def _outstanding(args: argparse.Namespace) -> int:
    ctx = context()
    now = args.now or datetime.now(UTC)

    async def work(store: Store) -> str:
        await ready(store)
        async with store.transaction(readonly=True) as tx:
            chairs = await _chairs(store, args.chair, ctx.policy)
            parts = []
            for chair in chairs:
                rows = await supervision_rows(tx, ctx, [chair.id], now)
                if rows or args.chair:
                    parts.append(f"{chair.name} <{chair.email}>\n{outstanding_text(rows)}")
        return "\n".join(parts) or "No open disputes.\n"

    print(run(work, database_url(args)), end="")
    return 0


async def _chairs(store: Store, email: str | None, policy: Policy) -> list[Person]:
    async with store.transaction(readonly=True) as tx:
        if not email:
            return await raisers(tx, policy)
        person = await tx.directory.by_email(email.strip().lower())
    if person is None:
        raise CliError(f"--chair: {email} is not in the directory")
    return [person]
