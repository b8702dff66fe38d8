"""The welcome and help cards, and lists of disputes (``mine``, ``inbox``, ``supervision``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cards import elements as el
from cards.elements import Json
from cards.text import escape, format_date, plain
from cards.verbs import KeyFactory, Verb, new_key
from cards.views import RAG, deadline, rag, stage_label
from drp.calendar import WorkingDayCalendar
from drp.model import Dispute
from drp.policy import Policy
from drp.roles import Role

MAX_ROWS = 25  # keeps a list card well under Teams' 28 KB message limit


@dataclass(frozen=True, slots=True)
class DisputeRow:
    """One line of a list: no child's name, only initials."""

    reference: str
    initials: str
    stage: str
    due: date | None
    rag: RAG | None
    version: int = 0


def row_for(
    dispute: Dispute, policy: Policy, now: datetime, calendar: WorkingDayCalendar
) -> DisputeRow:
    """The list row of a dispute."""
    due = deadline(dispute)
    return DisputeRow(
        reference=dispute.reference,
        initials=dispute.initials,
        stage=stage_label(policy, dispute),
        due=calendar.local_date(due) if due else None,
        rag=rag(dispute, now, calendar),
        version=dispute.version,
    )


def dispute_list_card(
    title: str, rows: Sequence[DisputeRow], key_factory: KeyFactory = new_key
) -> Json:
    """A titled list with a Show button per dispute (at most ``MAX_ROWS`` rows)."""
    body = [el.text_block(escape(title), size="medium", weight="bolder", heading=True)]
    if not rows:
        body.append(el.text_block("Nothing to show.", subtle=True))
    body += [_row(row, key_factory) for row in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        more = f"…and {len(rows) - MAX_ROWS} more; use `show REF` for any of them."
        body.append(el.text_block(escape(more), subtle=True))
    return el.card(body, fallback_text=title)


def _row(row: DisputeRow, key_factory: KeyFactory) -> Json:
    due = f"Due {format_date(row.due)}" if row.due else "No deadline"
    status = row.rag.label if row.rag else "Closed"
    left = [
        el.text_block(escape(row.reference), weight="bolder"),
        el.text_block(plain(f"{row.initials} · {row.stage}"), spacing="none", subtle=True),
    ]
    middle = [
        el.text_block(escape(due)),
        el.text_block(status, color=row.rag.color if row.rag else None, spacing="none"),
    ]
    show = el.execute(
        "Show", Verb.SHOW, row.reference, row.version, key_factory, with_inputs=False
    )
    columns = [
        el.column(left),
        el.column(middle, "auto"),
        el.column([el.action_set([show])], "auto"),
    ]
    return el.container([el.column_set(columns)], separator=True)


def _may_raise(policy: Policy, role: Role) -> bool:
    return any(role in process.raisers for process in policy.processes)


def welcome_card(name: str, role: Role, policy: Policy, key_factory: KeyFactory = new_key) -> Json:
    """The card sent when the app is installed: who you are here, and how to start."""
    body = [
        el.text_block(escape(f"Welcome, {name}"), size="large", weight="bolder", heading=True),
        el.text_block(escape(policy.title), subtle=True, spacing="none"),
        el.text_block(escape(f"You are set up as: {policy.role_title(role)}.")),
        el.text_block(
            "I keep each dispute's deadlines, send it to the responsible manager and tell "
            "you when something needs you. Type **help** to see what you can ask."
        ),
    ]
    actions = []
    if _may_raise(policy, role):
        actions.append(el.execute("Raise a dispute", Verb.NEW, "", 0, key_factory))
    return el.card(body, actions, fallback_text=f"Welcome, {name}")


def help_card(policy: Policy, role: Role, key_factory: KeyFactory = new_key) -> Json:
    """The commands this person can use in a 1:1 chat, and the one for a team channel."""
    facts = [(f"**{escape(command)}**", escape(what)) for command, what in _commands(policy, role)]
    body = [
        el.text_block("What you can ask", size="medium", weight="bolder", heading=True),
        el.text_block(escape(policy.title), subtle=True, spacing="none"),
        el.fact_set(facts),
    ]
    if role in policy.access.monitoring:
        channel = "In a team channel, mention me with **monitor here** to make it the "
        body.append(el.text_block(channel + "monitoring channel for open escalations."))
    actions = []
    if _may_raise(policy, role):
        actions.append(el.execute("Raise a dispute", Verb.NEW, "", 0, key_factory))
    return el.card(body, actions, fallback_text="Help")


def _commands(policy: Policy, role: Role) -> list[tuple[str, str]]:
    raiser = _may_raise(policy, role)
    found = []
    if raiser:
        found += [
            ("new", "open the DRP form to raise a dispute"),
            ("mine", "your open disputes, with stage, due date and status"),
        ]
        found += [  # a policy with several processes: each one the role may raise in
            (f"new {p.key}", f"the form for: {p.title}")
            for p in policy.processes
            if len(policy.processes) > 1 and role in p.raisers and p.opening_stages(role)
        ]
    found += [
        ("inbox", "disputes waiting for your response or agreement"),
        ("show REF", "one dispute, e.g. show DRP-2026-000123"),
    ]
    if raiser and policy.compliments:
        found.append(("compliment", "recognise good practice by a practitioner"))
    if role in (*policy.raising_roles, *policy.access.supervise):
        found.append(("supervision", "open disputes with days open, for supervision"))
    if role in policy.access.reports:
        found.append(("report", "the quarterly report"))
        found.append(("quarter 2026-Q4", "the quarter's comments, issues and action log"))
    found.append(("help", "this list"))
    return found
