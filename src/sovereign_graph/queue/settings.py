"""The queue's names and timings, in one place for the enqueuer, the workers and `queue status`."""

from __future__ import annotations

import os

from sovereign_graph.app.coordination.records import LEASE_SECONDS
from sovereign_graph.errors import InputError
from sovereign_graph.home import is_postgres_url

QUEUE = "sovereign"
TASK = "sovereign.run_row"
# Serialises the schema's first set-up across workers that start together (as checkpoint.SETUP_LOCK_KEY does).
SCHEMA_LOCK_KEY = 0x50_7E_12_E2
STALL_VARIABLE = "SOVEREIGN_QUEUE_STALL_SECONDS"
DEFAULT_STALL_SECONDS = 20.0


def stall_seconds() -> float:
    """A worker silent this long is dead and its job is retried. It must outlast the thread lease, so the retry
    finds the dead run's thread free rather than 'running'."""
    raw = os.environ.get(STALL_VARIABLE)
    if raw is None:
        return DEFAULT_STALL_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"${STALL_VARIABLE} must be a number of seconds, not {raw!r}.") from None
    if value <= LEASE_SECONDS:
        raise InputError(f"${STALL_VARIABLE} must exceed the thread lease ({LEASE_SECONDS:g} s), not {value:g}.")
    return value


def heartbeat_seconds() -> float:
    return stall_seconds() / 4


def require_queue_url(url: str, flag: str = "--db") -> str:
    if not is_postgres_url(url):
        raise InputError(f"{flag} must be a PostgreSQL URL (postgresql://…): the queue lives in PostgreSQL.")
    return url
