"""Reading a dispute card's submission: each verb's input ids and their values.

Input ids on the dispute card (Teams merges them into the action's ``data``):

================== ==================================================================
``drp.respond``    ``response``; ``action_N_text`` + ``action_N_date`` (N = 1..3);
                   ``practice_issues``
``drp.resolve``    ``resolve_comments``; ``agreed_N_text`` + ``agreed_N_date`` (N = 1..3)
``drp.extend``     ``agreed_work``; ``further_N_text`` + ``further_N_date`` (N = 1..3)
``drp.escalate``   ``escalate_reason``; ``updated_concerns``; ``to_stage`` (bypass only);
                   ``escalate_due`` (when the next stage's deadline is the raiser's);
                   ``escalate_consulted`` (when the next stage names whom to consult first);
                   ``to_tier`` (the button's data: the tier of management it climbs to)
``drp.refer``      ``refer_target``; ``refer_reason``; ``consulted``; ``concurrent``
``drp.harm``       ``harm_details``
``drp.withdraw``   ``withdraw_reason``
``drp.conclude``   ``outcome``
``drp.approve``    ``approve_comments``
``drp.decline``    ``decline_reason``
``drp.action_done`` ``action`` (the button's own: the tracked action's number)
``drp.reopen``     ``reopen_reason``; ``reopen_to`` (``stage`` or ``escalate``)
================== ==================================================================

``parse_action(verb, data)`` reads them back; ``cards.dispute`` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from cards.inputs import InputReader
from cards.verbs import Verb
from drp.model import MAX_SHORT_TEXT, MAX_TEXT, MAX_TRACKED, Action

ACTION_ROWS = 3  # SMART action rows on a response
# The chair's agreed-action rows on a review (ids unique on the card): resolving, agreeing work.
ROW_PREFIX = {Verb.RESPOND: "action", Verb.RESOLVE: "agreed", Verb.EXTEND: "further"}
REOPEN_TO = ("stage", "escalate")


def _rows(prefix: str) -> tuple[str, ...]:
    return tuple(
        f"{prefix}_{n}_{part}" for n in range(1, ACTION_ROWS + 1) for part in ("text", "date")
    )


VERB_INPUTS: Mapping[Verb, tuple[str, ...]] = {
    Verb.RESPOND: (
        "response",
        *_rows("action"),
        "practice_issues",
        "response_answer",
    ),
    Verb.RESOLVE: ("resolve_comments", *_rows("agreed")),
    Verb.EXTEND: ("agreed_work", "extend_due", *_rows("further")),
    Verb.ESCALATE: (
        "escalate_reason",
        "updated_concerns",
        "to_stage",
        "escalate_due",
        "escalate_consulted",
        "to_tier",
    ),
    Verb.REFER: ("refer_target", "refer_reason", "consulted", "concurrent"),
    Verb.HARM: ("harm_details",),
    Verb.WITHDRAW: ("withdraw_reason",),
    Verb.CONCLUDE: ("outcome",),
    Verb.APPROVE: ("approve_comments",),
    Verb.DECLINE: ("decline_reason",),
    Verb.ACTION_DONE: ("action",),
    Verb.REOPEN: ("reopen_reason", "reopen_to"),
}
# Inputs a verb cannot go without (the card marks them required too).
REQUIRED = frozenset(
    {
        "response",
        "resolve_comments",
        "agreed_work",
        "escalate_reason",
        "refer_target",
        "refer_reason",
        "harm_details",
        "withdraw_reason",
        "outcome",
        "decline_reason",
        "reopen_reason",
    }
)


@dataclass(frozen=True, slots=True)
class ActionInput:
    """A dispute card's submission for one verb: texts, dates, flags and field errors."""

    verb: Verb
    texts: Mapping[str, str] = field(default_factory=dict)
    dates: Mapping[str, date | None] = field(default_factory=dict)
    flags: Mapping[str, bool] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    number: int = 0  # drp.action_done: the tracked action's number

    @property
    def ok(self) -> bool:
        """Whether every input of the verb was readable and present where required."""
        return not self.errors


def parse_action(verb: Verb, data: Mapping[str, object], today: date | None = None) -> ActionInput:
    """The inputs of ``verb`` out of an invoke's ``data`` (errors keyed by input id)."""
    read = InputReader(data, today)
    texts: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    flags: dict[str, bool] = {}
    actions: tuple[Action, ...] = ()
    number = 0
    prefix = ROW_PREFIX.get(verb)
    if prefix is not None:
        actions = read.actions(ACTION_ROWS, prefix)
    for input_id in VERB_INPUTS.get(verb, ()):
        if prefix is not None and input_id.startswith(f"{prefix}_"):
            continue
        if input_id == "action":
            number = read.number("action", MAX_TRACKED)
        elif input_id == "reopen_to":
            texts[input_id] = _choice(read, input_id, REOPEN_TO)
        elif input_id in {"escalate_due", "extend_due"}:
            dates[input_id] = read.day(input_id, when="future")
        elif input_id == "concurrent":
            flags[input_id] = read.flag(input_id)
        else:
            short = {"to_stage", "refer_target", "escalate_consulted", "to_tier"}
            limit = MAX_SHORT_TEXT if input_id in short else MAX_TEXT
            texts[input_id] = read.text(input_id, input_id in REQUIRED, limit)
    found = ActionInput(verb, texts, dates, flags, actions, read.values, read.errors)
    return replace(found, number=number) if number else found


def _choice(read: InputReader, input_id: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first when left empty); anything else is an error."""
    chosen = read.text(input_id, limit=MAX_SHORT_TEXT) or allowed[0]
    if chosen not in allowed:
        read.errors[input_id] = "Choose one of the options."
    return chosen
