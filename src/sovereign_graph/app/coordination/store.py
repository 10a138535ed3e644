"""Where leases and decisions live: two small tables beside the checkpoints, in the same SQLite file or
PostgreSQL database, so every process that shares a `--db` sees them; in memory for any other saver.

The primary keys are the arbiters: of two processes inserting a lease for one thread, or a decision for
one pause, exactly one row lands, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import threading
import time
import weakref
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Any, Literal

from sovereign_graph.app.coordination.records import DecisionRecord, Holder, IndexEntry

TABLES = (
    "CREATE TABLE IF NOT EXISTS sovereign_leases (thread_id TEXT PRIMARY KEY, token TEXT NOT NULL, "
    "pid INTEGER NOT NULL, host TEXT NOT NULL, started_at DOUBLE PRECISION NOT NULL, "
    "heartbeat_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sovereign_decisions (thread_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, "
    "decision TEXT NOT NULL, note TEXT NOT NULL, decided_at DOUBLE PRECISION NOT NULL, token TEXT NOT NULL, "
    "decided_by TEXT NOT NULL DEFAULT '', PRIMARY KEY (thread_id, checkpoint_id))",
    # Each thread's summary as of its head checkpoint when a run last paused or finished: lets `threads`
    # and `show` answer without loading the graph (they use it only while that checkpoint is still the head).
    "CREATE TABLE IF NOT EXISTS sovereign_thread_index (thread_id TEXT PRIMARY KEY, checkpoint_id TEXT NOT NULL, "
    "status TEXT NOT NULL, paper TEXT NOT NULL, score DOUBLE PRECISION, recommendation TEXT, "
    "updated TEXT NOT NULL, report TEXT NOT NULL)",
)
LEASE_COLUMNS = "token, pid, host, started_at, heartbeat_at"
DECISION_COLUMNS = "thread_id, checkpoint_id, decision, note, decided_at, token, decided_by"
# A database made before decisions recorded who took them: the column is added, '' (the owner) for old rows.
ADDED_COLUMNS = (("sovereign_decisions", "decided_by", "TEXT NOT NULL DEFAULT ''"),)


class Coordinator(ABC):
    """Leases (who is working on a thread now) and decisions (which answer a pause got)."""

    @abstractmethod
    def lease_row(self, thread_id: str) -> Holder | None:
        """The thread's lease as stored, alive or not."""

    @abstractmethod
    def _insert_lease(self, thread_id: str, holder: Holder) -> None:
        """Insert unless a lease for the thread exists (the primary key decides a race)."""

    @abstractmethod
    def _delete_lease(self, thread_id: str, token: str) -> None: ...

    @abstractmethod
    def heartbeat(self, thread_id: str, holder: Holder) -> bool:
        """Refresh the lease; False if it is no longer this holder's."""

    @abstractmethod
    def leases(self) -> dict[str, Holder]:
        """Every stored lease, alive or not."""

    @abstractmethod
    def _insert_decision(self, record: DecisionRecord) -> None: ...

    @abstractmethod
    def decision_for(self, thread_id: str, checkpoint_id: str) -> DecisionRecord | None: ...

    @abstractmethod
    def latest_decision(self, thread_id: str) -> DecisionRecord | None:
        """The thread's most recent decision, whichever pause it answered."""

    @abstractmethod
    def save_index(self, entry: IndexEntry) -> None:
        """Replace the thread's summary (see `IndexEntry`)."""

    def acquire(self, thread_id: str, holder: Holder) -> Holder | None:
        """Take the thread for `holder`: None on success, else the live holder that has it."""
        current = self.lease_row(thread_id)
        if current is not None and current.token != holder.token:
            if current.is_alive():
                return current
            self._delete_lease(thread_id, current.token)  # gone: killed, or its heartbeat stopped
        if current is None or current.token != holder.token:
            self._insert_lease(thread_id, holder)
        winner = self.lease_row(thread_id)
        return None if winner is not None and winner.token == holder.token else winner

    def release(self, thread_id: str, holder: Holder) -> None:
        self._delete_lease(thread_id, holder.token)

    def live_holder(self, thread_id: str) -> Holder | None:
        current = self.lease_row(thread_id)
        return current if current is not None and current.is_alive() else None

    def live_holders(self) -> dict[str, Holder]:
        return {thread: holder for thread, holder in self.leases().items() if holder.is_alive()}

    def record_decision(self, record: DecisionRecord) -> DecisionRecord:
        """Record `record` unless the pause already has a decision; returns the one that stands."""
        self._insert_decision(record)
        standing = self.decision_for(record.thread_id, record.checkpoint_id)
        assert standing is not None  # just inserted, or inserted by the winner
        return standing


class SqlCoordinator(Coordinator):
    """The tables on the saver's own connection, under the saver's own lock (LangGraph's savers use one
    connection from several threads, serialised by that lock)."""

    def __init__(self, connection: Any, lock: AbstractContextManager[Any], dialect: Literal["sqlite", "postgres"]):
        self.connection = connection
        self.lock = lock
        self.dialect = dialect

    def setup(self) -> None:
        for statement in TABLES:
            self._run(statement)
        for table, column, definition in ADDED_COLUMNS:
            if self.dialect == "postgres":
                self._run(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")
            elif column not in self._sqlite_columns(table):
                try:
                    self._run(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                except Exception:
                    # Another process opening the same old file added it first: only a column still missing fails.
                    if column not in self._sqlite_columns(table):
                        raise

    def _sqlite_columns(self, table: str) -> set[str]:
        return {str(row[1]) for row in self._run(f"PRAGMA table_info({table})")}

    def _run(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        if self.dialect == "postgres":
            sql = sql.replace("?", "%s")
        with self.lock:
            cursor = self.connection.execute(sql, parameters)
            rows = cursor.fetchall() if cursor.description is not None else []
            if self.dialect == "sqlite":
                self.connection.commit()
        return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]

    def lease_row(self, thread_id: str) -> Holder | None:
        rows = self._run(f"SELECT {LEASE_COLUMNS} FROM sovereign_leases WHERE thread_id = ?", (thread_id,))
        return _holder(rows[0]) if rows else None

    def _insert_lease(self, thread_id: str, holder: Holder) -> None:
        self._run(
            f"INSERT INTO sovereign_leases (thread_id, {LEASE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (thread_id) DO NOTHING",
            (thread_id, holder.token, holder.pid, holder.host, holder.started_at, holder.heartbeat_at),
        )

    def _delete_lease(self, thread_id: str, token: str) -> None:
        self._run("DELETE FROM sovereign_leases WHERE thread_id = ? AND token = ?", (thread_id, token))

    def heartbeat(self, thread_id: str, holder: Holder) -> bool:
        rows = self._run(
            "UPDATE sovereign_leases SET heartbeat_at = ? WHERE thread_id = ? AND token = ? RETURNING token",
            (time.time(), thread_id, holder.token),
        )
        return bool(rows)

    def leases(self) -> dict[str, Holder]:
        rows = self._run(f"SELECT thread_id, {LEASE_COLUMNS} FROM sovereign_leases")
        return {str(row[0]): _holder(row[1:]) for row in rows}

    def _insert_decision(self, record: DecisionRecord) -> None:
        self._run(
            f"INSERT INTO sovereign_decisions ({DECISION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (thread_id, checkpoint_id) DO NOTHING",
            (
                record.thread_id,
                record.checkpoint_id,
                record.decision,
                record.note,
                record.decided_at,
                record.token,
                record.decided_by,
            ),
        )

    def decision_for(self, thread_id: str, checkpoint_id: str) -> DecisionRecord | None:
        rows = self._run(
            f"SELECT {DECISION_COLUMNS} FROM sovereign_decisions WHERE thread_id = ? AND checkpoint_id = ?",
            (thread_id, checkpoint_id),
        )
        return _decision(rows[0]) if rows else None

    def latest_decision(self, thread_id: str) -> DecisionRecord | None:
        rows = self._run(
            f"SELECT {DECISION_COLUMNS} FROM sovereign_decisions WHERE thread_id = ? ORDER BY decided_at DESC LIMIT 1",
            (thread_id,),
        )
        return _decision(rows[0]) if rows else None

    def save_index(self, entry: IndexEntry) -> None:
        self._run(
            "INSERT INTO sovereign_thread_index (thread_id, checkpoint_id, status, paper, score, recommendation, "
            "updated, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (thread_id) DO UPDATE SET "
            "checkpoint_id = excluded.checkpoint_id, status = excluded.status, paper = excluded.paper, "
            "score = excluded.score, recommendation = excluded.recommendation, updated = excluded.updated, "
            "report = excluded.report",
            (entry.thread_id, entry.checkpoint_id, entry.status, entry.paper, entry.score, entry.recommendation,
             entry.updated, entry.report),
        )  # fmt: skip


def _decision(row: tuple[Any, ...]) -> DecisionRecord:
    thread, checkpoint, decision, note, decided_at, token, decided_by = row
    return DecisionRecord(
        str(thread), str(checkpoint), str(decision), str(note), float(decided_at), str(token), str(decided_by or "")
    )


def _holder(row: tuple[Any, ...]) -> Holder:
    token, pid, host, started_at, heartbeat_at = row
    return Holder(str(token), int(pid), str(host), float(started_at), float(heartbeat_at))


class MemoryCoordinator(Coordinator):
    """For savers without a database (e.g. `InMemorySaver`): the threads live in this process only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._leases: dict[str, Holder] = {}
        self._decisions: dict[tuple[str, str], DecisionRecord] = {}

    def lease_row(self, thread_id: str) -> Holder | None:
        with self.lock:
            return self._leases.get(thread_id)

    def _insert_lease(self, thread_id: str, holder: Holder) -> None:
        with self.lock:
            self._leases.setdefault(thread_id, holder)

    def _delete_lease(self, thread_id: str, token: str) -> None:
        with self.lock:
            if (current := self._leases.get(thread_id)) is not None and current.token == token:
                del self._leases[thread_id]

    def heartbeat(self, thread_id: str, holder: Holder) -> bool:
        with self.lock:
            current = self._leases.get(thread_id)
            if current is None or current.token != holder.token:
                return False
            self._leases[thread_id] = current.beat()
            return True

    def leases(self) -> dict[str, Holder]:
        with self.lock:
            return dict(self._leases)

    def _insert_decision(self, record: DecisionRecord) -> None:
        with self.lock:
            self._decisions.setdefault((record.thread_id, record.checkpoint_id), record)

    def decision_for(self, thread_id: str, checkpoint_id: str) -> DecisionRecord | None:
        with self.lock:
            return self._decisions.get((thread_id, checkpoint_id))

    def latest_decision(self, thread_id: str) -> DecisionRecord | None:
        with self.lock:
            mine = [r for (thread, _), r in self._decisions.items() if thread == thread_id]
        return max(mine, key=lambda r: r.decided_at, default=None)

    def save_index(self, entry: IndexEntry) -> None:
        return None  # nothing reads an in-memory saver from another process


_MEMORY: weakref.WeakKeyDictionary[Any, MemoryCoordinator] = weakref.WeakKeyDictionary()


def coordinator_for(saver: Any) -> Coordinator:
    """The coordinator that goes with a checkpointer: its database's tables, or (for a saver without one)
    one in-memory coordinator per saver, shared by every runner on it."""
    kind = type(saver).__name__
    if kind == "SqliteSaver":
        coordinator = SqlCoordinator(saver.conn, saver.lock, "sqlite")
        coordinator.setup()
        return coordinator
    if kind == "PostgresSaver":
        return SqlCoordinator(saver.conn, saver.lock, "postgres")  # tables made with the saver's own set-up
    if saver not in _MEMORY:
        _MEMORY[saver] = MemoryCoordinator()
    return _MEMORY[saver]
