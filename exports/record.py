"""The case record for the child's file as a printable, self-contained HTML page (inline CSS,
no scripts, fonts or images from anywhere; A4) and as Markdown that says the same."""

from __future__ import annotations

from collections.abc import Sequence

from cards.record import (
    MARKING,
    CaseRecord,
    Step,
    child_rows,
    chronology,
    concern_texts,
    footer,
    outcome_text,
    requested_actions,
    summary_facts,
)
from cards.text import format_instant
from drp.events import (
    EventKind,
)
from drp.policy import Policy
from exports.markup import h as _h
from exports.markup import md, md_table, page

_CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 "Segoe UI", Arial, Helvetica, sans-serif; color: #1b1b1b;
  margin: 2em auto; max-width: 58em; padding: 0 1.5em; background: #fff; }
h1 { font-size: 1.6em; margin: 0.2em 0; } h2 { font-size: 1.2em; margin: 1.4em 0 0.4em;
  border-bottom: 2px solid #444; padding-bottom: 0.15em; }
h3 { font-size: 1.02em; margin: 0 0 0.3em; }
.marking { border: 2px solid #a4262c; color: #a4262c; font-weight: 700; padding: 0.3em 0.6em;
  text-align: center; letter-spacing: 0.02em; }
table { border-collapse: collapse; width: 100%; margin: 0.3em 0 0.8em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
table.facts th { width: 28%; }
.text { white-space: pre-wrap; margin: 0.1em 0 0.6em; }
.label { font-weight: 600; margin: 0.4em 0 0; }
.step { border: 1px solid #bbb; border-left: 6px solid #0b5cad; padding: 0.5em 0.8em;
  margin: 0 0 0.7em; break-inside: avoid; page-break-inside: avoid; }
.step.review { border-left-color: #6b3fa0; } .step.alert { border-left-color: #a4262c; }
.step.close { border-left-color: #107c10; }
.when { color: #444; font-size: 0.92em; }
footer { margin-top: 2em; font-size: 0.88em; color: #444; border-top: 1px solid #999;
  padding-top: 0.5em; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""
_STEP_CLASS = {
    EventKind.RESOLVED: "step close",
    EventKind.CONCLUDED: "step close",
    EventKind.WITHDRAWN: "step close",
    EventKind.ESCALATED: "step review",
    EventKind.EXTENDED: "step review",
    EventKind.IMMEDIATE_HARM: "step alert",
    EventKind.OVERDUE: "step alert",
}


def _facts_table(facts: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th scope='row'>{_h(k)}</th><td>{_h(v)}</td></tr>" for k, v in facts)
    return f"<table class='facts'>{rows}</table>"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    top = "".join(f"<th scope='col'>{_h(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def _paragraphs(texts: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<p class='label'>{_h(label)}</p><p class='text'>{_h(text)}</p>" for label, text in texts
    )


def _html_step(step: Step) -> str:
    css = _STEP_CLASS.get(step.kind, "step")
    parts = [
        f"<section class='{css}' id='step-{step.sequence}'>",
        f"<h3>{step.sequence}. {_h(step.title)}</h3>",
        f"<p class='when'>{_h(format_instant(step.at))} — {_h(step.who)}</p>",
    ]
    if step.facts:
        parts.append(_facts_table(step.facts))
    parts.append(_paragraphs(step.texts))
    if step.actions:
        parts.append("<p class='label'>SMART action plan</p>")
        parts.append(_table(("Complete by", "Action"), [(w, t) for w, t in step.actions]))
    parts.append("</section>")
    return "".join(parts)


def record_html(record: CaseRecord, policy: Policy) -> str:
    """The printable, self-contained HTML page of the case record."""
    d = record.dispute
    label = policy.local_id_label
    actions = requested_actions(d)
    sections = [
        f"<p class='marking'>{_h(MARKING)}</p>",
        f"<h1>Dispute Resolution record {_h(d.reference)}</h1>",
        f"<p>{_h(policy.title)}</p>",
        _facts_table(summary_facts(record, policy)),
        "<h2>Children</h2>",
        _table(("Name", label, "Date of birth"), child_rows(record)),
        "<h2>The concern</h2>",
        _paragraphs(concern_texts(d)),
    ]
    if actions:
        sections += ["<h2>Requested actions</h2>", _table(("Complete by", "Action"), actions)]
    sections.append("<h2>Chronology</h2>")
    sections += [_html_step(step) for step in chronology(record, policy)]
    sections.append(f"<h2>Outcome</h2><p>{_h(outcome_text(d))}</p>")
    sections.append(f"<footer>{_h(footer(record))}</footer>")
    return page(f"DRP record {d.reference}", "".join(sections), _CSS)


def _md_step(step: Step) -> list[str]:
    lines = [
        f"### {step.sequence}. {md(step.title)}",
        "",
        f"*{md(format_instant(step.at))}* — {md(step.who)}",
        "",
    ]
    lines += [f"- **{md(k)}:** {md(v)}" for k, v in step.facts]
    if step.facts:
        lines.append("")
    for label, text in step.texts:
        lines += [f"**{md(label)}**", "", md(text), ""]
    if step.actions:
        lines += ["**SMART action plan**", ""]
        lines += md_table(("Complete by", "Action"), step.actions)
    return lines


def record_markdown(record: CaseRecord, policy: Policy) -> str:
    """The case record as Markdown."""
    d = record.dispute
    lines = [f"> {md(MARKING)}", "", f"# Dispute Resolution record {md(d.reference)}", ""]
    lines += [md(policy.title), ""]
    lines += [f"- **{md(k)}:** {md(v)}" for k, v in summary_facts(record, policy)]
    lines += ["", "## Children", ""]
    lines += md_table(("Name", policy.local_id_label, "Date of birth"), child_rows(record))
    lines += ["## The concern", ""]
    for label, text in concern_texts(d):
        lines += [f"**{md(label)}**", "", md(text), ""]
    if d.concern.requested_actions:
        lines += ["## Requested actions", ""]
        lines += md_table(("Complete by", "Action"), requested_actions(d))
    lines += ["## Chronology", ""]
    for step in chronology(record, policy):
        lines += _md_step(step)
    lines += ["## Outcome", "", md(outcome_text(d)), "", "---", "", md(footer(record)), ""]
    return "\n".join(lines)
