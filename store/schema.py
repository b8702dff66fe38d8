"""The tables: the schema the migrations build, and the expressions queries share with indexes.

Partial indexes keep the hot queries O(result): open disputes by raiser, owner and team; what
falls due (response and review deadlines); pending outbox rows. A query uses such an index only
when it repeats the index's predicate, so predicates are named here once.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
    literal_column,
)

from drp.model import Status
from store.types import UtcDateTime, id_type, json_type

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

REF = 20  # DRP-2026-000123
PERSON = 100  # a directory id, or "system"
KEY = 64  # policy, process, stage, role, kind and status keys
TEAM = 200
# Tables that are never updated or deleted: a database trigger refuses it (see migrations).
APPEND_ONLY = ("events", "audit_log")


def _ref(nullable: bool = False, primary_key: bool = False) -> Column[str]:
    return Column(
        "reference",
        String(REF),
        ForeignKey("disputes.reference"),
        nullable=nullable,
        primary_key=primary_key,
    )


reference_counters = Table(
    "reference_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_value", Integer, nullable=False),
)

disputes = Table(
    "disputes",
    metadata,
    Column("reference", String(REF), primary_key=True),
    Column("policy", String(KEY), nullable=False),
    Column("process", String(KEY), nullable=False),
    Column("raised_by", String(PERSON), nullable=False),
    Column("raiser_role", String(KEY), nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("date_of_concern", Date, nullable=False),
    Column("team", String(TEAM), nullable=False),
    Column("raiser_team", String(TEAM), nullable=False),
    Column("practitioner", String(PERSON), nullable=False),
    Column("child_on_plan", Boolean, nullable=False),
    Column("category", String(KEY), nullable=False),
    Column("category_other", Text, nullable=False),
    Column("issue_type", String(KEY), nullable=False),
    Column("summary", Text, nullable=False),
    Column("impact", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("requested_actions", json_type(), nullable=False),
    Column("status", String(KEY), nullable=False),
    Column("stage", String(KEY), nullable=False),
    # The tier of management within the stage (seed 004 §2.10); 1: the stage's own roles.
    Column("tier", Integer, nullable=False, server_default="1"),
    Column("due_at", UtcDateTime),
    Column("review_due_at", UtcDateTime),
    Column("overall_due_at", UtcDateTime),
    Column("formal_started_at", UtcDateTime),
    Column("pending_stage", String(KEY), nullable=False),
    Column("pending_due", Date),
    Column("pending_outcome", String(KEY)),
    Column("pending_note", Text, nullable=False),
    Column("resume_status", String(KEY)),
    Column("extensions_used", Integer, nullable=False),
    Column("responded_by", String(PERSON), nullable=False),
    Column("overdue_noted", Boolean, nullable=False),
    Column("outcome", String(KEY)),
    Column("closed_at", UtcDateTime),
    Column("referrals", json_type(), nullable=False),
    Column("reopened", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # When retention erased its identifying data (children, free text); None while kept.
    Column("erased_at", UtcDateTime),
)


def status_is(status: Status) -> ColumnElement[bool]:
    """``status = '<literal>'``: a literal, so SQLite can match it to a partial index."""
    return disputes.c.status == literal_column(f"'{status.value}'")


IS_OPEN: ColumnElement[bool] = disputes.c.status != literal_column(f"'{Status.CLOSED.value}'")
AWAITING_RESPONSE = status_is(Status.AWAITING_RESPONSE)
AWAITING_REVIEW = status_is(Status.AWAITING_REVIEW)
AWAITING_APPROVAL = status_is(Status.AWAITING_APPROVAL)
AT_FINAL_STEP = status_is(Status.EXTERNAL)


def _partial(name: str, *columns: ColumnElement[object], where: ColumnElement[bool]) -> Index:
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


_partial("ix_disputes_open_raiser", disputes.c.raised_by, disputes.c.status, where=IS_OPEN)
_partial("ix_disputes_open_team", disputes.c.team, where=IS_OPEN)
# Open disputes by their overall limit: the digest's "near or past the overall limit".
_partial("ix_disputes_overall_due", disputes.c.overall_due_at, where=IS_OPEN)
_partial("ix_disputes_response_due", disputes.c.due_at, where=AWAITING_RESPONSE)
_partial("ix_disputes_review_due", disputes.c.review_due_at, where=AWAITING_REVIEW)
# The final step's own deadline (issue 15): few rows, but a sweep must not scan the open ones.
_partial("ix_disputes_final_due", disputes.c.due_at, where=AT_FINAL_STEP)
Index("ix_disputes_raised_at", disputes.c.raised_at, disputes.c.reference)
# Closed disputes not yet erased, by closure: what retention reaches next.
KEPT_CLOSED: ColumnElement[bool] = and_(status_is(Status.CLOSED), disputes.c.erased_at.is_(None))
_partial("ix_disputes_retention", disputes.c.closed_at, where=KEPT_CLOSED)
# The report's covering indexes: disputes raised in a period by raiser, team and category; and
# what an event's dispute contributes (policy, raiser, dates, outcome) without reading its row.
Index(
    "ix_disputes_raised_report",
    disputes.c.raised_at,
    disputes.c.policy,
    disputes.c.raiser_role,
    disputes.c.team,
    disputes.c.category,
    disputes.c.issue_type,
    disputes.c.reference,
)
Index(
    "ix_disputes_report",
    disputes.c.reference,
    disputes.c.policy,
    disputes.c.raiser_role,
    disputes.c.raised_at,
    disputes.c.closed_at,
    disputes.c.outcome,
    disputes.c.formal_started_at,
)

# The current owners of each dispute, one row each: "open disputes owed by this manager".
dispute_owners = Table(
    "dispute_owners",
    metadata,
    _ref(primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(PERSON), nullable=False),
)
Index("ix_dispute_owners_person_id", dispute_owners.c.person_id, dispute_owners.c.reference)

# Who else a dispute names now, one row each: its approvers (any may agree the pending move)
# and its deciders (who share the review with the raiser). "Waiting for this person's agreement".
APPROVER = "approver"
DECIDER = "decider"
PLAN_CHAIR = "plan_chair"  # the child's own CP chair or IRO (seed 004), at most one
dispute_people = Table(
    "dispute_people",
    metadata,
    _ref(primary_key=True),
    Column("part", String(KEY), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(PERSON), nullable=False),
)
Index(
    "ix_dispute_people_person_id",
    dispute_people.c.person_id,
    dispute_people.c.part,
    dispute_people.c.reference,
)

# The categories ticked after the first (``disputes.category``), where the policy's form ticks
# several (seed 003); a dispute with one category has no rows here.
dispute_categories = Table(
    "dispute_categories",
    metadata,
    _ref(primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("category", String(KEY), nullable=False),
)
Index(
    "ix_dispute_categories_report", dispute_categories.c.reference, dispute_categories.c.category
)

# Requested and agreed actions, tracked to their complete-by dates (issue 14.4): one row per
# action, numbered from 1 within the dispute (``position``); open ones by date for the scheduler.
dispute_actions = Table(
    "dispute_actions",
    metadata,
    _ref(primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("text", Text, nullable=False),
    Column("complete_by", Date, nullable=False),
    Column("owner", String(PERSON), nullable=False),
    Column("added_by", String(PERSON), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("stage", String(KEY), nullable=False),
    Column("done_by", String(PERSON), nullable=False),
    Column("done_at", UtcDateTime),
    Column("passed_noted", Boolean, nullable=False),
)
Index(
    "ix_dispute_actions_open",
    dispute_actions.c.complete_by,
    sqlite_where=dispute_actions.c.done_at.is_(None),
    postgresql_where=dispute_actions.c.done_at.is_(None),
)

PSEUDONYM = 32  # uuid4 hex

# Identifying columns (name, local_id, dob) are blanked by retention; ``pseudonym`` stays, so
# the report still counts children and families.
children = Table(
    "children",
    metadata,
    _ref(primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("local_id", String(64), nullable=False),
    Column("dob", Date),
    Column("pseudonym", String(PSEUDONYM), nullable=False),
)
Index("ix_children_local_id", children.c.local_id)
Index("ix_children_report", children.c.reference, children.c.pseudonym)  # the report's count
Index("ix_children_pseudonym", children.c.pseudonym)

# The one link from a child's (normalised) local ID to its pseudonym; a row goes when no kept
# dispute names that child any more, and with it the link.
child_pseudonyms = Table(
    "child_pseudonyms",
    metadata,
    Column("local_key", String(64), primary_key=True),
    Column("pseudonym", String(PSEUDONYM), nullable=False, unique=True),
)

events = Table(
    "events",
    metadata,
    _ref(primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(KEY), nullable=False),
    Column("actor", String(PERSON), nullable=False),
    Column("actor_role", String(KEY), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("from_stage", String(KEY), nullable=False),
    Column("to_stage", String(KEY), nullable=False),
    Column("payload", json_type(), nullable=False),
)
Index("ix_events_at", events.c.at)
# The quarterly report counts a period's events of each kind from this index alone (covering).
Index(
    "ix_events_report",
    events.c.kind,
    events.c.at,
    events.c.from_stage,
    events.c.to_stage,
    events.c.reference,
)

# The free text of each event (reasons, comments, responses, actions), apart from the append-only
# log so that retention and correction can remove it without touching an event.
event_texts = Table(
    "event_texts",
    metadata,
    Column("reference", String(REF), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("texts", json_type(), nullable=False),
    ForeignKeyConstraint(
        ["reference", "sequence"],
        ["events.reference", "events.sequence"],
        name="fk_event_texts_event",
    ),
)

# Projections of the event log, written in the same transaction as the event.
stage_visits = Table(
    "stage_visits",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    _ref(),
    Column("stage", String(KEY), nullable=False),
    Column("owners", json_type(), nullable=False),
    Column("entered_sequence", Integer, nullable=False),
    Column("entered_at", UtcDateTime, nullable=False),
    Column("first_due_at", UtcDateTime),
    Column("due_at", UtcDateTime),
    Column("left_sequence", Integer),
    Column("left_at", UtcDateTime),
    UniqueConstraint("reference", "entered_sequence"),
)
_partial("ix_stage_visits_open_due", stage_visits.c.due_at, where=stage_visits.c.left_at.is_(None))


def _event_key(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["reference", "sequence"],
        ["events.reference", "events.sequence"],
        name=f"fk_{table}_event",
    )


responses = Table(
    "responses",
    metadata,
    _ref(primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("stage", String(KEY), nullable=False),
    Column("responded_by", String(PERSON), nullable=False),
    Column("on_behalf_of", String(PERSON), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("response", Text, nullable=False),
    Column("actions", json_type(), nullable=False),
    Column("practice_issues", Text, nullable=False),
    Column("on_time", Boolean, nullable=False),
    Column("due_at", UtcDateTime),
    _event_key("responses"),
)
Index("ix_responses_at", responses.c.at)
Index(
    "ix_responses_report",
    responses.c.at,
    responses.c.stage,
    responses.c.on_time,
    responses.c.reference,
)

chair_reviews = Table(
    "chair_reviews",
    metadata,
    _ref(primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("stage", String(KEY), nullable=False),
    Column("reviewer", String(PERSON), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("decision", String(KEY), nullable=False),
    Column("comments", Text, nullable=False),
    Column("updated_concerns", Text, nullable=False),
    Column("to_stage", String(KEY), nullable=False),
    Column("due_at", UtcDateTime),
    Column("automatic", Boolean, nullable=False),
    _event_key("chair_reviews"),
)
Index("ix_chair_reviews_at", chair_reviews.c.at)

# --- the directory ----------------------------------------------------------------------------

# A team of a partner agency (a health trust, the police, a school) names it; "" for the
# council's own teams. The report's "disputes with partner agencies" (seeds 003, 002).
teams = Table(
    "teams",
    metadata,
    Column("name", String(TEAM), primary_key=True),
    Column("partner_agency", String(TEAM), nullable=False, server_default=""),
)

people = Table(
    "people",
    metadata,
    Column("id", String(PERSON), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("aad_object_id", String(100), unique=True),
    Column("teams_user_id", String(200), unique=True),
    Column("team", String(TEAM), nullable=False),
    Column("conversation_ref", json_type()),
    Column("deputy_id", String(PERSON), ForeignKey("people.id")),
    Column("deputy_from", Date),
    Column("deputy_to", Date),
    Column("updated_at", UtcDateTime, nullable=False),
    # Who keeps this person: a directory file ("csv") or the Entra ID sync ("graph"); each
    # source deactivates only its own leavers. A leaver keeps their row (names on records).
    Column("source", String(16), nullable=False, server_default="csv"),
    Column("left_at", UtcDateTime),
    # "teams", or "email": a partner outside the council's Teams (issue 18), and their agency.
    Column("channel", String(8), nullable=False, server_default="teams"),
    Column("agency", String(200), nullable=False, server_default=""),
)
Index("ix_people_deputy_id", people.c.deputy_id)

# One row per role a person holds; ``team`` is "" for organisation-wide roles.
person_roles = Table(
    "person_roles",
    metadata,
    Column("person_id", String(PERSON), ForeignKey("people.id"), primary_key=True),
    Column("role", String(KEY), primary_key=True),
    Column("team", String(TEAM), primary_key=True),
)
Index("ix_person_roles_role", person_roles.c.role, person_roles.c.team)

# Conversations the bot posts to that belong to no one person (the monitoring channel).
conversations = Table(
    "conversations",
    metadata,
    Column("purpose", String(KEY), primary_key=True),
    Column("conversation_ref", json_type(), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# The directory sync's state per source: the stored delta links (so a daily sync reads only
# changes), a digest of the mapping they were read under, and a lease so one replica syncs.
directory_sync = Table(
    "directory_sync",
    metadata,
    Column("source", String(KEY), primary_key=True),
    Column("users_delta", Text),
    Column("groups_delta", Text),
    Column("mapping_digest", String(KEY)),
    Column("synced_at", UtcDateTime),
    Column("lease_owner", String(PERSON)),
    Column("lease_expires_at", UtcDateTime),
)

# Members of the mapped Entra groups as the last sync saw them (Entra object ids).
directory_members = Table(
    "directory_members",
    metadata,
    Column("group_id", String(100), primary_key=True),
    Column("aad_object_id", String(100), primary_key=True),
)
Index("ix_directory_members_aad_object_id", directory_members.c.aad_object_id)

posted_cards = Table(
    "posted_cards",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    _ref(),
    Column("recipient", String(PERSON), nullable=False),
    Column("kind", String(KEY), nullable=False),
    Column("conversation_id", String(400), nullable=False),
    Column("activity_id", String(400), nullable=False),
    Column("conversation_ref", json_type(), nullable=False),
    Column("posted_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("conversation_id", "activity_id"),
)
Index("ix_posted_cards_reference", posted_cards.c.reference, posted_cards.c.kind)

# --- delivery, idempotency, audit -------------------------------------------------------------

outbox = Table(
    "outbox",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("recipient", String(PERSON), nullable=False),
    Column("kind", String(KEY), nullable=False),
    _ref(nullable=True),
    Column("dedupe_key", String(400), nullable=False, unique=True),
    Column("payload", json_type(), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("lease_owner", String(PERSON)),
    Column("lease_expires_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("failed", Boolean, nullable=False),
)
OUTBOX_PENDING: ColumnElement[bool] = and_(outbox.c.sent_at.is_(None), outbox.c.failed == false())
_partial("ix_outbox_pending", outbox.c.due_at, where=OUTBOX_PENDING)
Index("ix_outbox_reference", outbox.c.reference)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    _ref(nullable=True),
    Column("result", json_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Refused attempts and record exports ("who read what"); append-only like the event log.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(PERSON), nullable=False),
    Column("action", String(KEY), nullable=False),
    Column("reference", String(REF)),
    Column("detail", json_type(), nullable=False),
)
Index("ix_audit_log_reference", audit_log.c.reference, audit_log.c.at)
Index("ix_audit_log_actor", audit_log.c.actor, audit_log.c.at)

compliments = Table(
    "compliments",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    _ref(nullable=True),
    Column("from_person", String(PERSON), nullable=False),
    Column("to_practitioner", String(PERSON), nullable=False),
    Column("team_manager", String(PERSON), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("acknowledged_by", String(PERSON)),
    Column("acknowledged_at", UtcDateTime),
)
Index("ix_compliments_to_practitioner", compliments.c.to_practitioner)
Index("ix_compliments_team_manager", compliments.c.team_manager)

# What the QA manager writes for a quarter's report (seed 003 §10): comments and issues, and the
# action log (an action, then progress and done notes naming it). Notes are added, never changed.
quarter_notes = Table(
    "quarter_notes",
    metadata,
    Column("id", id_type(), primary_key=True, autoincrement=True),
    Column("policy", String(KEY), nullable=False),
    Column("quarter", String(7), nullable=False),  # 2026-Q4
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("action_id", id_type()),  # the action a progress or done note is about
    Column("author", String(PERSON), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
Index("ix_quarter_notes_policy", quarter_notes.c.policy, quarter_notes.c.quarter)
