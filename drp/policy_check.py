"""What ``policies check`` tells a QA lead about a valid profile: stages nobody can reach, roles
the ladder needs that nobody holds, teams missing a team role, what the bot does where the policy
is silent, and the ladder itself (who responds, who is told, by when)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from drp.policy import FinalStep, Move, Policy, Process, Stage
from drp.roles import Role, Scope


class Level(StrEnum):
    """How much a finding matters: a problem stops disputes; a note says what the bot will do."""

    PROBLEM = "problem"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing ``policies check`` reports."""

    level: Level
    text: str


@dataclass(frozen=True, slots=True)
class Staff:
    """Who holds which role where, as a directory file lists them: for each role, how many
    people hold it in each team ("" for holders without a team), and every team named."""

    holders: Mapping[Role, Mapping[str, int]] = field(default_factory=dict)
    teams: tuple[str, ...] = ()

    @classmethod
    def of(cls, people: Iterable[Iterable[tuple[Role, str]]]) -> Staff:
        """From each person's (role, team) grants."""
        holders: dict[Role, dict[str, int]] = {}
        teams: dict[str, None] = {}
        for grants in people:
            for role, team in set(grants):
                per_team = holders.setdefault(role, {})
                per_team[team] = per_team.get(team, 0) + 1
                if team:
                    teams[team] = None
        return cls(holders, tuple(teams))

    def count(self, role: Role) -> int:
        """How many grants of the role there are (a person over two teams counts twice)."""
        return sum(self.holders.get(role, {}).values())


@dataclass(frozen=True, slots=True)
class LadderRow:
    """One line of the printed ladder."""

    key: str
    title: str
    responds: str
    told: str
    timescale: str
    agreement: str = ""
    decides: str = ""  # besides the raiser


# --- the ladder --------------------------------------------------------------------------------


def ladder(policy: Policy, process: Process) -> list[LadderRow]:
    """Each stage of a process (and its final step): who responds, who is told, by when."""
    rows = [_stage_row(policy, stage) for stage in process.all_stages()]
    if process.final_step is not None:
        rows.append(_final_row(policy, process.final_step))
    return rows


def _stage_row(policy: Policy, stage: Stage) -> LadderRow:
    titles = policy.roles.titles
    responds = ", ".join(
        f"the child's own {policy.role_title(r)}"
        if r in stage.childs_own
        else policy.role_title(r)
        for r in stage.responsible
    )
    if stage.raiser_side:
        responds += f"; raiser's side: {titles(stage.raiser_side)}"
    if stage.raiser_line:
        responds += f" (a raiser with no team: {titles(stage.raiser_line)})"
    for number, tier in enumerate(stage.tiers, start=2):
        responds += f"; then tier {number}: {titles(tier.responsible)}"
        if tier.raiser_side != tier.responsible:
            responds += f" / {titles(tier.raiser_side)}"
    told = [titles(stage.copied + stage.alerts)] if stage.copied or stage.alerts else []
    if stage.notify_if_on_plan:
        told.append(f"if on a plan: {titles(stage.notify_if_on_plan)}")
    return LadderRow(
        stage.key,
        stage.title,
        responds,
        "; ".join(told) or "-",
        _when(stage),
        _agreement(policy, stage),
        titles(stage.deciders),
    )


def _when(stage: Stage) -> str:
    if stage.raiser_sets_deadline:
        return f"raiser sets, at most {stage.timescale}" if stage.timescale else "raiser sets"
    return str(stage.timescale)


def _agreement(policy: Policy, stage: Stage) -> str:
    if stage.approval is None:
        return ""
    moves = " or ".join(move.value for move in Move if move in stage.approval.moves)
    return f"agreement to {moves} here: {policy.roles.titles(stage.approval.approvers)}"


def _final_row(policy: Policy, step: FinalStep) -> LadderRow:
    titles = policy.roles.titles
    acts = titles(step.acts) if step.acts else "the raiser"
    responds = f"{step.kind.value}, recorded by {acts}; taken there by {titles(step.roles)}"
    when = str(step.timescale) if step.timescale else "no deadline"
    return LadderRow(step.key, step.title, responds, titles(step.told) or "-", when)


# --- findings ----------------------------------------------------------------------------------


def findings(policy: Policy, staff: Staff | None = None) -> list[Finding]:
    """Everything ``policies check`` reports about a valid profile, problems first."""
    found = [*_unreachable(policy), *_silences(policy)]
    found += [Finding(Level.NOTE, note) for note in policy.notes]
    if staff is not None:
        found += [
            *_unheld(policy, staff),
            *_thin_teams(policy, staff),
            *_shared_posts(policy, staff),
        ]
    return sorted(found, key=lambda f: f.level != Level.PROBLEM)


def reachable(process: Process, role: Role) -> tuple[set[str], set[str]]:
    """The stage keys a dispute raised by ``role`` can reach, and the stages where it is stuck
    (the next stage does not admit it and the process allows no bypass)."""
    reached = {stage.key for stage in process.opening_stages(role)}
    stuck: set[str] = set()
    frontier = list(reached)
    while frontier:
        here = frontier.pop()
        later = [s for s in process.stages if process.rank(s.key) > process.rank(here)]
        candidates = later if process.bypass else later[:1]
        if later and not later[0].admits(role) and not process.bypass:
            stuck.add(here)
        for stage in candidates:
            if stage.admits(role) and stage.key not in reached:
                reached.add(stage.key)
                frontier.append(stage.key)
        final = process.final_step
        if final is not None and role in final.roles and (not later or process.bypass):
            reached.add(final.key)
    return reached, stuck


def _unreachable(policy: Policy) -> Iterator[Finding]:
    for process in policy.processes:
        reached: set[str] = set()
        for role in process.raisers:
            got, stuck = reachable(process, role)
            reached |= got
            title = policy.role_title(role)
            for key in sorted(stuck, key=process.rank):
                yield Finding(
                    Level.NOTE,
                    f"{process.key}: a dispute raised by a {title} stops at stage {key} (the "
                    f"next stage does not admit it): the raiser resolves or concludes it there",
                )
        keys = [s.key for s in process.all_stages()]
        keys += [process.final_step.key] if process.final_step else []
        for key in keys:
            if key not in reached:
                yield Finding(
                    Level.PROBLEM,
                    f"{process.key}: nobody can reach stage {key}: no raiser may open it or "
                    "escalate to it (check openers, admits and the final step's roles)",
                )


def _silences(policy: Policy) -> Iterator[Finding]:
    """Optional parts left out, and what the bot does instead."""
    access = policy.access
    for name, what in (
        ("oversee", "sees every dispute"),
        ("records", "reads any case record (only each raiser their own)"),
        ("reports", "runs the quarterly report"),
        ("monitoring", "chooses the monitoring channel"),
        ("correct", "corrects a child's details"),
    ):
        if not getattr(access, name):
            yield Finding(Level.NOTE, f"nobody {what}: name roles in [access] {name}")
    if not policy.categories:
        yield Finding(
            Level.NOTE,
            "no categories: the form asks for none; the report has no breakdown by category",
        )
    if not policy.harm_route:
        yield Finding(
            Level.NOTE,
            "no immediate-harm route: the form and cards offer no immediate-harm alert; a "
            "child at immediate risk is for the council's own safeguarding procedures",
        )
    for process in policy.processes:
        if process.overall_limit is None:
            yield Finding(
                Level.NOTE,
                f"{process.key}: no overall limit: each stage's own deadline is the only one "
                "(cards, board and timeline show no overall deadline)",
            )
        if process.final_step is None:
            yield Finding(
                Level.NOTE,
                f"{process.key}: no final step: at the last stage the raiser concludes the "
                "dispute unresolved",
            )


# --- against the directory ---------------------------------------------------------------------


def needed_roles(policy: Policy) -> dict[Role, list[str]]:
    """The roles someone must hold for the ladder to run, with what each is needed for
    (approvers are needed as a set: any one of them may agree)."""
    needs: dict[Role, list[str]] = {}

    def need(roles: Iterable[Role], why: str) -> None:
        for role in roles:
            needs.setdefault(role, []).append(why)

    for process in policy.processes:
        need(process.raisers, f"{process.key}: raises")
        for stage in process.all_stages():
            responding = stage.responsible + stage.raiser_side + stage.raiser_line
            need(responding, f"{process.key} stage {stage.key}: responds")
            for number, tier in enumerate(stage.tiers, start=2):
                climbed = tier.responsible + tier.raiser_side + tier.raiser_line
                need(climbed, f"{process.key} stage {stage.key} tier {number}: responds")
    return needs


def approver_sets(policy: Policy) -> list[tuple[tuple[Role, ...], str]]:
    """Each stage's approvers, any of whom may agree, and each final step's actors, any of whom
    may record it, with where."""
    found = [
        (stage.approval.approvers, f"agree at: {process.key} stage {stage.key}")
        for process in policy.processes
        for stage in process.all_stages()
        if stage.approval is not None
    ]
    found += [
        (process.final_step.acts, f"record the outcome of: {process.final_step.title}")
        for process in policy.processes
        if process.final_step is not None and process.final_step.acts
    ]
    return found


def told_roles(policy: Policy) -> dict[Role, list[str]]:
    """The roles the ladder tells of steps (copied, alerted), with where."""
    told: dict[Role, list[str]] = {}
    for process in policy.processes:
        for stage in process.all_stages():
            for role in stage.copied + stage.alerts + stage.notify_if_on_plan:
                told.setdefault(role, []).append(f"{process.key} stage {stage.key}")
        if process.final_step is not None:
            for role in process.final_step.told:
                told.setdefault(role, []).append(f"{process.key} {process.final_step.title}")
    for role in policy.immediate_harm_alerts:
        told.setdefault(role, []).append("immediate harm")
    for process in policy.processes:
        for stage in process.all_stages():
            for role in stage.deciders:
                told.setdefault(role, []).append(f"{process.key} stage {stage.key} (decides)")
    for referral in policy.referrals:
        for role in referral.alerts:
            told.setdefault(role, []).append(f"referral {referral.key}")
    return told


def _unheld(policy: Policy, staff: Staff) -> Iterator[Finding]:
    for role, why in needed_roles(policy).items():
        if not staff.count(role):
            yield Finding(
                Level.PROBLEM,
                f"nobody in the directory holds {policy.role_title(role)} ({role}), needed "
                f"for: {', '.join(why)}",
            )
    for roles, what in approver_sets(policy):
        if not any(staff.count(role) for role in roles):
            yield Finding(
                Level.PROBLEM,
                f"nobody in the directory holds {policy.roles.titles(roles)}, one of whom must "
                f"{what}",
            )
    for role, where in told_roles(policy).items():
        if not staff.count(role):
            yield Finding(
                Level.NOTE,
                f"nobody in the directory holds {policy.role_title(role)} ({role}); nobody "
                f"will be told at: {', '.join(where)}",
            )


def _responding(policy: Policy) -> dict[Role, list[str]]:
    """Roles that respond on the child's side, found in the child's team, with where."""
    found: dict[Role, list[str]] = {}
    for process in policy.processes:
        for stage in process.all_stages():
            for role in stage.responsible:
                found.setdefault(role, []).append(f"{process.key} stage {stage.key}")
    return found


def _thin_teams(policy: Policy, staff: Staff) -> Iterator[Finding]:
    """Teams without a holder of a team role that responds at a stage."""
    for role, why in _responding(policy).items():
        if policy.roles.scope(role) is not Scope.TEAM or not staff.count(role):
            continue
        held = staff.holders.get(role, {})
        for team in staff.teams:
            if not held.get(team):
                yield Finding(
                    Level.PROBLEM,
                    f"team {team!r} has no {policy.role_title(role)} ({role}): a dispute "
                    f"about its children stalls where it is needed ({', '.join(why)})",
                )


def _shared_posts(policy: Policy, staff: Staff) -> Iterator[Finding]:
    for role in policy.roles:
        count = staff.count(role)
        if policy.roles.scope(role) is Scope.ORGANISATION and count > 1:
            yield Finding(
                Level.NOTE,
                f"{count} people hold {policy.role_title(role)} ({role}), an organisation-wide "
                "post: each is told and any may act",
            )
