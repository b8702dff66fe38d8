"""Proactive sends: the outbox engine (leases, lanes, retries, pacing) and what each kind of
owed message renders as at send time."""
