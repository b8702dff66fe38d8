"""Every engine hides SQL parameters from its errors and log lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.engine import create_engine, parse_url


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///{tmp}/x.sqlite3", "postgresql+asyncpg://u@127.0.0.1/x"]
)
async def test_every_engine_hides_sql_parameters(url: str, tmp_path: Path) -> None:
    engine = create_engine(parse_url(url.format(tmp=tmp_path)))
    try:
        assert engine.sync_engine.hide_parameters is True
    finally:
        await engine.dispose()
