"""Match a turn to a handler: text commands and card verbs, after the pipeline's own steps
(the button's data checked, the person resolved once). Matching only; no business rules."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from store.rows import Person
from teams_bot.inputs import button_problem
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
    QUARTER = "quarter"
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
    "quarter": TextCommand.QUARTER,
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


Handler = Callable[[Turn, Person, Parsed], Awaitable[Reply]]
VerbHandler = Callable[[Turn, Person], Awaitable[Reply]]
InstallHandler = Callable[[Turn, Person | None], Awaitable[Reply]]
TurnHandler = Callable[[Turn], Awaitable[Reply]]
Resolve = Callable[[Turn], Awaitable[Person | None]]


@dataclass(frozen=True, slots=True)
class Steps:
    """The pipeline's steps before a handler: who is asking, and what to answer when the
    button's data is malformed or the person is not in the directory."""

    resolve: Resolve
    stranger: TurnHandler
    unreadable: TurnHandler


class Router:
    """Dispatches each turn to the handler registered for its text command or card verb,
    after checking the button's data and resolving the person once."""

    def __init__(
        self,
        texts: Mapping[TextCommand, Handler],
        verbs: Mapping[str, VerbHandler],
        install: InstallHandler,
        unknown_verb: TurnHandler,
        steps: Steps,
    ) -> None:
        self._texts = texts
        self._verbs = verbs
        self._install = install
        self._unknown_verb = unknown_verb
        self._steps = steps

    async def handle(self, turn: Turn) -> Reply:
        """Answer a turn; unknown text gets help, an unknown verb a clear card, never silence."""
        if turn.kind == TurnKind.UNINSTALL:
            return Reply()
        if turn.kind == TurnKind.ACTION:
            if turn.verb not in self._verbs:
                return await self._unknown_verb(turn)
            if button_problem(turn.data):  # before anything is looked up
                return await self._steps.unreadable(turn)
        if turn.kind == TurnKind.INSTALL and turn.where.kind != ConversationKind.PERSONAL:
            return await self._install(turn, None)  # a team greets its channel, not a person
        person = await self._steps.resolve(turn)
        if turn.kind == TurnKind.JOINED:
            return Reply()  # the chat is remembered; the installation greets
        if person is None:
            return await self._steps.stranger(turn)
        if turn.kind == TurnKind.INSTALL:
            return await self._install(turn, person)
        if turn.kind == TurnKind.ACTION:
            return await self._verbs[turn.verb](turn, person)
        return await self._text(turn, person)

    async def _text(self, turn: Turn, person: Person) -> Reply:
        parsed = parse_text(turn.text)
        if turn.where.kind != ConversationKind.PERSONAL and parsed.command not in {
            TextCommand.MONITOR_HERE,
            TextCommand.HELP,
        }:
            parsed = Parsed(TextCommand.HELP)
        handler = self._texts.get(parsed.command) or self._texts[TextCommand.HELP]
        return await handler(turn, person, parsed)
