"""Match a turn to a handler: text commands and card verbs. Matching only; no business rules."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from teams_bot.turn import ConversationKind, Reply, Turn, TurnKind

_REFERENCE = re.compile(r"\bDRP-\d{4}-\d{6}\b", re.IGNORECASE)


class TextCommand(StrEnum):
    """What a person can type to the bot."""

    NEW = "new"
    MINE = "mine"
    INBOX = "inbox"
    SHOW = "show"
    COMPLIMENT = "compliment"
    SUPERVISION = "supervision"
    REPORT = "report"
    HELP = "help"
    MONITOR_HERE = "monitor here"
    UNKNOWN = "unknown"


_ALIASES = {
    "new": TextCommand.NEW,
    "raise": TextCommand.NEW,
    "new dispute": TextCommand.NEW,
    "mine": TextCommand.MINE,
    "my disputes": TextCommand.MINE,
    "inbox": TextCommand.INBOX,
    "show": TextCommand.SHOW,
    "compliment": TextCommand.COMPLIMENT,
    "supervision": TextCommand.SUPERVISION,
    "report": TextCommand.REPORT,
    "help": TextCommand.HELP,
    "?": TextCommand.HELP,
    "hi": TextCommand.HELP,
    "hello": TextCommand.HELP,
    "monitor here": TextCommand.MONITOR_HERE,
}


@dataclass(frozen=True, slots=True)
class Parsed:
    """A text command and its argument (a reference for ``show``)."""

    command: TextCommand
    argument: str = ""


def parse_text(text: str) -> Parsed:
    """Read what someone typed: ``show DRP-2026-000123``, ``new``, ``monitor here``..."""
    words = " ".join(text.lower().split())
    if words in _ALIASES:
        return Parsed(_ALIASES[words])
    reference = _REFERENCE.search(text)
    if words.startswith("show") or (reference and len(words) <= len(reference.group(0)) + 1):
        return Parsed(TextCommand.SHOW, reference.group(0).upper() if reference else "")
    first = words.split(" ", 1)[0] if words else ""
    if first in _ALIASES and first not in {"hi", "hello"}:
        return Parsed(_ALIASES[first], words[len(first) :].strip())
    return Parsed(TextCommand.UNKNOWN, text[:80])


Handler = Callable[[Turn, Parsed], Awaitable[Reply]]
VerbHandler = Callable[[Turn], Awaitable[Reply]]


class Router:
    """Dispatches each turn to the handler registered for its text command or card verb."""

    def __init__(
        self,
        texts: Mapping[TextCommand, Handler],
        verbs: Mapping[str, VerbHandler],
        install: VerbHandler,
        unknown_verb: VerbHandler,
        joined: VerbHandler | None = None,
    ) -> None:
        self._texts = texts
        self._verbs = verbs
        self._install = install
        self._unknown_verb = unknown_verb
        self._joined = joined

    async def handle(self, turn: Turn) -> Reply:
        """Answer a turn; unknown text gets help, an unknown verb a clear card, never silence."""
        if turn.kind == TurnKind.INSTALL:
            return await self._install(turn)
        if turn.kind == TurnKind.JOINED:
            return await self._joined(turn) if self._joined else Reply()
        if turn.kind == TurnKind.UNINSTALL:
            return Reply()
        if turn.kind == TurnKind.ACTION:
            return await self._verbs.get(turn.verb, self._unknown_verb)(turn)
        parsed = parse_text(turn.text)
        if turn.where.kind != ConversationKind.PERSONAL and parsed.command not in {
            TextCommand.MONITOR_HERE,
            TextCommand.HELP,
        }:
            parsed = Parsed(TextCommand.HELP)
        handler = self._texts.get(parsed.command) or self._texts[TextCommand.HELP]
        return await handler(turn, parsed)
