"""A durable queue of batch rows on PostgreSQL (procrastinate): `sovereign batch FILE --queue URL` enqueues,
`sovereign worker --db URL` (on any number of machines) runs them to the owner's pause, checkpointing into
the same database; a job whose worker died is retried by another, continuing from the run's checkpoint."""
