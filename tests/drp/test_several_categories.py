"""Several categories (issue 14.5): where a policy's form ticks every category that applies
(seed 003's grid, "TICK IF APPLICABLE"), the raise keeps each, refuses what the list does not
hold, and the report counts a dispute once in each category it ticks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from drp.errors import InvalidInput, PolicyError
from drp.figures import figures
from drp.machine import raise_dispute
from drp.policy import load_policy, parse_policy
from drp.report import Period, PeriodActivity
from drp.tally import tally
from tests.drp.support import concern as complete_concern
from tests.drp.support import context, raise_command
from tests.drp.test_profile_format import TINY


def _newham_raise(*keys: str, other: str = "Respite care") -> object:
    concern = complete_concern(keys[0] if keys else "", more_categories=keys[1:])
    command = raise_command(concern=replace(concern, category_other=other))
    return raise_dispute(command, context("newham"))


def test_newham_form_ticks_several_categories() -> None:
    assert load_policy("newham").multiple_categories
    decision = _newham_raise("health", "education", "other")
    concern = decision.dispute.concern  # type: ignore[attr-defined]
    assert concern.categories == ("health", "education", "other")
    assert (concern.category, concern.more_categories) == ("health", ("education", "other"))
    assert concern.category_other == "Respite care"


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ((), "choose a category of concern"),
        (("health", "no-such-category"), "'no-such-category' is not in the policy's list"),
        (("health", "education", "health"), "the same category is ticked twice"),
        (("health",) * 15, "at most 14 categories"),
    ],
)
def test_newham_several_categories_refuse_unknown_duplicate_too_many_and_none(
    keys: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _newham_raise(*keys)
    assert refused.value.field == "category"
    assert reason in str(refused.value)


def test_other_ticked_among_several_needs_its_words() -> None:
    with pytest.raises(InvalidInput) as refused:
        _newham_raise("health", "other", other="")
    assert refused.value.field == "category_other"


@pytest.mark.parametrize("policy", ["nottingham", "cpc-standard", "calderdale", "city-hackney"])
def test_a_policy_whose_form_takes_one_category_refuses_two(policy: str) -> None:
    ctx = context(policy)
    assert not ctx.policy.multiple_categories
    first, second = (c.key for c in ctx.policy.categories[:2])
    command = raise_command(concern=complete_concern(first, more_categories=(second,)))
    with pytest.raises(InvalidInput) as refused:
        raise_dispute(command, ctx)
    assert "this policy takes one category of concern" in str(refused.value)


def test_multiple_categories_needs_a_list_to_tick_from() -> None:
    without = TINY.replace(
        'title = "Tiny DRP"\n', 'title = "Tiny DRP"\nmultiple_categories = true\n'
    )
    with pytest.raises(PolicyError) as refused:
        parse_policy(without, "my-council.toml")
    assert "multiple_categories" in str(refused.value)
    assert "[[categories]]" in str(refused.value)
    ticked = without + '\n[[categories]]\nkey = "health"\ntitle = "Health"\n'
    ticked += '[[categories]]\nkey = "other"\ntitle = "Other"\n'
    assert parse_policy(ticked, "my-council.toml").multiple_categories


def test_a_dispute_with_two_categories_counts_once_in_each_and_once_among_disputes() -> None:
    ctx = context("newham")
    both = _newham_raise("health", "education").dispute  # type: ignore[attr-defined]
    one = replace(
        both, reference="DRP-2026-000043", concern=replace(both.concern, more_categories=())
    )
    day = both.raised_at.date()
    period = Period(date(day.year, day.month, 1), day)
    counted = tally(period, PeriodActivity([both, one], []), ctx.calendar)
    f = figures(period, counted, ctx.policy, ctx.calendar)
    shares = {s.key: (s.count, str(s.percent)) for s in f.categories if s.count}
    assert shares == {"health": (2, "100.0"), "education": (1, "50.0")}
    assert f.raised == 2
    (team,) = f.teams
    assert (team.disputes, dict(team.categories)) == (2, {"health": 2, "education": 1})
