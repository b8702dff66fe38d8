"""Input checks shared by commands: each failure names the field and the reason."""

from __future__ import annotations

import re
from datetime import date, datetime

from drp.calendar import WorkingDayCalendar
from drp.errors import InvalidInput
from drp.model import MAX_ACTIONS, MAX_CHILDREN, MAX_SHORT_TEXT, MAX_TEXT, Action, Child, Concern
from drp.policy import OTHER_CATEGORY, Policy

REFERENCE = re.compile(r"^DRP-\d{4}-\d{6}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(field: str, value: str, required: bool = True, max_length: int = MAX_TEXT) -> str:
    """Trimmed text without control characters, bounded in length."""
    cleaned = _CONTROL.sub("", value or "").strip()
    if required and not cleaned:
        raise InvalidInput(field, "is required")
    if len(cleaned) > max_length:
        raise InvalidInput(field, f"is too long ({len(cleaned)} characters; at most {max_length})")
    return cleaned


def reference(value: str) -> str:
    """A dispute reference such as ``DRP-2026-000123``."""
    if not REFERENCE.match(value):
        raise InvalidInput("reference", f"{value!r} is not like DRP-2026-000123")
    return value


def not_future(field: str, value: date, today: date) -> date:
    """A date that has already happened."""
    if value > today:
        raise InvalidInput(field, "cannot be in the future")
    return value


def children(values: tuple[Child, ...], today: date) -> tuple[Child, ...]:
    """At least one child, each with a name and a local ID; siblings are each recorded."""
    if not values:
        raise InvalidInput("children", "name at least one child")
    if len(values) > MAX_CHILDREN:
        raise InvalidInput("children", f"at most {MAX_CHILDREN} children in one dispute")
    cleaned = []
    for number, child in enumerate(values, start=1):
        field = f"children[{number}]"
        dob = not_future(f"{field}.dob", child.dob, today) if child.dob else None
        cleaned.append(
            Child(
                name=text(f"{field}.name", child.name, max_length=MAX_SHORT_TEXT),
                local_id=text(f"{field}.local_id", child.local_id, max_length=64),
                dob=dob,
            )
        )
    ids = [child.local_id for child in cleaned]
    if len(set(ids)) != len(ids):
        raise InvalidInput("children", "the same local ID is given twice")
    return tuple(cleaned)


def actions(field: str, values: tuple[Action, ...], today: date) -> tuple[Action, ...]:
    """Actions with complete-by dates not in the past."""
    if len(values) > MAX_ACTIONS:
        raise InvalidInput(field, f"at most {MAX_ACTIONS} actions")
    cleaned = []
    for number, action in enumerate(values, start=1):
        if action.complete_by < today:
            raise InvalidInput(f"{field}[{number}].complete_by", "cannot be in the past")
        cleaned.append(Action(text(f"{field}[{number}].text", action.text), action.complete_by))
    return tuple(cleaned)


def categories(keys: tuple[str, ...], policy: Policy) -> tuple[str, ...]:
    """The categories ticked: each in the policy's list, none twice, one unless the policy's
    form ticks several (``multiple_categories``), at least one where the policy lists any."""
    listed = policy.categories
    if not listed:
        if keys:
            raise InvalidInput("category", "this policy has no categories of concern")
        return ()
    if not keys:
        raise InvalidInput("category", "choose a category of concern")
    if len(keys) > 1 and not policy.multiple_categories:
        raise InvalidInput("category", "this policy takes one category of concern")
    if len(keys) > len(listed):
        raise InvalidInput("category", f"at most {len(listed)} categories (the policy's list)")
    for key in keys:
        try:
            policy.category(key)
        except KeyError:
            raise InvalidInput("category", f"{key[:40]!r} is not in the policy's list") from None
    if len(set(keys)) != len(keys):
        raise InvalidInput("category", "the same category is ticked twice")
    return keys


def concern(
    value: Concern, policy: Policy, today: date, at: datetime, calendar: WorkingDayCalendar
) -> Concern:
    """The concern as the policy's form asks for it."""
    ticked = categories(value.categories, policy)
    other = text("category_other", value.category_other, OTHER_CATEGORY in ticked)
    if value.issue_type and value.issue_type not in policy.issue_types:
        raise InvalidInput("issue_type", f"{value.issue_type!r} is not in the policy's list")
    requested = actions("requested_actions", value.requested_actions, today)
    limit = policy.requested_action_limit
    if limit is not None:
        latest = calendar.local_date(calendar.due(at, limit))
        for number, action in enumerate(requested, start=1):
            if action.complete_by > latest:
                raise InvalidInput(
                    f"requested_actions[{number}].complete_by",
                    f"must be within {limit} (by {latest:%d %b %Y})",
                )
    return Concern(
        category=ticked[0] if ticked else "",
        more_categories=ticked[1:],
        summary=text("summary", value.summary),
        impact=text("impact", value.impact),
        requested_actions=requested,
        evidence=text("evidence", value.evidence, required=policy.evidence_required),
        category_other=other,
        issue_type=value.issue_type,
    )
