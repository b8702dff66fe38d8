"""Agreed actions on the dispute card (issue 14.4): each with its owner, complete-by date and
state (red once passed undone), a Done button for whoever the machine lets tick it (its owner
or the chair), the chair's rows for agreeing actions on a review, and Reopen on a resolved
card within the profile's period."""

from __future__ import annotations

from cards import elements as el
from cards.action_input import ACTION_ROWS, REOPEN_TO
from cards.dispute_render import DisputeRender
from cards.elements import Json
from cards.text import escape, format_date, format_instant, shorten
from cards.verbs import Verb
from drp.model import MAX_TEXT, TrackedAction

PASSED = "Passed, not done"
_REOPEN_CHOICES = dict(
    zip(REOPEN_TO, ("Back to the stage it was resolved at", "Escalate"), strict=True)
)


def actions_section(render: DisputeRender) -> list[Json]:
    """The tracked actions, numbered, with who owns each and where it stands."""
    tracked = sorted(render.dispute.actions, key=lambda a: (a.done, a.complete_by, a.number))
    if not tracked:
        return []
    items = [el.text_block("Agreed actions", weight="bolder", separator=True)]
    shown = tracked[: render.limits.tracked]
    items += [_row(render, action) for action in sorted(shown, key=lambda a: a.number)]
    if len(tracked) > len(shown):
        more = f"{len(tracked) - len(shown)} more actions are in the case record."
        items.append(el.text_block(more, subtle=True, spacing="none"))
    return items


def _row(render: DisputeRender, action: TrackedAction) -> Json:
    text = shorten(action.text, render.limits.event_text)
    state, color = _state(render, action)
    lines = [
        el.text_block(escape(f"{action.number}. {text}"), spacing="none"),
        el.text_block(escape(state), size="small", color=color, spacing="none"),
    ]
    columns = [el.column(lines)]
    if action.number in render.options.tickable:
        extra = {"action": action.number}
        done = render.execute("Done", Verb.ACTION_DONE, with_inputs=False, extra=extra)
        columns.append(el.column([el.action_set([done])], "auto"))
    return el.column_set(columns)


def _state(render: DisputeRender, action: TrackedAction) -> tuple[str, str | None]:
    owner = render.view.name(action.owner) if action.owner else "not yet taken on"
    due = f"By {format_date(action.complete_by)} · {owner}"
    if action.done and action.done_at is not None:
        who = render.view.name(action.done_by)
        return f"{due} · Done by {who}, {format_instant(action.done_at)}", "good"
    if action.passed(render.today):
        return f"{due} · {PASSED}", "attention"
    return f"{due} · Open", None


def agreed_rows(render: DisputeRender, prefix: str, heading: str) -> list[Json]:
    """Rows for actions with complete-by dates (``prefix``_N_text / _date), for a form."""
    items = [el.text_block(escape(heading), weight="bolder")]
    for n in range(1, min(ACTION_ROWS, render.limits.rows) + 1):
        text = el.input_text(
            f"{prefix}_{n}_text",
            f"Action {n}",
            value=render.values.get(f"{prefix}_{n}_text", ""),
            max_length=MAX_TEXT,
        )
        when = el.input_date(
            f"{prefix}_{n}_date",
            "Complete by",
            value=render.values.get(f"{prefix}_{n}_date", ""),
            minimum=render.today,
        )
        row = [el.column(render.field(text), "2"), el.column(render.field(when))]
        items.append(el.column_set(row))
    return items


def reopen_action(render: DisputeRender) -> list[Json]:
    """The chair's Reopen on a resolved card, while the profile's period runs."""
    if Verb.REOPEN not in render.options.verbs:
        return []
    undone = sum(1 for a in render.dispute.actions if not a.done)
    note = f"{undone} agreed action(s) not done. Reopening tells everyone it returns to."
    value = render.values.get("reopen_to") or REOPEN_TO[0]
    choices = [(label, key) for key, label in _REOPEN_CHOICES.items()]
    body = [
        el.text_block(escape(note)),
        *render.field(el.choice_set("reopen_to", "Where it goes", choices, value=value)),
        *render.text_input("reopen_reason", "Why (required)"),
    ]
    confirm = render.execute("Reopen", Verb.REOPEN, style="destructive")
    return [el.action_show_card("Reopen: actions not done", body, [confirm])]
