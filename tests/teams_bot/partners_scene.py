"""A City & Hackney dispute whose other agency's managers are partners outside the council's
Teams (directory ``channel`` ``email``), the bot beside a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from store.demo import demo_directory_text
from teams_bot.delivery.mail import SmtpMailer
from tests.support.smtp import LocalSmtp, Received, local_smtp
from tests.teams_bot.bot_harness import Walk, running_bot
from tests.teams_bot.test_policy_paths_hackney import MONDAY, REF, climb

TAYLOR = "taylor.mockford@ashdown-vale.example"  # Hillcrest's team manager: e-mail only
AGENCY = "Hillcrest Children in Care"
LINK = re.compile(r"http://\S+/respond/\S+")
CODE = re.compile(r"\b(\d{6})\b")


def partner_directory(tmp_path: Path, *emails: str) -> Path:
    """The demo directory with ``channel`` and ``agency`` columns; ``emails`` by e-mail only."""
    rows = list(csv.DictReader(io.StringIO(demo_directory_text())))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0].keys(), "channel", "agency"])
    writer.writeheader()
    for row in rows:
        partner = row["email"] in emails
        writer.writerow(
            {**row, "channel": "email" if partner else "", "agency": AGENCY if partner else ""}
        )
    path = tmp_path / "people.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@dataclass
class Scene:
    """The walk at stage 2, and the SMTP server the partners' mail arrives at."""

    walk: Walk
    smtp: LocalSmtp

    def mail_to(self, address: str) -> list[Received]:
        return self.smtp.to(address)

    def link(self, address: str = TAYLOR) -> str:
        """The response link in the newest notice to ``address``."""
        found = [m for m in self.mail_to(address) if LINK.search(m.text)]
        assert found, f"no link e-mailed to {address}"
        match = LINK.search(found[-1].text)
        assert match is not None
        return match.group(0)

    def code(self, address: str = TAYLOR) -> str:
        """The newest one-time code e-mailed to ``address``."""
        codes = [m for m in self.mail_to(address) if "one-time code" in str(m.message["Subject"])]
        assert codes, f"no code e-mailed to {address}"
        match = CODE.search(codes[-1].text)
        assert match is not None
        return match.group(1)


@asynccontextmanager
async def stage_two(
    tmp_path: Path, *partners: str, database_url: str = ""
) -> AsyncIterator[Scene]:
    """Patti's difference with Hillcrest, escalated to stage 2 (Taylor and Megan answer), on a
    fresh SQLite file unless ``database_url`` names a migrated database."""
    async with local_smtp() as smtp:
        directory = partner_directory(tmp_path, *(partners or (TAYLOR,)))
        mailer = SmtpMailer(smtp.server())
        async with running_bot(
            tmp_path, "city-hackney", MONDAY, database_url, mailer=mailer, directory=directory
        ) as walk:
            await walk.monitor_here()
            await climb(walk, "2")
            await walk.deliver()
            yield Scene(walk, smtp)


__all__ = ["REF", "Scene", "stage_two"]
