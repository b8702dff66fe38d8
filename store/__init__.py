"""Durable persistence of disputes, the directory, the audit trail and the outbox."""
