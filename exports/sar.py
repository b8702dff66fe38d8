"""The subject access export: everything held about one child as one self-contained HTML page.

One page because a DPO reviews, redacts and hands over a document: it opens in any browser or
in Word, prints (or saves) to PDF on A4, and needs nothing else (no scripts, fonts or images).
Each dispute naming the child is its full case record, with the subject and any siblings on the
same dispute marked, then who read or exported it and whose Teams chats hold a card of it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cards.record import (
    MARKING,
    CaseRecord,
    Step,
    chronology,
    concern_texts,
    outcome_text,
    requested_actions,
    summary_facts,
)
from cards.text import format_date, format_instant
from drp.governance import ChildField
from drp.policy import Policy
from exports.markup import page

SUBJECT = "The subject of this request"
SIBLING = "Sibling on the same dispute"
_ACTIONS = {
    "record_exported": "exported the case record",
    "sar_exported": "exported it for a subject access request",
    "view_refused": "asked to see it and was refused",
    "read_only_view": "opened it (copied or alerted)",
    "refused": "tried to act on it and was refused",
    "corrected": "corrected a child's details",
    "erased": "erased its identifying details (retention)",
}


@dataclass(frozen=True, slots=True)
class Reader:
    """A member of staff as the export names them."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Read:
    """One audited access to a dispute: when, who, what (codes, never content)."""

    at: datetime
    who: Reader
    action: str
    detail: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Shown:
    """A card of the dispute in someone's Teams chat or channel."""

    to: Reader
    posted_at: datetime
    kind: str


@dataclass(frozen=True, slots=True)
class HeldDispute:
    """One dispute naming the child."""

    record: CaseRecord
    subject: frozenset[int]  # 0-based positions of the subject among its children
    reads: tuple[Read, ...]
    shown: tuple[Shown, ...]


@dataclass(frozen=True, slots=True)
class Praise:
    """A compliment whose form named the child: who recognised whose good practice, and what
    they wrote."""

    at: datetime
    by: Reader
    to: Reader
    manager: Reader
    good_practice: str
    impact: str
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class SubjectAccess:
    """The answer to one subject access request."""

    local_id: str
    generated_at: datetime
    generated_by: str
    held: tuple[HeldDispute, ...]
    compliments: tuple[Praise, ...] = ()


_CSS = """
body { font: 11pt/1.45 "Segoe UI", Arial, Helvetica, sans-serif; color: #1b1b1b;
  margin: 2em auto; max-width: 58em; padding: 0 1.5em; background: #fff; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 3px solid #444; }
h3 { font-size: 1.08em; margin: 1.2em 0 0.3em; } h4 { margin: 0.6em 0 0.2em; }
.marking { border: 2px solid #a4262c; color: #a4262c; font-weight: 700; padding: 0.3em 0.6em;
  text-align: center; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 0.8em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } .text { white-space: pre-wrap; margin: 0.1em 0 0.5em; }
.label { font-weight: 600; margin: 0.3em 0 0; } .step { border-left: 5px solid #0b5cad;
  padding: 0.2em 0.7em; margin: 0 0 0.6em; break-inside: avoid; }
.subject td { font-weight: 700; } .dispute { break-before: page; }
@page { size: A4; margin: 16mm 14mm; }
"""


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], marked: frozenset[int]) -> str:
    if not rows:
        return "<p>None recorded.</p>"
    top = "".join(f"<th scope='col'>{_h(h)}</th>" for h in head)
    body = "".join(
        f"<tr{' class=subject' if n in marked else ''}>"
        + "".join(f"<td>{_h(c)}</td>" for c in row)
        + "</tr>"
        for n, row in enumerate(rows)
    )
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def _facts(facts: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th scope='row'>{_h(k)}</th><td>{_h(v)}</td></tr>" for k, v in facts)
    return f"<table>{rows}</table>"


def _paragraphs(texts: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<p class='label'>{_h(label)}</p><p class='text'>{_h(text)}</p>"
        for label, text in texts
        if text
    )


def _step(step: Step) -> str:
    parts = [
        f"<div class='step'><h4>{step.sequence}. {_h(step.title)}</h4>",
        f"<p>{_h(format_instant(step.at))} — {_h(step.who)}</p>",
        _facts(step.facts) if step.facts else "",
        _paragraphs(step.texts),
    ]
    if step.actions:
        parts.append(_table(("Complete by", "Action"), step.actions, frozenset()))
    return "".join(parts) + "</div>"


def children_rows(held: HeldDispute) -> list[tuple[str, str, str, str]]:
    """(name, local ID, date of birth, subject or sibling) for each child on the dispute."""
    return [
        (
            c.name,
            c.local_id,
            format_date(c.dob) if c.dob else "Not recorded",
            SUBJECT if n in held.subject else SIBLING,
        )
        for n, c in enumerate(held.record.dispute.children)
    ]


def read_words(read: Read) -> str:
    """What an audited access was, in words (codes only: no content is ever audited)."""
    words = _ACTIONS.get(read.action, read.action.replace("_", " "))
    field = read.detail.get("field")
    if read.action == "corrected" and isinstance(field, str):
        words = f"corrected {ChildField.label_of(field)}"
    fmt = read.detail.get("format")
    return f"{words} ({fmt})" if isinstance(fmt, str) and fmt else words


def _dispute(held: HeldDispute, policy: Policy) -> str:
    record, d = held.record, held.record.dispute
    head = ("Name", policy.local_id_label, "Date of birth", "On this request")
    parts = [
        f"<section class='dispute'><h2>Dispute {_h(d.reference)}</h2>",
        _facts(summary_facts(record, policy)),
        "<h3>Children</h3>",
        _table(head, children_rows(held), held.subject),
        "<h3>The concern</h3>",
        _paragraphs(concern_texts(d)),
    ]
    actions = requested_actions(d)
    if actions:
        parts += [
            "<h3>Requested actions</h3>",
            _table(("Complete by", "Action"), actions, frozenset()),
        ]
    parts.append("<h3>Chronology</h3>")
    parts += [_step(step) for step in chronology(record, policy)]
    parts.append(f"<h3>Outcome</h3><p>{_h(outcome_text(d))}</p>")
    reads = [(format_instant(r.at), r.who.name, r.who.email, read_words(r)) for r in held.reads]
    parts += [
        "<h3>Who read or exported it</h3>",
        _table(("When", "Who", "E-mail", "What"), reads, frozenset()),
    ]
    shown = [(format_instant(s.posted_at), s.to.name, s.to.email, s.kind) for s in held.shown]
    parts += [
        "<h3>Cards of it in Teams</h3>",
        _table(("First shown", "To", "E-mail", "Card"), shown, frozenset()),
        "</section>",
    ]
    return "".join(parts)


def _compliments(found: Sequence[Praise]) -> str:
    """The compliments whose form named the child (recognition of staff's work with them)."""
    parts = ["<section class='dispute'><h2>Compliments naming the child</h2>"]
    for praise in found:
        acknowledged = format_instant(praise.acknowledged_at) if praise.acknowledged_at else "No"
        facts = [
            ("Sent", format_instant(praise.at)),
            ("By", praise.by.name),
            ("To", praise.to.name),
            ("Their team manager", praise.manager.name),
            ("Acknowledged", acknowledged),
        ]
        texts = [("Good practice", praise.good_practice), ("Impact", praise.impact)]
        parts += [_facts(facts), _paragraphs(texts)]
    return "".join(parts) + "</section>"


def sar_html(access: SubjectAccess, policy: Policy) -> str:
    """The subject access export as one printable, self-contained HTML page."""
    count = len(access.held)
    summary = (
        f"{count} dispute{'' if count == 1 else 's'} name{'s' if count == 1 else ''} this child."
        if count
        else "No dispute held by the bot names this child (any closed longer ago than the "
        "retention period no longer holds the child's details, so cannot be found)."
    )
    facts = [
        (policy.local_id_label, access.local_id),
        ("Council policy", policy.title),
        ("Exported by", access.generated_by),
        ("Exported", f"{format_instant(access.generated_at)} (Europe/London)"),
        ("Disputes", str(count)),
        ("Compliments naming the child", str(len(access.compliments))),
    ]
    sections = [
        f"<p class='marking'>{_h(MARKING)}</p>",
        "<h1>Subject access: what the DRP bot holds about one child</h1>",
        _facts(facts),
        f"<p>{_h(summary)}</p>",
        "<p>Each dispute below is shown in full as the bot holds it. Other children appear only "
        "where they are on the same dispute, marked as siblings. Staff names are those of the "
        "people who took part in, read or were shown the dispute.</p>",
    ]
    sections += [_dispute(held, policy) for held in access.held]
    if access.compliments:
        sections.append(_compliments(access.compliments))
    return page(f"Subject access {access.local_id}", "".join(sections), _CSS)
