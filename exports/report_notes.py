"""The report's sections the QA manager writes in the bot for each quarter (seed 003 §10):
comments and issues in relation to the process, individual and thematic issues, and the
action log. Tables as rows of text; ``exports.report`` draws them as HTML or Markdown."""

from __future__ import annotations

from cards.report import number
from drp.quarter_notes import LoggedAction, QuarterNote, ReportNotes
from drp.report import Figures

Section = tuple[str, tuple[str, ...], list[list[str]]]  # heading, column heads, rows
COMMENTS = "Comments and issues in relation to the Dispute Resolution Process"
ACTION_LOG = "Action log"
REVIEWS = "Chair's reviews within deadline"
TIERS = "Tiers of management reached"


def review_rows(f: Figures) -> list[list[str]]:
    """The chair's own reviews by stage: reviews, on time, percentage."""
    return [[t.label, str(t.responses), str(t.on_time), number(t.percent, "%")] for t in f.reviews]


def tier_rows(f: Figures) -> list[list[str]]:
    """Climbs to each tier of management above a stage's first: stage and tier, climbs."""
    return [[t.label, str(t.climbs)] for t in f.tiers]


def note_sections(notes: ReportNotes) -> list[Section]:
    """Each section with its rows; a section with nothing written says so."""
    head = ("No.", "Quarter", "Note")
    return [
        (COMMENTS, head, _rows(notes.comments)),
        ("Individual issues raised in the quarter", head, _rows(notes.individual)),
        ("Thematic issues", head, _rows(notes.thematic)),
        (ACTION_LOG, ("No.", "Agreed", "Action", "Progress", "Status"), _actions(notes)),
    ]


def _rows(notes: tuple[QuarterNote, ...]) -> list[list[str]]:
    return [[str(n.number), str(n.quarter), n.text] for n in notes] or [["", "", "None."]]


def _actions(notes: ReportNotes) -> list[list[str]]:
    found = [_action(a) for a in notes.actions]
    return found or [["", "", "None.", "", ""]]


def _action(logged: LoggedAction) -> list[str]:
    progress = "; ".join(f"{p.quarter}: {p.text}" for p in logged.progress)
    status = "Done" if logged.done else "Open"
    note = logged.note
    return [f"A{note.number}", str(note.quarter), note.text, progress or "—", status]
