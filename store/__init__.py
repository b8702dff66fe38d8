"""Durable persistence of disputes, the directory, the audit trail and the outbox.

``await Store.open(url)``, then one ``async with store.transaction() as tx:`` per command:
``tx.disputes``, ``tx.outbox``, ``tx.directory``, ``tx.idempotency``, ``tx.posted_cards``,
``tx.audit`` and ``tx.compliments`` all write in that one transaction; ``tx.schedule`` (the
scheduler's deadline windows) and ``tx.reports`` (the report's counts) read in it.
"""

from store.errors import (
    DirectoryImportError,
    DuplicateCommand,
    DuplicateReference,
    InvalidRecord,
    NotFound,
    Problem,
    StaleVersion,
    StoreError,
    StoreUnavailable,
)
from store.rows import (
    AuditEntry,
    Compliment,
    DirectoryEntry,
    ImportSummary,
    OutboxMessage,
    Person,
    PostedCard,
    ResponseRecord,
    ReviewRecord,
    RoleGrant,
    StageVisit,
    StoredResult,
    Team,
)
from store.store import Store, Transaction

__all__ = [
    "AuditEntry",
    "Compliment",
    "DirectoryEntry",
    "DirectoryImportError",
    "DuplicateCommand",
    "DuplicateReference",
    "ImportSummary",
    "InvalidRecord",
    "NotFound",
    "OutboxMessage",
    "Person",
    "PostedCard",
    "Problem",
    "ResponseRecord",
    "ReviewRecord",
    "RoleGrant",
    "StageVisit",
    "StaleVersion",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredResult",
    "Team",
    "Transaction",
]
