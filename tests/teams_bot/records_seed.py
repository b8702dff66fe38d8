"""The seeded quarter (``tests/drp/report_seed``) saved through a real store, with a directory
whose people act in it, and compliments: what the records and report tests read."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path

import pytest

from drp.calendar import LONDON
from drp.roles import Role
from store.rows import DirectoryEntry, RoleGrant
from store.store import Store
from tests.drp.report_seed import ASSESSMENT, CLA, EAST, Cast, Story, current, last_year

PEOPLE = (
    ("ann.chair@council.example", "Ann Chair", (RoleGrant(Role.CHAIR),), ""),
    ("ike.iro@council.example", "Ike Reviewer", (RoleGrant(Role.IRO),), ""),
    (
        "tom.manager@council.example",
        "Tom Manager",
        tuple(RoleGrant(Role.TEAM_MANAGER, t) for t in (ASSESSMENT, CLA, EAST)),
        ASSESSMENT,
    ),
    (
        "sue.service@council.example",
        "Sue Service",
        tuple(RoleGrant(Role.SERVICE_MANAGER, t) for t in (ASSESSMENT, CLA, EAST)),
        ASSESSMENT,
    ),
    (
        "hal.head@council.example",
        "Hal Head",
        tuple(RoleGrant(Role.HEAD_OF_SERVICE, t) for t in (ASSESSMENT, CLA, EAST)),
        ASSESSMENT,
    ),
    ("dee.director@council.example", "Dee Director", (RoleGrant(Role.DIRECTOR, EAST),), EAST),
    (
        "pat.worker@council.example",
        "Pat Worker",
        (RoleGrant(Role.PRACTITIONER, ASSESSMENT),),
        ASSESSMENT,
    ),
    (
        "cat.csm@council.example",
        "Cat Service-Manager",
        (RoleGrant(Role.CHAIRS_SERVICE_MANAGER), RoleGrant(Role.MONITOR)),
        "",
    ),
    ("jo.qa@council.example", "Jo Quality", (RoleGrant(Role.MONITOR),), ""),
)
START = datetime(2024, 12, 1, 9, tzinfo=LONDON)
FEB = datetime(2026, 2, 2, 9, tzinfo=LONDON)


async def directory(store: Store) -> dict[str, str]:
    """Import the people; returns their ids by e-mail."""
    entries = [
        DirectoryEntry(line=n, email=email, name=name, roles=roles, team=team)
        for n, (email, name, roles, team) in enumerate(PEOPLE, start=2)
    ]
    async with store.transaction() as tx:
        await tx.directory.import_entries(entries, at=START)
        found = {}
        for email, *_ in PEOPLE:
            person = await tx.directory.by_email(email)
            assert person is not None
            found[email] = person.id
    return found


def cast(ids: dict[str, str]) -> Cast:
    """The report seed's actors, as this directory's ids."""
    return Cast(
        chair=ids["ann.chair@council.example"],
        iro=ids["ike.iro@council.example"],
        tm=ids["tom.manager@council.example"],
        sm=ids["sue.service@council.example"],
        hos=ids["hal.head@council.example"],
        director=ids["dee.director@council.example"],
    )


async def save(store: Store, stories: dict[str, Story]) -> None:
    """Each dispute through the store as the service saves it: add, then one save per step."""
    for story in stories.values():
        async with store.transaction() as tx:
            first, *rest = story.decisions
            await tx.disputes.add(first)
            for decision in rest:
                await tx.disputes.save(decision, expected_version=decision.dispute.version - 1)


async def seeded_store(path: Path) -> tuple[Store, dict[str, str], dict[str, Story]]:
    """A fresh SQLite store with the directory, the seeded quarters and three compliments
    (two in Feb 2026, one acknowledged; one in Feb 2025)."""
    store = await Store.open(f"sqlite+aiosqlite:///{path / 'records.sqlite3'}")
    await store.upgrade()
    ids = await directory(store)
    people = cast(ids)
    stories = {**current(people), **last_year(people)}
    await save(store, stories)
    pat, tom = ids["pat.worker@council.example"], people.tm
    async with store.transaction() as tx:
        first = await tx.compliments.add(people.chair, pat, tom, "Great visit", at=FEB)
        await tx.compliments.add(people.chair, pat, tom, "Great plan", at=FEB.replace(day=3))
        await tx.compliments.add(people.iro, pat, tom, "Good", at=FEB.replace(year=2025))
        await tx.compliments.acknowledge(first, pat, FEB.replace(day=4))
    return store, ids, stories


def seeded_cli_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The seeded records database under Newham for ``drp-bot`` commands run in-process: no
    DRP_ variable from the caller's environment, no .env file; its URL."""
    for name in [n for n in os.environ if n.startswith("DRP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file here
    monkeypatch.setenv("DRP_POLICY", "newham")

    async def seed() -> None:
        store, _, _ = await seeded_store(tmp_path)
        await store.close()

    asyncio.run(seed())
    return f"sqlite+aiosqlite:///{tmp_path / 'records.sqlite3'}"
