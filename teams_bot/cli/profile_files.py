"""``drp-bot policies check|schema|init``: a profile file as the QA lead who writes it meets it.

``check`` validates a file (exit 2 naming file, field and reason), then prints its ladder, a
timeline from today and what it finds: problems (exit 1: stages nobody can reach, roles nobody
holds, teams without a responder) and notes (what the bot does where the profile is silent).
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date, datetime
from pathlib import Path

from drp.calendar import LONDON, Nation, WorkingDayCalendar
from drp.errors import PolicyError
from drp.policy import Policy, Process
from drp.policy_check import Finding, Level, Staff, findings, ladder
from drp.policy_loader import parse_policy, read_profile, shipped_profiles, shipped_text
from drp.profile_docs import reference
from drp.profile_init import starting_file
from drp.profile_schema import json_schema
from drp.profile_types import SLUG
from drp.timeline import timeline
from store.directory_file import parse_directory
from store.errors import Problem
from teams_bot.cli.errors import CliError

EXIT_PROBLEMS = 1


def register(actions: argparse._SubParsersAction) -> None:
    """Add ``check``, ``schema`` and ``init`` to the ``policies`` group."""
    check = actions.add_parser("check", help="validate a profile file and print its ladder")
    check.add_argument("file")
    check.add_argument("--directory", type=Path, metavar="FILE.csv", help="check against staff")
    check.add_argument("--start", type=_iso_date, help="timeline start (default: today)")
    check.add_argument("--nation", default="ENG", choices=[n.value for n in Nation])
    check.set_defaults(handler=_check)
    schema = actions.add_parser("schema", help="the profile file's JSON Schema (or reference)")
    schema.add_argument("--format", choices=("json", "markdown"), default="json")
    schema.set_defaults(handler=_schema)
    init = actions.add_parser("init", help="write a commented starting profile NAME.toml")
    init.add_argument("name", help="the new profile's key, e.g. ashdown-vale")
    init.add_argument("--from", dest="source", required=True, help="a shipped profile or file")
    init.add_argument("--title", default="", help="the council's name (default: from NAME)")
    init.add_argument("--out", default="", help="where to write (default NAME.toml; - prints)")
    init.set_defaults(handler=_init)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


# --- check -----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    try:
        with open(args.file, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise CliError(f"{args.file}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"{args.file}: (file): not UTF-8 text") from None
    try:
        policy = parse_policy(text, args.file)
    except PolicyError as error:
        raise CliError(str(error)) from None
    print(f"{args.file}: OK ({policy.key}: {len(policy.main.stages)} formal stages)")
    staff, unread = _staff(args.directory, policy) if args.directory else (None, [])
    start = args.start or datetime.now(LONDON).date()
    calendar = WorkingDayCalendar(Nation(args.nation))
    for process in policy.processes:
        _print_ladder(policy, process)
        _print_timeline(process, start, calendar, args.nation)
    found = unread + findings(policy, staff)
    _print_findings(found)
    return EXIT_PROBLEMS if any(f.level is Level.PROBLEM for f in found) else 0


def _staff(path: Path, policy: Policy) -> tuple[Staff, list[Finding]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CliError(f"--directory: {path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CliError(f"--directory: {path}: is not UTF-8 text") from None
    entries, problems = parse_directory(text, policy.roles)
    staff = Staff.of([(g.role, g.team) for g in entry.roles] for entry in entries)
    return staff, [_row_problem(path, problem) for problem in problems]


def _row_problem(path: Path, problem: Problem) -> Finding:
    return Finding(Level.PROBLEM, f"{path}: {problem}")


def _print_ladder(policy: Policy, process: Process) -> None:
    raisers = policy.roles.titles(process.raisers)
    print(f"\n{process.title} ({process.key}); raised by: {raisers}")
    for row in ladder(policy, process):
        print(f"  {row.key:<9} {row.title}: {row.timescale}")
        print(f"            responds: {row.responds}")
        print(f"            told: {row.told}")
        if row.decides:
            print(f"            decides with the raiser: {row.decides}")
        if row.agreement:
            print(f"            {row.agreement}")


def _print_timeline(
    process: Process, start: date, calendar: WorkingDayCalendar, nation: str
) -> None:
    first = next((s.key for s in process.stages), "1")
    line = timeline(process, start, calendar, first)
    print(f"  timeline from {start:%a %d %b %Y} ({nation}), each stage taking its full time:")
    for step in line.steps:
        due = f"{step.due:%a %d %b %Y}" if step.due else "set by the raiser"
        print(f"    stage {step.stage:<9} due {due}")
    final = f"{line.final_due:%a %d %b %Y}" if line.final_due else "none fixed"
    print(f"    overall deadline: {final}")


def _print_findings(found: list[Finding]) -> None:
    for level, heading in ((Level.PROBLEM, "Problems"), (Level.NOTE, "Notes")):
        lines = [f.text for f in found if f.level is level]
        if lines:
            print(f"\n{heading}:")
            for text in lines:
                print(f"  - {text}")


# --- schema and init ---------------------------------------------------------------------------


def _schema(args: argparse.Namespace) -> int:
    if args.format == "markdown":
        print(reference(), end="")
    else:
        print(json.dumps(json_schema(), indent=2))
    return 0


def _init(args: argparse.Namespace) -> int:
    if not SLUG.match(args.name):
        raise CliError(f"NAME: {args.name!r} must be lower-case letters, digits, '-' or '_'")
    source_text, source_name = _source(args.source)
    title = args.title.strip() or " ".join(w.capitalize() for w in re.split(r"[-_]", args.name))
    text = starting_file(source_text, source_name, args.name, title)
    parse_policy(text, f"{args.name}.toml")  # what it writes must read back
    if args.out == "-":
        print(text, end="")
        return 0
    out = Path(args.out or f"{args.name}.toml")
    if out.exists():
        raise CliError(f"--out: {out} exists; remove it or choose another file")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CliError(f"--out: {out}: cannot write: {error.strerror}") from None
    print(f"{out}: written from {source_name}; next: drp-bot policies check {out}")
    return 0


def _source(name: str) -> tuple[str, str]:
    if name in shipped_profiles():
        return shipped_text(name), name
    path = Path(name)
    if not path.is_file():
        known = ", ".join(shipped_profiles())
        raise CliError(f"--from: {name}: no such profile or file (shipped: {known})")
    try:
        text = read_profile(path)
        parse_policy(text, name)
    except PolicyError as error:
        raise CliError(f"--from: {error}") from None
    return text, path.name
