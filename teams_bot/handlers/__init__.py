"""The handlers: one thin action per text command and card verb, and the router that maps them.

A turn's path: ``botframework.to_turn`` → ``router.Router.handle`` (the button's data checked by
``inputs``, the person resolved once by ``Deps.caller``) → a handler here, which asks
``gate.look`` before it shows anything of a dispute → the store (one transaction) and the
outbox → a ``Reply`` back through ``botframework``.
"""

from __future__ import annotations

from cards.verbs import Verb
from store.rows import Person
from teams_bot import messages
from teams_bot.deps import Deps
from teams_bot.handlers.chat import ChatCommands
from teams_bot.handlers.compliments import Compliments
from teams_bot.handlers.corrections import Corrections
from teams_bot.handlers.disputes import DisputeActions
from teams_bot.handlers.files import FileAnswers
from teams_bot.handlers.monitoring import Monitoring
from teams_bot.handlers.quarter import QuarterNotesFlow
from teams_bot.handlers.raising import RaiseFlow
from teams_bot.handlers.reading import ReadingCommands
from teams_bot.handlers.strangers import Strangers
from teams_bot.router import Router, Steps, TextCommand
from teams_bot.turn import FILE_ANSWER, Reply, Turn

ACTION_VERBS = (
    Verb.RESPOND,
    Verb.RESOLVE,
    Verb.EXTEND,
    Verb.ESCALATE,
    Verb.REFER,
    Verb.HARM,
    Verb.WITHDRAW,
    Verb.CONCLUDE,
    Verb.APPROVE,
    Verb.DECLINE,
    Verb.ACTION_DONE,
    Verb.REOPEN,
)


def build_router(deps: Deps, files: FileAnswers | None = None) -> Router:
    """Every text command and card verb, each mapped to one thin handler, behind the
    pipeline's steps (button data checked, person resolved once); ``files`` answers file
    offers (the Case record and the report as files in the personal chat)."""
    disputes = DisputeActions(deps)
    raising = RaiseFlow(deps, disputes)
    chat = ChatCommands(deps, disputes)
    monitoring = Monitoring(deps)
    reading = ReadingCommands(deps)
    compliments = Compliments(deps)
    corrections = Corrections(deps)
    quarter = QuarterNotesFlow(deps)

    async def refresh(turn: Turn, person: Person) -> Reply:
        return await disputes.current(turn, person, str(turn.data.get("reference") or ""))

    async def unknown_verb(turn: Turn) -> Reply:
        return Reply(invoke_card=messages.unknown_verb())

    async def unreadable(turn: Turn) -> Reply:
        return Reply(invoke_card=messages.unreadable())

    texts = {
        TextCommand.NEW: raising.text_form,
        TextCommand.MINE: chat.mine,
        TextCommand.INBOX: chat.inbox,
        TextCommand.SHOW: chat.show,
        TextCommand.HELP: chat.help,
        TextCommand.UNKNOWN: chat.help,
        TextCommand.MONITOR_HERE: monitoring.monitor_here,
        TextCommand.REPORT: reading.report,
        TextCommand.SUPERVISION: reading.supervision,
        TextCommand.QUARTER: quarter.notes,
        TextCommand.COMPLIMENT: compliments.form,
    }
    verbs = {
        Verb.NEW.value: raising.form,
        Verb.PREVIEW.value: raising.form,
        Verb.RAISE.value: raising.submit,
        Verb.REFRESH.value: refresh,
        Verb.SHOW.value: chat.show_verb,
        Verb.RECORD.value: reading.record,
        Verb.COMPLIMENT.value: compliments.send,
        Verb.ACKNOWLEDGE.value: compliments.acknowledge,
        Verb.CORRECT.value: corrections.correct,
        **{verb.value: disputes.act for verb in ACTION_VERBS},
    }
    if files is not None:
        verbs[FILE_ANSWER] = files.answer
    steps = Steps(deps.caller, Strangers(deps).reply, unreadable)
    return Router(texts, verbs, chat.welcome, unknown_verb, steps)
