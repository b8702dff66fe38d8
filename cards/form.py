"""The DRP form (verb ``drp.new``): its card. The input ids it draws, and the typed reading of
what it submits, are in ``cards.form_input``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards import elements as el
from cards.elements import Json
from cards.form_input import ACTION_ROWS, CHILD_PARTS, CHILD_ROWS, MAX_LOCAL_ID
from cards.text import escape, format_date, plain
from cards.verbs import KeyFactory, Verb, new_key
from drp.calendar import WorkingDayCalendar
from drp.errors import DrpError
from drp.model import MAX_SHORT_TEXT, MAX_TEXT
from drp.policy import OTHER_CATEGORY, Policy, Process, Stage
from drp.roles import Role
from drp.timeline import timeline
from drp.timescale import TimeUnit

_MORE_CHILDREN = "children_more"
_OTHER_BOX = "category_other_box"

# --- the card --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Form:
    """Everything a part of the form needs, so each builder stays small."""

    policy: Policy
    process: Process
    stages: tuple[Stage, ...]
    teams: Sequence[tuple[str, str]]
    today: date
    calendar: WorkingDayCalendar
    values: Mapping[str, str]
    errors: Mapping[str, str]
    practitioners: Sequence[tuple[str, str]] = ()
    plan_chairs: Sequence[tuple[str, str]] = ()

    def value(self, input_id: str) -> str:
        return self.values.get(input_id, "")

    def error(self, input_id: str) -> str | None:
        return self.errors.get(input_id)

    def field(self, element: Json) -> list[Json]:
        """An input followed by its error line, if any."""
        return [element, *el.error_text(self.error(element["id"]))]

    @property
    def chosen(self) -> Stage | None:
        """The stage chosen on the form, else the first formal stage the raiser may open."""
        keys = {stage.key: stage for stage in self.stages}
        formal = [stage for stage in self.stages if stage.formal] or list(self.stages)
        return keys.get(self.value("stage")) or (formal[0] if formal else None)


def form_card(
    policy: Policy,
    process: Process,
    raiser_role: Role,
    teams: Sequence[tuple[str, str]],
    today: date,
    *,
    calendar: WorkingDayCalendar,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    practitioners: Sequence[tuple[str, str]] = (),
    plan_chairs: Sequence[tuple[str, str]] = (),
    other_processes: Sequence[tuple[str, str]] = (),
    key_factory: KeyFactory = new_key,
) -> Json:
    """The DRP form, pre-filled with ``values`` and showing ``errors`` (input id → message).

    ``teams``, ``practitioners`` and ``plan_chairs`` (the chairs and IROs a raiser who is
    neither names as the child's own) are (id, display title) pairs for the drop-downs;
    ``other_processes`` (key, title) are the policy's other processes the raiser may raise in,
    each a button that opens its form.
    """
    form = _Form(
        policy,
        process,
        process.opening_stages(raiser_role),
        teams,
        today,
        calendar,
        values or {},
        errors or {},
        practitioners,
        plan_chairs,
    )
    body = [
        el.text_block(escape(process.title), size="large", weight="bolder", heading=True),
        el.text_block(escape(policy.title), subtle=True, spacing="none"),
        *_error_summary(form),
        *_children_section(form),
        *_concern_section(form),
        *_actions_section(form),
        *_stage_section(form),
        *_flags_section(form),
        _timeline_section(form),
    ]
    data = {"process": process.key}
    actions = [
        el.execute("Preview timeline", Verb.PREVIEW, "", 0, key_factory, extra=data),
        el.execute("Raise dispute", Verb.RAISE, "", 0, key_factory, extra=data, style="positive"),
        *(
            el.execute(
                f"Instead: {plain(title, 60)}",
                Verb.NEW,
                "",
                0,
                key_factory,
                extra={"process": key},
            )
            for key, title in other_processes
        ),
    ]
    return el.card(body, actions, full_width=True, fallback_text="The DRP form")


def _error_summary(form: _Form) -> list[Json]:
    if not form.errors:
        return []
    count = len(form.errors)
    lines = [
        el.text_block(
            f"Please correct {count} {'field' if count == 1 else 'fields'} below.",
            weight="bolder",
            color="attention",
        ),
        *(
            el.text_block(f"{plain(_label(form, key), 80)}: {plain(message, 200)}", spacing="none")
            for key, message in form.errors.items()
        ),
    ]
    return [el.container(lines, style="attention", element_id="error_summary")]


def _label(form: _Form, input_id: str) -> str:
    labels = {
        "team": "Team",
        "category": "Category of concern",
        "category_other": "Other category",
        "issue_type": "Issue type",
        "date_of_concern": "Date of concern",
        "summary": "Summary of concern",
        "impact": "Impact on the child",
        "evidence": "Evidence",
        "stage": "Starting stage",
        "practitioner": "Practitioner",
        "due": "Deadline",
        "consulted": "Consulted first",
        "plan_chair": "The child's CP chair or IRO",
        "conference_date": "Date of the child protection conference",
        "harm_details": "Immediate harm",
    }
    if input_id in labels:
        return labels[input_id]
    parts = input_id.split("_")
    if parts[0] == "child" and len(parts) >= 3:
        field_name = "_".join(parts[2:])
        what = {"name": "name", "local_id": form.policy.local_id_label, "dob": "date of birth"}
        return f"Child {parts[1]}: {what.get(field_name, field_name)}"
    if parts[0] == "action" and len(parts) == 3:
        return f"Requested action {parts[1]}: {'date' if parts[2] == 'date' else 'action'}"
    return input_id


def _children_section(form: _Form) -> list[Json]:
    first = _child_row(form, 1)
    extra = [_child_row(form, n) for n in range(2, CHILD_ROWS + 1)]
    shown = any(form.value(i) or form.error(i) for i in _child_ids(2, CHILD_ROWS))
    return [
        el.text_block("Child or children", weight="bolder", separator=True, heading=True),
        *first,
        el.container(
            [item for row in extra for item in row], element_id=_MORE_CHILDREN, visible=shown
        ),
        el.action_set([el.action_toggle("Add or hide siblings", [_MORE_CHILDREN])]),
    ]


def _child_ids(first: int, last: int) -> list[str]:
    return [f"child_{n}_{part}" for n in range(first, last + 1) for part in CHILD_PARTS]


def _child_row(form: _Form, n: int) -> list[Json]:
    required = " (required)" if n == 1 else ""
    name = el.input_text(
        f"child_{n}_name",
        f"Child {n}: full name{required}",
        value=form.value(f"child_{n}_name"),
        max_length=MAX_SHORT_TEXT,
    )
    local_id = el.input_text(
        f"child_{n}_local_id",
        f"{form.policy.local_id_label}{required}",
        value=form.value(f"child_{n}_local_id"),
        max_length=MAX_LOCAL_ID,
    )
    dob = el.input_date(
        f"child_{n}_dob", "Date of birth", value=form.value(f"child_{n}_dob"), maximum=form.today
    )
    columns = el.column_set([el.column(form.field(local_id)), el.column(form.field(dob))])
    return [*form.field(name), columns]


def _concern_section(form: _Form) -> list[Json]:
    policy = form.policy
    categories = [(c.title, c.key) for c in policy.categories]
    ticked = [key.strip() for key in form.value("category").split(",")]
    other_shown = OTHER_CATEGORY in ticked or bool(form.error("category_other"))
    other = el.input_text(
        "category_other",
        "Other category: please specify",
        value=form.value("category_other"),
        max_length=MAX_SHORT_TEXT,
    )
    items = [
        el.text_block("The concern", weight="bolder", separator=True, heading=True),
        *form.field(_choice(form, "team", "Team (required)", list(_team_choices(form)))),
    ]
    if categories:  # a policy that lists no categories asks for none
        items += [
            *form.field(_category_choice(form, categories)),
            el.container(form.field(other), element_id=_OTHER_BOX, visible=other_shown),
            el.action_set([el.action_toggle("Other: specify", [_OTHER_BOX])]),
        ]
    if policy.issue_types:
        issue_types = [(t, t) for t in policy.issue_types]
        items += form.field(_choice(form, "issue_type", "Issue type", issue_types))
    return items + _concern_texts(form)


def _team_choices(form: _Form) -> list[tuple[str, str]]:
    return [(title, team_id) for team_id, title in form.teams]


def _choice(
    form: _Form,
    input_id: str,
    label: str,
    choices: list[tuple[str, str]],
) -> Json:
    return el.choice_set(
        input_id,
        label,
        choices,
        value=form.value(input_id),
        placeholder="Choose…",
    )


def _category_choice(form: _Form, categories: list[tuple[str, str]]) -> Json:
    """One category from a drop-down, or (seed 003: "TICK IF APPLICABLE") every one that
    applies, as check boxes."""
    if not form.policy.multiple_categories:
        return _choice(form, "category", "Category of concern (required)", categories)
    label = "Categories of concern: tick every one that applies (at least one)"
    return el.choice_set(
        "category", label, categories, value=form.value("category"), multi_select=True
    )


def _concern_texts(form: _Form) -> list[Json]:
    concern_date = el.input_date(
        "date_of_concern",
        "Date of concern (required)",
        value=form.value("date_of_concern"),
        maximum=form.today,
    )
    texts = [
        ("summary", "Summary of concern, including background and action already taken"),
        ("impact", "Impact on the child (required)"),
    ]
    items = form.field(concern_date)
    if form.process.conference_date:  # seed 002's form: "Date of Child Protection Conference"
        conference = el.input_date(
            "conference_date",
            "Date of the child protection conference (required)",
            value=form.value("conference_date"),
            maximum=form.today,
        )
        items += form.field(conference)
    for input_id, label in texts:
        suffix = " (required)" if input_id == "summary" else ""
        items += form.field(_long_text(form, input_id, label + suffix))
    return items


def _long_text(form: _Form, input_id: str, label: str) -> Json:
    return el.input_text(
        input_id, label, value=form.value(input_id), multiline=True, max_length=MAX_TEXT
    )


def _actions_section(form: _Form) -> list[Json]:
    latest = _latest_action_date(form)
    items = [
        el.text_block("Requested actions", weight="bolder", separator=True, heading=True),
    ]
    if latest is not None:
        note = f"Each action must be complete by {format_date(latest)} at the latest."
        items.append(el.text_block(note, subtle=True, spacing="none"))
    for n in range(1, ACTION_ROWS + 1):
        text = el.input_text(
            f"action_{n}_text",
            f"Action {n}",
            value=form.value(f"action_{n}_text"),
            max_length=MAX_TEXT,
        )
        when = el.input_date(
            f"action_{n}_date",
            "Complete by",
            value=form.value(f"action_{n}_date"),
            minimum=form.today,
            maximum=latest,
        )
        row = [el.column(form.field(text), "2"), el.column(form.field(when))]
        items.append(el.column_set(row))
    evidence = "Evidence that will show the concern is resolved"
    evidence += " (required)" if form.policy.evidence_required else ""
    items += form.field(_long_text(form, "evidence", evidence))
    return items


def _latest_action_date(form: _Form) -> date | None:
    limit = form.policy.requested_action_limit
    if limit is None or limit.unit == TimeUnit.HOURS:
        return None
    return form.calendar.due_date(form.today, limit)


def _stage_section(form: _Form) -> list[Json]:
    choices = [(_stage_title(stage), stage.key) for stage in form.stages]
    chosen = form.chosen
    stage = el.choice_set(
        "stage", "Starting stage (required)", choices, value=chosen.key if chosen else ""
    )
    items = [
        el.text_block("Where to start", weight="bolder", separator=True, heading=True),
        *form.field(stage),
    ]
    named = form.policy.practitioner_role
    if any(names_practitioner(s, named) for s in form.process.all_stages()):
        items += form.field(_practitioner_input(form))
    setters = [s for s in form.stages if s.raiser_sets_deadline]
    if setters:
        items += form.field(_due_input(form, setters))
    asking = [s for s in form.stages if s.consult]
    if asking:
        who = "; ".join(f"{_stage_title(s)}: {s.consult}" for s in asking)
        label = f"Who you consulted, and when (needed for {who})"
        consulted = el.input_text(
            "consulted", label, value=form.value("consulted"), max_length=MAX_SHORT_TEXT
        )
        items += form.field(consulted)
    return items


def names_practitioner(stage: Stage, named: Role) -> bool:
    """Whether a stage copies the named practitioner (a holder of the profile's practitioner
    role, ``named``) or has them respond."""
    return named in (*stage.responsible, *stage.copied)


def practitioner_responds(stage: Stage, named: Role) -> bool:
    """Whether the named practitioner is a respondent at this stage (City & Hackney stage 1)."""
    return named in stage.responsible


def _practitioner_input(form: _Form) -> Json:
    named = form.policy.practitioner_role
    needs = [_stage_title(s) for s in form.stages if practitioner_responds(s, named)]
    label = "Practitioner named on the dispute (the social worker or other agency's)"
    if needs:
        label += f" (responds at: {', '.join(needs)})"
    value = form.value("practitioner")
    if not form.practitioners:
        # No list to choose from: their e-mail, resolved through the directory.
        return el.input_text("practitioner", label + ": e-mail", value=value, max_length=200)
    choices = [(title, person_id) for person_id, title in form.practitioners]
    return el.choice_set("practitioner", label, choices, value=value, placeholder="Choose…")


def _stage_title(stage: Stage) -> str:
    return stage.title if not stage.formal else f"Stage {stage.key}: {stage.title}"


def _due_input(form: _Form, setters: list[Stage]) -> Json:
    needs = ", ".join(_stage_title(s) for s in setters)
    chosen = form.chosen
    maximum = None
    scale = chosen.timescale if chosen is not None else None
    if scale is not None and scale.unit != TimeUnit.HOURS:
        maximum = form.calendar.due_date(form.today, scale)
    label = f"Deadline you set (needed for: {needs})"
    if all(s.timescale is not None for s in setters):
        # Seed 000: the chair sets the informal timescale; the form's 5 working days by default.
        label = f"Deadline you set for {needs} (left empty: {setters[0].timescale})"
    return el.input_date(
        "due",
        label,
        value=form.value("due"),
        minimum=form.today,
        maximum=maximum,
    )


def _flags_section(form: _Form) -> list[Json]:
    items: list[Json] = [el.text_block("Safety", weight="bolder", separator=True, heading=True)]
    if any(stage.two_sided for stage in form.process.all_stages()):
        items.append(
            el.toggle(
                "child_on_plan",
                "The child has a child protection plan or is looked after",
                value=form.value("child_on_plan") == "true",
            )
        )
    if form.plan_chairs:  # seed 004 §2.6: the child's own chair or IRO, never all of them
        label = _plan_chair_label(form)
        choices = [(title, person_id) for person_id, title in form.plan_chairs]
        chair = _choice(form, "plan_chair", label, choices)
        if chair.get("value") not in {person_id for _, person_id in choices}:
            chair.pop("value", None)  # not one of the list (typed into the card's data)
        items += form.field(chair)
    if not form.policy.harm_route:  # the policy names nobody to alert
        return items if len(items) > 1 else []
    items.append(
        el.toggle(
            "immediate_harm",
            "A child may be at immediate risk of harm (alerts a senior manager at once)",
            value=form.value("immediate_harm") == "true",
        )
    )
    details = "If a child may be at immediate risk: what is the risk?"
    items += form.field(_long_text(form, "harm_details", details))
    return items


def _plan_chair_label(form: _Form) -> str:
    """What the form asks: the child's own chair who responds at a stage (seed 002 §4.4), or
    the chair or IRO told when the child has a plan (seed 004 §2.6)."""
    owning = [s for s in form.process.all_stages() if s.childs_own]
    if not owning:
        return "The child's own CP chair or IRO (told if the child has a plan)"
    roles = dict.fromkeys(r for s in owning for r in s.childs_own)
    stages = ", ".join(_stage_title(s) for s in owning)
    return f"The child's own {form.policy.roles.titles(roles)} (required: responds at {stages})"


def _timeline_section(form: _Form) -> Json:
    chosen = form.chosen
    title = el.text_block("Timeline if no stage resolves it", weight="bolder", separator=True)
    if chosen is None:
        return el.container([title, el.text_block("No stage is open to you in this process.")])
    try:
        plan = timeline(form.process, form.today, form.calendar, chosen.key)
    except DrpError:
        return el.container([title, el.text_block("The timeline cannot be worked out.")])
    facts = [
        (escape(_stage_title(form.process.stage(step.stage))), _due_text(step.due))
        for step in plan.steps
    ]
    if plan.final_due is not None and form.process.overall_limit is not None:
        limit = f"Overall deadline ({form.process.overall_limit})"
        facts.append((escape(limit), format_date(plan.final_due)))
    starting = f"Starting {format_date(form.today)} at {_stage_title(chosen)}"
    note = el.text_block(escape(starting), subtle=True, spacing="none")
    return el.container([title, note, el.fact_set(facts)], element_id="timeline")


def _due_text(due: date | None) -> str:
    return format_date(due) if due is not None else "Deadline you set"
