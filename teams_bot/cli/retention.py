"""``drp-bot retention``: apply DRP_RETENTION now (the scheduler also does it daily)."""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import UTC, datetime

from drp.governance import RetentionPeriod
from drp.machine import Context
from store.store import Store
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.cli.report import instant, iso_date
from teams_bot.retention import VARIABLE, Retention, RetentionRun
from teams_bot.settings import Settings, SettingsError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``retention``."""
    parser = commands.add_parser(
        "retention",
        help="erase the identifying data of disputes closed longer ago than DRP_RETENTION",
        description="Children's names, local IDs, dates of birth and every free text of "
        "disputes closed longer ago than DRP_RETENTION are erased; stages, dates, category, "
        "team and outcome stay, so past reports give the same figures. Each erasure is "
        "written to the audit log. The scheduler in drp-bot serve does this once a day.",
    )
    parser.add_argument(
        "--as-of", type=iso_date, metavar="DATE", help="the day to apply it on (default today)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would go; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    add_database_option(parser)
    parser.set_defaults(handler=_retention)


def _retention(args: argparse.Namespace) -> int:
    try:
        settings = Settings.load()
    except SettingsError as error:
        raise CliError(str(error)) from None
    period = settings.retention
    if period is None:
        raise CliError(f"{VARIABLE}: not set, so nothing is erased (e.g. {VARIABLE}='2 years')")
    now = args.now or datetime.now(UTC)
    ctx = Context(settings.policy, settings.calendar())
    today = ctx.calendar.local_date(now)
    as_of = args.as_of or today
    if as_of > today and not args.dry_run:
        raise CliError(f"--as-of: {as_of} is after today; only --dry-run may look ahead")
    actor = f"cli:{getpass.getuser()}"

    async def work(store: Store) -> RetentionRun:
        await ready(store)
        return await Retention(store, period, ctx).run(as_of, now, actor, dry_run=args.dry_run)

    result = run(work, database_url(args))
    print(json.dumps(result.as_json(period), indent=2) if args.json else _text(result, period))
    return 0


def _text(result: RetentionRun, period: RetentionPeriod) -> str:
    verb = "would erase" if result.dry_run else "erased"
    lines = [
        f"{result.rule}, as of {result.as_of}: disputes closed before "
        f"{result.cutoff:%d %b %Y} are past retention.",
        f"{verb} {len(result.disputes)} disputes and the text of {result.compliments} "
        f"compliments" + ("" if result.dry_run else f" ({result.rows} rows)") + ".",
    ]
    lines += [
        f"  {d.reference}  closed {d.closed_at:%Y-%m-%d}  past retention from "
        f"{period.erase_from(d.closed_at)}"
        for d in result.disputes
    ]
    if not result.scrubbed:
        lines.append("The SQLite log was busy: run drp-bot retention again to scrub it.")
    return "\n".join(lines)
