"""User-facing texts of the bot, kept together; cards for the moments nothing changed."""

from __future__ import annotations

from cards.banners import error_card, refusal_card, stale_card
from teams_bot.turn import Card

NOT_IN_DIRECTORY = (
    "You are not in the DRP directory yet, so I cannot act for you. "
    "Ask your DRP administrator to add you (drp-bot directory import)."
)
NO_SUCH_DISPUTE = "There is no dispute {reference}. Check the reference (like DRP-2026-000123)."
INCIDENT = (
    "Sorry, something went wrong and nothing was changed. If it happens again, tell your DRP "
    "administrator: incident {incident}."
)
NOT_A_PARTY = (
    "You can't do that: only the people taking part in this dispute can act on it. "
    "Nothing was changed."
)
USED_BY_SOMEONE_ELSE = (
    "This button was already used, and not by you, so nothing of it is shown. Nothing was changed."
)
UNREADABLE = "This button's data could not be read. Nothing was changed."
READ_ONLY = "You were told of this dispute, so you can read it; only its parties act on it."
UNKNOWN_VERB = "That button is not one this bot knows. Nothing was changed."
NOT_YOURS = (
    "{reference} is not one of your disputes, so its details are not shown. "
    "Ask the chair who raised it, or your chairs' service manager."
)

FIELD_LABELS = {
    "owners": "Who responds",
    "approver": "Agreement",
    "due": "Deadline",
    "to_stage": "Escalate to",
    "response": "Response",
    "comments": "Comments",
    "reason": "Reason",
    "referral": "Refer to",
    "consulted": "Consulted with",
}


def field_label(field: str) -> str:
    """A person's word for a field name."""
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def not_in_directory() -> Card:
    """For a Teams user the directory does not know."""
    return error_card("Not in the directory", [NOT_IN_DIRECTORY])


def no_such_dispute(reference: str) -> Card:
    """For a reference that matches nothing."""
    return error_card("Dispute not found", [NO_SUCH_DISPUTE.format(reference=reference or "?")])


def not_yours(reference: str) -> Card:
    """For someone with no part in a dispute who asked to see it."""
    return error_card("Not one of your disputes", [NOT_YOURS.format(reference=reference)])


def outsider(reference: str, text: str = NOT_A_PARTY) -> Card:
    """For someone with no part in a dispute, whatever they pressed: the reference they sent
    and nothing else."""
    return error_card(reference or "Dispute", [text])


def unreadable() -> Card:
    """For a button whose own data (reference, nonce, version) is malformed."""
    return error_card("Nothing was changed", [UNREADABLE])


def unknown_verb() -> Card:
    """For a button the bot does not know."""
    return error_card("Unknown action", [UNKNOWN_VERB])


def stale(current: Card) -> Card:
    """The current card under a note that the clicked one was out of date."""
    return stale_card(current)


def refusal(reason: str, current: Card) -> Card:
    """A polite refusal above the current card."""
    return refusal_card(reason, current)


def problem(text: str, current: Card) -> Card:
    """What was wrong with the input, above the current card; nothing changed."""
    return refusal_card(f"Nothing was changed. {text}", current)


def incident(incident_id: str) -> Card:
    """For a turn that failed: nothing about the dispute, only the incident id to quote."""
    return error_card("Something went wrong", [INCIDENT.format(incident=incident_id)])
