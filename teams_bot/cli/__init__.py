"""The ``drp-bot`` command line: one module per command group, each with ``register``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from teams_bot.cli import (
    audit,
    correct,
    db,
    directory,
    doctor,
    due,
    manifest,
    outstanding,
    policies,
    record,
    report,
    retention,
    sar,
    serve,
)
from teams_bot.cli.errors import CliError

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe

COMMAND_MODULES: tuple[ModuleType, ...] = (
    policies,
    manifest,
    db,
    directory,
    serve,
    record,
    report,
    outstanding,
    due,
    retention,
    sar,
    correct,
    audit,
    doctor,
)


def build_parser() -> argparse.ArgumentParser:
    """The parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="drp-bot", description="Dispute Resolution Process bot for Microsoft Teams"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``drp-bot`` console script."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.handler(args)
    except CliError as error:
        print(f"drp-bot: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `drp-bot policies check FILE | head`: the reader has gone; stop quietly, as the
        # Python documentation advises (stdout to devnull, so the final flush cannot fail).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
