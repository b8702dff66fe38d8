"""Who plays which part in the demo, for the running policy (``make run``'s banner).

Read from the profile and a directory (the demo directory by default): who raises, which team
the form names, who answers and who agrees at each stage, who is told; and the people the first
two stages need, so ``make run AS=...`` opens a Playground for each of them. Holders are found
as routing finds them (team and agency roles in a team, the rest council-wide); Agents
Playground users (those with a Teams user id) are preferred wherever a role has several holders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from drp.policy import Move, Policy, Process, Stage
from drp.roles import Role
from store.rows import DirectoryEntry

FIRST_STAGES = 2  # what `make run AS=...` opens: the people of the first two stages


@dataclass(frozen=True, slots=True)
class Player:
    """A directory person as the demo casts them."""

    name: str
    email: str
    teams_user_id: str = ""  # "" when they are not an Agents Playground user

    @property
    def first_name(self) -> str:
        """How ``make run AS=`` names them."""
        return self.name.split()[0].lower()


@dataclass(frozen=True, slots=True)
class Part:
    """One stage: who answers it, who must agree before it is sent, who is told."""

    key: str
    title: str
    answers: tuple[Player, ...]
    agrees: tuple[Player, ...] = ()
    decides: tuple[Player, ...] = ()
    told: tuple[Player, ...] = ()


@dataclass(frozen=True, slots=True)
class Cast:
    """The demo's people for one policy."""

    policy: str
    raiser: Player
    raiser_role: str
    team: str  # the child's team the raiser names on the form
    practitioner: Player | None  # the practitioner named on the form, if the team has one
    stages: tuple[Part, ...]

    def needed(self, stages: int = FIRST_STAGES) -> tuple[Player, ...]:
        """Everyone who acts in the first ``stages`` stages: the raiser, who answers, agrees
        and decides (the raiser also reviews), each once."""
        acting = [self.raiser]
        for part in self.stages[:stages]:
            acting += [*part.agrees, *part.answers, *part.decides]
        return _unique(acting)

    def told(self, stages: int = FIRST_STAGES) -> tuple[Player, ...]:
        """Those copied on or alerted to the first ``stages`` stages, and not acting in them."""
        acting = set(self.needed(stages))
        told = [p for part in self.stages[:stages] for p in part.told if p not in acting]
        return _unique(told)

    def everyone(self) -> tuple[Player, ...]:
        """Everyone with a part, in the order the walk meets them."""
        later = [p for part in self.stages for p in (*part.answers, *part.agrees, *part.told)]
        return _unique([*self.needed(), *self.told(), *later])

    def playground_users(self) -> tuple[str, ...]:
        """The Agents Playground user ids to fill a mock tenant with (it takes six), most
        needed first: who acts in the first two stages, who they copy, then later stages."""
        return tuple(p.teams_user_id for p in self.everyone() if p.teams_user_id)


class _Directory:
    """The directory's holders of each role, in each team."""

    def __init__(self, entries: Sequence[DirectoryEntry]) -> None:
        playground_first = sorted(entries, key=lambda e: (not e.teams_user_id, e.line))
        self.entries = playground_first

    def holders(self, role: Role, team: str | None) -> list[DirectoryEntry]:
        """Who holds ``role`` (in ``team``, unless it is None: anywhere)."""
        return [
            e
            for e in self.entries
            if any(g.role == role and (team is None or g.team == team) for g in e.roles)
        ]

    def teams(self) -> list[str]:
        """Every team named, in the file's order."""
        by_line = sorted(self.entries, key=lambda e: e.line)
        return list(dict.fromkeys(g.team for e in by_line for g in e.roles if g.team))


def cast_of(policy: Policy, entries: Sequence[DirectoryEntry]) -> Cast:
    """The demo's cast for the policy's first process (its main ladder)."""
    directory = _Directory(entries)
    process = policy.processes[0]
    raiser, role = _raiser(policy, process, directory)
    raiser_team = _team_of(raiser, role) if policy.roles.per_team(role) else ""
    team = _team(policy, process, directory, raiser_team)
    named = directory.holders(policy.practitioner_role, team)
    practitioner = named[0] if named else None
    finder = _Finder(policy, directory, team, raiser_team, raiser, practitioner)
    stages = tuple(finder.part(stage, first=i == 0) for i, stage in enumerate(process.stages))
    return Cast(
        policy.key,
        _player(raiser),
        policy.roles.title(str(role)),
        team,
        _player(practitioner) if practitioner else None,
        stages,
    )


def _raiser(
    policy: Policy, process: Process, directory: _Directory
) -> tuple[DirectoryEntry, Role]:
    """The first of the process's raising roles with a holder (a Playground user if any)."""
    found = [(e, role) for role in process.raisers for e in directory.holders(role, None)]
    if not found:
        raise ValueError(f"nobody in the directory may raise a dispute under {policy.key}")
    with_teams_id = [(e, role) for e, role in found if e.teams_user_id]
    return (with_teams_id or found)[0]


def _team_of(entry: DirectoryEntry, role: Role) -> str:
    return next((g.team for g in entry.roles if g.role == role and g.team), "")


def _team(policy: Policy, process: Process, directory: _Directory, raiser_team: str) -> str:
    """The child's team for the walk: the first whose first stages' team roles all have a
    Playground holder; for a multi-agency ladder, another agency than the raiser's."""
    two_sided = any(stage.raiser_side for stage in process.stages)
    teams = [t for t in directory.teams() if not (two_sided and t == raiser_team)]
    roles = [
        role
        for stage in process.stages[:FIRST_STAGES]
        for role in stage.responsible
        if policy.roles.per_team(role)
    ]
    for team in teams:
        if all(any(e.teams_user_id for e in directory.holders(r, team)) for r in roles):
            return team
    return teams[0] if teams else ""


@dataclass(frozen=True, slots=True)
class _Finder:
    policy: Policy
    directory: _Directory
    team: str
    raiser_team: str
    raiser: DirectoryEntry
    practitioner: DirectoryEntry | None

    def holders(self, roles: Iterable[Role], team: str) -> list[DirectoryEntry]:
        found: list[DirectoryEntry] = []
        for role in roles:
            if role == self.policy.practitioner_role and self.practitioner is not None:
                found.append(self.practitioner)  # the one named on the form, not every one
                continue
            scope = team if self.policy.roles.per_team(role) else None
            found += self.directory.holders(role, scope)
        return found

    def part(self, stage: Stage, *, first: bool) -> Part:
        answers = self.holders(stage.responsible, self.team)
        answers += self.holders(stage.raiser_side, self.raiser_team)
        told = self.holders((*stage.copied, *stage.alerts), self.team)
        return Part(
            stage.key,
            f"Stage {stage.key}: {stage.title}",
            _players(answers),
            _players(self.approvers(stage, first=first)),
            _players(self.holders(stage.deciders, self.team)),
            _players(told),
        )

    def approvers(self, stage: Stage, *, first: bool) -> list[DirectoryEntry]:
        """Seed 001's agreement: the raiser's own team's approvers first, else any."""
        move = Move.RAISE if first else Move.ESCALATE
        if stage.approval is None or not stage.needs_approval(move):
            return []
        found: list[DirectoryEntry] = []
        for role in stage.approval.approvers:
            own = self.directory.holders(role, self.raiser_team) if self.raiser_team else []
            found += own or self.directory.holders(role, None)
        return [e for e in found if e.email != self.raiser.email]


def _player(entry: DirectoryEntry) -> Player:
    return Player(entry.name, entry.email, entry.teams_user_id or "")


def _players(entries: Iterable[DirectoryEntry]) -> tuple[Player, ...]:
    return _unique(_player(e) for e in entries)


def _unique(players: Iterable[Player]) -> tuple[Player, ...]:
    return tuple(dict.fromkeys(players))
