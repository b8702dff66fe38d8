"""The chairs' service manager's **Correct details** button on a dispute card (issue 21.3): pick
a child's name, local ID or date of birth, type the correct value and the reason.

Input ids (Teams merges them into the action's ``data``): ``correct_field`` (``child_N_name``,
``child_N_local_id`` or ``child_N_dob``), ``correct_value``, ``correct_reason``. The choices name
children by position only; the card shows the current details above them.
"""

from __future__ import annotations

from collections.abc import Mapping

from cards import elements as el
from cards.elements import Json
from cards.verbs import KeyFactory, Verb
from drp.governance import MAX_LOCAL_ID
from drp.model import MAX_SHORT_TEXT, MAX_TEXT, Dispute

FIELD = "correct_field"
VALUE = "correct_value"
REASON = "correct_reason"
# The domain's field names (drp.governance.corrected) and the inputs that carry them.
INPUTS = {"field": FIELD, "value": VALUE, "reason": REASON}
_PARTS = (("name", "name"), ("local_id", "local ID"), ("dob", "date of birth"))


def read(data: Mapping[str, object]) -> tuple[str, str, str]:
    """(field, value, reason) as submitted; anything that is not text counts as empty."""
    field, value, reason = (data.get(key) for key in (FIELD, VALUE, REASON))
    return (
        field if isinstance(field, str) else "",
        value if isinstance(value, str) else "",
        reason if isinstance(reason, str) else "",
    )


def correct_action(
    dispute: Dispute,
    key_factory: KeyFactory,
    values: Mapping[str, str],
    errors: Mapping[str, str],
) -> Json:
    """The button that unfolds the correction's inputs and its confirm button."""
    choices = [
        (f"Child {n}: {words}", f"child_{n}_{part}")
        for n in range(1, len(dispute.children) + 1)
        for part, words in _PARTS
    ]
    body: list[Json] = [
        el.text_block(
            "Correct a child's name, local ID or date of birth (a date as 2015-03-01). The "
            "history records that a correction was made and why, never the old value.",
        ),
        el.choice_set(
            FIELD,
            "Detail to correct",
            choices,
            value=values.get(FIELD, ""),
            required=True,
            error_message="Detail to correct: choose one.",
        ),
        *el.error_text(errors.get(FIELD)),
        el.input_text(
            VALUE,
            "Correct value",
            value=values.get(VALUE, ""),
            max_length=max(MAX_SHORT_TEXT, MAX_LOCAL_ID),
        ),
        *el.error_text(errors.get(VALUE)),
        el.input_text(
            REASON,
            "Reason for the correction (required)",
            value=values.get(REASON, ""),
            multiline=True,
            max_length=MAX_TEXT,
            required=True,
            error_message="Reason for the correction: this is required.",
        ),
        *el.error_text(errors.get(REASON)),
    ]
    confirm = el.execute(
        "Correct", Verb.CORRECT, dispute.reference, dispute.version, key_factory, style="positive"
    )
    return el.action_show_card("Correct details", body, [confirm])
