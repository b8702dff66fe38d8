"""Text commands are matched forgivingly; anything else gets help, never silence."""

from __future__ import annotations

from typing import Any

import pytest

from store.rows import Person
from teams_bot.router import Parsed, Router, Steps, TextCommand, parse_text
from teams_bot.turn import ConversationKind, Reply, Turn, TurnKind, UserRef, Where


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new", Parsed(TextCommand.NEW)),
        ("  New  ", Parsed(TextCommand.NEW)),
        ("raise", Parsed(TextCommand.NEW)),
        ("mine", Parsed(TextCommand.MINE)),
        ("INBOX", Parsed(TextCommand.INBOX)),
        ("show DRP-2026-000123", Parsed(TextCommand.SHOW, "DRP-2026-000123")),
        ("show drp-2026-000123", Parsed(TextCommand.SHOW, "DRP-2026-000123")),
        ("DRP-2026-000123", Parsed(TextCommand.SHOW, "DRP-2026-000123")),
        ("show", Parsed(TextCommand.SHOW, "")),
        ("monitor   here", Parsed(TextCommand.MONITOR_HERE)),
        ("help", Parsed(TextCommand.HELP)),
        ("hello", Parsed(TextCommand.HELP)),
        ("compliment", Parsed(TextCommand.COMPLIMENT)),
        ("what is this?", Parsed(TextCommand.UNKNOWN, "what is this?")),
        ("", Parsed(TextCommand.UNKNOWN, "")),
    ],
)
def test_parse_text(text: str, expected: Parsed) -> None:
    assert parse_text(text) == expected


def _turn(
    kind: TurnKind,
    text: str = "",
    verb: str = "",
    where: ConversationKind = ConversationKind.PERSONAL,
    data: dict[str, Any] | None = None,
    user: str = "u1",
) -> Turn:
    return Turn(kind, UserRef(user), Where("c1", where), text=text, verb=verb, data=data or {})


ME = Person(id="p1", email="me@council.example", name="Me", roles=())


def _router(calls: list[str]) -> Router:
    def text_handler(name: str):  # type: ignore[no-untyped-def]
        async def handle(turn: Turn, person: Person, parsed: Parsed) -> Reply:
            calls.append(f"{name}:{parsed.argument}")
            return Reply(texts=(name,))

        return handle

    async def verb(turn: Turn, person: Person) -> Reply:
        calls.append(f"verb:{turn.verb}")
        return Reply()

    async def unknown(turn: Turn) -> Reply:
        calls.append("unknown-verb")
        return Reply()

    async def install(turn: Turn, person: Person | None) -> Reply:
        calls.append("install")
        return Reply()

    async def resolve(turn: Turn) -> Person | None:
        calls.append("resolve")
        return ME if turn.user.id == "u1" else None

    async def stranger(turn: Turn) -> Reply:
        calls.append("stranger")
        return Reply()

    async def unreadable(turn: Turn) -> Reply:
        calls.append("unreadable")
        return Reply()

    texts = {
        c: text_handler(c.value)
        for c in (TextCommand.HELP, TextCommand.NEW, TextCommand.MONITOR_HERE)
    }
    steps = Steps(resolve, stranger, unreadable)
    return Router(texts, {"drp.respond": verb}, install, unknown, steps)


async def test_router_sends_unknown_text_to_help_and_unknown_verbs_to_their_handler() -> None:
    calls: list[str] = []
    router = _router(calls)
    await router.handle(_turn(TurnKind.MESSAGE, "new"))
    await router.handle(_turn(TurnKind.MESSAGE, "gibberish"))
    await router.handle(_turn(TurnKind.ACTION, verb="drp.respond"))
    await router.handle(_turn(TurnKind.ACTION, verb="drp.nope"))
    await router.handle(_turn(TurnKind.INSTALL))
    assert [c for c in calls if c != "resolve"] == [
        "new:",
        "help:gibberish",
        "verb:drp.respond",
        "unknown-verb",
        "install",
    ]


async def test_the_person_is_resolved_once_and_a_stranger_never_reaches_a_handler() -> None:
    calls: list[str] = []
    router = _router(calls)
    await router.handle(_turn(TurnKind.ACTION, verb="drp.respond"))
    await router.handle(_turn(TurnKind.ACTION, verb="drp.respond", user="someone-else"))
    await router.handle(_turn(TurnKind.MESSAGE, "new", user="someone-else"))
    assert calls == ["resolve", "verb:drp.respond", "resolve", "stranger", "resolve", "stranger"]


@pytest.mark.parametrize(
    "data",
    [
        {"reference": "DRP-2026-000001", "nonce": "n" * 101},
        {"reference": "DRP-2026-000001", "nonce": "nonce\u0000"},
        {"reference": "DRP-2026-000001", "nonce": "nonce\ud800"},
        {"reference": "DRP-2026-000001' OR 1=1 --"},
        {"reference": ["DRP-2026-000001"]},
        {"reference": "DRP-2026-000001", "version": "1e309"},
        {"reference": "DRP-2026-000001", "version": True},
    ],
    ids=["long nonce", "NUL nonce", "surrogate nonce", "SQL", "list", "huge", "bool"],
)
async def test_malformed_button_data_is_refused_before_anyone_is_looked_up(
    data: dict[str, Any],
) -> None:
    calls: list[str] = []
    router = _router(calls)
    await router.handle(_turn(TurnKind.ACTION, verb="drp.respond", data=data))
    assert calls == ["unreadable"]


async def test_in_a_channel_only_monitor_here_and_help_are_commands() -> None:
    calls: list[str] = []
    router = _router(calls)
    await router.handle(_turn(TurnKind.MESSAGE, "new", where=ConversationKind.CHANNEL))
    await router.handle(_turn(TurnKind.MESSAGE, "monitor here", where=ConversationKind.CHANNEL))
    assert [c for c in calls if c != "resolve"] == ["help:", "monitor here:"]


def test_monitoring_channel_is_the_channel_not_the_thread_it_was_asked_in() -> None:
    from teams_bot.handlers.monitoring import channel_reference

    where = Where(
        "19:abc@thread.tacv2;messageid=1700000000000",
        ConversationKind.CHANNEL,
        reference={
            "conversation": {"id": "19:abc@thread.tacv2;messageid=1700000000000"},
            "serviceUrl": "https://smba.example/uk/",
        },
    )
    reference = channel_reference(where)
    assert reference["conversation"]["id"] == "19:abc@thread.tacv2"
    assert reference["serviceUrl"] == "https://smba.example/uk/"
    assert where.reference["conversation"]["id"].endswith(";messageid=1700000000000")
