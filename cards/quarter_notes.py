"""The quarter's notes card: what the QA manager has written for the report (comments and
issues, individual and thematic issues, the action log) and how to add to it."""

from __future__ import annotations

from cards import elements as el
from cards.elements import Json
from cards.text import escape, plain
from drp.quarter_notes import Quarter, QuarterNote, ReportNotes

HOW = (
    "Add to it: quarter {q} comment TEXT · individual TEXT · thematic TEXT · action TEXT · "
    "progress A3 TEXT · done A3 TEXT"
)


def quarter_notes_card(quarter: Quarter, notes: ReportNotes, added: str = "") -> Json:
    """The quarter's notes as the report will show them; ``added`` names what was just added."""
    body: list[Json] = [
        el.text_block(escape(f"Quarterly report notes: {quarter}"), size="large", weight="bolder"),
    ]
    if added:
        body.append(el.text_block(escape(added), subtle=True, spacing="none"))
    sections = (
        ("Comments and issues in relation to the process", notes.comments),
        ("Individual issues raised in the quarter", notes.individual),
        ("Thematic issues", notes.thematic),
    )
    for heading, written in sections:
        body += _section(heading, [_line(n) for n in written])
    actions = [
        (
            f"A{a.note.number} ({a.note.quarter}, {'done' if a.done else 'open'})",
            plain(" / ".join([a.note.text, *(f"{p.quarter}: {p.text}" for p in a.progress)])),
        )
        for a in notes.actions
    ]
    body += _section("Action log", actions)
    body.append(el.text_block(escape(HOW.format(q=quarter)), subtle=True, separator=True))
    return el.card(body, fallback_text=f"Quarterly report notes {quarter}")


def _line(note: QuarterNote) -> tuple[str, str]:
    return f"{note.number} ({note.quarter})", plain(note.text)


def _section(heading: str, facts: list[tuple[str, str]]) -> list[Json]:
    shown = [(escape(k), v) for k, v in facts] or [("", "None yet.")]
    return [el.text_block(escape(heading), weight="bolder", separator=True), el.fact_set(shown)]
