"""The two records coordination keeps: a thread's holder (a lease kept alive by heartbeats) and the
decision that answered one owner's pause."""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, replace

# A holder whose heartbeat is older than this is gone (killed, or its machine lost), wherever it ran.
LEASE_SECONDS = 15.0
HEARTBEAT_SECONDS = 3.0


@dataclass(frozen=True)
class Holder:
    """A process working on a thread."""

    token: str
    pid: int
    host: str
    started_at: float
    heartbeat_at: float

    def is_alive(self, now: float | None = None) -> bool:
        """Alive while its heartbeat is fresh; on this host, only while its process exists (a SIGKILLed
        holder is seen gone at once, not a lease period later)."""
        now = time.time() if now is None else now
        if now - self.heartbeat_at > LEASE_SECONDS:
            return False
        if self.host != socket.gethostname():
            return True
        return _process_exists(self.pid)

    def describe(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        return f"pid {self.pid} on {self.host}, heartbeat {max(0.0, now - self.heartbeat_at):.0f} s ago"

    def beat(self) -> Holder:
        return replace(self, heartbeat_at=time.time())


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def this_process() -> Holder:
    now = time.time()
    return Holder(token=uuid.uuid4().hex, pid=os.getpid(), host=socket.gethostname(), started_at=now, heartbeat_at=now)


@dataclass(frozen=True)
class DecisionRecord:
    """The owner's answer to the pause at `checkpoint_id`: the first one recorded is the only one applied."""

    thread_id: str
    checkpoint_id: str
    decision: str
    note: str
    decided_at: float
    token: str  # the holder that recorded it
    # '' when the owner decided (the CLI, the desk, the Python API); otherwise who did, shown in the report's owner
    # section: an agent allowed to decide over MCP is never mistaken for the owner.
    decided_by: str = ""

    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.decided_at))


@dataclass(frozen=True)
class IndexEntry:
    """A thread as `threads` lists it and `show` prints it, valid while `checkpoint_id` is its head."""

    thread_id: str
    checkpoint_id: str
    status: str
    paper: str
    score: float | None
    recommendation: str | None
    updated: str
    report: str  # the report's JSON
