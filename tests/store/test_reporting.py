"""The report's SQL counts (``store.reporting``) agree with the domain's own count
(``drp.tally.tally``) on a generated history saved through the store, on both engines; and
the overdue deadlines it reads are those the disputes hold."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert

from drp.overdue import open_deadline
from drp.report import Period, PeriodActivity
from drp.tally import Tally, child_key, month_bounds, tally
from store.reporting import ReportReader
from store.schema import teams
from store.store import Store
from tests.drp.report_seed import NEWHAM, NOW, QUARTER, Story, history
from tests.teams_bot.records_seed import save


def normal(counted: Tally) -> dict[str, Any]:
    """A tally as plain, comparable values (zeros dropped, instants in UTC, rows sorted)."""
    return {
        "raised": {k: v for k, v in counted.raised.items() if v},
        "children": sorted((c.reference, c.team, c.key) for c in counted.children),
        "steps": {k: v for k, v in counted.steps.items() if v},
        "informal_went_formal": counted.informal_went_formal,
        "referrals": {k: v for k, v in counted.referrals.items() if v},
        "responses": {k: v for k, v in counted.responses.items() if v},
        "resolutions": sorted((a.timestamp(), b.timestamp()) for a, b in counted.resolutions),
        "outcomes": {k: v for k, v in counted.outcomes.items() if v},
        "reviews": {k: v for k, v in counted.reviews.items() if v},
        "more_categories": {k: v for k, v in counted.more_categories.items() if v},
        "partners": {k: v for k, v in counted.partners.items() if v},
        "partner_disputes": counted.partner_disputes,
        "tiers": {k: v for k, v in counted.tiers.items() if v},
        "raised_in": {k: v for k, v in counted.raised_in.items() if v},
        "entered_in": {k: v for k, v in counted.entered_in.items() if v},
        "closed_in": {k: v for k, v in counted.closed_in.items() if v},
    }


PERIODS = (
    QUARTER,
    Period(date(2025, 10, 1), date(2025, 12, 31)),  # Christmas and New Year
    Period(date(2026, 3, 1), date(2026, 3, 31)),  # the clocks go forward on 29 March
)


# Two of the history's teams belong to partner agencies (the directory's partner_agency).
PARTNERS = {"Team 03": "Homerton Healthcare", "Team 07": "Met Police", "Team 11": "Met Police"}


async def test_sql_counts_equal_the_domains_count_and_deadlines(store: Store) -> None:
    stories = {str(n): Story(d) for n, d in enumerate(history(120, 7, NOW, years=1))}
    await save(store, stories)
    async with store.transaction() as tx:
        rows = [{"name": t, "partner_agency": a} for t, a in PARTNERS.items()]
        await tx.connection.execute(
            insert(teams), [*rows, {"name": "Team 05", "partner_agency": ""}]
        )
    async with store.transaction(readonly=True) as tx:
        # The domain counts the disputes as stored: each child with its pseudonym.
        stored = [await tx.disputes.get(s.dispute.reference) for s in stories.values()]
    events = [e for s in stories.values() for e in s.events]
    activity = PeriodActivity(stored, events, partner_agencies=PARTNERS)
    by_local_id = {child_key(c.local_id) for d in stored for c in d.children}
    assert len({c.pseudonym for d in stored for c in d.children}) == len(by_local_id)
    async with store.transaction(readonly=True) as tx:
        reader = ReportReader(tx.connection)
        for period in PERIODS:
            expected = tally(period, activity, NEWHAM.calendar)
            assert sum(expected.raised.values()) > 5, period  # the period is not empty
            assert expected.steps, period
            assert expected.resolutions, period
            start, end = period.bounds(NEWHAM.calendar)
            months = month_bounds(period, NEWHAM.calendar)
            assert normal(await reader.tally(start, end, months, "newham")) == normal(expected)
            assert expected.entered_in, period  # each process apart (seed 002 §4-5)
            if period == QUARTER:  # the chair's reviews are counted by SQL as by the domain
                assert expected.reviews, "the seed's Newham reviews have a deadline"
                # Seed 003's grid: a dispute ticking several categories counts in each.
                assert expected.more_categories, "the history ticks several categories"
                assert expected.partner_disputes, "some disputes are with partner agencies"
        # Another policy's report counts none of these.
        other = normal(await reader.tally(start, end, months, "nottingham"))
        assert (other["raised"], other["steps"]) == ({}, {})
        found = await reader.open_deadlines("newham", NOW)
    expected_deadlines = {
        (d.reference, d.stage, d.raiser_role, d.due_at.timestamp())
        for s in stories.values()
        if (d := open_deadline(s.dispute)) is not None and d.due_at < NOW
    }
    assert expected_deadlines
    assert {(d.reference, d.stage, d.raiser_role, d.due_at.timestamp()) for d in found} == (
        expected_deadlines
    )
