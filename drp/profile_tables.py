"""The profile file's building blocks: the TOML table every part of the schema is (``Table``),
its documented fields, and the tables that stand apart from the ladder (roles, access,
referrals, mailboxes, categories). ``drp.profile_schema`` assembles them with the ladder into
the whole file's schema.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from drp.profile_types import (
    Address,
    Flag,
    OptionalText,
    RoleKey,
    Roles,
    Slug,
    SomeRoles,
    Text,
    Texts,
)


class Table(BaseModel):
    """A TOML table: every field known (a typo is an error), TOML's own types only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def field(description: str, *examples: Any, default: Any = ..., **extra: Any) -> Any:
    """A documented field: its meaning and at least one example."""
    return Field(default, description=description, examples=list(examples), **extra)


def listed(description: str, *examples: Any) -> Any:
    """A documented list field that may be left out (an empty list)."""
    return Field(default_factory=list, description=description, examples=list(examples))


class RoleDoc(Table):
    """A role the ladder uses (`[[roles]]`). Every profile starts from the default roles (see
    below) unless `default_roles = false`; a role with a default's key renames it."""

    key: RoleKey = field(
        "The role's key, as the directory's `role` column and the ladder's fields write it: "
        "lower-case letters, digits and `_`.",
        "safeguarding_partner",
    )
    title: Text = field("The role's title, shown on cards and in records.", "Safeguarding Partner")
    scope: Literal["team", "service", "organisation", "agency"] = field(
        "Where holders are found. `team`: one per team, resolved within the child's team "
        "(a team manager). `service`: several across the council, any may act (chairs, "
        "IROs). `organisation`: one post for the whole council (a Commissioner; "
        "`policies check --directory` warns if several hold it). `agency`: one per partner "
        "agency, resolved within each agency the dispute involves (multi-agency ladders).",
        "team",
    )


class AccessDoc(Table):
    """Who may do what beyond a dispute's own parties (`[access]`). Each list left out keeps
    its default (the default roles named there that the profile has)."""

    oversee: Roles = field(
        "Roles that see every dispute's card (the monitoring board stays name-free).",
        ["assurance_officer"],
        default=["chairs_service_manager", "monitor"],
    )
    records: Roles = field(
        "Roles that may read any dispute's case record (the raiser always may).",
        ["assurance_officer"],
        default=["chairs_service_manager", "monitor"],
    )
    reports: Roles = field(
        "Roles that may run the quarterly report.",
        ["assurance_officer"],
        default=["chairs_service_manager", "monitor"],
    )
    supervise: Roles = field(
        "Roles that read every raiser's supervision list (a raiser reads their own).",
        ["safeguarding_principal"],
        default=["chairs_service_manager"],
    )
    monitoring: Roles = field(
        "Roles that may make a channel the monitoring channel (`monitor here`).",
        ["safeguarding_principal"],
        default=["chairs_service_manager"],
    )
    correct: Roles = field(
        "Roles that may correct a child's name, local ID or date of birth on any dispute "
        "(the *Correct details* button, `drp-bot correct`).",
        ["safeguarding_principal"],
        default=["chairs_service_manager"],
    )


class ReferralDoc(Table):
    """An external referral the raiser may make at any point (`[[referrals]]`)."""

    key: Slug = field("The referral's key.", "lscb")
    title: Text = field("Where the referral goes.", "Independent Chair of the LSCB")
    roles: SomeRoles = field("The raiser roles that may make it.", ["chair"])
    consult: OptionalText = field(
        "Whom the raiser must consult first (the card then asks who was consulted).",
        "Independent Reviewing Service Team Manager",
        default="",
    )
    alerts: Roles = listed("Roles alerted when the referral is made.", ["chairs_service_manager"])
    concurrent: Flag = field(
        "The dispute carries on beside the referral; `false`: the referral closes it.",
        False,
        default=True,
    )
    description: OptionalText = field(
        "When the referral applies, in the policy's words.", "An exceptional step.", default=""
    )


class MailboxDoc(Table):
    """A mailbox the policy sends a copy of each step to (`[[mailboxes]]`), by e-mail through
    `DRP_SMTP_URL`: reference, step, stage and deadlines; the children's names and the concern
    only if the mailbox is `secure`."""

    key: Slug = field("The mailbox's key.", "dispute-resolution")
    title: Text = field("The mailbox's name in the e-mail.", "Dispute Resolution mailbox")
    address: Address = field("Its e-mail address.", "Dispute.Resolution@council.gov.uk")
    stages: Texts = listed(
        "The steps whose events are copied (`informal`, `1`, `2`, ..., the final step's key); "
        "leave it out for every step.",
        ["1", "2", "3", "4", "5"],
    )
    secure: Flag = field(
        "The mailbox is on a secure network: its copies carry the children's names, local IDs "
        "and the concern. Leave it `false` for an ordinary mailbox.",
        True,
        default=False,
    )


class CategoryDoc(Table):
    """A category of concern on the raise form (`[[categories]]`); the list ends with `other`."""

    key: Slug = field("The category's key (the last one must be `other`).", "drift-delay")
    title: Text = field("The category as the form shows it.", "Drift and delay in the plan")
    examples: OptionalText = field(
        "Examples shown with the category.", "Statutory visits not undertaken.", default=""
    )
