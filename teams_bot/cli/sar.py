"""``drp-bot sar --local-id ID``: everything held about one child, as one HTML file."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from drp.errors import InvalidInput
from exports.sar import SubjectAccess, sar_html
from store.store import Store
from teams_bot.cli.db import database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.cli.report import actor_of, add_output_options, context, write
from teams_bot.subject_access import local_id_of, subject_access


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sar``."""
    parser = commands.add_parser(
        "sar",
        help="a subject access export: everything held about one child (one HTML file)",
        description="Every dispute that names the child with this local ID, each with its "
        "events and full case record, who read or exported it and whose Teams chats show it; "
        "nothing about any other child (siblings only where on the same dispute, marked as "
        "such). One self-contained HTML page that prints to PDF. Each export is written to "
        "the audit log.",
    )
    parser.add_argument(
        "--local-id", required=True, metavar="ID", help="the child's local ID (case aside)"
    )
    add_output_options(parser)
    parser.set_defaults(handler=_sar)


def _sar(args: argparse.Namespace) -> int:
    try:
        local_id = local_id_of(args.local_id)
    except InvalidInput as error:
        raise CliError(f"--local-id: {error.reason}") from None
    if args.out is not None and not args.out.parent.is_dir():
        raise CliError(f"--out: {args.out.parent} is not a directory")
    ctx = context()
    now = args.now or datetime.now(UTC)

    async def work(store: Store) -> SubjectAccess:
        await ready(store)
        actor, name = await actor_of(store, args.actor)
        return await subject_access(store, local_id, actor, name, now)

    found = run(work, database_url(args))
    write(sar_html(found, ctx.policy), args.out)
    count = len(found.held)
    if args.out is not None or not count:
        naming = "1 dispute names" if count == 1 else f"{count} disputes name"
        print(f"{naming} this child.", file=sys.stderr)
    return 0
