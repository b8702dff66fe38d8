"""The pure domain core of the Dispute Resolution Process: no I/O, no SDK, no SQL, no wall clock."""
