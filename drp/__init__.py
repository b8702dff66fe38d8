"""The pure domain core of the Dispute Resolution Process: no I/O, SDK, SQL or wall clock."""
