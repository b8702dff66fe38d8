"""``drp-bot doctor``: is this deployment ready? Each part ok, or a problem and what to do."""

from __future__ import annotations

import argparse
import asyncio
import logging

from teams_bot.doctor import Check, problem, run_checks
from teams_bot.settings import Settings, SettingsError

EXIT_PROBLEMS = 1
CONFIG = "configuration"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``doctor``."""
    parser = commands.add_parser(
        "doctor",
        help="check the configuration, database, policy and directory, credentials, Graph, "
        "SMTP and the monitoring channel (exit 1 on any problem)",
        description="Checks every part a deployment needs, with the settings `serve` would "
        "use (the environment and .env): each is ok, or a problem with what to do. Sends "
        "nothing and writes nothing. Exit status 1 if anything is a problem.",
    )
    parser.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    logging.getLogger("azure").setLevel(logging.ERROR)  # its sign-in warnings repeat ours
    try:
        settings = Settings.load()
    except SettingsError as error:
        checks = [problem(CONFIG, str(error), f"correct {error.variable}; nothing else checked")]
    else:
        found = f"valid (policy {settings.policy.key}, {_store(settings)})"
        checks = [Check(CONFIG, True, found), *asyncio.run(run_checks(settings))]
    for check in checks:
        print(_line(check))
    problems = sum(1 for check in checks if check.checked and not check.ok)
    print(f"\n{problems} problem(s)" if problems else "\neverything ok")
    return EXIT_PROBLEMS if problems else 0


def _store(settings: Settings) -> str:
    return "SQLite" if settings.database_url.startswith("sqlite") else "PostgreSQL"


def _line(check: Check) -> str:
    status = "ok     " if check.ok else "PROBLEM" if check.checked else "skipped"
    line = f"{status}  {check.name}: {check.found}"
    return f"{line}\n         what to do: {check.fix}" if check.fix else line
