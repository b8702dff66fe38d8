"""``drp-bot report``: the quarterly report (Newham's template) as CSV, HTML or Markdown."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, date, datetime
from pathlib import Path

from drp.calendar import WorkingDayCalendar
from drp.errors import PolicyError
from drp.machine import Context
from drp.policy import Policy, load_policy
from drp.report import Period
from store.store import Store
from teams_bot.audited_reads import Format, build_report, render_report
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.settings import Settings, SettingsError

FORMATS = (Format.CSV.value, Format.HTML.value, Format.MARKDOWN.value)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report``."""
    parser = commands.add_parser(
        "report",
        help="the quarterly DRP report (CSV, HTML with charts, or Markdown)",
        description="Disputes per month by stage and referral (IROs and CP chairs apart), by "
        "team, by category, informal and formal, timeliness, overdue now, compliments, and "
        "the same period last year. The HTML opens offline; the CSV's columns are documented "
        "in exports/report_csv.py.",
    )
    parser.add_argument("--from", dest="start", required=True, type=iso_date, metavar="DATE")
    parser.add_argument("--to", dest="end", required=True, type=iso_date, metavar="DATE")
    parser.add_argument("--format", choices=FORMATS, default=Format.HTML.value)
    parser.add_argument("--policy", help="profile name or file (default: DRP_POLICY)")
    add_output_options(parser)
    parser.set_defaults(handler=_report)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--out``, ``--as``, ``--database-url`` and the tests' ``--now``."""
    parser.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="EMAIL",
        help="who is reading, for the audit log (default: the login name)",
    )
    parser.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    add_database_option(parser)


def iso_date(text: str) -> date:
    """A YYYY-MM-DD argument."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def instant(text: str) -> datetime:
    """An ISO instant with its UTC offset (the tests' ``--now``)."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO instant") from None
    if found.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset")
    return found


def context(policy_name: str | None = None) -> Context:
    """The policy (the named one, else the settings') and the settings' working-day calendar."""
    try:
        settings = Settings.load()
    except SettingsError as error:
        raise CliError(str(error)) from None
    policy: Policy = settings.policy
    if policy_name:
        try:
            policy = load_policy(policy_name)
        except PolicyError as error:
            raise CliError(f"--policy: {error}") from None
    return Context(policy, WorkingDayCalendar(settings.nation, settings.closure_days))


async def actor_of(store: Store, email: str | None) -> tuple[str, str]:
    """(audit actor id, display name): the directory person for ``--as``, else the login."""
    if not email:
        login = getpass.getuser()
        return f"cli:{login}", f"{login} (command line)"
    async with store.transaction(readonly=True) as tx:
        person = await tx.directory.by_email(email.strip().lower())
    if person is None:
        raise CliError(f"--as: {email} is not in the directory")
    return person.id, person.name


def write(text: str, out: Path | None) -> None:
    """Print, or write the file (UTF-8)."""
    if out is None:
        print(text, end="")
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CliError(f"--out: {out}: cannot write: {error.strerror}") from None


def _report(args: argparse.Namespace) -> int:
    try:
        period = Period(args.start, args.end)
    except ValueError as error:
        raise CliError(f"--to: {error}") from None
    ctx = context(args.policy)
    fmt = Format(args.format)
    now = args.now or datetime.now(UTC)

    async def work(store: Store) -> str:
        await ready(store)
        actor, _ = await actor_of(store, args.actor)
        report = await build_report(store, ctx, period, now, actor=actor, fmt=fmt)
        return render_report(report, fmt)

    write(run(work, database_url(args)), args.out)
    return 0
