"""The DRP form's submission (verb ``drp.new``): its input ids and their typed reading.

Input ids are a stable contract with the handlers (Teams merges them into ``data``):

============================== =========================================================
``child_N_name``               child N's full name (N = 1..4 on the card; 1 is required)
``child_N_local_id``           child N's local ID (labelled with ``policy.local_id_label``)
``child_N_dob``                child N's date of birth, ``YYYY-MM-DD`` (optional)
``team``                       the child's team id (ChoiceSet from the directory)
``category``                   a key of ``policy.categories`` (only where the policy has them);
                               where ``policy.multiple_categories``, the keys ticked, joined
                               by commas (a multi-select ``Input.ChoiceSet``'s value)
``category_other``             what "Other" is (required when ``other`` is ticked)
``issue_type``                 one of ``policy.issue_types`` (only where the policy has them)
``date_of_concern``            ``YYYY-MM-DD``, not in the future
``summary``                    summary of concern, background and action already taken
``impact``                     impact on the child
``action_N_text``              requested action N (N = 1..3)
``action_N_date``              its complete-by date, ``YYYY-MM-DD``
``evidence``                   evidence that will close the dispute (optional)
``stage``                      the starting stage key (only the raiser's opening stages)
``practitioner``               the practitioner named on the dispute: a directory person id
                               (ChoiceSet), or an e-mail where no list is given; copied on
                               stage 1 and, where a stage's respondent is the practitioner
                               (City & Hackney stage 1), the one who responds
``due``                        the raiser-set deadline, where a stage needs one
``plan_chair``                 the child's own CP chair or IRO: a directory person id (where a
                               stage notifies them and the raiser is neither)
``conference_date``            ``YYYY-MM-DD``, the child protection conference the dispute
                               follows (where the process asks: ``Process.conference_date``)
``consulted``                  whom the raiser consulted first, and when (where a stage the
                               raiser may open names whom: ``Stage.consult``)
``child_on_plan``              ``"true"``/``"false"`` (two-sided policies only)
``immediate_harm``             ``"true"``/``"false"`` (only where the policy names a harm route)
``harm_details``               what the immediate harm is (required when it is ``"true"``)
============================== =========================================================

The buttons' data also carries ``process`` (the policy process the form raises).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from cards.inputs import InputReader
from drp.model import MAX_SHORT_TEXT, Action, Child, Concern
from drp.policy import OTHER_CATEGORY, Policy

CHILD_ROWS = 4
ACTION_ROWS = 3
MAX_LOCAL_ID = 64
TEXT_INPUTS = ("team", "category", "category_other", "issue_type", "summary", "impact")
_FIELD = re.compile(r"^(children|requested_actions)\[(\d+)\]\.(\w+)$")


def input_ids(children: int = CHILD_ROWS, actions: int = ACTION_ROWS) -> tuple[str, ...]:
    """Every input id the form card can submit, in order."""
    rows = [f"child_{n}_{part}" for n in range(1, children + 1) for part in CHILD_PARTS]
    acts = [f"action_{n}_{part}" for n in range(1, actions + 1) for part in ("text", "date")]
    tail = (
        "evidence",
        "stage",
        "practitioner",
        "due",
        "consulted",
        "plan_chair",
        "conference_date",
        "child_on_plan",
        "immediate_harm",
        "harm_details",
    )
    head = (*TEXT_INPUTS[:4], "date_of_concern", *TEXT_INPUTS[4:])
    return (*rows, *head, *acts, *tail)


CHILD_PARTS = ("name", "local_id", "dob")


def input_id_for(field_name: str) -> str:
    """The input showing a domain ``InvalidInput.field``: ``children[2].dob`` → ``child_2_dob``."""
    match = _FIELD.match(field_name)
    if match is None:
        return {"children": "child_1_name", "requested_actions": "action_1_text"}.get(
            field_name, field_name
        )
    group, number, part = match.groups()
    if group == "children":
        return f"child_{number}_{part}"
    return f"action_{number}_{'date' if part == 'complete_by' else 'text'}"


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormInput:
    """The form's submission as typed values, the raw strings to re-fill it, and field errors."""

    process: str = ""
    children: tuple[Child, ...] = ()
    team: str = ""
    category: str = ""
    more_categories: tuple[str, ...] = ()
    category_other: str = ""
    issue_type: str = ""
    date_of_concern: date | None = None
    summary: str = ""
    impact: str = ""
    requested_actions: tuple[Action, ...] = ()
    evidence: str = ""
    stage: str = ""
    practitioner: str = ""
    due: date | None = None
    consulted: str = ""
    plan_chair: str = ""
    conference_date: date | None = None
    child_on_plan: bool = False
    immediate_harm: bool = False
    harm_details: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the submission has no field errors."""
        return not self.errors

    @property
    def concern(self) -> Concern:
        """The concern part, for ``drp.commands.Raise``."""
        return Concern(
            category=self.category,
            summary=self.summary,
            impact=self.impact,
            requested_actions=self.requested_actions,
            evidence=self.evidence,
            category_other=self.category_other,
            issue_type=self.issue_type,
            more_categories=self.more_categories,
        )


def parse_form(
    data: Mapping[str, object], today: date | None = None, policy: Policy | None = None
) -> FormInput:
    """The typed form and its errors keyed by input id; with ``today``, dates are checked too.
    With ``policy``, the parts it leaves out (categories, an immediate-harm route) are not read."""
    read = InputReader(data, today)
    process = data.get("process")
    children = _children(read)
    ticked = _categories(read, policy)
    other = read.text("category_other", OTHER_CATEGORY in ticked, MAX_SHORT_TEXT)
    harm = read.flag("immediate_harm") and (policy is None or policy.harm_route)
    return FormInput(
        process=process if isinstance(process, str) else "",
        children=children,
        team=read.text("team", required=True, limit=MAX_SHORT_TEXT),
        category=ticked[0] if ticked else "",
        more_categories=ticked[1:],
        category_other=other,
        issue_type=read.text("issue_type", limit=MAX_SHORT_TEXT),
        date_of_concern=read.day("date_of_concern", required=True, when="past"),
        summary=read.text("summary", required=True),
        impact=read.text("impact", required=True),
        requested_actions=read.actions(_submitted_rows(read.data, "action", ACTION_ROWS)),
        evidence=read.text("evidence"),
        stage=read.text("stage", required=True, limit=MAX_SHORT_TEXT),
        practitioner=read.text("practitioner", limit=MAX_SHORT_TEXT),
        due=read.day("due", when="future"),
        consulted=read.text("consulted", limit=MAX_SHORT_TEXT),
        plan_chair=read.text("plan_chair", limit=MAX_SHORT_TEXT),
        conference_date=read.day("conference_date", when="past"),
        child_on_plan=read.flag("child_on_plan"),
        immediate_harm=harm,
        harm_details=read.text("harm_details", required=harm),
        values=read.values,
        errors=read.errors,
    )


def _categories(read: InputReader, policy: Policy | None) -> tuple[str, ...]:
    """The category keys ticked, in order (the policy checks each; ``drp.validation``)."""
    if policy is not None and not policy.categories:
        return ()
    several = policy is not None and policy.multiple_categories
    limit = MAX_SHORT_TEXT * len(policy.categories) if policy and several else MAX_SHORT_TEXT
    joined = read.text("category", required=True, limit=limit)
    return tuple(key.strip() for key in joined.split(",") if key.strip())


def _children(read: InputReader) -> tuple[Child, ...]:
    children: list[Child] = []
    seen: set[str] = set()
    for n in range(1, _submitted_rows(read.data, "child", CHILD_ROWS) + 1):
        ids = [f"child_{n}_{part}" for part in CHILD_PARTS]
        filled = any(str(read.data.get(i) or "").strip() for i in ids)
        name = read.text(ids[0], required=n == 1 or filled, limit=MAX_SHORT_TEXT)
        local_id = read.text(ids[1], required=n == 1 or filled, limit=MAX_LOCAL_ID)
        dob = read.day(ids[2], when="past")
        if local_id and local_id in seen:
            read.errors[ids[1]] = "This local ID is already given for another child."
        seen.add(local_id)
        if name and local_id:
            children.append(Child(name, local_id, dob))
    return tuple(children)


def _submitted_rows(data: Mapping[str, object], prefix: str, card_rows: int) -> int:
    """Rows on the card, or more if a handler submits them (bounded by the model's maxima)."""
    pattern = re.compile(rf"^{prefix}_(\d{{1,2}})_")
    numbers = [int(m.group(1)) for key in data if (m := pattern.match(key))]
    return max([card_rows, *numbers])
