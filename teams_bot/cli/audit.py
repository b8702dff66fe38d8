"""``drp-bot audit``: who read, exported, was refused or changed what, as CSV or Markdown."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from pathlib import Path

from drp import validation as check
from drp.calendar import LONDON
from drp.errors import InvalidInput
from drp.governance import printable
from exports.audit_trail import trail_csv, trail_markdown
from store.store import Store
from teams_bot.audit_trail import TrailQuery, trail
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.cli.report import iso_date, write

FORMATS = ("csv", "md")
# Actors that are not directory people: the command line's logins and the bot itself.
_NOT_PEOPLE = ("cli:", "system")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audit``."""
    parser = commands.add_parser(
        "audit",
        help="who read, exported, was refused or changed what (CSV or Markdown)",
        description="Lists the audit log (case records read or exported, reports, subject "
        "access exports, refusals, corrections, erasures) with every change in the event log "
        "(raised, responded, escalated...), oldest first, with each person's name and e-mail. "
        "Codes and ids only: never a child's details or any free text. Dates are Europe/London "
        "and both ends are included.",
    )
    parser.add_argument("--reference", metavar="REF", help="one dispute, e.g. DRP-2026-000123")
    parser.add_argument(
        "--person", metavar="EMAIL", help="one person (or cli:LOGIN, or system for the bot)"
    )
    parser.add_argument("--from", dest="start", type=iso_date, metavar="DATE")
    parser.add_argument("--to", dest="end", type=iso_date, metavar="DATE")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--out", metavar="FILE", type=Path, help="write here instead of stdout")
    add_database_option(parser)
    parser.set_defaults(handler=_audit)


def _audit(args: argparse.Namespace) -> int:
    reference = _reference(args.reference)
    start, end = _bounds(args.start, args.end)

    async def work(store: Store) -> str:
        await ready(store)
        query = TrailQuery(reference, await _actor(store, args.person), start, end)
        if reference is not None:
            async with store.transaction(readonly=True) as tx:
                if await tx.disputes.version(reference) is None:
                    raise CliError(f"--reference: there is no dispute {reference}")
        rows = await trail(store, query)
        if args.format == "csv":
            return trail_csv(rows)
        return trail_markdown(rows, _title(args, reference))

    write(run(work, database_url(args)), args.out)
    return 0


def _reference(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return check.reference(text.strip().upper())
    except InvalidInput as error:
        raise CliError(f"--reference: {error.reason}") from None


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    if start is not None and end is not None and end < start:
        raise CliError(f"--to: {end} is before --from {start}")
    first = datetime.combine(start, time(0), tzinfo=LONDON) if start else None
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=LONDON) if end else None
    return first, after


async def _actor(store: Store, person: str | None) -> str | None:
    if person is None:
        return None
    wanted = person.strip()
    try:
        check.text("person", printable("person", wanted), max_length=320)
    except InvalidInput as error:
        raise CliError(f"--person: {error.reason}") from None
    if wanted.startswith(_NOT_PEOPLE):
        return wanted
    async with store.transaction(readonly=True) as tx:
        found = await tx.directory.by_email(wanted.lower())
    if found is None:
        raise CliError(f"--person: {wanted} is not in the directory")
    return found.id


def _title(args: argparse.Namespace, reference: str | None) -> str:
    parts = ["Audit trail"]
    if reference:
        parts.append(reference)
    if args.person:
        parts.append(args.person.strip())
    if args.start or args.end:
        parts.append(f"{args.start or '…'} to {args.end or '…'}")
    return " · ".join(parts)
