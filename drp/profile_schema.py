"""The profile file's schema, declared once: it validates a file, and it generates the JSON Schema
for editors (``drp-bot policies schema``) and the reference in ``docs/profiles.md``.

Each field's description is its documentation; keep it to what a council's QA lead needs to
write the field, and give an example. Checks that span fields (roles a stage names must be
declared, stages numbered 1, 2, ...) live in ``drp.policy_loader``. The base table, its field
helpers and the tables apart from the ladder are in ``drp.profile_tables``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from pydantic.json_schema import GenerateJsonSchema, JsonDict, JsonSchemaValue
from pydantic_core import core_schema

from drp.profile_tables import (
    AccessDoc,
    CategoryDoc,
    MailboxDoc,
    ReferralDoc,
    RoleDoc,
    Table,
    field,
    listed,
)
from drp.profile_types import (
    Count,
    DaysText,
    Flag,
    Moves,
    OptionalText,
    RoleKey,
    Roles,
    Slug,
    SomeRoles,
    Text,
    Texts,
    TimescaleText,
)

SCHEMA_ID = "https://drp-bot.example/profile.schema.json"
OLD_FORM: JsonDict = {"deprecated": True}  # still read, with a note from `policies check`


class ApprovalRule(Table):
    """The old top-level `[approval]` table. Still read; write `approver` and `approval_from` on
    the process instead (`policies check` says so)."""

    from_stage: Text = field("The first stage that needs agreement.", "2")
    approver: RoleKey = field("The one role whose holder agrees.", "chairs_service_manager")


class ExtensionDoc(Table):
    """Further work agreed at review instead of escalating (`[extension]`; seed 001)."""

    max_extensions: Count | None = field(
        "How many times a dispute may be extended; leave it out for no limit but the process's "
        "overall limit.",
        1,
        default=None,
    )
    timescale: TimescaleText = field(
        "How long each extension lasts (the most, if the raiser sets the date).", "24 hours"
    )
    raiser_sets_deadline: Flag = field(
        "The raiser sets the date the further work is due, at most `timescale` away (seed 003: "
        '"state what further action is needed with timescale").',
        True,
        default=False,
    )


class TierDoc(Table):
    """A further tier of management within a two-sided stage (`[[processes.stages.tiers]]`):
    who responds on each side there. The stage's own roles are its tier 1; the tiers written
    here are tiers 2, 3, ... in order (seed 004 §2.10)."""

    title: OptionalText = field(
        'The tier\'s name on cards ("Stage 3, tier 2: Heads of service"); leave it out to '
        "use the titles of its `responsible` roles.",
        "Heads of service",
        default="",
    )
    responsible: SomeRoles = field(
        "The roles that respond at this tier on the child's side (their holders in the "
        "child's team or agency).",
        ["head_of_service"],
    )
    raiser_side: SomeRoles = field(
        "The roles that respond at this tier on the raiser's side (their holders in the "
        "raiser's team or agency).",
        ["head_of_service"],
    )
    raiser_line: Roles = listed(
        "The roles that respond on the raiser's side at this tier when the raiser has no team "
        "or agency of their own (a CP chair or IRO); leave it out if their line has nobody "
        "here (the tier is then skipped for such a dispute).",
        ["director"],
    )


class StageDoc(Table):
    """One rung of the ladder: the informal stage (`[processes.informal]`) or a formal stage
    (`[[processes.stages]]`, numbered 1, 2, ... in order)."""

    key: str = field(
        "The stage's key; leave it out. Formal stages are `1`, `2`, ... in the order written; "
        "the informal stage is `informal`.",
        "2",
        default="",
    )
    title: Text = field("The stage's name on cards.", "Service Manager")
    responsible: SomeRoles = field(
        "The roles that must respond at this stage (their holders in the child's team, for "
        "team roles).",
        ["service_manager"],
    )
    raiser_side: Roles = listed(
        "Multi-agency stages: the roles that must also respond on the raiser's side (their "
        "holders in the raiser's team or agency). A stage with these is two-sided.",
        ["team_manager"],
    )
    raiser_line: Roles = listed(
        "Two-sided stages: the roles that respond on the raiser's side when the raiser has no "
        "team or agency of their own (a CP chair or IRO): their holders council-wide, e.g. "
        "the chairs' service manager at the first two-sided stage and their manager above.",
        ["chairs_service_manager"],
    )
    timescale: DaysText | None = field(
        "How long the responsible manager has, in working or calendar days. Required unless "
        "`raiser_sets_deadline`.",
        "5 working days",
        default=None,
    )
    raiser_sets_deadline: Flag = field(
        "The raiser sets the deadline when sending the dispute here (at most `timescale`, if "
        "given).",
        True,
        default=False,
    )
    openers: Roles = listed(
        "The raiser roles that may start a dispute at this stage (each must be among the "
        "process's `raisers`). Stages without openers are reached by escalation only.",
        ["chair", "iro"],
    )
    admits: Roles = listed(
        "Only disputes raised by these roles may reach this stage; leave it out to admit "
        "every raiser.",
        ["iro"],
    )
    iro_only: Flag = field(
        'Old form of `admits = ["iro"]`. Still read; `policies check` says what to write.',
        True,
        default=False,
        json_schema_extra=OLD_FORM,
    )
    copied: Roles = listed(
        "Roles copied when the dispute arrives here; `practitioner` means the practitioner "
        "named on the dispute, not every practitioner in the team.",
        ["practitioner", "principal_manager"],
    )
    alerts: Roles = listed(
        "Roles alerted when the dispute arrives here.", ["assistant_director_qa"]
    )
    notify_if_on_plan: Roles = listed(
        "Roles told when the dispute arrives here if the child has a plan or is looked after.",
        ["chair", "iro"],
    )
    childs_own: Roles = listed(
        "Council-wide roles among `responsible` whose holder at this stage is the child's own, "
        "named on the form (the raiser names the child's CP chair, say), never every holder: "
        "the form then asks who it is, and only that person responds here.",
        ["chair"],
    )
    overdue_alerts: Roles = listed(
        "Roles told when no response arrives here by the deadline.",
        ["chairs_service_manager"],
    )
    brief: Roles = listed(
        "Roles that those in `overdue_alerts` are asked to make aware of the lack of response "
        "(seed 001: the chairs' service manager tells the head of service).",
        ["head_of_service"],
    )
    approver: Roles = listed(
        "The roles, any of whose holders may agree the moves in `approval_for` at this stage; "
        "leave it out to use the process's `approver` (from its `approval_from` stage on).",
        ["chairs_service_manager"],
    )
    approval_for: Moves | None = field(
        "Which moves at this stage need the approver's agreement: `raise` (opening a dispute "
        "here), `escalate` (escalating to here), `conclude` (closing the dispute here, resolved "
        "or concluded). Default: the process's `approval_for`; an empty list means none here.",
        ["raise", "escalate"],
        default=None,
    )
    deciders: Roles = listed(
        "Roles that share the review decision with the raiser at this stage: their holders get "
        "the same Resolve, Extend and Escalate buttons when a response arrives (team roles: "
        "the child's team's holder).",
        ["safeguarding_principal"],
    )
    meeting: Flag = field(
        "The stage is a meeting the raiser convenes: the raiser may record its outcome as the "
        "response and review it.",
        True,
        default=False,
    )
    consult: OptionalText = field(
        "Whom the raiser must consult (or engage) before the dispute goes to this stage, by "
        "raising at it or escalating to it: the form or the card asks who was consulted and "
        "when, and the record keeps it. Leave it out if the policy asks for none.",
        "The CPCC's line manager",
        default="",
    )
    response_asks: OptionalText = field(
        "A question the responder answers with their response here (required; on the card "
        "and in the record), e.g. whether a conference was reconvened with a different chair.",
        "Was a conference convened at once with a different CPCC? When?",
        default="",
    )
    outcome_to_all: Flag = field(
        "The outcome of the dispute closed at this stage, resolved or concluded, goes to "
        "everyone who took part: the practitioner named on it and everyone copied on or "
        "alerted to this stage or an earlier one (seed 002's panel outcome).",
        True,
        default=False,
    )
    description: OptionalText = field(
        "What happens at this stage, in the policy's words (shown on `policies show`).",
        "The Head of Service responds in writing.",
        default="",
    )
    tiers: list[TierDoc] = Field(
        default_factory=list,
        description="Two-sided stages: further tiers of management in each agency, climbed "
        "one by one when the managers at the tier below do not resolve it, before the next "
        "stage (seed 004 §2.10). The stage's own roles are tier 1. A tier where a side has "
        "no holder is skipped; each tier has its own deadline, as a stage does.",
        examples=[[{"responsible": ["head_of_service"], "raiser_side": ["head_of_service"]}]],
    )


class FinalStepDoc(Table):
    """The step after the last internal stage (`[processes.final_step]`): a referral outside
    the council, a report by a named role, a panel or a meeting."""

    key: str = field(
        "The step's key; leave it out to number it after the last stage.", "5", default=""
    )
    title: Text = field("The step's name on cards.", "Legal advice")
    kind: Literal["referral", "report", "panel", "meeting"] = field(
        "What the step is: `referral` (taken outside the council), `report` (a named role "
        "writes a report that ends it), `panel` or `meeting` (convened; its outcome is "
        "recorded). It names the button whoever acts presses.",
        "report",
        default="referral",
    )
    roles: SomeRoles = field(
        "The raiser roles that may take a dispute to this step.", ["chair", "iro"]
    )
    acts: Roles = listed(
        "The roles whose holders act at the step and record its outcome (write the report, "
        "record the panel's decision). Leave it out for the raiser to record it.",
        ["scrutiny_chair"],
    )
    told: Roles = listed(
        "Roles told when a dispute reaches the step, and told its outcome.", ["director"]
    )
    alerts: Roles = Field(
        default_factory=list,
        description="Old name of `told`. Still read; `policies check` says what to write.",
        examples=[["director"]],
        json_schema_extra=OLD_FORM,
    )
    counts_as: OptionalText = field(
        "The key of a `[[referrals]]` route this step is too: the quarterly report counts a "
        "dispute taken to the step under that route's column as well as the step's (Newham's "
        "stage 5 is the IRO's escalation to CAFCASS).",
        "cafcass",
        default="",
    )
    timescale: DaysText | None = field(
        "How long whoever acts has to record the outcome, in working or calendar days; leave "
        "it out for no deadline.",
        "10 working days",
        default=None,
    )
    description: OptionalText = field(
        "What the step is, in the policy's words.", "Stage 5: legal advice.", default=""
    )
    consult: OptionalText = field(
        "Whom the raiser must consult before taking the dispute to this step: the card asks "
        "who was consulted and the record keeps it.",
        "the Principal Manager and the Director",
        default="",
    )


class ProcessDoc(Table):
    """One flow of the policy (`[[processes]]`): who may raise, the informal stage, the formal
    ladder and what follows it. The first process is the main one."""

    key: Slug = field("The process's key.", "drp")
    title: Text = field("The process's name.", "Child Protection Dispute Resolution")
    raisers: SomeRoles = field("The roles that may raise a dispute in this process.", ["chair"])
    description: OptionalText = field(
        "What the process is, in the policy's words.", "Four stages of 5 days.", default=""
    )
    overall_limit: DaysText | None = field(
        "The most the formal stages may take in all, counted from the first formal stage. "
        "Leave it out if the policy sets none.",
        "20 working days",
        default=None,
    )
    overall_limit_caps_stages: Flag = field(
        "A stage's deadline (or an extension's) is brought forward to the overall limit where "
        "it would run past it; `false`: it may run past (the limit is still tracked).",
        True,
        default=False,
    )
    bypass: Flag = field(
        "The raiser may skip stages when escalating (and open at any stage they may open).",
        True,
        default=False,
    )
    approver: Roles = listed(
        "The roles, any of whose holders may agree moves in `approval_for` at every stage from "
        "`approval_from` on (a stage's own `approver` takes precedence).",
        ["chairs_service_manager"],
    )
    approval_from: str = field(
        "The first stage the process's `approver` covers (`informal`, `1`, `2`, ...); default: "
        "every stage.",
        "2",
        default="",
    )
    approval_for: Moves = field(
        "Which moves need agreement: `raise` (opening a dispute at the stage), `escalate` "
        "(escalating to it), `conclude` (closing it there, resolved or concluded).",
        ["raise", "escalate"],
        default=["raise", "escalate"],
    )
    auto_escalate: bool | None = field(
        "This process's own answer to the profile's `auto_escalate` (an unanswered stage "
        "escalates itself at its deadline); leave it out to follow the profile.",
        False,
        default=None,
    )
    conference_date: Flag = field(
        "The form asks the date of the child protection conference the dispute follows "
        "(seed 002's notification form), required; the card and the record show it.",
        True,
        default=False,
    )
    informal: StageDoc | None = field(
        "The informal stage before the formal ones, if the policy has one.",
        {"title": "Informal", "responsible": ["team_manager"], "timescale": "5 working days"},
        default=None,
    )
    stages: list[StageDoc] = Field(
        description="The formal stages, lowest first (`[[processes.stages]]`).",
        min_length=1,
    )
    final_step: FinalStepDoc | None = field(
        "What follows the last stage, if anything.",
        {"title": "Legal advice", "roles": ["chair"]},
        default=None,
    )


class ProfileDoc(Table):
    """A council's Dispute Resolution Process: the whole profile file."""

    key: Slug = field("The profile's key (`DRP_POLICY` may name a shipped one by it).", "ashdown")
    name: Text = field("The council's short name.", "Ashdown Vale")
    title: Text = field("The policy's title.", "Ashdown Vale Dispute Resolution Policy")
    seed: OptionalText = field("The source policy's reference, if any.", "000", default="")
    local_id_label: OptionalText = field(
        "What the form calls the child's case-management number.",
        "Liquid Logic ID",
        default="Local ID",
    )
    monitoring_copy: OptionalText = field(
        "Where the policy says a monitoring copy goes (shown in the record).",
        "DRP mailbox",
        default="",
    )
    compliments: Flag = field(
        "Raisers may send compliments about good practice.", True, default=False
    )
    compliments_copied: Roles = listed(
        "Roles in the practitioner's team a compliment also reaches, besides their team "
        "manager (seed 000: the service manager and head of service).",
        ["service_manager", "head_of_service"],
    )
    auto_escalate: Flag = field(
        "An unanswered stage escalates itself at its deadline; `false`: the raiser is told and "
        "offered escalation.",
        True,
        default=False,
    )
    raise_within: TimescaleText | None = field(
        "How soon after the concern a dispute should be raised (later ones are marked late).",
        "2 working days",
        default=None,
    )
    requested_action_limit: TimescaleText | None = field(
        "The latest complete-by date a raiser may give a requested action, from raising.",
        "5 working days",
        default=None,
    )
    reopen_within: TimescaleText | None = field(
        "How long after resolving a dispute its chair may reopen it when agreed actions were "
        "not done (it returns to the stage it was resolved at, or escalates); leave it out and "
        "a resolved dispute stays closed.",
        "20 working days",
        default=None,
    )
    chair_review: TimescaleText | None = field(
        "How long the raiser has to review a response.", "2 calendar days", default=None
    )
    chair_review_stages: Texts = listed(
        "The stages (`informal`, `1`, `2`, ...) whose responses `chair_review` applies to; "
        "leave it out for every stage.",
        ["2", "3", "4"],
    )
    evidence_required: Flag = field(
        "The raiser must say on the form what evidence will close the dispute.",
        True,
        default=False,
    )
    immediate_harm_alerts: Roles = listed(
        "Roles alerted at once when the raiser says a child may be at immediate harm. Leave "
        "it out if the policy has no such route: the card then offers none.",
        ["chairs_service_manager", "head_of_service"],
    )
    immediate_harm_in_raisers_agency: Flag = field(
        "Team roles alerted on immediate harm are the raiser's own agency's, not the child's "
        "team's.",
        True,
        default=False,
    )
    issue_types: Texts = listed(
        "Issue types the form offers beside the category.", ["Practice", "Strategic"]
    )
    practitioner_role: RoleKey = field(
        "The role of the practitioner a dispute names on the form: where a stage copies or "
        "asks this role to respond, it is that one person, not every holder in the team.",
        "social_worker",
        default="practitioner",
    )
    default_roles: Flag = field(
        "Start from the default roles; `false`: only the roles in `[[roles]]` exist.",
        False,
        default=True,
    )
    roles: list[RoleDoc] = Field(
        default_factory=list,
        description="Roles beyond the defaults, or new titles or scopes for them.",
    )
    access: AccessDoc | None = field(
        "Who may do what beyond a dispute's own parties: see every dispute, read any case "
        "record, run the report, supervise every raiser, choose the monitoring channel.",
        {"oversee": ["assurance_officer"], "reports": ["assurance_officer"]},
        default=None,
    )
    extension: ExtensionDoc | None = field(
        "Further work the raiser may agree at review instead of escalating.",
        {"max_extensions": 1, "timescale": "24 hours"},
        default=None,
    )
    approval: ApprovalRule | None = field(
        "Old form of the process's `approver` and `approval_from`. Still read; `policies check` "
        "says what to write.",
        {"from_stage": "2", "approver": "chairs_service_manager"},
        default=None,
        json_schema_extra=OLD_FORM,
    )
    processes: list[ProcessDoc] = Field(
        description="The policy's processes; the first is the main one.", min_length=1
    )
    referrals: list[ReferralDoc] = Field(
        default_factory=list, description="External referrals the raiser may make at any point."
    )
    mailboxes: list[MailboxDoc] = Field(
        default_factory=list,
        description="Mailboxes the policy copies steps to (seed 000's monitoring mailbox).",
    )
    multiple_categories: Flag = field(
        "The form ticks every category of concern that applies, not one (seed 003's grid "
        '"TICK IF APPLICABLE"); the report counts a dispute once in each category ticked.',
        True,
        default=False,
    )
    categories: list[CategoryDoc] = Field(
        default_factory=list,
        description="Categories of concern; leave them out if the policy lists none (the form "
        "then asks for none).",
    )


class _TomlSchema(GenerateJsonSchema):
    """TOML has no null: an optional field is one that may be left out, not one set to null."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        found = super().default_schema(schema)
        if found.get("default", ...) is None:
            del found["default"]
        return found


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a profile file (TOML read as JSON), for editors."""
    schema = ProfileDoc.model_json_schema(schema_generator=_TomlSchema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
