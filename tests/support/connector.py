"""A loopback Bot Connector: the subset of REST API v3 that botbuilder's ConnectorClient calls.

It runs on 127.0.0.1 (free port), records every request in order, keeps the latest state of each
activity per conversation, serves a Teams-shaped roster, and injects faults (429 with Retry-After,
5xx, 403 on create-conversation) so a bot's sender can be tested over real HTTP. No drp code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.ports import LOOPBACK

Json = dict[str, Any]
Clock = Callable[[], float]

DEFAULT_TENANT_ID = "tenant-loopback"
DEFAULT_BOT_ID = "28:loopback-bot"
_BODY: Any = web.RequestKey("body", object) if hasattr(web, "RequestKey") else "body"


@dataclass(frozen=True)
class Member:
    """A roster member, served Teams-shaped (``TeamsChannelAccount``)."""

    id: str
    name: str
    aad_object_id: str
    email: str
    user_principal_name: str = ""

    def to_json(self, tenant_id: str) -> Json:
        """The member as the Teams connector returns it."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.user_principal_name or self.email,
            "givenName": given,
            "surname": surname,
            "tenantId": tenant_id,
            "userRole": "user",
        }


DEFAULT_MEMBERS: tuple[Member, ...] = tuple(
    Member(f"29:user-{i}", name, f"00000000-0000-0000-0000-00000000010{i}", f"{login}@example.org")
    for i, (name, login) in enumerate(
        [
            ("Carol Chair", "carol"),
            ("Manny Manager", "manny"),
            ("Sita Senior", "sita"),
            ("Pat Practitioner", "pat"),
            ("Vic Viewer", "vic"),
        ]
    )
)


@dataclass(frozen=True)
class RecordedRequest:
    """One call the bot made, with the status the connector answered."""

    method: str
    path: str
    query: Mapping[str, str]
    json: Any
    headers: Mapping[str, str]
    status: int
    conversation_id: str | None
    activity_id: str | None
    retry_after: str | None = None  # the Retry-After header answered, if any


@dataclass
class ActivityState:
    """Every version of one activity in a conversation; ``current`` is what a user sees now."""

    id: str
    versions: list[Json]
    deleted: bool = False

    @property
    def current(self) -> Json:
        return self.versions[-1]


@dataclass
class ConversationState:
    """A conversation as the connector knows it (created by the bot, or first written to)."""

    id: str
    activities: dict[str, ActivityState] = field(default_factory=dict)
    parameters: Json | None = None  # the create-conversation body, when the bot created it


class TokenBucket:
    """Allow ``rate`` requests per ``per_seconds``, refilled continuously."""

    def __init__(self, rate: int, per_seconds: float, clock: Clock) -> None:
        self._capacity = float(rate)
        self._refill = rate / per_seconds
        self._tokens = float(rate)
        self._clock = clock
        self._last = clock()

    def take(self) -> float | None:
        """Take one token; return None if granted, else the seconds until one is free."""
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._refill)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return (1 - self._tokens) / self._refill


@dataclass
class _CountedFault:
    remaining: int
    status: int
    retry_after: float | None
    conversation_id: str | None

    def matches(self, conversation_id: str | None) -> bool:
        return self.remaining > 0 and self.conversation_id in (None, conversation_id)


@dataclass(frozen=True)
class _Rate:
    rate: int
    per_seconds: float


def _retry_after_header(seconds: float) -> str:
    # Teams sends whole seconds; fractions (non-standard) keep fast tests fast.
    return f"{math.ceil(seconds * 1000) / 1000:g}"


def _error(status: int, code: str, message: str, retry_after: float | None = None) -> web.Response:
    headers = (
        {"Retry-After": _retry_after_header(retry_after)} if retry_after is not None else None
    )
    body = {"error": {"code": code, "message": message}}
    return web.json_response(body, status=status, headers=headers)


class LoopbackConnector:
    """Fake connector: ``async with LoopbackConnector() as conn:`` gives ``conn.service_url``."""

    def __init__(
        self,
        members: Sequence[Member] = DEFAULT_MEMBERS,
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        teams: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        clock: Clock = time.monotonic,
        port: int = 0,
        strict: bool = False,
    ) -> None:
        """``port`` 0 is a free one (pass a stopped connector's to restart it at the same URL);
        ``strict`` answers 404 ConversationNotFound for a conversation it has not seen: not
        created by the bot, nor one an activity to the bot came from (a restarted Playground)."""
        self.members: list[Member] = list(members)
        self.tenant_id = tenant_id
        self.teams: dict[str, list[tuple[str, str]]] = {
            k: list(v) for k, v in (teams or {}).items()
        }
        self.requests: list[RecordedRequest] = []
        self.conversations: dict[str, ConversationState] = {}
        self._clock = clock
        self._ids = itertools.count(1)
        self._run = uuid.uuid4().hex[:6]  # a restarted connector's chats are new ones
        self._counted: list[_CountedFault] = []
        self._forbidden_users: set[str] = set()
        self._removed_from: set[str] = set()
        self._port = port
        self._strict = strict
        self._conversation_rate: _Rate | None = None
        self._conversation_buckets: dict[str, TokenBucket] = {}
        self._global_bucket: TokenBucket | None = None
        self._rate_retry_after: float | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.service_url = ""
        # OneDrive's side of Teams' file consent: what the bot uploaded, by unique id.
        self.uploads: dict[str, tuple[bytes, str]] = {}

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> LoopbackConnector:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on a free loopback port; ``service_url`` ends with ``/`` as Teams sends it."""
        self._runner = web.AppRunner(self._app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, LOOPBACK, self._port).start()
        self._port = int(self._runner.addresses[0][1])
        self.service_url = f"http://{LOOPBACK}:{self._port}/"

    @property
    def port(self) -> int:
        """The port it listens on (once started)."""
        return self._port

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- faults ----------------------------------------------------------------------------

    def throttle_next(
        self, count: int, *, retry_after: float = 1.0, conversation_id: str | None = None
    ) -> None:
        """Answer the next ``count`` calls (optionally to one conversation) 429 + Retry-After."""
        self._counted.append(_CountedFault(count, 429, retry_after, conversation_id))

    def fail_next(
        self, count: int, *, status: int = 500, conversation_id: str | None = None
    ) -> None:
        """Answer the next ``count`` calls (optionally to one conversation) with ``status``."""
        self._counted.append(_CountedFault(count, status, None, conversation_id))

    def rate_limit(
        self,
        *,
        per_conversation: tuple[int, float] | None = None,
        globally: tuple[int, float] | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Token buckets: (R requests, per T seconds) per conversation and/or for all calls.

        Over a limit the call gets 429 with Retry-After = ``retry_after`` if given, else the
        exact wait until a token is free. Replaces any earlier rate limit.
        """
        self._conversation_rate = _Rate(*per_conversation) if per_conversation else None
        self._conversation_buckets.clear()
        self._global_bucket = TokenBucket(*globally, self._clock) if globally else None
        self._rate_retry_after = retry_after

    def forbid_conversation_with(self, user_id: str) -> None:
        """Answer 403 when the bot creates a conversation with ``user_id`` (e.g. app blocked)."""
        self._forbidden_users.add(user_id)

    def forget_conversations(self) -> None:
        """Every conversation so far is gone: sends and updates into it answer 404
        ConversationNotFound (the chat deleted, or the Playground restarted)."""
        self._strict = True
        self.conversations.clear()

    def remove_app_for(self, user_id: str) -> None:
        """The user removed the app: sends into the bot's chats with them answer 403, and so
        does creating a new one."""
        self._removed_from.add(user_id)
        self._forbidden_users.add(user_id)

    def app_installed_for(self, user_id: str, chat_id: str) -> None:
        """The app was installed for the user (through Graph): the bot may chat with them, in
        the chat the installation opened."""
        self._removed_from.discard(user_id)
        self._forbidden_users.discard(user_id)
        self._conversation(chat_id)

    def clear_faults(self) -> None:
        """Remove every injected fault and rate limit."""
        self._counted.clear()
        self._forbidden_users.clear()
        self._removed_from.clear()
        self.rate_limit()

    # -- what the bot did ------------------------------------------------------------------

    def activities(self, conversation_id: str) -> list[Json]:
        """What the conversation shows now: the latest version of each live activity, in order."""
        state = self.conversations.get(conversation_id)
        if state is None:
            return []
        return [a.current for a in state.activities.values() if not a.deleted]

    def activity(self, conversation_id: str, activity_id: str) -> ActivityState:
        """One activity with its history of versions (KeyError when unknown)."""
        return self.conversations[conversation_id].activities[activity_id]

    def texts(self, conversation_id: str) -> list[str]:
        """The ``text`` of each live activity in a conversation (empty string for cards)."""
        return [a.get("text") or "" for a in self.activities(conversation_id)]

    def created_conversations(self) -> list[ConversationState]:
        """Conversations the bot created through ``POST /v3/conversations``, in order."""
        return [c for c in self.conversations.values() if c.parameters is not None]

    def requests_matching(
        self,
        method: str | None = None,
        path_contains: str = "",
        status: int | None = None,
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method, a path fragment and the answered status."""
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and path_contains in r.path
            and (status is None or r.status == status)
        ]

    async def wait_for(
        self, predicate: Callable[[LoopbackConnector], bool], within: float = 5.0
    ) -> None:
        """Wait up to ``within`` seconds until ``predicate(self)`` holds (else TimeoutError)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: predicate(self))

    # -- activities sent *to* the bot --------------------------------------------------------

    def message_activity(
        self,
        text: str,
        *,
        from_id: str | None = None,
        conversation_id: str = "a:personal-chat",
        conversation_type: str = "personal",
        **extra: Any,
    ) -> Json:
        """A Teams-shaped message activity whose serviceUrl is this connector."""
        return self.incoming_activity(
            "message",
            from_id=from_id,
            conversation_id=conversation_id,
            conversation_type=conversation_type,
            text=text,
            textFormat="plain",
            **extra,
        )

    def invoke_activity(
        self,
        name: str,
        value: Json,
        *,
        reply_to_id: str | None = None,
        from_id: str | None = None,
        conversation_id: str = "a:personal-chat",
        **extra: Any,
    ) -> Json:
        """A Teams-shaped invoke (e.g. ``adaptiveCard/action``) addressed from this connector."""
        if reply_to_id is not None:
            extra["replyToId"] = reply_to_id
        return self.incoming_activity(
            "invoke",
            from_id=from_id,
            conversation_id=conversation_id,
            name=name,
            value=value,
            **extra,
        )

    def incoming_activity(
        self,
        activity_type: str,
        *,
        from_id: str | None = None,
        conversation_id: str = "a:personal-chat",
        conversation_type: str = "personal",
        **extra: Any,
    ) -> Json:
        """Any activity type as Teams would post it to the bot (no auth header needed)."""
        member = self.member(from_id) if from_id else self.members[0]
        self._conversation(conversation_id)  # the connector knows where the activity came from
        activity: Json = {
            "type": activity_type,
            "id": f"incoming-{uuid.uuid4()}",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": member.id, "name": member.name, "aadObjectId": member.aad_object_id},
            "recipient": {"id": DEFAULT_BOT_ID, "name": "Bot"},
            "conversation": {
                "id": conversation_id,
                "conversationType": conversation_type,
                "tenantId": self.tenant_id,
                "isGroup": conversation_type != "personal",
            },
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "en-GB",
        }
        activity.update(extra)
        return activity

    def member(self, member_id: str) -> Member:
        """The roster member with this id (KeyError when unknown)."""
        for member in self.members:
            if member.id == member_id:
                return member
        raise KeyError(member_id)

    # -- the HTTP side ----------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record_and_inject])
        conv = "/v3/conversations/{cid}"
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post(conv + "/activities", self._send)
        app.router.add_post(conv + "/activities/{aid}", self._send)
        app.router.add_put(conv + "/activities/{aid}", self._update)
        app.router.add_delete(conv + "/activities/{aid}", self._delete)
        app.router.add_get(conv + "/members", self._members)
        app.router.add_get(conv + "/members/{mid}", self._member)
        app.router.add_get(conv + "/pagedmembers", self._paged_members)
        app.router.add_get("/v3/teams/{tid}/conversations", self._team_channels)
        app.router.add_get("/v3/teams/{tid}", self._team_details)
        app.router.add_put("/onedrive/upload/{uid}", self._upload)
        return app

    def upload_info(self, name: str, file_type: str = "html") -> Json:
        """``uploadInfo`` as Teams sends it when a person accepts a file: an upload session URL
        (served here, as OneDrive would), the file's address, its unique id and type."""
        uid = self._new_id("file")
        return {
            "name": name,
            "uploadUrl": f"{self.service_url}onedrive/upload/{uid}",
            "contentUrl": f"{self.service_url}onedrive/files/{uid}",
            "uniqueId": uid,
            "fileType": file_type,
        }

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        uid = request.match_info["uid"]
        self.uploads[uid] = (body, request.headers.get("Content-Range", ""))
        return web.json_response({"id": uid, "size": len(body)}, status=201)

    @web.middleware
    async def _record_and_inject(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        body = request[_BODY] = await _read_json(request)
        cid = request.match_info.get("cid")
        response = self._fault_for(request, body, cid)
        if response is None:
            try:
                response = await handler(request)
            except web.HTTPException as exc:  # unknown route: record it, answer as Teams would
                response = _error(exc.status, "NotFound", exc.reason)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                json=body,
                headers=dict(request.headers),
                status=response.status,
                conversation_id=cid,
                activity_id=request.match_info.get("aid"),
                retry_after=response.headers.get("Retry-After"),
            )
        )
        async with self._changed:
            self._changed.notify_all()
        return response

    def _fault_for(self, request: web.Request, body: Any, cid: str | None) -> web.Response | None:
        if request.path == "/v3/conversations" and request.method == "POST":
            members = (body or {}).get("members") or []
            if any(m.get("id") in self._forbidden_users for m in members):
                return _error(403, "Forbidden", "The bot is not part of the conversation roster.")
        if cid is not None and (gone := self._gone(cid)) is not None:
            return gone
        for fault in self._counted:
            if fault.matches(cid):
                fault.remaining -= 1
                self._counted = [f for f in self._counted if f.remaining > 0]
                if fault.status == 429:
                    return _error(429, "TooManyRequests", "Throttled.", fault.retry_after)
                return _error(fault.status, "ServiceError", "Injected failure.")
        return self._rate_fault(cid)

    def _gone(self, cid: str) -> web.Response | None:
        state = self.conversations.get(cid)
        if state is None:
            if self._strict:
                return _error(404, "ConversationNotFound", "Conversation not found.")
            return None
        members = (state.parameters or {}).get("members") or []
        if any(m.get("id") in self._removed_from for m in members):
            return _error(403, "BotNotInConversationRoster", "The bot is not part of the roster.")
        return None

    def _rate_fault(self, cid: str | None) -> web.Response | None:
        waits: list[float] = []
        if self._global_bucket is not None:
            waits.append(self._global_bucket.take() or 0.0)
        if cid is not None and self._conversation_rate is not None:
            bucket = self._conversation_buckets.get(cid)
            if bucket is None:
                rate = self._conversation_rate
                bucket = TokenBucket(rate.rate, rate.per_seconds, self._clock)
                self._conversation_buckets[cid] = bucket
            waits.append(bucket.take() or 0.0)
        wait = max(waits, default=0.0)
        if wait <= 0:
            return None
        retry_after = self._rate_retry_after if self._rate_retry_after is not None else wait
        return _error(429, "TooManyRequests", "Rate limit exceeded.", retry_after)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def _conversation(self, cid: str) -> ConversationState:
        return self.conversations.setdefault(cid, ConversationState(cid))

    def _store(self, cid: str, activity: Json) -> str:
        aid = self._new_id("activity-")
        stored = {**activity, "id": aid}
        self._conversation(cid).activities[aid] = ActivityState(aid, [stored])
        return aid

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = _body(request)
        cid = self._new_id(f"a:loopback-{self._run}-conversation-")
        self._conversation(cid).parameters = body
        answer: Json = {"id": cid, "serviceUrl": self.service_url}
        if body.get("activity"):
            answer["activityId"] = self._store(cid, body["activity"])
        return web.json_response(answer, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        activity = _body(request)
        aid = self._store(request.match_info["cid"], activity)
        return web.json_response({"id": aid}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        state = self._conversation(cid).activities.get(aid)
        if state is None or state.deleted:
            return _error(404, "ActivityNotFoundInConversation", "Unknown activity.")
        activity = _body(request)
        state.versions.append({**activity, "id": aid})
        return web.json_response({"id": aid})

    async def _delete(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        state = self._conversation(cid).activities.get(aid)
        if state is None or state.deleted:
            return _error(404, "ActivityNotFoundInConversation", "Unknown activity.")
        state.deleted = True
        return web.Response(status=200)

    def _roster(self) -> list[Json]:
        return [m.to_json(self.tenant_id) for m in self.members]

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(self._roster())

    async def _member(self, request: web.Request) -> web.Response:
        try:
            member = self.member(request.match_info["mid"])
        except KeyError:
            return _error(404, "MemberNotFoundInConversation", "Unknown member.")
        return web.json_response(member.to_json(self.tenant_id))

    async def _paged_members(self, request: web.Request) -> web.Response:
        size = int(request.query.get("pageSize") or 200)
        start = int(request.query.get("continuationToken") or 0)
        page = self._roster()[start : start + size]
        answer: Json = {"members": page}
        if start + size < len(self.members):
            answer["continuationToken"] = str(start + size)
        return web.json_response(answer)

    async def _team_channels(self, request: web.Request) -> web.Response:
        channels = self.teams.get(request.match_info["tid"])
        if channels is None:
            return _error(404, "TeamNotFound", "Unknown team.")
        return web.json_response({"conversations": [{"id": i, "name": n} for i, n in channels]})

    async def _team_details(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        if tid not in self.teams:
            return _error(404, "TeamNotFound", "Unknown team.")
        return web.json_response({"id": tid, "name": tid, "aadGroupId": tid})


def _body(request: web.Request) -> Json:
    body = request.get(_BODY)  # parsed once by the recording middleware
    return body if isinstance(body, dict) else {}


async def _read_json(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


async def post_activity(
    endpoint: str, activity: Json, headers: Mapping[str, str] | None = None
) -> tuple[int, Any]:
    """POST an activity to a bot's ``/api/messages``; return (status, parsed JSON body or None)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(endpoint, json=activity, headers=dict(headers or {})) as response,
    ):
        text = await response.text()
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text
