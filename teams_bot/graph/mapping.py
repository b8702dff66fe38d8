"""The directory mapping: which Entra ID security groups make whom what in the DRP directory.

A TOML file, validated like a policy profile (every error names the file and the dotted field)::

    [attributes]                     # optional
    role = "jobTitle"                # for groups without roles: the user attribute naming it
    deputy = "extensionAttribute2"   # a user attribute holding the deputy's e-mail

    [roles]                          # role attribute value -> DRP role (case ignored)
    "Practice Lead" = "team_manager"

    [[groups]]                       # security group -> roles (and team, for team roles)
    id = "9f3c1a52-6b1e-4c1f-9a57-0c2d8e5b7a10"
    name = "DRP chairs"              # for your reading only
    roles = ["chair"]

    [[groups]]                       # group -> team; each member's role attribute says the role
    id = "..."
    team = "Riverside Family Support"

    [[groups]]                       # a partner agency's team (the report's "disputes with
    id = "..."                       # partner agencies"); as the directory file's column
    team = "Health Visiting"
    partner_agency = "Homerton Healthcare"
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from drp.errors import PolicyError
from drp.roles import ROLE_KEY, Role, RoleBook
from store.rows import RoleGrant

MAX_GROUPS = 50  # Graph's /groups/delta filter takes at most 50 ids
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# User properties a role or deputy may come from; extension attributes live in
# onPremisesExtensionAttributes.
PLAIN_ATTRIBUTES = ("jobTitle", "department", "employeeType", "officeLocation", "companyName")
EXTENSION_ATTRIBUTES = tuple(f"extensionAttribute{n}" for n in range(1, 16))
EXTENSIONS = "onPremisesExtensionAttributes"
USER_FIELDS = ("id", "displayName", "mail", "userPrincipalName", "accountEnabled")


class MappingError(PolicyError):
    """The mapping file is malformed: names the file, the dotted field and the reason."""


@dataclass(frozen=True, slots=True)
class GroupRule:
    """One mapped security group: the roles it gives (none: the role attribute decides)."""

    id: str
    team: str = ""
    roles: tuple[Role, ...] = ()
    name: str = ""
    partner_agency: str = ""


@dataclass(frozen=True, slots=True)
class DirectoryMapping:
    """The whole mapping: groups in file order, and where roles and deputies come from."""

    groups: tuple[GroupRule, ...]
    role_attribute: str = ""
    deputy_attribute: str = ""
    role_names: Mapping[str, Role] = field(default_factory=dict)
    source: str = ""
    book: RoleBook = field(default_factory=RoleBook.defaults)

    @property
    def group_ids(self) -> tuple[str, ...]:
        """The mapped groups' object ids."""
        return tuple(rule.id for rule in self.groups)

    @property
    def digest(self) -> str:
        """Changes whenever the rules do: stored delta links read under other rules are void."""
        rules = {
            "groups": [[g.id, g.team, [r.value for r in g.roles]] for g in self.groups],
            "role": self.role_attribute,
            "deputy": self.deputy_attribute,
            "names": sorted((k, v.value) for k, v in self.role_names.items()),
        }
        canonical = json.dumps(rules, sort_keys=True).encode()
        return hashlib.sha256(canonical).hexdigest()[:32]

    @property
    def partner_agencies(self) -> dict[str, str] | None:
        """Each mapped team's partner agency ("" for the council's own), or None when no
        group names one (the sync then leaves every team as it was)."""
        if not any(rule.partner_agency for rule in self.groups):
            return None
        found: dict[str, str] = {}
        for rule in self.groups:
            if rule.team:
                found[rule.team] = found.get(rule.team) or rule.partner_agency
        return found

    @property
    def user_fields(self) -> tuple[str, ...]:
        """The user properties a sync must select."""
        wanted = [*USER_FIELDS]
        for attribute in (self.role_attribute, self.deputy_attribute):
            if attribute:
                wanted.append(EXTENSIONS if attribute in EXTENSION_ATTRIBUTES else attribute)
        return tuple(dict.fromkeys(wanted))

    def grants(
        self, groups: Iterable[str], attributes: Mapping[str, str]
    ) -> tuple[tuple[RoleGrant, ...], str]:
        """The roles a member of ``groups`` holds, and their home team ("" if none)."""
        member_of = set(groups)
        found: list[RoleGrant] = []
        home = ""
        for rule in self.groups:
            if rule.id not in member_of:
                continue
            roles = rule.roles or self._attribute_role(attributes)
            found += [RoleGrant(r, rule.team if self.book.per_team(r) else "") for r in roles]
            if roles and rule.team and not home:
                home = rule.team
        return tuple(dict.fromkeys(found)), home

    def _attribute_role(self, attributes: Mapping[str, str]) -> tuple[Role, ...]:
        value = attributes.get(self.role_attribute, "").strip().lower()
        role = self.role_names.get(value)
        return (role,) if role is not None else ()


def load_mapping(path: Path, roles: RoleBook | None = None) -> DirectoryMapping:
    """Read and validate a mapping file against the policy's ``roles`` (default: the default
    set); MappingError names the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MappingError(str(path), "(file)", "not UTF-8 text") from None
    except OSError as error:
        raise MappingError(str(path), "(file)", f"cannot read: {error.strerror}") from None
    return parse_mapping(text, str(path), roles)


def parse_mapping(text: str, source: str, roles: RoleBook | None = None) -> DirectoryMapping:
    """Parse and validate a mapping's TOML text; ``source`` names it in errors."""
    book = roles or RoleBook.defaults()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(source, "(file)", f"not valid TOML: {error}") from error
    try:
        shape = _File.model_validate(data, context={"roles": book})
    except ValidationError as error:
        first = error.errors()[0]
        raise MappingError(source, _dotted(first["loc"]), _reason(first)) from None
    return _mapping(shape, source, book)


# --- the file's shape (pydantic), then what spans fields ----------------------------------------


def _role(name: str, book: RoleBook) -> Role:
    role = Role(name) if ROLE_KEY.match(name) else None
    if role is None or role not in book:
        raise ValueError(f"unknown role {name!r} (known: {book.known()})")
    return role


def _role_name(name: str, info: ValidationInfo) -> str:
    """A role the policy's role book knows (the book comes in the validation's context)."""
    context = info.context if isinstance(info.context, dict) else {}
    return _role(name, context.get("roles") or RoleBook.defaults()).value


RoleName = Annotated[str, AfterValidator(_role_name)]


class _Attributes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = ""
    deputy: str = ""

    @field_validator("role", "deputy")
    @classmethod
    def _readable(cls, value: str) -> str:
        if value and value not in (*PLAIN_ATTRIBUTES, *EXTENSION_ATTRIBUTES):
            raise ValueError(f"{value!r} is not a user attribute the sync reads ({_listed()})")
        return value


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = ""
    team: str = Field("", max_length=200)
    roles: list[RoleName] = []
    partner_agency: str = Field("", max_length=200)

    @field_validator("id")
    @classmethod
    def _guid(cls, value: str) -> str:
        if not _GUID.match(value):
            raise ValueError(f"{value!r} is not a group's object id (a GUID)")
        return value.lower()


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attributes: _Attributes = _Attributes()
    roles: dict[str, RoleName] = {}
    groups: list[_Group] = Field(min_length=1, max_length=MAX_GROUPS)


def _mapping(shape: _File, source: str, book: RoleBook) -> DirectoryMapping:
    attribute = shape.attributes.role

    def fail(field_name: str, reason: str) -> MappingError:
        return MappingError(source, field_name, reason)

    if shape.roles and not attribute:
        raise fail("roles", "needs attributes.role (the user attribute these values come from)")
    seen: dict[str, int] = {}
    groups: list[GroupRule] = []
    for index, group in enumerate(shape.groups):
        where = f"groups[{index}]"
        roles = tuple(Role(name) for name in group.roles)
        if not roles and not attribute:
            raise fail(f"{where}.roles", "name at least one role, or set attributes.role")
        if not roles and not group.team:
            raise fail(f"{where}.team", "is required when the role comes from attributes.role")
        needs_team = [r for r in roles if book.per_team(r)]
        if needs_team and not group.team:
            raise fail(f"{where}.team", f"is required for {needs_team[0].value}")
        first = seen.setdefault(group.id, index)
        if first != index:
            raise fail(f"{where}.id", f"the same group as groups[{first}]")
        _check_partner(group, where, groups, fail)
        rule = GroupRule(group.id, group.team, roles, group.name, group.partner_agency.strip())
        groups.append(rule)
    names = {value.strip().lower(): Role(role) for value, role in shape.roles.items()}
    deputy = shape.attributes.deputy
    return DirectoryMapping(tuple(groups), attribute, deputy, names, source, book)


def _check_partner(
    group: _Group, where: str, before: list[GroupRule], fail: Callable[[str, str], MappingError]
) -> None:
    """A partner agency belongs to a team, and one team to one agency."""
    agency = group.partner_agency.strip()
    if agency and not group.team:
        raise fail(f"{where}.partner_agency", "needs a team (the partner agency is the team's)")
    for n, rule in enumerate(before):
        if agency and rule.team == group.team and rule.partner_agency not in ("", agency):
            raise fail(
                f"{where}.partner_agency",
                f"groups[{n}] gives {group.team!r} to {rule.partner_agency!r}",
            )


def _listed() -> str:
    return f"{', '.join(PLAIN_ATTRIBUTES)} or extensionAttribute1-15"


def _dotted(loc: tuple[int | str, ...]) -> str:
    """``('groups', 2, 'roles')`` as the file's reader writes it: ``groups[2].roles``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(file)"


def _reason(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing"
    if kind == "too_short":
        return "must have at least one entry"
    if kind == "too_long" and error["loc"] == ("groups",):
        return f"at most {MAX_GROUPS} groups (Graph's delta filter limit)"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
