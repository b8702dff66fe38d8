"""``drp-bot record REF``: the case record for the child's file (printable HTML or Markdown)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from store.store import Store
from teams_bot.audited_reads import Format, export_record
from teams_bot.cli.db import database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.cli.report import actor_of, add_output_options, context, write


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``record``."""
    parser = commands.add_parser(
        "record",
        help="one dispute's full case record for the child's file (HTML or Markdown)",
        description="Every step of the dispute with who, when, deadlines, responses, SMART "
        "actions, the chair's reviews, escalations, referrals and the outcome. The HTML page "
        "is self-contained and prints on A4. Each export is written to the audit log.",
    )
    parser.add_argument("reference", metavar="REF", help="e.g. DRP-2026-000123")
    parser.add_argument(
        "--format", choices=(Format.HTML.value, Format.MARKDOWN.value), default=Format.HTML.value
    )
    add_output_options(parser)
    parser.set_defaults(handler=_record)


def _record(args: argparse.Namespace) -> int:
    reference = args.reference.strip().upper()
    ctx = context()
    now = args.now or datetime.now(UTC)

    async def work(store: Store) -> str | None:
        await ready(store)
        actor, name = await actor_of(store, args.actor)
        return await export_record(store, ctx, reference, actor, name, Format(args.format), now)

    text = run(work, database_url(args))
    if text is None:
        raise CliError(f"REF: there is no dispute {reference}")
    write(text, args.out)
    return 0
