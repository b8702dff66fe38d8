"""Fixtures for the domain core's unit tests: pure code, so any network use is a bug."""

from __future__ import annotations

import pytest

from tests.support.offline import refuse_network


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any socket connect (the `drp` package must never do I/O)."""
    refuse_network(monkeypatch, "tests/drp are pure unit tests")
