"""Roles as data: the keys the directory and the profiles use, each with a title and a scope.

A role is a short key such as ``team_manager``. The keys below are the default set every
profile starts from (it may rename them or add its own with ``[[roles]]``); the constants on
``Role`` name the defaults so code that needs one of them (the demo, the tests) can say which.
What a role may do is the profile's to say, never this module's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

ROLE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Role(str):
    """A role key, e.g. ``Role("team_manager")``; its title and scope come from the profile."""

    __slots__ = ()

    CHAIR: ClassVar[Role]
    IRO: ClassVar[Role]
    CHAIRS_SERVICE_MANAGER: ClassVar[Role]
    PRACTITIONER: ClassVar[Role]
    TEAM_MANAGER: ClassVar[Role]
    SERVICE_MANAGER: ClassVar[Role]
    PRINCIPAL_MANAGER: ClassVar[Role]
    HEAD_OF_SERVICE: ClassVar[Role]
    DIRECTOR: ClassVar[Role]
    ASSISTANT_DIRECTOR_QA: ClassVar[Role]
    DESIGNATED_SAFEGUARDING_LEAD: ClassVar[Role]
    IRS_TEAM_MANAGER: ClassVar[Role]
    SCB_MANAGER: ClassVar[Role]
    INDEPENDENT_CHAIR: ClassVar[Role]
    ISCC: ClassVar[Role]
    MONITOR: ClassVar[Role]
    BOARD_MEMBER: ClassVar[Role]

    def __new__(cls, key: str) -> Role:
        """A role key: lower-case letters, digits and ``_``, starting with a letter."""
        if not isinstance(key, str) or not ROLE_KEY.match(key):
            raise ValueError(f"{key!r} is not a role key (lower-case letters, digits and _)")
        return super().__new__(cls, key)

    @property
    def value(self) -> str:
        """The key as stored (``Role.CHAIR.value == "chair"``)."""
        return str(self)

    @property
    def label(self) -> str:
        """The default title, or the key in words for a role the defaults do not know."""
        known = _DEFAULT_TITLES.get(str(self))
        return known or str(self).replace("_", " ").capitalize()

    def __repr__(self) -> str:
        return f"Role({str(self)!r})"


class Scope(StrEnum):
    """Where a role's holders are found."""

    TEAM = "team"  # one per team: resolved within the child's team (e.g. team manager)
    SERVICE = "service"  # several across the council, any may act (e.g. chairs, IROs)
    ORGANISATION = "organisation"  # one post for the whole council (e.g. the Commissioner)
    AGENCY = "agency"  # one per partner agency: resolved within each agency of the dispute

    @property
    def per_team(self) -> bool:
        """Whether holders are listed per team (or agency) in the directory."""
        return self in (Scope.TEAM, Scope.AGENCY)


@dataclass(frozen=True, slots=True)
class RoleDef:
    """A role a profile uses: its key, the title cards show, and where its holders are found."""

    key: Role
    title: str
    scope: Scope


def _defaults() -> tuple[RoleDef, ...]:
    rows = (
        ("chair", "Child Protection Chair", Scope.SERVICE),
        ("iro", "Independent Reviewing Officer", Scope.SERVICE),
        (
            "chairs_service_manager",
            "Chairs' service manager (Safeguarding & QA)",
            Scope.SERVICE,
        ),
        ("practitioner", "Practitioner", Scope.TEAM),
        ("team_manager", "Team manager", Scope.TEAM),
        ("service_manager", "Service manager", Scope.TEAM),
        ("principal_manager", "Principal manager", Scope.TEAM),
        ("head_of_service", "Head of service", Scope.TEAM),
        ("director", "Director", Scope.TEAM),
        ("assistant_director_qa", "Assistant Director, Quality Assurance", Scope.ORGANISATION),
        ("designated_safeguarding_lead", "Designated safeguarding lead", Scope.TEAM),
        (
            "irs_team_manager",
            "Independent Reviewing Service team manager",
            Scope.SERVICE,
        ),
        ("scb_manager", "Safeguarding Children Board manager", Scope.ORGANISATION),
        (
            "independent_chair",
            "Independent Chair of the Safeguarding Children Board",
            Scope.ORGANISATION,
        ),
        ("iscc", "Independent Safeguarding Children Commissioner", Scope.ORGANISATION),
        ("monitor", "Monitor (QA / business admin)", Scope.SERVICE),
        ("board_member", "Safeguarding partnership Board member for the agency", Scope.AGENCY),
    )
    return tuple(RoleDef(Role(key), title, scope) for key, title, scope in rows)


DEFAULT_ROLES: tuple[RoleDef, ...] = _defaults()
_DEFAULT_TITLES = {str(d.key): d.title for d in DEFAULT_ROLES}

for _default in DEFAULT_ROLES:
    setattr(Role, str(_default.key).upper(), _default.key)


class RoleBook(Mapping[Role, RoleDef]):
    """The roles one profile uses, by key, in the order declared (defaults first)."""

    def __init__(self, roles: Iterable[RoleDef]) -> None:
        self._roles: dict[Role, RoleDef] = {role.key: role for role in roles}

    @classmethod
    def defaults(cls) -> RoleBook:
        """The default set alone."""
        return cls(DEFAULT_ROLES)

    def __getitem__(self, key: Role) -> RoleDef:
        return self._roles[key]

    def __iter__(self) -> Iterator[Role]:
        return iter(self._roles)

    def __len__(self) -> int:
        return len(self._roles)

    def __repr__(self) -> str:
        return f"RoleBook({list(self._roles)!r})"

    def title(self, role: str) -> str:
        """The title cards show for a role (a role the profile does not know: its key in words)."""
        found = self._roles.get(Role(role)) if ROLE_KEY.match(role) else None
        return found.title if found else role.replace("_", " ").capitalize()

    def titles(self, roles: Iterable[str]) -> str:
        """Several roles' titles, comma-separated."""
        return ", ".join(self.title(role) for role in roles)

    def scope(self, role: Role) -> Scope:
        """Where the role's holders are found; a role the profile does not know is org-wide."""
        found = self._roles.get(role)
        return found.scope if found else Scope.SERVICE

    def per_team(self, role: Role) -> bool:
        """Whether the role is resolved within a team (or agency) rather than council-wide."""
        return self.scope(role).per_team

    def known(self) -> str:
        """The keys, comma-separated, for error messages."""
        return ", ".join(self._roles)
