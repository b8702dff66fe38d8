"""``drp-bot policies list|show`` and ``drp-bot timeline``: the rules as admins see them.

``policies check|schema|init`` are in ``profile_files``."""

from __future__ import annotations

import argparse
import json
from datetime import date

from drp.calendar import Nation, WorkingDayCalendar
from drp.errors import PolicyError
from drp.policy import Move, Policy, Process, Stage, load_policy, shipped_profiles
from drp.timeline import Timeline, timeline
from teams_bot.cli import profile_files
from teams_bot.cli.errors import CliError

Subparsers = argparse._SubParsersAction


def register(commands: Subparsers) -> None:
    """Add the ``policies`` group and ``timeline``."""
    group = commands.add_parser("policies", help="list, show or check policy profiles")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="the shipped profiles").set_defaults(handler=_list)
    show = actions.add_parser("show", help="a profile's ladder, timescales and rules")
    show.add_argument("name", help="a shipped profile name or a profile file's path")
    show.set_defaults(handler=_show)
    profile_files.register(actions)

    line = commands.add_parser("timeline", help="the due date of each stage from a start date")
    line.add_argument("--policy", required=True, help="profile name or file")
    line.add_argument("--start", required=True, type=_iso_date, help="YYYY-MM-DD (day 0)")
    line.add_argument("--stage", default="1", help='starting stage key ("informal", "1", ...)')
    line.add_argument("--nation", default="ENG", choices=[n.value for n in Nation])
    line.add_argument("--process", default="", help="process key (default: the main one)")
    line.add_argument("--json", action="store_true", help="machine-readable output")
    line.set_defaults(handler=_timeline)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def _load(name: str, flag: str = "") -> Policy:
    try:
        return load_policy(name)
    except PolicyError as error:
        raise CliError(f"{flag}: {error}" if flag else str(error)) from None


def _list(args: argparse.Namespace) -> int:
    for name in shipped_profiles():
        policy = load_policy(name)
        print(f"{name:<14} {policy.title} (seed {policy.seed})")
    return 0


def _show(args: argparse.Namespace) -> int:
    policy = _load(args.name)
    print(f"{policy.title} [{policy.key}, seed {policy.seed}]")
    for process in policy.processes:
        print(f"\n{process.title} ({process.key}); raised by: {_roles(process.raisers)}")
        if process.overall_limit:
            print(f"  overall limit: {process.overall_limit}")
        for stage in process.all_stages():
            print(f"  {_stage_line(policy, stage)}")
        if process.final_step:
            step = process.final_step
            print(f"  {step.key:<9} {step.title} (open to: {_roles(step.roles)})")
    _print_rules(policy)
    return 0


def _stage_line(policy: Policy, stage: Stage) -> str:
    when = str(stage.timescale) if stage.timescale else "deadline set by the raiser"
    if stage.raiser_sets_deadline and stage.timescale:
        when = f"raiser sets, at most {stage.timescale}"
    extra = f" [only disputes raised by: {_roles(stage.admitted)}]" if stage.admitted else ""
    return f"{stage.key:<9} {stage.title}: {_roles(stage.responsible)}, {when}{extra}"


def _print_rules(policy: Policy) -> None:
    print()
    for line in _agreements(policy):
        print(line)
    if policy.extension:
        rule = policy.extension
        times = rule.max_extensions or "any number"
        setter = ", the date set by the raiser" if rule.raiser_sets_deadline else ""
        print(f"extension: {times} x {rule.timescale}{setter}")
    if policy.chair_review:
        print(f"chair review within {policy.chair_review} of a response")
    no_response = "auto-escalate" if policy.auto_escalate else "offer escalation"
    print(f"no response by the deadline: {no_response}")
    harm = _roles(policy.immediate_harm_alerts) if policy.harm_route else "none (no route)"
    print(f"immediate harm alerts: {harm}")
    for referral in policy.referrals:
        print(f"referral at any point: {referral.title} ({_roles(referral.roles)})")
    categories = "; ".join(c.title for c in policy.categories) or "none (the form asks for none)"
    print(f"categories: {categories}")


def _agreements(policy: Policy) -> list[str]:
    """Who agrees what, a run of stages with the same rule on one line ("before stage 2+")."""
    lines: list[str] = []
    for process in policy.processes:
        stages = [s for s in process.all_stages() if s.approval is not None]
        if not stages:
            continue
        first = stages[0]
        keys = [s.key for s in process.all_stages()]
        same = all(s.approval == first.approval for s in stages)
        if same and keys[keys.index(first.key) :] == [s.key for s in stages]:
            lines.append(_agreement(policy, first, f"before stage {first.key}+"))
        else:
            lines += [_agreement(policy, s, f"at stage {s.key}") for s in stages]
    return lines


def _agreement(policy: Policy, stage: Stage, where: str) -> str:
    assert stage.approval is not None
    who = policy.roles.titles(stage.approval.approvers)
    moves = " or ".join(m.value for m in Move if m in stage.approval.moves)
    return f"agreement from {who} {where} (to {moves})"


def _roles(roles: tuple[object, ...]) -> str:
    return ", ".join(str(role) for role in roles)


def _process(policy: Policy, key: str) -> Process:
    if not key:
        return policy.main
    try:
        return policy.process(key)
    except KeyError:
        known = ", ".join(p.key for p in policy.processes)
        raise CliError(f"--process: {key!r} is not in {policy.key} (known: {known})") from None


def _timeline(args: argparse.Namespace) -> int:
    policy = _load(args.policy, "--policy")
    process = _process(policy, args.process)
    if not process.has_stage(args.stage):
        known = ", ".join(s.key for s in process.all_stages())
        raise CliError(f"--stage: {args.stage!r} is not a stage of {policy.key} (known: {known})")
    calendar = WorkingDayCalendar(Nation(args.nation))
    line = timeline(process, args.start, calendar, args.stage)
    if args.json:
        print(json.dumps(_as_json(policy, args.nation, line), indent=2))
        return 0
    print(f"{policy.title}: from {line.start:%a %d %b %Y} ({args.nation})")
    for step in line.steps:
        due = f"{step.due:%a %d %b %Y}" if step.due else "set by the raiser"
        print(f"  stage {step.stage:<9} due {due}  {step.title}")
    final = f"{line.final_due:%a %d %b %Y}" if line.final_due else "none fixed"
    print(f"  overall deadline: {final}")
    return 0


def _as_json(policy: Policy, nation: str, line: Timeline) -> dict[str, object]:
    return {
        "policy": policy.key,
        "start": line.start.isoformat(),
        "nation": nation,
        "stages": [
            {"stage": s.stage, "title": s.title, "due": s.due.isoformat() if s.due else None}
            for s in line.steps
        ],
        "final_due": line.final_due.isoformat() if line.final_due else None,
    }
