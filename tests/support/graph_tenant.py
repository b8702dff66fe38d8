"""Entra ID tenants for the loopback Graph: the demo council's people, or thousands of staff,
with the directory mapping that reads them. Used by the tests and the sync bench."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from store.demo import demo_directory_text
from teams_bot.settings import GraphSettings
from tests.support.graph import INSTALL_FOR_USER, MEMBERS_READ, USERS_READ, LoopbackGraph
from tests.support.graph_directory import User

TENANT_ID = "0b7c9a3e-1d2f-4e5a-8b6c-7d8e9f0a1b2c"
CLIENT_ID = "5f4e3d2c-1b0a-4987-8654-3210fedcba98"
SECRET = "loopback-client-secret"
EVERY_PERMISSION = (USERS_READ, MEMBERS_READ, INSTALL_FOR_USER)
DEPUTY_ATTRIBUTE = "extensionAttribute2"
_NAMESPACE = uuid.UUID("6f1d2c3b-4a59-4e8d-9c7b-0a1b2c3d4e5f")


def group_id(*parts: str) -> str:
    """A stable object id for a group named by its parts."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def register(graph: LoopbackGraph, permissions: Iterable[str] = EVERY_PERMISSION) -> GraphSettings:
    """The drp-bot app in the loopback tenant, and the settings that sign in as it."""
    graph.register_app(TENANT_ID, CLIENT_ID, SECRET, permissions)
    return GraphSettings(TENANT_ID, CLIENT_ID, SECRET, graph.url, graph.authority, graph.ca_file)


@dataclass(frozen=True)
class Tenant:
    """What a tenant holds: its mapping file's text and who is in which group."""

    mapping: str
    groups: dict[str, str]  # group id -> "role/team"


def demo_tenant(graph: LoopbackGraph, *, deputies: bool = False) -> Tenant:
    """The demo council (Ashdown Vale) as Entra ID would hold it: one security group per role
    and team; ``deputies`` puts each deputy's e-mail in extensionAttribute2."""
    rows = list(csv.DictReader(io.StringIO(demo_directory_text())))
    groups: dict[str, set[str]] = {}
    for row in rows:
        extension = (
            {DEPUTY_ATTRIBUTE: row["deputy_email"]} if deputies and row["deputy_email"] else {}
        )
        graph.directory.put_user(
            User(
                row["aad_object_id"], row["name"], row["email"], row["email"], extension=extension
            )
        )
        teams = [t for t in row["team"].split(";") if t] or [""]
        for role in row["role"].split(";"):
            for team in teams if role in _TEAM_ROLES else [""]:
                groups.setdefault(f"{role}/{team}", set()).add(row["aad_object_id"])
    ids = {key: group_id("demo", key) for key in groups}
    for key, members in groups.items():
        graph.directory.add_group(ids[key], f"DRP {key}", sorted(members))
    lines = [f'[attributes]\ndeputy = "{DEPUTY_ATTRIBUTE}"\n'] if deputies else []
    for key in sorted(groups):
        role, team = key.split("/")
        lines.append(f'[[groups]]\nid = "{ids[key]}"\nroles = ["{role}"]\nteam = "{team}"\n')
    return Tenant("\n".join(lines), {ids[k]: k for k in groups})


_TEAM_ROLES = {
    "practitioner",
    "team_manager",
    "service_manager",
    "principal_manager",
    "head_of_service",
    "director",
    "designated_safeguarding_lead",
    "board_member",  # scope "agency": held in each agency (team)
}
TITLES = {"Social Worker": "practitioner", "Team Manager": "team_manager"}


def large_tenant(graph: LoopbackGraph, users: int, teams: int = 40) -> Tenant:
    """``users`` staff in ``teams`` team groups (role from jobTitle: one team manager a team,
    the rest social workers), plus chairs and service managers in org-wide groups, and as many
    accounts again that the DRP does not map (the tenant's other staff)."""
    team_ids = [group_id("team", str(n)) for n in range(teams)]
    for n, gid in enumerate(team_ids):
        graph.directory.add_group(gid, f"Children's team {n}")
    chairs = graph.directory.add_group(group_id("chairs"), "DRP chairs")
    managers = graph.directory.add_group(group_id("service-managers"), "DRP service managers")
    for i in range(users * 2):
        uid = str(uuid.uuid5(_NAMESPACE, f"user-{i}"))
        title = "Team Manager" if i < teams else "Social Worker"
        email = f"staff{i}@council.example"
        graph.directory.put_user(User(uid, f"Staff Member {i}", email, email, job_title=title))
        if i >= users:
            continue  # not one of the DRP's
        if i % 50 == 7:
            graph.directory.add_member(chairs.id, uid)
        elif i % 50 == 9:
            graph.directory.add_member(managers.id, uid)
        else:
            graph.directory.add_member(team_ids[i % teams], uid)
    lines = [
        '[attributes]\nrole = "jobTitle"\n',
        '[roles]\n"Social Worker" = "practitioner"\n"Team Manager" = "team_manager"\n',
        f'[[groups]]\nid = "{chairs.id}"\nroles = ["chair"]\n',
        f'[[groups]]\nid = "{managers.id}"\nroles = ["service_manager"]\nteam = "Team 0"\n',
    ]
    lines += [f'[[groups]]\nid = "{gid}"\nteam = "Team {n}"\n' for n, gid in enumerate(team_ids)]
    return Tenant("\n".join(lines), {gid: f"team/{n}" for n, gid in enumerate(team_ids)})
