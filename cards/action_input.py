"""Reading a dispute card's submission: each verb's input ids and their values.

Input ids on the dispute card (Teams merges them into the action's ``data``):

================== ==================================================================
``drp.respond``    ``response``; ``action_N_text`` + ``action_N_date`` (N = 1..3);
                   ``practice_issues``
``drp.resolve``    ``resolve_comments``
``drp.extend``     ``agreed_work``
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
================== ==================================================================

``parse_action(verb, data)`` reads them back; ``cards.dispute`` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from cards.inputs import InputReader
from cards.verbs import Verb
from drp.model import MAX_SHORT_TEXT, MAX_TEXT, Action

ACTION_ROWS = 3  # SMART action rows on a response

VERB_INPUTS: Mapping[Verb, tuple[str, ...]] = {
    Verb.RESPOND: (
        "response",
        *(f"action_{n}_{part}" for n in range(1, ACTION_ROWS + 1) for part in ("text", "date")),
        "practice_issues",
        "response_answer",
    ),
    Verb.RESOLVE: ("resolve_comments",),
    Verb.EXTEND: ("agreed_work", "extend_due"),
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
    if verb == Verb.RESPOND:
        actions = read.actions(ACTION_ROWS)
    for input_id in VERB_INPUTS.get(verb, ()):
        if input_id.startswith("action_"):
            continue
        if input_id in {"escalate_due", "extend_due"}:
            dates[input_id] = read.day(input_id, when="future")
        elif input_id == "concurrent":
            flags[input_id] = read.flag(input_id)
        else:
            short = {"to_stage", "refer_target", "escalate_consulted", "to_tier"}
            limit = MAX_SHORT_TEXT if input_id in short else MAX_TEXT
            texts[input_id] = read.text(input_id, input_id in REQUIRED, limit)
    return ActionInput(verb, texts, dates, flags, actions, read.values, read.errors)
