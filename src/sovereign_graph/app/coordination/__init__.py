"""Who holds a thread, and which decision answered which pause: the facts that keep two processes on one
database from both acting on a thread (see `store.py` for the tables, `lease.py` for the heartbeat)."""

from sovereign_graph.app.coordination.lease import LeaseKeeper, hold
from sovereign_graph.app.coordination.records import DecisionRecord, Holder, IndexEntry, this_process
from sovereign_graph.app.coordination.store import Coordinator, MemoryCoordinator, SqlCoordinator, coordinator_for

__all__ = [
    "Coordinator",
    "DecisionRecord",
    "Holder",
    "IndexEntry",
    "LeaseKeeper",
    "MemoryCoordinator",
    "SqlCoordinator",
    "coordinator_for",
    "hold",
    "this_process",
]
