"""``drp-bot directory``: import the people the bot routes to, or list them."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from drp.errors import PolicyError
from drp.machine import Context
from drp.policy import Policy, load_policy
from drp.roles import Role
from store.directory import CSV
from store.directory_file import parse_directory
from store.errors import Problem
from store.rows import ImportSummary, Person
from store.store import Store
from teams_bot.cli import directory_sync
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.leavers import Departure, Leavers
from teams_bot.settings import Settings, SettingsError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``directory import`` and ``directory list``."""
    parser = subparsers.add_parser(
        "directory",
        help="import or list the people, roles and teams the bot routes to",
        description="Import the directory from a CSV file (all or nothing), or list it.",
    )
    actions = parser.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    importer = actions.add_parser(
        "import",
        help="import people from a CSV file; a file with any bad row imports nothing",
        description="Columns: email,name,aad_object_id,role,team; optional teams_user_id,"
        " deputy_email, deputy_from, deputy_to. Several roles or teams: separate with ';'.",
    )
    importer.add_argument("file", type=Path, metavar="FILE.csv", help="the directory file")
    importer.add_argument(
        "--policy", help="the profile whose roles the file may grant (default: DRP_POLICY)"
    )
    importer.add_argument(
        "--replace",
        action="store_true",
        help="the file is the whole directory: people it no longer lists have left (their "
        "open disputes go to their deputy, or are flagged to the chairs' service manager)",
    )
    add_database_option(importer)
    importer.set_defaults(handler=_import)
    lister = actions.add_parser("list", help="list the people in the directory")
    lister.add_argument("--role", type=_role, help="only this role (its key)")
    lister.add_argument("--team", metavar="TEAM", help="only people in this team")
    add_database_option(lister)
    lister.set_defaults(handler=_list)
    directory_sync.register_actions(actions)


def _role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CliError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: is not UTF-8 text (save the CSV as UTF-8)") from None


def _import(args: argparse.Namespace) -> int:
    policy = _running_policy(args.policy)
    entries, problems = parse_directory(_read(args.file), policy.roles)
    ctx = Context(policy, directory_sync.settings().calendar()) if args.replace else None

    async def work(store: Store) -> tuple[ImportSummary, list[Departure]]:
        await ready(store)
        async with store.transaction() as tx:
            found = problems + await tx.directory.check_entries(entries)
            if found:
                raise CliError(_refusal(args.file, sorted(found)))
            summary = await tx.directory.import_entries(entries, at=datetime.now(UTC))
            absent = await tx.directory.absent(CSV, [e.email for e in entries])
        if ctx is None:
            return summary, []
        leavers = Leavers(store, ctx, lambda: datetime.now(UTC))
        return summary, [await leavers.leave(person.id) for person in absent]

    summary, departures = run(work, database_url(args))
    print(f"{args.file}: {summary}")
    if args.replace:
        handed = sum(len(d.handed) for d in departures)
        flagged = sum(len(d.flagged) for d in departures)
        print(
            f"{len(departures)} left ({handed} open disputes handed to deputies, {flagged} "
            "flagged to the chairs' service manager)"
        )
    return 0


def _running_policy(name: str | None) -> Policy:
    """The profile the bot runs (``--policy``, else ``DRP_POLICY``): each row's roles must be
    among its roles."""
    if name:
        try:
            return load_policy(name)
        except PolicyError as error:
            raise CliError(f"--policy: {error}") from None
    try:
        return Settings.load().policy
    except SettingsError as error:
        raise CliError(str(error)) from None


def _refusal(path: Path, problems: list[Problem]) -> str:
    lines = len({problem.line for problem in problems})
    listed = "\n".join(f"  {problem}" for problem in problems)
    return f"{path}: {lines} bad row(s); nothing was imported\n{listed}"


def _list(args: argparse.Namespace) -> int:
    role = args.role

    async def work(store: Store) -> list[Person]:
        await ready(store)
        async with store.transaction(readonly=True) as tx:
            return await tx.directory.people(role=role, team=args.team)

    people = run(work, database_url(args))
    for person in people:
        print(_line(person))
    print(f"{len(people)} people")
    return 0


def _line(person: Person) -> str:
    roles = ", ".join(
        f"{g.role.value} ({g.team})" if g.team else g.role.value for g in person.roles
    )
    teams_id = person.teams_user_id or "-"
    if person.by_email:  # a partner outside the council's Teams
        teams_id = f"e-mail only ({person.agency})" if person.agency else "e-mail only"
    deputy = " deputy: yes" if person.deputy_id else ""
    left = f" left {person.left_at.date().isoformat()}" if person.left_at else ""
    return f"{person.email}\t{person.name}\t{roles}\tteams: {teams_id}{deputy}{left}"
