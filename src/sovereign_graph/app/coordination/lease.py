"""Holding a thread while working on it: the lease is taken before the first step and kept fresh by a
heartbeat thread, so `sovereign threads` can tell a live run from one a kill stopped."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sovereign_graph.app.coordination.records import HEARTBEAT_SECONDS, Holder, this_process
from sovereign_graph.app.coordination.store import Coordinator
from sovereign_graph.errors import ThreadBusyError


@dataclass
class LeaseKeeper:
    coordinator: Coordinator
    thread_id: str
    holder: Holder = field(default_factory=this_process)
    interval: float = HEARTBEAT_SECONDS
    _stop: threading.Event = field(default_factory=threading.Event)
    # Set when the lease was taken from us (we were frozen or cut off past the lease period): the run must
    # stop at its next step rather than write beside the process that now holds the thread.
    lost: threading.Event = field(default_factory=threading.Event)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if not self.coordinator.heartbeat(self.thread_id, self.holder):
                    self.lost.set()
                    return
            except Exception:  # the database may be closing under us at exit; the lease then lapses
                return


@contextmanager
def hold(coordinator: Coordinator, thread_id: str, interval: float = HEARTBEAT_SECONDS) -> Iterator[LeaseKeeper]:
    """Hold `thread_id` for the block; `ThreadBusyError` if a live process holds it."""
    keeper = LeaseKeeper(coordinator, thread_id, interval=interval)
    other = coordinator.acquire(thread_id, keeper.holder)
    if other is not None:
        raise ThreadBusyError(
            f"thread '{thread_id}' is running in another process ({other.describe()}): wait for it to pause "
            "or finish (see: sovereign threads)."
        )
    beat = threading.Thread(target=keeper._beat, name=f"lease-{thread_id}", daemon=True)
    beat.start()
    try:
        yield keeper
    finally:
        keeper._stop.set()
        beat.join()
        # A database failing now has failed the caller already; a lease left behind dies with this pid.
        with contextlib.suppress(Exception):
            coordinator.release(thread_id, keeper.holder)
