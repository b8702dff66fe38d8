"""Compliments (seeds 000 and 001): the chair's form, and the card the practitioner acknowledges.

Input ids of the compliment form (verb ``drp.compliment``):

- ``practitioner``: the person complimented (ChoiceSet of people ids; required)
- ``team``: their team (ChoiceSet of team ids; only when teams are offered; optional)
- ``child_local_id``: the child's local ID (optional)
- ``good_practice``: what was good practice (required)
- ``impact``: the impact on the child (required)

The compliment card's Acknowledge button (``drp.acknowledge``) carries the compliment's id as
``reference`` and needs no input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cards import elements as el
from cards.elements import Json
from cards.inputs import InputReader
from cards.text import escape, format_instant, plain, shorten
from cards.verbs import KeyFactory, Verb, new_key
from drp.model import MAX_SHORT_TEXT, MAX_TEXT

LONG_TEXT = 1500


@dataclass(frozen=True, slots=True)
class ComplimentInput:
    """The compliment form's submission, the raw values to re-fill it, and field errors."""

    practitioner: str = ""
    team: str = ""
    child_local_id: str = ""
    good_practice: str = ""
    impact: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the form can be sent."""
        return not self.errors


def parse_compliment(data: Mapping[str, object]) -> ComplimentInput:
    """Typed compliment form values; errors keyed by input id."""
    read = InputReader(data, None)
    return ComplimentInput(
        practitioner=read.text("practitioner", required=True, limit=MAX_SHORT_TEXT),
        team=read.text("team", limit=MAX_SHORT_TEXT),
        child_local_id=read.text("child_local_id", limit=64),
        good_practice=read.text("good_practice", required=True, limit=MAX_TEXT),
        impact=read.text("impact", required=True, limit=MAX_TEXT),
        values=read.values,
        errors=read.errors,
    )


def compliment_form_card(
    people: Sequence[tuple[str, str]],
    teams: Sequence[tuple[str, str]] = (),
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    key_factory: KeyFactory = new_key,
) -> Json:
    """The compliments form; ``people`` and ``teams`` are (id, display title) pairs."""
    values, errors = values or {}, errors or {}

    def field_(element: Json) -> list[Json]:
        return [element, *el.error_text(errors.get(element["id"]))]

    def long(input_id: str, label: str) -> Json:
        return el.input_text(
            input_id,
            label,
            value=values.get(input_id, ""),
            multiline=True,
            max_length=MAX_TEXT,
            required=True,
            error_message=f"{label} is required.",
        )

    person = el.choice_set(
        "practitioner",
        "Practitioner",
        [(title, pid) for pid, title in people],
        value=values.get("practitioner", ""),
        placeholder="Choose…",
        required=True,
        error_message="Choose the practitioner.",
    )
    body = [
        el.text_block("Compliment good practice", size="large", weight="bolder", heading=True),
        el.text_block(
            "Sent to the practitioner and their team manager, who acknowledge it.", subtle=True
        ),
        *field_(person),
    ]
    if teams:
        team_choices = [(title, tid) for tid, title in teams]
        body += field_(el.choice_set("team", "Team", team_choices, value=values.get("team", "")))
    local_id = el.input_text(
        "child_local_id",
        "Child's local ID (optional)",
        value=values.get("child_local_id", ""),
        max_length=64,
    )
    body += field_(local_id)
    body += field_(long("good_practice", "What was good practice"))
    body += field_(long("impact", "Impact on the child"))
    send = el.execute("Send compliment", Verb.COMPLIMENT, "", 0, key_factory, style="positive")
    return el.card(body, [send], fallback_text="Compliment good practice")


@dataclass(frozen=True, slots=True)
class ComplimentView:
    """A sent compliment as the card shows it (names already resolved)."""

    compliment_id: str
    sent_by: str
    sent_at: datetime
    practitioner: str
    good_practice: str
    impact: str
    team: str = ""
    child_local_id: str = ""
    acknowledged: tuple[tuple[str, datetime], ...] = ()
    version: int = 0


def compliment_card(
    compliment: ComplimentView, can_acknowledge: bool, key_factory: KeyFactory = new_key
) -> Json:
    """The compliment, who has acknowledged it, and an Acknowledge button when allowed."""
    facts = [
        ("From", plain(compliment.sent_by)),
        ("Sent", format_instant(compliment.sent_at)),
        ("Practitioner", plain(compliment.practitioner)),
    ]
    if compliment.team:
        facts.append(("Team", plain(compliment.team)))
    if compliment.child_local_id:
        facts.append(("Child's local ID", plain(compliment.child_local_id, 64)))
    body = [
        el.text_block("A compliment for good practice", size="large", weight="bolder"),
        el.fact_set(facts),
        el.text_block("What was good practice", weight="bolder"),
        el.text_block(escape(shorten(compliment.good_practice, LONG_TEXT)), spacing="none"),
        el.text_block("Impact on the child", weight="bolder"),
        el.text_block(escape(shorten(compliment.impact, LONG_TEXT)), spacing="none"),
    ]
    if compliment.acknowledged:
        seen = [(plain(name), format_instant(at)) for name, at in compliment.acknowledged]
        body += [el.text_block("Acknowledged", weight="bolder"), el.fact_set(seen)]
    actions = []
    if can_acknowledge:
        actions.append(
            el.execute(
                "Acknowledge",
                Verb.ACKNOWLEDGE,
                compliment.compliment_id,
                compliment.version,
                key_factory,
                with_inputs=False,
                style="positive",
            )
        )
    return el.card(body, actions, fallback_text="A compliment for good practice")
