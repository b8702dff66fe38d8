"""``drp-bot due``: what the scheduler would send at an instant, without sending anything."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from drp.calendar import LONDON
from drp.machine import Context
from store.store import Store
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.delivery import mailboxes
from teams_bot.dry_run import Planned, plan
from teams_bot.scheduler import Scheduler, Timing
from teams_bot.settings import Settings, SettingsError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``due``."""
    parser = commands.add_parser(
        "due",
        help="list what the scheduler would send at an instant (sends nothing)",
        description="Reminders, overdue notices, escalations, digests and card refreshes the "
        "scheduler would owe at that instant, with what the outbox already owes by then: "
        "recipient, kind, dispute and due instant. Nothing is written or sent.",
    )
    parser.add_argument(
        "--at",
        metavar="ISO-DATETIME",
        help="the instant (default: now); without an offset it is Europe/London time",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    add_database_option(parser)
    parser.set_defaults(handler=_due)


def _due(args: argparse.Namespace) -> int:
    at = _instant(args.at)
    try:
        settings = Settings.load()
    except SettingsError as error:
        raise CliError(str(error)) from None
    planned = run(lambda store: _plan(store, settings, at), database_url(args))
    if args.json:
        print(json.dumps([item.as_json() for item in planned], indent=2))
        return 0
    for item in planned:
        local = item.due.astimezone(LONDON)
        about = f" ({item.about})" if item.about else ""
        print(
            f"{local:%Y-%m-%d %H:%M}  {item.kind}{about}  {item.reference or '-'}  "
            f"to {item.recipient}  [{item.source}]"
        )
    print(f"{len(planned)} message(s) due by {at.astimezone(LONDON):%Y-%m-%d %H:%M} London time")
    return 0


def _instant(text: str | None) -> datetime:
    if not text:
        return datetime.now(LONDON)
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--at: {text!r} is not an ISO date-time (2026-12-29T08:30)") from None
    return found if found.tzinfo is not None else found.replace(tzinfo=LONDON)


async def _plan(store: Store, settings: Settings, at: datetime) -> list[Planned]:
    await ready(store)
    ctx = Context(settings.policy, settings.calendar())
    if settings.smtp is None:
        ctx = mailboxes.without_mailboxes(ctx)  # as serve does: no mailer, no copies owed
    timing = Timing(settings.digest_time, float(settings.scheduler_interval))
    return await plan(store, Scheduler(store, ctx, lambda: at, timing), at)
