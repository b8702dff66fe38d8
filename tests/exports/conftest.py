"""The exports are pure: any network use is a bug."""

from __future__ import annotations

import pytest

from tests.support.offline import refuse_network


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test on any socket connect (a page that fetched anything would too)."""
    refuse_network(monkeypatch, "exports are pure")
