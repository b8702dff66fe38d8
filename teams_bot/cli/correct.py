"""``drp-bot correct REF --field child_1_name --value …``: correct a child's identifying
details, with the reason recorded (the history says a correction was made, not the old value)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from drp import validation as check
from drp.errors import CommandRejected, DrpError, InvalidInput, NotPermitted
from drp.model import Actor
from drp.roles import Role
from store.errors import StaleVersion
from store.store import Store
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.cli.report import context, instant
from teams_bot.corrections import Corrected, Correction, NoSuchDispute, correct


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``correct``."""
    parser = commands.add_parser(
        "correct",
        help="correct a child's name, local ID or date of birth on a dispute",
        description="Corrects one identifying detail of a child named on a dispute, as the "
        "chairs' service manager. The dispute's history records that a correction was made and "
        "why, never the old or the new value; the cards in Teams update in place; the "
        "correction is written to the audit log.",
    )
    parser.add_argument("reference", metavar="REF", help="e.g. DRP-2026-000123")
    parser.add_argument(
        "--field", required=True, help="child_N_name, child_N_local_id or child_N_dob (N from 1)"
    )
    parser.add_argument(
        "--value", required=True, help="the correct value (a date as 2015-03-01; '' clears a DOB)"
    )
    parser.add_argument("--reason", default="", help="why (required: the history records it)")
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="EMAIL",
        help="the chairs' service manager correcting it (default: the login, with that authority)",
    )
    parser.add_argument("--now", type=instant, help=argparse.SUPPRESS)
    add_database_option(parser)
    parser.set_defaults(handler=_correct)


def _correct(args: argparse.Namespace) -> int:
    reference = args.reference.strip().upper()
    try:
        check.reference(reference)
    except InvalidInput as error:
        raise CliError(f"REF: {error.reason}") from None
    ctx = context()
    now = args.now or datetime.now(UTC)

    async def work(store: Store) -> Corrected:
        await ready(store)
        actor = await _actor(store, args.actor, ctx.policy.access.correct)
        correction = Correction(reference, actor, args.field, args.value, args.reason, now)
        return await correct(store, ctx, correction)

    try:
        done = run(work, database_url(args))
    except NoSuchDispute:
        raise CliError(f"REF: there is no dispute {reference}") from None
    except StaleVersion:
        raise CliError(
            f"REF: {reference} changed while it was being corrected; run it again"
        ) from None
    except DrpError as error:
        raise CliError(_message(error)) from None
    print(f"{reference}: {args.field} corrected (version {done.dispute.version}).")
    if not done.scrubbed:
        print(
            "The SQLite log was busy: the old value leaves the file at the next correction or "
            "retention run.",
            file=sys.stderr,
        )
    return 0


async def _actor(store: Store, email: str | None, correctors: tuple[Role, ...]) -> Actor:
    """``--as`` in the correcting role they hold; without it, the login with that authority."""
    if not email:
        if not correctors:
            raise CliError("--as: nobody may correct under this profile ([access] correct)")
        return Actor(f"cli:{getpass.getuser()}", correctors[0])
    async with store.transaction(readonly=True) as tx:
        person = await tx.directory.by_email(email.strip().lower())
    if person is None or not person.active:
        raise CliError(f"--as: {email} is not in the directory")
    held = next((g.role for g in person.roles if g.role in correctors), None)
    # Anyone else acts in a role of their own (or none), which the domain refuses, audited.
    return Actor(person.id, held or (person.roles[0].role if person.roles else Role.PRACTITIONER))


def _message(error: DrpError) -> str:
    if isinstance(error, InvalidInput):
        return f"--{error.field}: {error.reason}"
    if isinstance(error, NotPermitted):
        return f"--as: {error.reason}"
    if isinstance(error, CommandRejected):
        return f"REF: {error.reason}"
    return str(error)
