"""The tab's scene: the bot over real HTTP (demo directory, Nottingham, driven clock) with three
disputes raised through Teams, and a browser-like client per person signed in to ``/tabs/``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from tests.support.cards import reference_of
from tests.teams_bot.bot_harness import LONDON, TEAM, Walk, running_bot

START = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # Monday
NORTHGATE = "Northgate Child Protection"
# (name, local ID): every part of each name must stay off pages that may not show it.
ZARA = ("Zara Quint", "AV-100001")
NIA = ("Nia Vellacourt", "AV-200001")
OMAR = ("Omar Threlkeld", "AV-300001")
CHILDREN = (ZARA, NIA, OMAR)


@dataclass
class Scene:
    """The running bot and the three references: two overdue, one on track."""

    walk: Walk
    base: str
    zara: str  # Alex's, Riverside, Patti named, overdue at stage 1 (Megan owes)
    nia: str  # Sam's, Northgate, Casey named, overdue at stage 1 (Jordan owes)
    omar: str  # Alex's, Riverside, raised later: on track

    async def person_id(self, who: str) -> str:
        return await self.walk.person_id(who)


def child_fields(
    child: tuple[str, str], team: str, practitioner: str, raised: datetime
) -> dict[str, str]:
    return {
        "child_1_name": child[0],
        "child_1_local_id": child[1],
        "team": team,
        "practitioner": practitioner,
        "date_of_concern": (raised - timedelta(days=3)).date().isoformat(),
        "conference_date": (raised - timedelta(days=7)).date().isoformat(),
        "action_1_date": (raised + timedelta(days=60)).date().isoformat(),
    }


def weeks_ago(now: datetime, weeks: int) -> datetime:
    """Monday 09:00 (London) ``weeks`` weeks before ``now``'s week."""
    local = now.astimezone(LONDON)
    monday = local.date() - timedelta(days=local.weekday() + 7 * weeks)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=LONDON)


@asynccontextmanager
async def tab_scene(
    tmp_path: Path, database_url: str = "", start: datetime = START
) -> AsyncIterator[Scene]:
    """The bot with the three disputes, the clock ten days on from the first two."""
    async with running_bot(tmp_path, "nottingham", start, database_url) as walk:
        patti, casey = await walk.person_id("patti"), await walk.person_id("casey")
        zara = reference_of(
            await walk.raise_dispute("alex", **child_fields(ZARA, TEAM, patti, start))
        )
        nia = reference_of(
            await walk.raise_dispute("sam", **child_fields(NIA, NORTHGATE, casey, start))
        )
        walk.clock.advance(days=10)
        later = walk.clock.now
        omar = reference_of(
            await walk.raise_dispute("alex", **child_fields(OMAR, TEAM, "", later))
        )
        base = walk.endpoint.removesuffix("/api/messages")
        yield Scene(walk, base, zara, nia, omar)


@asynccontextmanager
async def signed_in(scene: Scene, who: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A client with its own cookies, signed in to the tab as ``who`` (local sign-in)."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(scene.base, cookie_jar=jar) as client:
        if who:
            person = await scene.person_id(who)
            form = {"person": person, "next": "/tabs/mine"}
            async with client.post("/tabs/sign-in", data=form, allow_redirects=False) as answer:
                assert answer.status == 303, answer.status
        yield client


def assert_no_child(text: str, *children: tuple[str, str]) -> None:
    """No part of any child's name, nor their local ID, nor their initials, is in ``text``."""
    for name, local_id in children or CHILDREN:
        for part in name.split():
            assert part not in text, f"{part!r} of a child's name is shown"
        assert local_id not in text, f"{local_id} is shown"
        initials = "".join(f"{p[0]}." for p in name.split())
        assert initials not in text, f"{initials} is shown"


def rows_of(page: str) -> list[str]:
    """The references a dispute table lists, in order."""
    return re.findall(r'<th scope="row"><a href="/tabs/disputes/(DRP-\d{4}-\d{6})">', page)


def since(scene: Scene) -> tuple[datetime, datetime]:
    now = scene.walk.clock.now
    return now - timedelta(days=1), now + timedelta(days=1)
