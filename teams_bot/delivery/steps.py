"""One live card per dispute in each person's chat.

Someone whose 1:1 chat already shows a dispute's card (posted by the bot, or the form they raised
it from) is not sent another copy at the next step: that card is updated in place by the
dispute's refresh, and they get a short message naming the dispute and what changed, which
Teams notifies on. Someone without one gets the card (or the notice) as before.
"""

from __future__ import annotations

from cards.banners import notice_card
from cards.verbs import KeyFactory
from drp.model import Dispute
from store.rows import Person
from store.store import Transaction
from teams_bot.delivery.notices import notice_title
from teams_bot.turn import Card, conversation_id_of

POSTED_DISPUTE = "dispute"  # a posted card showing a dispute to its recipient

STEP_TITLES = {  # what changed, on a notice or a step's short message
    "raised": "A dispute was raised",
    "approved": "Agreed: the dispute has been sent",
    "declined": "Not agreed: the dispute was not sent",
    "responded": "A response has arrived",
    "resolved": "Resolved",
    "extended": "Further work agreed",
    "escalated": "Escalated",
    "referred": "Referred outside the local authority",
    "immediate_harm": "URGENT: a child may be at immediate harm",
    "withdrawn": "Withdrawn",
    "concluded": "Concluded",
    "overdue": "A response is overdue",
    "close_proposed": "Closing it needs agreement",
    "handed_over": "Handed over",
    "action_done": "An agreed action was done",
    "action_passed": "An agreed action passed its date, not done",
    "reopened": "Reopened: agreed actions were not done",
}
STEP_TEXT = (
    "Now: {status}, {stage}. Your card of this dispute, earlier in this chat, is up to date."
)
STEP_TEXT_ACT = (
    "Now: {status}, {stage}. It waits for you on your card of this dispute, earlier in this chat."
)


async def live_card_in_chat(tx: Transaction, reference: str, person: Person) -> bool:
    """Whether the person's current 1:1 chat already shows a card of this dispute."""
    chat = conversation_id_of(person.conversation_ref or {})
    if not chat:
        return False
    posted = await tx.posted_cards.for_dispute(reference, kind=POSTED_DISPUTE, recipient=person.id)
    return any(card.conversation_id == chat for card in posted)


def step_title(event: str) -> str:
    """What changed, in a few words."""
    return STEP_TITLES.get(event, "Dispute update")


def step_message(
    dispute: Dispute,
    event: str,
    stage: str,
    *,
    acts: bool,
    automatic: bool = False,
    keys: KeyFactory,
    button: Card | None = None,
    note: str = "",
) -> Card:
    """The short message of one step: the reference, what changed and where it stands (no
    child's details, no copy of the card; ``button`` is a one-click action, if any)."""
    what = notice_title(event, automatic) or step_title(event)
    text = (STEP_TEXT_ACT if acts else STEP_TEXT).format(
        status=dispute.status.label.lower(), stage=stage
    )
    text += note  # what the person is asked to do, if anything (seed 001's briefing)
    card = notice_card(
        f"{dispute.reference}: {what}",
        text,
        urgent=event == "immediate_harm",
        key_factory=keys,
    )
    if button is not None:
        card.setdefault("actions", []).insert(0, button)
    return card
