"""The monitoring channel's card: the least a service manager needs, never a child's name."""

from __future__ import annotations

from datetime import datetime

from cards import elements as el
from cards.elements import Json
from cards.text import escape, format_due, format_instant, plain
from cards.views import deadline, overall_limit_facts, rag, stage_label
from drp.calendar import WorkingDayCalendar
from drp.model import Dispute, Outcome
from drp.policy import Policy

_OUTCOMES = {
    Outcome.RESOLVED: "Resolved",
    Outcome.WITHDRAWN: "Withdrawn",
    Outcome.REFERRED: "Referred outside the process",
    Outcome.CONCLUDED: "Concluded",
    Outcome.NOT_AGREED: "Not sent (agreement declined)",
}


def monitoring_card(
    dispute: Dispute,
    policy: Policy,
    team_title: str,
    owner_role_label: str,
    now: datetime,
    calendar: WorkingDayCalendar,
) -> Json:
    """Reference, initials and local IDs, team, stage, responsible role, due date, RAG; outcome."""
    status = rag(dispute, now, calendar)
    head = el.text_block(escape(dispute.reference), size="medium", weight="bolder")
    if status is None:
        badge = el.text_block("Closed", weight="bolder")
    else:
        badge = el.text_block(escape(status.label), weight="bolder", color=status.color)
    label = policy.local_id_label
    children = "; ".join(
        f"{_initials(child.name)} ({label} {child.local_id})" for child in dispute.children
    )
    facts = [
        ("Children", plain(children, 400)),
        ("Team", plain(team_title or dispute.team)),
        ("Stage", escape(stage_label(policy, dispute))),
        ("Status", escape(dispute.status.label)),
    ]
    facts += _open_facts(dispute, owner_role_label) if dispute.is_open else _closed_facts(dispute)
    facts += overall_limit_facts(dispute, now, calendar)
    body = [
        el.column_set([el.column([head]), el.column([badge], "auto")]),
        el.text_block(escape(policy.name), subtle=True, spacing="none"),
        el.fact_set(facts),
    ]
    return el.card(body, fallback_text=f"DRP {dispute.reference}")


def _initials(name: str) -> str:
    return "".join(f"{part[0].upper()}." for part in name.split() if part)


def _open_facts(dispute: Dispute, owner_role_label: str) -> list[tuple[str, str]]:
    due = deadline(dispute)
    return [
        ("Responsible", plain(owner_role_label or "—")),
        ("Due", format_due(due) if due else "No deadline"),
    ]


def _closed_facts(dispute: Dispute) -> list[tuple[str, str]]:
    outcome = _OUTCOMES.get(dispute.outcome, "Closed") if dispute.outcome else "Closed"
    when = format_instant(dispute.closed_at) if dispute.closed_at else ""
    return [("Outcome", escape(outcome)), ("Closed", when or "—")]
