"""Fixtures for the Graph tests: a loopback Graph over HTTPS, a store, the sync wired to both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.graph import LoopbackGraph


@pytest.fixture
async def graph(tmp_path: Path) -> AsyncIterator[LoopbackGraph]:
    """A loopback Graph with an empty tenant."""
    async with LoopbackGraph(tmp_path / "tls", page_size=50) as loopback:
        yield loopback
