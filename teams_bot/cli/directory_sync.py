"""``drp-bot directory sync | hand-over | check-mapping``: the directory from Entra ID."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from drp.errors import PolicyError
from drp.machine import Context
from drp.policy import load_policy
from store.store import Store
from teams_bot.cli.db import add_database_option, database_url, ready, run
from teams_bot.cli.errors import CliError
from teams_bot.graph.mapping import load_mapping
from teams_bot.leavers import Departure, Leavers
from teams_bot.settings import Settings, SettingsError


def register_actions(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sync``, ``hand-over`` and ``check-mapping`` under ``directory``."""
    sync = actions.add_parser(
        "sync",
        help="bring the directory up to date from Entra ID (Microsoft Graph)",
        description="Reads the mapped security groups' members through Microsoft Graph "
        "(DRP_GRAPH_* settings, DRP_GRAPH_MAPPING): adds joiners, updates changes, and "
        "deactivates leavers, handing their open disputes to their deputy or flagging them to "
        "the chairs' service manager. After the first, only changes are read.",
    )
    sync.add_argument("--full", action="store_true", help="read everything again")
    add_database_option(sync)
    sync.set_defaults(handler=_sync)
    hand = actions.add_parser(
        "hand-over",
        help="hand a leaver's open disputes to someone",
        description="For a leaver with no deputy: their open disputes go to the person named.",
    )
    hand.add_argument("--from", dest="leaver", required=True, metavar="EMAIL", help="the leaver")
    hand.add_argument("--to", dest="successor", required=True, metavar="EMAIL", help="who takes")
    add_database_option(hand)
    hand.set_defaults(handler=_hand_over)
    check = actions.add_parser(
        "check-mapping", help="validate a directory mapping file (exit 2 naming the field)"
    )
    check.add_argument("file", type=Path, metavar="MAPPING.toml")
    check.add_argument("--policy", metavar="NAME|FILE", help="whose roles (default DRP_POLICY)")
    check.set_defaults(handler=_check_mapping)


def settings() -> Settings:
    """The validated settings, or a CLI error naming the variable."""
    try:
        return Settings.load()
    except SettingsError as error:
        raise CliError(str(error)) from None


def context(found: Settings) -> Context:
    """The policy and calendar the settings describe."""
    return Context(found.policy, found.calendar())


def _sync(args: argparse.Namespace) -> int:
    from teams_bot.graph.client import GraphClient
    from teams_bot.graph.sync import DirectorySync, SyncError

    found = settings()
    if found.graph is None:
        raise CliError("set DRP_GRAPH_TENANT_ID, DRP_GRAPH_CLIENT_ID and DRP_GRAPH_CLIENT_SECRET")
    if found.mapping is None:
        raise CliError("set DRP_GRAPH_MAPPING to the directory mapping file")
    graph_settings, mapping = found.graph, found.mapping

    async def work(store: Store) -> str:
        await ready(store)
        graph = GraphClient(graph_settings)
        try:
            leavers = Leavers(store, context(found), _now)
            sync = DirectorySync(store, graph, mapping, leavers, _now)
            report = await sync.run(full=args.full)
        except SyncError as error:
            raise CliError(f"directory sync: {error}") from None
        finally:
            await graph.close()
        return "\n".join([str(report), *(f"  {problem}" for problem in report.problems)])

    print(run(work, database_url(args)))
    return 0


def _hand_over(args: argparse.Namespace) -> int:
    found = settings()

    async def work(store: Store) -> Departure:
        await ready(store)
        async with store.transaction(readonly=True) as tx:
            leaver = await tx.directory.by_email(args.leaver)
            successor = await tx.directory.by_email(args.successor)
        if leaver is None:
            raise CliError(f"--from: nobody with the e-mail {args.leaver}")
        if leaver.active:
            raise CliError(f"--from: {leaver.email} has not left (deputies cover absences)")
        if successor is None or not successor.active:
            raise CliError(f"--to: nobody in the directory with the e-mail {args.successor}")
        leavers = Leavers(store, context(found), _now)
        return await leavers.leave(leaver.id, successor=successor.id)

    departure = run(work, database_url(args))
    print(f"{args.leaver}: {len(departure.handed)} open dispute(s) handed to {args.successor}")
    return 0


def _check_mapping(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy) if args.policy else settings().policy
        mapping = load_mapping(args.file, policy.roles)
    except PolicyError as error:
        raise CliError(str(error)) from None
    roles = sorted({r.value for g in mapping.groups for r in g.roles})
    source = f"; roles also from {mapping.role_attribute}" if mapping.role_attribute else ""
    print(f"{args.file}: ok, {len(mapping.groups)} groups ({', '.join(roles)}){source}")
    return 0


def _now() -> datetime:
    return datetime.now(UTC)
