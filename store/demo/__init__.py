"""The demo directory: a fictional council (Ashdown Vale) whose key people are the Agents
Playground's mock users, so a newcomer can walk a dispute from raise to review locally.

Playground users (ids from ``@microsoft/m365agentsplayground`` 0.2.28's default config):
Alex Wilber (``user-id-0``) chair; Megan Bowen (``user-id-1``) team manager; Adele Vance
(``user-id-2``) service manager; Isaiah Langer (``user-id-3``) chairs' service manager and
monitor; Patti Fernandez (``user-id-4``) practitioner; Lynne Robbins (``user-id-5``) head of
service. Everyone else is fictional and has no Teams id until the bot meets them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

from store.directory_file import parse_directory
from store.errors import DirectoryImportError
from store.store import Store

DEMO_FILE = "directory.csv"


def demo_directory_text() -> str:
    """The shipped demo directory CSV."""
    return (resources.files("store.demo") / DEMO_FILE).read_text(encoding="utf-8")


async def load_demo_directory(store: Store, *, at: datetime | None = None) -> int:
    """Import the demo directory into an empty directory; returns how many people (0 if any)."""
    entries, problems = parse_directory(demo_directory_text())
    if problems:  # pragma: no cover - the shipped file is checked by the tests
        raise DirectoryImportError(tuple(problems))
    async with store.transaction() as tx:
        if not await tx.directory.is_empty():
            return 0
        await tx.directory.import_entries(entries, at=at or datetime.now(UTC))
    return len(entries)
