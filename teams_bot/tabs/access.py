"""Who may see which tab page: the profile's ``[access]`` roles, and a dispute's parties.

Decided before anything is rendered, the same rules as the cards: a dispute's parties (now or
before) and the roles the profile lets oversee see its page; its raiser and the profile's record
readers its case record; the profile's reporters the quarterly report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from drp.model import Dispute
from drp.policy import Access
from drp.roles import Role
from store.rows import Person
from store.store import Transaction
from teams_bot import gate


@dataclass(frozen=True, slots=True)
class Reader:
    """The signed-in person and what the profile lets them read beyond their own disputes."""

    person: Person
    access: Access

    def _holds(self, roles: Iterable[Role]) -> bool:
        return any(self.person.has_role(role) for role in roles)

    @property
    def oversees(self) -> bool:
        """Sees every dispute: the dashboard of all open disputes."""
        return self._holds(self.access.oversee)

    @property
    def may_report(self) -> bool:
        """Runs the quarterly report."""
        return self._holds(self.access.reports)

    def may_read_record(self, dispute: Dispute) -> bool:
        """The raiser, and the roles the profile lets read any record."""
        return self.person.id == dispute.raised_by or self._holds(self.access.records)

    async def may_see(self, tx: Transaction, dispute: Dispute, today: date) -> bool:
        """A party to the dispute (now or before), or someone who oversees the process."""
        if self.oversees:
            return True
        return await gate.may_see(tx, self.access, dispute, self.person, today)
