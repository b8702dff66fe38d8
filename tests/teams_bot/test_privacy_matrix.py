"""Issue 12.6's privacy matrix over real HTTP on SQLite and PostgreSQL: every verb a dispute card
can send × {same version, stale, replayed nonce, another dispute's reference} × {an outsider in
the directory, a person in no directory, a party of another dispute}. No reply carries anything
of the child (sentinel name, local ID, date of birth, concern text), nothing changes, and every
attempt leaves an audit row. One bot per engine; the cases are a table."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.cards import action, text_of
from tests.support.connector import post_activity
from tests.teams_bot.bot_harness import FILLER, LONDON, Walk, running_bot

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=LONDON)
REF = "DRP-2026-000001"  # the dispute under attack
OTHER = "DRP-2026-000002"  # the attacking party's own dispute
NAME, LOCAL_ID, DOB = "Qwzmatrix Xjvchild", "MTX-777001", "2015-04-09"
SUMMARY = "Matrixsentinel summary of the concern"
IMPACT = "Matrixsentinel impact on the child"
SENTINELS = (
    "Qwzmatrix",
    "Xjvchild",
    LOCAL_ID,
    DOB,
    "9 Apr 2015",
    "09/04/2015",
    "Matrixsentinel",
)
VERBS = (
    "drp.respond",
    "drp.resolve",
    "drp.extend",
    "drp.escalate",
    "drp.refer",
    "drp.harm",
    "drp.withdraw",
    "drp.conclude",
    "drp.approve",
    "drp.decline",
    "drp.refresh",
    "drp.show",
    "drp.record",
    "drp.action_done",  # issue 14.4: the dispute has a tracked action 1 (requested on raising)
    "drp.reopen",
)
VARIANTS = ("same version", "stale", "replayed nonce", "another dispute's reference")
WHO = ("outsider", "not in directory", "party elsewhere")
NOBODY = {
    "id": "29:not-in-any-directory",
    "name": "Nobody",
    "aadObjectId": "99999999-0000-4000-8000-000000000099",
}


@dataclass(frozen=True)
class Scene:
    """What the attacks start from: the attacked card's data and a nonce its owner used."""

    version: int
    used_nonce: str
    other_version: int


async def set_scene(walk: Walk) -> Scene:
    await walk.raise_dispute(
        "alex",
        child_1_name=NAME,
        child_1_local_id=LOCAL_ID,
        child_1_dob=DOB,
        summary=SUMMARY,
        impact=IMPACT,
        practitioner=await walk.person_id("patti"),
    )
    card = walk.dispute_card("megan", REF).card
    respond = {**action(card, "drp.respond"), "response": "Visits weekly from now."}
    await walk.press("megan", "drp.respond", respond)
    await walk.deliver()
    await walk.raise_dispute(
        "sam", team="Hillcrest Children in Care", practitioner=await walk.person_id("riley")
    )
    return Scene(version=2, used_nonce=str(respond["nonce"]), other_version=1)


def data_for(walk: Walk, scene: Scene, variant: str, n: int) -> dict[str, Any]:
    tomorrow = (walk.clock.now + timedelta(days=1)).date().isoformat()
    data: dict[str, Any] = {
        **FILLER,
        "escalate_due": tomorrow,
        "to_stage": "2",
        "refer_target": "lscb",
        "action": 1,
        "reference": REF,
        "version": scene.version,
        "nonce": f"matrix-{n}",
    }
    if variant == "stale":
        data["version"] = scene.version - 1
    elif variant == "replayed nonce":
        data["nonce"] = scene.used_nonce
    elif variant == "another dispute's reference":
        data["version"] = scene.other_version  # a card of their own dispute, pointed at REF
    return data


async def attempt(walk: Walk, who: str, verb: str, data: dict[str, Any]) -> tuple[int, Any]:
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    if who == "not in directory":
        activity = walk.conn.invoke_activity("adaptiveCard/action", value, from_id="user-id-0")
        activity["from"] = NOBODY
        activity["conversation"]["id"] = "a:personal-nobody"
    else:
        member = walk.people["casey" if who == "outsider" else "taylor"]
        activity = walk.conn.invoke_activity(
            "adaptiveCard/action", value, from_id=member.id, conversation_id=walk.chat("alex")
        )
        activity["conversation"]["id"] = f"a:personal-{member.id}"
    return await post_activity(walk.endpoint, activity)


async def audit_rows(walk: Walk, actor: str) -> int:
    async with walk.bot.store.transaction() as tx:
        return sum(1 for e in await tx.audit.for_dispute(REF) if e.actor == actor)


async def actor_of(walk: Walk, who: str) -> str:
    if who == "not in directory":
        return "unknown:" + NOBODY["aadObjectId"]
    return await walk.person_id("casey" if who == "outsider" else "taylor")


async def test_no_case_of_the_matrix_shows_a_childs_details(
    tmp_path: Path, walk_database_url: str
) -> None:
    async with running_bot(tmp_path, "nottingham", MONDAY, walk_database_url) as walk:
        scene = await set_scene(walk)
        before = await walk.events(REF)
        sent_before = len(walk.conn.requests)
        failures: list[str] = []
        cases = list(itertools.product(VERBS, VARIANTS, WHO))
        for n, (verb, variant, who) in enumerate(cases):
            actor = await actor_of(walk, who)
            rows = await audit_rows(walk, actor)
            status, body = await attempt(walk, who, verb, data_for(walk, scene, variant, n))
            shown = text_of(body) if isinstance(body, dict) else str(body)
            case = f"{verb} / {variant} / {who}"
            if status != 200:
                failures.append(f"{case}: HTTP {status}")
            failures += [f"{case}: {s!r} in the reply" for s in SENTINELS if s in shown]
            if await audit_rows(walk, actor) <= rows:
                failures.append(f"{case}: no audit row")
        assert failures == [], "\n".join(failures[:40])
        assert len(cases) == 180
        assert await walk.events(REF) == before
        assert walk.conn.requests[sent_before:] == []  # nobody was sent anything either
