"""The record and report cards (pure): valid Adaptive Cards within Teams' size, holding every
step; the files are tests/exports'."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from cards.record import CARD_BUDGET, CaseRecord, Route, chronology, record_card
from cards.report import outstanding_card, outstanding_text, report_summary_card
from cards.views import DisputeView
from drp.events import Declined, Escalated, Payload, Referred, Responded, Withdrawn
from drp.model import MAX_TEXT
from drp.report import QuarterlyReport
from drp.supervision import outstanding
from exports.record import record_html
from tests.drp.report_seed import NEWHAM, NOW, Story, current, last_year, seeded_report

Json = dict[str, Any]


@pytest.fixture(scope="module")
def stories() -> dict[str, Story]:
    return {**current(), **last_year()}


@pytest.fixture(scope="module")
def report(stories: dict[str, Story]) -> QuarterlyReport:
    return seeded_report(stories)


def _record(story: Story) -> CaseRecord:
    names = {"iro-ike": "Ike Reviewer", "tm-tom": "Tom Manager", "sm-sue": "Sue Service"}
    view = DisputeView(story.dispute, tuple(story.events), names, story.dispute.team)
    routes = {1: Route(("tm-tom",), None)}
    return CaseRecord(view, NOW, "Cat Quality", routes)


def test_the_record_card_is_valid_and_holds_every_step(
    stories: dict[str, Story], valid: Callable[[Json], Json]
) -> None:
    record = _record(stories["D2"])
    card = valid(record_card(record, NEWHAM.policy, "drp-bot record DRP-2026-000002"))
    text = json.dumps(card)
    for step in chronology(record, NEWHAM.policy):
        assert f"{step.sequence}\\\\. " in text  # "1\\. " escaped, so not a list
    assert len(chronology(record, NEWHAM.policy)) == len(stories["D2"].events)


def _with_long_texts(payload: Payload, text: str) -> Payload:
    """The payload with its response or reason (where it has one) replaced by ``text``."""
    if isinstance(payload, Responded):
        return replace(payload, response=text)
    if isinstance(payload, Declined | Escalated | Referred | Withdrawn):
        return replace(payload, reason=text)
    return payload


def test_a_huge_record_still_fits_on_one_teams_card(
    stories: dict[str, Story], valid: Callable[[Json], Json]
) -> None:
    story = stories["D2"]
    long = "x" * MAX_TEXT
    concern = replace(story.dispute.concern, summary=long, impact=long, evidence=long)
    events = tuple(replace(e, payload=_with_long_texts(e.payload, long)) for e in story.events) * 4
    view = DisputeView(replace(story.dispute, concern=concern), events, {}, "")
    card = valid(record_card(CaseRecord(view, NOW, "Cat"), NEWHAM.policy))
    assert len(json.dumps(card)) <= CARD_BUDGET
    # The files keep every word.
    assert long in record_html(CaseRecord(view, NOW, "Cat"), NEWHAM.policy)


def test_the_summary_and_supervision_cards_are_valid(
    report: QuarterlyReport, stories: dict[str, Story], valid: Callable[[Json], Json]
) -> None:
    card = valid(report_summary_card(report, "drp-bot report --from 2026-01-01 --to 2026-03-31"))
    assert "Between 1 Jan 2026 and 31 Mar 2026 there were 6 disputes raised" in json.dumps(card)
    rows = outstanding([s.dispute for s in stories.values()], NOW, NEWHAM.calendar)
    listed = valid(outstanding_card("Your open disputes, for supervision", rows, lambda: "k"))
    assert "22 working days open" in json.dumps(listed)
    assert "OVERDUE" in outstanding_text(rows)
