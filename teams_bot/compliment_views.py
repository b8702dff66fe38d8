"""Compliments as stored and as shown: the chair's text (one JSON document) and the view with
everyone's names, for the card the recipients and the sender see."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cards.compliment import ComplimentView
from store.rows import Compliment
from store.store import Transaction


@dataclass(frozen=True, slots=True)
class ComplimentText:
    """What the chair wrote, kept as one JSON document in the compliment's text."""

    good_practice: str
    impact: str
    child_local_id: str = ""
    team: str = ""

    def dumps(self) -> str:
        """The stored form."""
        return json.dumps(
            {
                "good_practice": self.good_practice,
                "impact": self.impact,
                "child_local_id": self.child_local_id,
                "team": self.team,
            }
        )

    @classmethod
    def loads(cls, text: str) -> ComplimentText:
        """Read the stored form; plain text (written elsewhere) is the good practice."""
        try:
            data = json.loads(text)
        except ValueError:
            return cls(text, "")
        if not isinstance(data, dict):
            return cls(text, "")
        fields = ("good_practice", "impact", "child_local_id", "team")
        return cls(*(str(data.get(name) or "") for name in fields))


async def compliment_view(
    tx: Transaction, compliment: Compliment, extra_ack: tuple[str, datetime] | None = None
) -> ComplimentView:
    """The compliment with names resolved (and an acknowledgement not yet stored, if given)."""
    written = ComplimentText.loads(compliment.text)
    names = await _names(tx, compliment)
    acknowledged: list[tuple[str, datetime]] = []
    if compliment.acknowledged_by and compliment.acknowledged_at:
        acknowledged.append(
            (names.get(compliment.acknowledged_by, ""), compliment.acknowledged_at)
        )
    if extra_ack is not None:
        acknowledged.append((names.get(extra_ack[0], ""), extra_ack[1]))
    return ComplimentView(
        compliment_id=str(compliment.id),
        sent_by=names.get(compliment.from_person, "A chair"),
        sent_at=compliment.created_at,
        practitioner=names.get(compliment.to_practitioner, "The practitioner"),
        good_practice=written.good_practice,
        impact=written.impact,
        team=written.team,
        child_local_id=written.child_local_id,
        acknowledged=tuple(acknowledged),
    )


async def _names(tx: Transaction, compliment: Compliment) -> dict[str, str]:
    ids = {
        compliment.from_person,
        compliment.to_practitioner,
        compliment.team_manager,
        compliment.acknowledged_by or "",
    }
    found = {}
    for person_id in ids - {""}:
        person = await tx.directory.person(person_id)
        if person is not None:
            found[person_id] = person.name
    return found
