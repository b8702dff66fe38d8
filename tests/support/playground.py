"""The Microsoft 365 Agents Playground (npm, pinned 0.2.28), driven from tests.

Every call to its undocumented API lives in :class:`Playground`; :class:`Browser` drives its web UI
in headless Debian chromium. The browser driver is the PyPI ``playwright`` package: its wheel
ships its own driver, so browser tests stay plain async pytest, and it is pointed at
``/usr/bin/chromium`` via ``executable_path`` (never ``playwright install``, which downloads a
browser). Facts behind this module: ``shared/PLAYGROUND.md`` and the package's own files.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import dataclasses
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import aiohttp

from tests.support.ports import LOOPBACK, free_port

Json = dict[str, Any]

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_CLI = REPO_ROOT / "e2e/node_modules/@microsoft/m365agentsplayground/cli.js"
TEST_OUTPUT = REPO_ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CONFIG_FILE_NAME = ".m365agentsplayground.yml"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
PLAYGROUND_SIDE = "Microsoft 365 Agents Playground"  # the ``from``/``to`` names in its log
BOT_SIDE = "User Application"

CONVERSATION_STREAM = "/_ws_conversation/v1/conversations/stream"
LOG_STREAM = "/_ws/log/stream"


StartPlayground = Callable[..., Awaitable["Playground"]]
"""The ``start_playground`` fixture: ``await start(bot_endpoint, config=..., name=...)``."""


def die_with_parent() -> None:
    """In a child before it runs: on Linux, SIGTERM it when the process that started it dies
    (a test run or launcher killed outright never gets to stop it; ignored elsewhere)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


class PlaygroundError(RuntimeError):
    """The Playground could not start, or answered an API call with an error."""


# -- mock data (.m365agentsplayground.yml, schema 0.1.1 in the package) ----------------------


@dataclass(frozen=True)
class MockUser:
    """A tenant user in the Playground's mock data (its ``userPrincipleName`` spelling)."""

    id: str
    name: str
    email: str
    aad_object_id: str

    def to_config(self) -> Json:
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.email,
            "aadObjectId": self.aad_object_id,
            "givenName": given,
            "surname": surname or given,
            "email": self.email,
        }

    def as_account(self) -> Json:
        """The ``from`` account of an activity sent as this user."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


@dataclass(frozen=True)
class PlaygroundConfig:
    """Mock tenant: ``users`` holds the current user plus exactly five others (schema 0.1.1).

    The team has its General channel (id = ``team_id``) and one more channel at most.
    """

    users: Sequence[MockUser]
    current_user_id: str
    tenant_id: str = "00000000-0000-0000-0000-0000000000001"
    bot_id: str = "00000000-0000-0000-0000-00000000000011"
    bot_name: str = "Test Bot"
    personal_chat_id: str = "personal-chat"
    group_chat_id: str = "group-chat"
    group_chat_name: str = "Group Chat"
    team_id: str = "team-id"
    team_name: str = "My Team"
    team_aad_group_id: str = "00000000-0000-0000-0000-000000000031"
    channel_id: str = "channel-id"
    channel_name: str = "Monitoring"

    @property
    def current_user(self) -> MockUser:
        return self.user(self.current_user_id)

    def user(self, user_id: str) -> MockUser:
        """The mock user with this id (KeyError when unknown)."""
        for user in self.users:
            if user.id == user_id:
                return user
        raise KeyError(user_id)

    def as_current(self, user_id: str) -> PlaygroundConfig:
        """The same tenant seen by another user (the Playground has no user switcher)."""
        return dataclasses.replace(self, current_user_id=user_id)

    def to_config(self) -> Json:
        """The config file content (JSON is valid YAML, so no YAML library is needed)."""
        others = [u.to_config() for u in self.users if u.id != self.current_user_id]
        if len(others) != 5 or len(others) + 1 != len(self.users):
            raise ValueError("Playground 0.2.28 takes the current user plus exactly 5 other users")
        return {
            "version": "0.1.1",
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user.to_config(),
            "users": others,
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                "channels": [{"id": self.channel_id, "name": self.channel_name}],
            },
        }


DEFAULT_USERS: tuple[MockUser, ...] = tuple(
    MockUser(f"user-id-{i}", name, f"{name.split()[0].lower()}@example.org", f"aad-user-{i}")
    for i, name in enumerate(
        [
            "Carol Chair",
            "Manny Manager",
            "Sita Senior",
            "Pat Practitioner",
            "Vic Viewer",
            "Una Observer",
        ]
    )
)
DEFAULT_CONFIG = PlaygroundConfig(users=DEFAULT_USERS, current_user_id=DEFAULT_USERS[0].id)


# -- the demo council (store/demo/directory.csv) as the Playground's tenant ---------------------

DEMO_TEAM_NAME = "Ashdown Vale Children's Services"
DEMO_CHANNEL_NAME = "DRP monitoring"


@dataclass(frozen=True)
class DemoPerson:
    """A demo-directory person who is also a Playground user, with their directory roles."""

    user: MockUser
    roles: tuple[str, ...]  # role labels, as the directory grants them

    @property
    def first_name(self) -> str:
        return self.user.name.split()[0].lower()


def demo_people() -> tuple[DemoPerson, ...]:
    """The demo directory's people with a Playground id (``user-id-0`` .. ``user-id-5``)."""
    from store.demo import demo_directory_text  # the bot's own demo data, not a copy
    from store.directory_file import parse_directory

    entries, problems = parse_directory(demo_directory_text())
    if problems:
        raise ValueError(f"the demo directory has problems: {problems}")
    people = [
        DemoPerson(
            MockUser(entry.teams_user_id, entry.name, entry.email, entry.aad_object_id or ""),
            tuple(dict.fromkeys(grant.role.label for grant in entry.roles)),
        )
        for entry in entries
        if entry.teams_user_id
    ]
    return tuple(sorted(people, key=lambda person: person.user.id))


def demo_person(who: str) -> DemoPerson:
    """A demo Playground person by first name, full name, user id or e-mail (any case)."""
    wanted = who.strip().lower()
    for person in demo_people():
        user = person.user
        if wanted in {person.first_name, user.name.lower(), user.id, user.email.lower()}:
            return person
    known = ", ".join(person.first_name for person in demo_people())
    raise KeyError(f"{who!r} is not a demo Playground user (one of: {known})")


def demo_config(
    current_user_id: str = "user-id-0", tenant: Sequence[str] = ()
) -> PlaygroundConfig:
    """The Playground tenant matching the demo directory, seen by ``current_user_id``.

    The Playground takes six users (the current one and five others): ``tenant`` names, in
    order of preference, the user ids to fill it with (``make run``'s cast for the running
    policy: who acts in its first stages, then who they copy); the demo directory's other
    Playground users fill what is left, in id order. Each person's 1:1 chat has its own id (as
    in Teams), so chats kept by the bot from a run as one person never land in another
    person's Playground.
    """
    people = {person.user.id: person.user for person in demo_people()}
    wanted = [uid for uid in dict.fromkeys([*tenant, *people]) if uid in people]
    others = [uid for uid in wanted if uid != current_user_id][:5]
    return PlaygroundConfig(
        users=tuple(people[uid] for uid in [current_user_id, *others]),
        current_user_id=current_user_id,
        bot_name="DRP",
        personal_chat_id=f"personal-{current_user_id}",
        team_id="ashdown-vale-team",
        team_name=DEMO_TEAM_NAME,
        channel_id="drp-monitoring",
        channel_name=DEMO_CHANNEL_NAME,
    )


# -- what the websockets carry ------------------------------------------------------------------


@dataclass(frozen=True)
class ChatEvent:
    """One event of the conversation stream: what the current user sees appear or change."""

    action: str  # createMessage | updateMessage | typing
    conversation_id: str
    message: Json

    @property
    def message_id(self) -> str:
        return str(self.message.get("messageId", ""))

    @property
    def text(self) -> str:
        return str(self.message.get("text") or "")

    @property
    def cards(self) -> list[Json]:
        """The Adaptive Cards attached to the message."""
        return _cards(self.message)


@dataclass(frozen=True)
class Sent:
    """What a send returned: the message id, the conversation a reply lands in, a stream mark."""

    message_id: str
    conversation_id: str
    mark: int  # len(playground.events) before the send: wait for events after it


def text_is(text: str) -> Callable[[ChatEvent], bool]:
    """Predicate: a message whose text is exactly ``text``."""
    return lambda event: event.text == text


def card_containing(fragment: str) -> Callable[[ChatEvent], bool]:
    """Predicate: a message with an Adaptive Card whose JSON contains ``fragment``."""
    return lambda event: any(fragment in json.dumps(card) for card in event.cards)


# -- the Playground process and its API --------------------------------------------------------


@dataclass
class _Streams:
    events: list[ChatEvent] = field(default_factory=list)
    log: list[Json] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class Playground:
    """One Playground process on a free port, its API, and its two websocket streams."""

    def __init__(
        self,
        bot_endpoint: str,
        config: PlaygroundConfig = DEFAULT_CONFIG,
        *,
        name: str = "playground",
        cli: Path = PLAYGROUND_CLI,
        port: int = 0,
    ) -> None:
        self.bot_endpoint = bot_endpoint
        self.port = port  # 0: a free one; a stopped Playground's, to restart it at its URL
        self.config = config
        self.name = name
        self.cli = cli
        self.base_url = ""
        self._streams = _Streams()
        self._workdir: Path | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Playground:
        try:
            await self.start()
        except BaseException:
            await self.stop(save_logs=True)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop(save_logs=exc is not None)

    async def start(self, within: float = 30.0) -> None:
        """Start the process in a fresh working dir, wait until it serves, open both streams."""
        node = shutil.which("node")
        if node is None or not self.cli.is_file():
            raise PlaygroundError(f"missing node or {self.cli}: run scripts/e2e-deps.sh")
        self._workdir = Path(tempfile.mkdtemp(prefix="drp-playground-"))
        (self._workdir / CONFIG_FILE_NAME).write_text(json.dumps(self.config.to_config()))
        self._process = await asyncio.create_subprocess_exec(
            *self._command(node),
            cwd=self._workdir,
            env=self._environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed whole in stop()
            preexec_fn=die_with_parent,  # and never outlives a killed test run
        )
        stdout = self._process.stdout
        assert stdout is not None
        output = (self._workdir / "stdout.log").open("ab")
        port = await asyncio.wait_for(self._read_until_listening(stdout, output), within)
        self.base_url = f"http://{LOOPBACK}:{port}"
        self._session = aiohttp.ClientSession(base_url=self.base_url)
        await self._get_json("/_internal/v1/config")  # waits for the bot endpoint (<= 15 s)
        await self._open_streams()

    async def attach(self, base_url: str) -> None:
        """Use a Playground someone else started (``make run``): its API and streams only;
        :meth:`stop` then leaves its process alone."""
        self.base_url = base_url
        self._session = aiohttp.ClientSession(base_url=self.base_url)
        await self._open_streams()

    def _command(self, node: str) -> list[str]:
        return [
            node,
            str(self.cli),
            *("-e", self.bot_endpoint, "-c", "msteams", "-p", str(self.port or free_port())),
            *("--conversation-id", self.config.personal_chat_id, "--dt"),
        ]

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["TEAMSAPPTESTER_BROWSER"] = "none"  # else it opens a browser and exits 1
        assert self._workdir is not None
        env["M365_AGENTS_PLAYGROUND_CONFIG_PATH"] = str(self._workdir / CONFIG_FILE_NAME)
        return env

    async def _read_until_listening(self, stdout: asyncio.StreamReader, output: BinaryIO) -> int:
        """Tee the process output to a file until it says which port it took (it may differ)."""
        while line := await stdout.readline():
            output.write(line)
            output.flush()
            if match := re.match(rb"Listening on (\d+)", line):
                self._tasks.append(asyncio.create_task(self._tee(stdout, output)))
                return int(match.group(1))
        output.close()
        raise PlaygroundError(f"the Playground exited early (see {self._workdir}/stdout.log)")

    @staticmethod
    async def _tee(stdout: asyncio.StreamReader, output: BinaryIO) -> None:
        with output:
            while line := await stdout.readline():
                output.write(line)
                output.flush()

    async def _open_streams(self) -> None:
        assert self._session is not None
        conversation = await self._session.ws_connect(CONVERSATION_STREAM)
        log = await self._session.ws_connect(LOG_STREAM)
        self._tasks.append(asyncio.create_task(self._collect(conversation, self._on_chat)))
        self._tasks.append(asyncio.create_task(self._collect(log, self._on_log)))

    async def _collect(
        self, ws: aiohttp.ClientWebSocketResponse, handle: Callable[[Json], None]
    ) -> None:
        async with ws:
            async for frame in ws:
                if frame.type is aiohttp.WSMsgType.TEXT:
                    handle(json.loads(frame.data))
                    async with self._streams.changed:
                        self._streams.changed.notify_all()

    def _on_chat(self, data: Json) -> None:
        self._streams.events.append(
            ChatEvent(
                str(data.get("action")), str(data.get("actionConversationId")), data["message"]
            )
        )

    def _on_log(self, data: Json) -> None:
        if data.get("logAction") == "appendLog" and isinstance(data.get("log"), dict):
            self._streams.log.append(data["log"])

    async def stop(self, *, save_logs: bool = False) -> None:
        """Close streams, kill the process group, and keep logs under test-output/ if asked."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._kill()
        if save_logs:
            self.save_logs()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    async def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()

    def save_logs(self, destination: Path | None = None) -> Path:
        """Copy its output, its own log file and both streams to ``test-output/playground/``."""
        target = destination or TEST_OUTPUT / "playground" / self.name
        target.mkdir(parents=True, exist_ok=True)
        if self._workdir is not None:
            for source in [self._workdir / "stdout.log", *self._workdir.glob("devTools/*.log")]:
                shutil.copy(source, target / source.name)
        lines = [json.dumps(e.__dict__) for e in self._streams.events]
        (target / "conversation-stream.jsonl").write_text("\n".join(lines))
        (target / "log-stream.jsonl").write_text("\n".join(json.dumps(e) for e in self.log))
        return target

    # -- streams ---------------------------------------------------------------------------

    @property
    def events(self) -> list[ChatEvent]:
        """Everything the current user saw appear or change, in order."""
        return self._streams.events

    @property
    def log(self) -> list[Json]:
        """Every log-stream entry (text lines and activities in both directions)."""
        return self._streams.log

    async def wait_for_message(
        self, predicate: Callable[[ChatEvent], bool], *, after: int = 0, within: float = 10.0
    ) -> ChatEvent:
        """The first conversation-stream event from index ``after`` on that matches."""
        found: list[ChatEvent] = []

        def match() -> bool:
            found.extend(e for e in self.events[after:] if predicate(e))
            return bool(found)

        await self._wait(match, within, "conversation stream")
        return found[0]

    async def wait_for_log(
        self, predicate: Callable[[Json], bool], *, after: int = 0, within: float = 10.0
    ) -> Json:
        """The first log-stream entry from index ``after`` on that matches."""
        found: list[Json] = []

        def match() -> bool:
            found.extend(e for e in self.log[after:] if predicate(e))
            return bool(found)

        await self._wait(match, within, "log stream")
        return found[0]

    async def _wait(self, match: Callable[[], bool], within: float, what: str) -> None:
        try:
            async with asyncio.timeout(within), self._streams.changed:
                await self._streams.changed.wait_for(match)
        except TimeoutError:
            raise AssertionError(f"nothing matched on the {what} within {within} s") from None

    async def wait_for_card(
        self,
        conversation_id: str,
        predicate: Callable[[Json], bool],
        *,
        after: int = 0,
        within: float = 10.0,
        message_id: str | None = None,
    ) -> tuple[str, Json]:
        """The first card the bot posted or updated in a chat (any user's; log stream from
        index ``after``; that message only, if given) that matches; returns its id and card."""

        def matches(entry: Json) -> bool:
            if not _bot_message(entry, conversation_id) or _status(entry) >= 400:
                return False
            if message_id is not None and entry.get("messageId") != message_id:
                return False
            return any(predicate(card) for card in _cards(entry["request"]["body"]))

        entry = await self.wait_for_log(matches, after=after, within=within)
        card = next(c for c in _cards(entry["request"]["body"]) if predicate(c))
        return str(entry.get("messageId")), card

    def bot_activities(self, conversation_id: str | None = None) -> list[Json]:
        """Activities the bot sent through the connector (any user's chats), in order."""
        return [
            entry["request"]["body"]
            for entry in self.log
            if entry.get("from") == BOT_SIDE
            and "request" in entry
            and conversation_id in (None, entry.get("conversationId"))
        ]

    def connector_errors(self, *, outside_tenant_ok: bool = False) -> list[str]:
        """One line per log entry whose status is >= 400 (either direction).

        ``outside_tenant_ok`` forgives one thing only: ``UserNotFound`` on a chat the bot created
        with people who are not users of this mock tenant (it holds six; see
        :meth:`outside_tenant_failures`). Every other error still counts.
        """
        forgiven = {id(e) for e in self._outside_tenant_entries()} if outside_tenant_ok else set()
        return [
            f"{e.get('from')} -> {e.get('to')}: {e.get('activityName')} "
            f"in {e.get('conversationId')} answered {_status(e)}"
            for e in self.log
            if _status(e) >= 400 and id(e) not in forgiven
        ]

    def assert_no_connector_errors(self, *, outside_tenant_ok: bool = False) -> None:
        """Fail if any call between the Playground and the bot answered >= 400."""
        errors = self.connector_errors(outside_tenant_ok=outside_tenant_ok)
        assert not errors, "connector errors:\n" + "\n".join(errors)

    def outside_tenant_failures(self) -> list[tuple[str, ...]]:
        """The member ids of each send that failed because they are not in this mock tenant."""
        chats = self.created_conversations()
        return [chats[str(e["conversationId"])] for e in self._outside_tenant_entries()]

    def _outside_tenant_entries(self) -> list[Json]:
        tenant = {user.id for user in self.config.users}
        outside = {
            cid
            for cid, members in self.created_conversations().items()
            if not tenant.intersection(members)
        }
        return [
            e
            for e in self.log
            if e.get("conversationId") in outside
            and _status(e) >= 400
            and _error_code(e) == "UserNotFound"
        ]

    def created_conversations(self) -> dict[str, tuple[str, ...]]:
        """Every chat the bot created through the connector: conversation id -> member ids."""
        created: dict[str, tuple[str, ...]] = {}
        for entry in self.log:
            if entry.get("activityName") != "createConversation" or _status(entry) >= 400:
                continue
            members = entry["request"]["body"].get("members") or []
            created[str(entry["response"]["body"]["id"])] = tuple(
                str(m.get("id")) for m in members
            )
        return created

    def conversations_with(self, user_id: str) -> list[str]:
        """The chats the bot created with this user (visible only in the log stream unless
        the user is the current one), oldest first."""
        return [cid for cid, members in self.created_conversations().items() if user_id in members]

    def shown_cards(self, conversation_id: str) -> dict[str, Json]:
        """What a chat shows now, read from the log stream: message id -> latest card.

        The bot's accepted posts (201) and in-place updates (200), in order. Cards that an invoke
        response put in place are not here (the client swaps those itself).
        """
        shown: dict[str, Json] = {}
        for entry in self.log:
            if not _bot_message(entry, conversation_id) or _status(entry) >= 400:
                continue
            for card in _cards(entry["request"]["body"]):
                shown[str(entry.get("messageId"))] = card
        return shown

    # -- what a user does ------------------------------------------------------------------

    async def send_text(self, text: str, conversation_id: str | None = None) -> Sent:
        """Post text as the current user; in a channel or group chat it @mentions the bot."""
        cid = conversation_id or self.config.personal_chat_id
        body: Json = {"text": text, "textFormat": "plain", "from": {"id": self._me()}}
        if cid != self.config.personal_chat_id:
            mention = f"<at>{self.config.bot_name}</at>"
            body["text"] = f"{mention} {text}"
            body["mentions"] = [{"mentioned": {"id": self.config.bot_id}, "text": mention}]
        return await self._send(cid, body)

    async def send_plain(self, text: str, conversation_id: str) -> Sent:
        """Post text without any @mention (in a channel the bot should not receive it)."""
        return await self._send(
            conversation_id, {"text": text, "textFormat": "plain", "from": {"id": self._me()}}
        )

    async def _send(self, cid: str, body: Json) -> Sent:
        mark = len(self.events)
        answer = await self._post_json(f"/_conversation/v1/conversations/{cid}/messages", body)
        message_id = str(answer["messageId"])
        return Sent(message_id, str(answer.get("postConversationId", cid)), mark)

    async def submit(
        self, reply_to_id: str, value: Json, conversation_id: str | None = None
    ) -> int:
        """Press an ``Action.Submit`` on a bot message; returns a stream mark."""
        mark = len(self.events)
        body = {
            "conversation": {"id": conversation_id or self.config.personal_chat_id},
            "from": {"id": self._me()},
            "replyToId": reply_to_id,
            "value": value,
        }
        await self._post_json("/_conversation/v1/submit", body)
        return mark

    async def execute(
        self, reply_to_id: str, verb: str, data: Json, conversation_id: str | None = None
    ) -> Json:
        """Press an ``Action.Execute`` (``adaptiveCard/action`` invoke); returns the bot's body."""
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        return await self.invoke("adaptiveCard/action", value, reply_to_id, conversation_id)

    async def invoke(
        self, name: str, value: Json, reply_to_id: str, conversation_id: str | None = None
    ) -> Json:
        """Any invoke as the current user on a message; returns the bot's invoke response body."""
        body = {
            "name": name,
            "value": value,
            "from": {"id": self._me()},
            "conversation": {"id": conversation_id or self.config.personal_chat_id},
            "replyToId": reply_to_id,
        }
        answer = await self._post_json("/_conversation/v1/invoke", body)
        return answer if isinstance(answer, dict) else {}

    async def install(self, conversation_id: str | None = None) -> int:
        """Send the install events (conversationUpdate + installationUpdate); returns a mark."""
        mark = len(self.events)
        cid = conversation_id or self.config.personal_chat_id
        await self._post_json(f"/_debug/conversation/{cid}/installation", {})
        return mark

    # -- acting as someone else: custom activities ---------------------------------------------

    async def activity_template(self, conversation_id: str | None = None) -> Json:
        """The Playground's own template of an activity to the bot in that conversation."""
        cid = conversation_id or self.config.personal_chat_id
        path = "/_internal/v1/customActivities/template"
        return await self._get_json(path, params={"conversationId": cid})

    async def send_activity_as(
        self, user_id: str, activity_type: str, conversation_id: str | None = None, **fields: Any
    ) -> str:
        """Post any activity to the bot from ``user_id``; returns its id (see the log stream)."""
        activity = await self.activity_template(conversation_id)
        activity.update(fields, type=activity_type, id=f"custom-{uuid.uuid4()}")
        activity["from"] = self.config.user(user_id).as_account()
        activity.setdefault("channelData", {"tenant": {"id": self.config.tenant_id}})
        await self._post_json("/_internal/v1/customActivities", activity)
        return str(activity["id"])

    async def send_text_as(
        self, user_id: str, text: str, conversation_id: str | None = None
    ) -> str:
        """A message from another user (the UI and messages API only send as the current user)."""
        return await self.send_activity_as(
            user_id, "message", conversation_id, text=text, textFormat="plain"
        )

    async def send_mention_as(self, user_id: str, text: str, conversation_id: str) -> str:
        """A message from another user that @mentions the bot (a channel or group chat)."""
        mention = f"<at>{self.config.bot_name}</at>"
        entity = {
            "type": "mention",
            "mentioned": {"id": self.config.bot_id, "name": self.config.bot_name},
            "text": mention,
        }
        return await self.send_activity_as(
            user_id,
            "message",
            conversation_id,
            text=f"{mention} {text}",
            textFormat="plain",
            entities=[entity],
        )

    async def execute_as(
        self,
        user_id: str,
        reply_to_id: str,
        verb: str,
        data: Json,
        conversation_id: str | None = None,
        within: float = 10.0,
    ) -> Json:
        """An ``Action.Execute`` from another user; returns the bot's invoke response body."""
        mark = len(self.log)
        value = {
            "action": {"type": "Action.Execute", "verb": verb, "data": data},
            "trigger": "manual",
        }
        activity_id = await self.send_activity_as(
            user_id,
            "invoke",
            conversation_id,
            name="adaptiveCard/action",
            value=value,
            replyToId=reply_to_id,
        )
        entry = await self.wait_for_log(
            lambda e: e.get("messageId") == activity_id and "response" in e,
            after=mark,
            within=within,
        )
        body = entry["response"].get("body")
        return body if isinstance(body, dict) else {}

    # -- HTTP ------------------------------------------------------------------------------

    def _me(self) -> str:
        return self.config.current_user_id

    async def _get_json(self, path: str, params: dict[str, str] | None = None) -> Json:
        assert self._session is not None, "Playground not started"
        async with self._session.get(path, params=params) as response:
            return await _answer(response)

    async def _post_json(self, path: str, body: Json) -> Any:
        assert self._session is not None, "Playground not started"
        async with self._session.post(path, json=body) as response:
            return await _answer(response)


def _status(entry: Json) -> int:
    return int((entry.get("response") or {}).get("statusCode") or 0)


def _error_code(entry: Json) -> str:
    body = (entry.get("response") or {}).get("body")
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


def _cards(activity: Json) -> list[Json]:
    attachments = activity.get("attachments") or []
    return [a["content"] for a in attachments if a.get("contentType") == CARD_CONTENT_TYPE]


def _bot_message(entry: Json, conversation_id: str) -> bool:
    return (
        entry.get("from") == BOT_SIDE
        and entry.get("activityName") == "message"
        and entry.get("conversationId") == conversation_id
        and "request" in entry
    )


async def _answer(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if response.status >= 400:
        raise PlaygroundError(f"{response.method} {response.url.path} -> {response.status} {text}")
    return json.loads(text) if text else None


# -- the browser ---------------------------------------------------------------------------------

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
COMPOSE_BOX = '[role="textbox"][data-lexical-editor="true"]'
CARD = ".ac-adaptiveCard"


class Browser:
    """Headless Debian chromium with a fresh profile, showing the Playground's web UI."""

    def __init__(self, screenshots: Path | None = None, executable: Path = CHROMIUM) -> None:
        self.screenshots = screenshots or TEST_OUTPUT / "e2e"
        self.executable = executable
        self._stack = contextlib.AsyncExitStack()
        self._page: Any = None
        self.page_errors: list[str] = []  # uncaught exceptions in the page, in order
        self.page_error = asyncio.Event()

    async def __aenter__(self) -> Browser:
        from playwright.async_api import async_playwright  # only browser tests need it

        if not self.executable.exists():
            raise PlaygroundError(f"missing {self.executable}: run scripts/e2e-deps.sh")
        playwright = await self._stack.enter_async_context(async_playwright())
        profile = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="drp-chromium-"))
        context = await playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(self.executable),
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": 1280, "height": 900},
        )
        self._stack.push_async_callback(context.close)
        self._page = context.pages[0] if context.pages else await context.new_page()
        self._page.on("pageerror", self._on_page_error)
        return self

    def _on_page_error(self, error: Any) -> None:
        self.page_errors.append(str(getattr(error, "message", error)))
        self.page_error.set()

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()

    @property
    def page(self) -> Any:
        """The playwright ``Page`` for anything this helper does not cover."""
        return self._page

    async def open(self, playground: Playground, within: float = 30.0) -> None:
        """Open the UI (it installs the bot in the personal chat) and wait for the compose box."""
        await self._page.goto(playground.base_url + "/")
        await self._page.locator(COMPOSE_BOX).wait_for(timeout=within * 1000)

    async def open_chat(self, name: str) -> None:
        """Select a chat or channel in the left tree by its display name."""
        await self._page.get_by_role("treeitem", name=name).first.click()

    async def type_message(self, text: str) -> None:
        """Type in the compose box and press Enter."""
        box = self._page.locator(COMPOSE_BOX)
        await box.click()
        await box.press_sequentially(text)
        await box.press("Enter")

    async def post_mentioning(self, bot_name: str, text: str) -> None:
        """In an open channel: start a new post, @mention the bot (picked from the
        suggestions, as a person does), add ``text`` and press Post."""
        post = self._page.get_by_role("button", name="Post", exact=True)
        await post.wait_for()  # the channel view, not the chat still on screen
        box = self._page.locator(COMPOSE_BOX).first  # its "Start a new post"
        await box.click()
        await box.press_sequentially(f"@{bot_name[:2]}")
        await self._page.get_by_role("menuitem", name=bot_name).click()  # avatar + name
        await box.press_sequentially(f" {text}")
        await post.click()

    async def wait_for_card(self, containing: str = "", within: float = 15.0) -> Any:
        """The last rendered Adaptive Card (with that text, if given) once it is visible."""
        cards = self._page.locator(CARD)
        if containing:
            cards = cards.filter(has_text=containing)
        card = cards.last
        await card.wait_for(timeout=within * 1000)
        return card

    async def fill(self, card: Any, label: str, value: str) -> None:
        """Type ``value`` into the card input labelled ``label`` (replacing what is there)."""
        await card.get_by_label(label).fill(value)

    async def choose(self, card: Any, label: str, option: str) -> None:
        """Pick ``option`` in the card's drop-down (a compact ChoiceSet) labelled ``label``."""
        await card.get_by_role("combobox", name=label, exact=True).click()
        await self._page.get_by_role("option", name=option, exact=True).click()

    async def fill_date(self, card: Any, label: str, day: str) -> None:
        """Type an ISO date into the card's date picker labelled ``label`` (Tab closes it)."""
        picker = card.get_by_role("combobox", name=label, exact=True)
        await picker.fill(day)
        await picker.press("Tab")

    async def click_action(self, card: Any, title: str) -> None:
        """Click a card's action button by its title."""
        await card.get_by_role("button", name=title).click()

    async def wait_for_text(self, text: str, within: float = 15.0) -> None:
        """Wait until ``text`` is visible somewhere on the page."""
        await self._page.get_by_text(text).first.wait_for(timeout=within * 1000)

    async def screenshot(self, name: str) -> Path:
        """Save a full-page PNG as ``test-output/e2e/<name>.png``."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        await self._page.screenshot(path=str(path), full_page=True)
        return path

    async def screenshot_of(self, element: Any, name: str) -> Path:
        """Save one element (a card, however tall) as ``<name>.png``.

        The chat pane scrolls inside a fixed page, so the window is made tall enough for the
        whole element while it is shot, then put back.
        """
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        viewport = self._page.viewport_size
        box = await element.bounding_box()
        tall = int(box["height"]) + 400 if box else viewport["height"]
        await self._page.set_viewport_size({"width": viewport["width"], "height": max(tall, 900)})
        try:
            await element.scroll_into_view_if_needed()
            await element.screenshot(path=str(path))
        finally:
            await self._page.set_viewport_size(viewport)
        return path


def blank_reason(png: Path, min_bytes: int = 5_000, min_spread: float = 12.0) -> str:
    """Why a screenshot looks blank ("" when it does not): too small a file, or too little
    variation in its pixels (a page that never rendered is one flat colour)."""
    from PIL import Image, ImageStat  # Pillow, a dev dependency

    size = png.stat().st_size
    if size < min_bytes:
        return f"{png.name} is only {size} bytes"
    with Image.open(png) as image:
        spread = max(ImageStat.Stat(image.convert("RGB")).stddev)
    if spread < min_spread:
        return f"{png.name} is nearly one colour (pixel spread {spread:.1f})"
    return ""


@contextlib.asynccontextmanager
async def open_playground(
    bot_endpoint: str, config: PlaygroundConfig = DEFAULT_CONFIG, name: str = "playground"
) -> AsyncIterator[Playground]:
    """``async with open_playground(endpoint) as pg:`` (logs kept on an exception)."""
    async with Playground(bot_endpoint, config, name=name) as playground:
        yield playground
