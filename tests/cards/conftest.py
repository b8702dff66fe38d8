"""Fixtures for the card tests: the three-way card validator, and no network for the builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cards.validator import (
    RendererProcess,
    ToolMissing,
    in_ci,
    own_problems,
    schema_problems,
)
from tests.support.offline import refuse_network

Json = dict[str, Any]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any socket connect from this process (npm runs in a subprocess)."""
    refuse_network(monkeypatch, "cards are pure")


@pytest.fixture(scope="session")
def renderer() -> Iterator[RendererProcess]:
    """Microsoft's adaptivecards library in a node process, for the whole session."""
    try:
        process = RendererProcess()
    except ToolMissing as missing:
        if in_ci():
            pytest.fail(f"{missing}; CI must not skip the card checks")
        pytest.skip(str(missing))
    yield process
    process.close()


@pytest.fixture
def problems(renderer: RendererProcess) -> Callable[[Json], list[str]]:
    """Everything wrong with a card: schema, renderer and drp-bot's own rules."""

    def check(card: Json) -> list[str]:
        found = [f"schema: {p}" for p in schema_problems(card)]
        found += [f"renderer: {p}" for p in renderer.problems(card)]
        return found + [f"rule: {p}" for p in own_problems(card)]

    return check


@pytest.fixture
def valid(problems: Callable[[Json], list[str]]) -> Callable[[Json], Json]:
    """Assert a card passes every check; returns it for further assertions."""

    def check(card: Json) -> Json:
        found = problems(card)
        assert not found, "\n".join(found)
        return card

    return check
