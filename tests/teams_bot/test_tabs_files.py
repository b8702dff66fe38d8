"""The case record and the report as files in the personal chat, through Teams' file consent,
against the loopback connector (which also plays OneDrive's upload session): offered, accepted
and uploaded with a FileInfoCard; declined with the tab's address; a forged or odd answer
uploads nothing and shows no child."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from teams_bot.settings import BotHost
from tests.support.connector import post_activity
from tests.teams_bot.tab_scene import ZARA, Scene, assert_no_child, tab_scene

pytestmark = pytest.mark.asyncio(loop_scope="module")
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    tmp_path_factory: pytest.TempPathFactory, bot_host: BotHost
) -> AsyncIterator[Scene]:
    """Built once per bot host."""
    async with tab_scene(tmp_path_factory.mktemp("files")) as found:
        yield found


def attachments(scene: Scene, who: str, kind: str) -> list[dict[str, Any]]:
    chat = scene.walk.chat(who)
    found = [a for act in scene.walk.conn.activities(chat) for a in act.get("attachments") or []]
    return [a for a in found if a.get("contentType") == kind]


def texts(scene: Scene, who: str) -> list[str]:
    return [str(a.get("text") or "") for a in scene.walk.conn.activities(scene.walk.chat(who))]


async def answer(scene: Scene, who: str, value: dict[str, Any]) -> int:
    walk = scene.walk
    activity = walk.conn.invoke_activity(
        "fileConsent/invoke",
        value,
        from_id=walk.people[who].id,
        conversation_id=walk.chat(who),
        reply_to_id="consent-card",
    )
    status, _ = await post_activity(walk.endpoint, activity)
    return status


def accept(scene: Scene, offer: dict[str, Any], **upload: str) -> dict[str, Any]:
    info = {**scene.walk.conn.upload_info(offer["name"]), **upload}
    context = offer["content"]["acceptContext"]
    return {"type": "fileUpload", "action": "accept", "context": context, "uploadInfo": info}


async def record_offer(scene: Scene, who: str) -> dict[str, Any]:
    await scene.walk.say(who, f"show {scene.zara}")
    await scene.walk.press(who, "drp.record", {"reference": scene.zara, "version": 1})
    offers = attachments(scene, who, CONSENT)
    assert offers, "no file was offered"
    return offers[-1]


async def audited(scene: Scene, who: str, action: str) -> list[tuple[str | None, dict[str, Any]]]:
    person = await scene.person_id(who)
    now = scene.walk.clock.now
    async with scene.walk.bot.store.transaction(readonly=True) as tx:
        entries = await tx.audit.by_actor(person, now.replace(year=2020), now.replace(year=2030))
    return [(e.reference, dict(e.detail)) for e in entries if e.action == action]


async def test_the_case_record_is_offered_accepted_and_uploaded(scene: Scene) -> None:
    offer = await record_offer(scene, "isaiah")
    assert offer["name"] == f"{scene.zara} case record.html"
    assert offer["content"]["acceptContext"] == {"kind": "record", "reference": scene.zara}
    assert offer["content"]["sizeInBytes"] > 1000
    value = accept(scene, offer)
    assert await answer(scene, "isaiah", value) == 200
    body, content_range = scene.walk.conn.uploads[value["uploadInfo"]["uniqueId"]]
    page = body.decode("utf-8")
    assert f"Dispute Resolution record {scene.zara}" in page
    assert ZARA[0] in page
    assert content_range == f"bytes 0-{len(body) - 1}/{len(body)}"
    (info,) = attachments(scene, "isaiah", INFO)
    assert info["contentUrl"] == value["uploadInfo"]["contentUrl"]
    assert info["content"] == {"uniqueId": value["uploadInfo"]["uniqueId"], "fileType": "html"}
    exported = await audited(scene, "isaiah", "record_exported")
    assert (scene.zara, {"format": "html", "via": "file"}) in exported


async def test_declining_gives_the_tab_link_and_uploads_nothing(scene: Scene) -> None:
    offer = await record_offer(scene, "alex")
    before = dict(scene.walk.conn.uploads)
    value = {
        "type": "fileUpload",
        "action": "decline",
        "context": offer["content"]["declineContext"],
    }
    assert await answer(scene, "alex", value) == 200
    assert scene.walk.conn.uploads == before
    link = f"/tabs/disputes/{scene.zara}/record"
    assert any(link in text and "No file was sent" in text for text in texts(scene, "alex"))


async def test_the_report_command_offers_the_report_as_a_file(scene: Scene) -> None:
    await scene.walk.say("isaiah", "report 2026-10-01 2026-12-31")
    offer = attachments(scene, "isaiah", CONSENT)[-1]
    assert offer["name"] == "DRP report 2026-10-01 to 2026-12-31.html"
    value = accept(scene, offer)
    assert await answer(scene, "isaiah", value) == 200
    body, _ = scene.walk.conn.uploads[value["uploadInfo"]["uniqueId"]]
    assert "quarterly report" in body.decode("utf-8")


async def test_someone_else_answering_the_offer_gets_nothing_and_is_audited(scene: Scene) -> None:
    offer = await record_offer(scene, "isaiah")
    value = accept(scene, offer)
    assert await answer(scene, "patti", value) == 200  # Patti may not read Alex's record
    assert value["uploadInfo"]["uniqueId"] not in scene.walk.conn.uploads
    for text in texts(scene, "patti"):
        assert_no_child(text)
    refused = await audited(scene, "patti", "refused")
    assert (scene.zara, {"verb": "teams.fileConsent", "kind": "record"}) in refused


ODD = [
    {"type": "fileUpload", "action": "accept", "context": {"kind": "record"}},
    {"type": "fileUpload", "action": "maybe", "context": {}},
    {"type": "other", "action": "accept"},
    {"type": "fileUpload", "action": "accept", "context": "x", "uploadInfo": 5},
    {
        "type": "fileUpload",
        "action": "accept",
        "context": {"kind": "report", "from": "0001-01-01", "to": "9999-12-31"},
    },
    {
        "type": "fileUpload",
        "action": "decline",
        "context": {"kind": "record", "reference": "../x"},
    },
    {
        "type": "fileUpload",
        "action": "accept",
        "context": {"kind": "record", "reference": "DRP-2026-000001\x00"},
    },
]


@pytest.mark.parametrize("value", ODD)
async def test_an_odd_answer_is_never_a_5xx_and_uploads_nothing(
    scene: Scene, value: dict[str, Any]
) -> None:
    before = dict(scene.walk.conn.uploads)
    assert await answer(scene, "isaiah", value) < 500
    assert scene.walk.conn.uploads == before


async def test_an_upload_url_off_the_allowed_hosts_is_never_called(scene: Scene) -> None:
    offer = await record_offer(scene, "isaiah")
    value = accept(scene, offer, uploadUrl="http://169.254.169.254/latest/meta-data")
    asked = len(scene.walk.conn.requests)
    assert await answer(scene, "isaiah", value) == 200
    assert any("could not be put in your OneDrive" in t for t in texts(scene, "isaiah"))
    called = [r for r in scene.walk.conn.requests[asked:] if "onedrive" in str(r)]
    assert called == []
