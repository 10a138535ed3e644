"""`threads` and `show` on a SQLite database without loading LangGraph or the graph (about a second of
imports saved per command): from the thread index a run writes when it pauses or finishes.

An index entry is used only while its checkpoint is still the thread's head, no decision is recorded
against it, and no process holds the thread; otherwise (a run killed or stopped, a decision not yet
applied, a database from before the index) the caller falls back to reading the checkpoints themselves.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sovereign_graph.app.coordination.records import Holder
from sovereign_graph.app.writable import check_db_path
from sovereign_graph.home import default_db_path, is_postgres_url

if TYPE_CHECKING:
    from sovereign_graph.report.model import Report

LATEST_THREADS = (
    "SELECT thread_id, MAX(checkpoint_id) AS latest FROM checkpoints WHERE checkpoint_ns = '' "
    "GROUP BY thread_id ORDER BY latest DESC"
)


@dataclass(frozen=True)
class ThreadSummary:
    """A thread as `sovereign threads` lists it."""

    thread_id: str
    paper: str
    status: str
    score: float | None
    recommendation: str | None
    updated: str


@dataclass(frozen=True)
class QuickThread(ThreadSummary):
    report: str  # the report's JSON, as the run that wrote the entry built it


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)


def quick_threads(path: Path) -> list[QuickThread] | None:
    """Every thread, newest first, or None when any of them needs the full read."""
    try:
        with closing(_connect(path)) as connection:
            heads = connection.execute(LATEST_THREADS).fetchall()
            index = {
                row[0]: row
                for row in connection.execute(
                    "SELECT thread_id, checkpoint_id, status, paper, score, recommendation, updated, report "
                    "FROM sovereign_thread_index"
                )
            }
            leases = {
                row[0]: Holder(str(row[1]), int(row[2]), str(row[3]), float(row[4]), float(row[5]))
                for row in connection.execute(
                    "SELECT thread_id, token, pid, host, started_at, heartbeat_at FROM sovereign_leases"
                )
            }
            decided = {
                tuple(row) for row in connection.execute("SELECT thread_id, checkpoint_id FROM sovereign_decisions")
            }
    except sqlite3.Error:
        return None  # no index yet, damaged, busy: the full read says what is wrong
    listed: list[QuickThread] = []
    for thread_id, head in heads:
        entry = index.get(thread_id)
        holder = leases.get(thread_id)
        if entry is None or entry[1] != head or (thread_id, head) in decided:
            return None
        status = "running" if holder is not None and holder.is_alive() else str(entry[2])
        listed.append(QuickThread(thread_id, str(entry[3]), status, entry[4], entry[5], str(entry[6]), str(entry[7])))
    return listed


def quick_report(path: Path, thread_id: str) -> str | None:
    """The thread's report JSON, if its index entry is current."""
    threads = quick_threads(path)
    if threads is None:
        return None
    found = next((t for t in threads if t.thread_id == thread_id), None)
    return found.report if found is not None and found.status != "running" else None


def has_database(db: str | None) -> bool:
    """Whether `--db` names a database that exists (a PostgreSQL URL is taken to): where nothing has run yet, a
    reader says so rather than creating an empty file."""
    return (db is not None and is_postgres_url(db)) or Path(db or default_db_path()).exists()


def index_path(db: str | None) -> Path | None:
    """The SQLite file `--db` names, checked to exist; None for PostgreSQL, which has no quick read."""
    if db is not None and is_postgres_url(db):
        return None
    return check_db_path(Path(db) if db else default_db_path(), must_exist=True)


def indexed_threads(db: str | None) -> list[QuickThread] | None:
    """`quick_threads` of `--db`: None where the checkpoints must be read (PostgreSQL, a stale entry)."""
    path = index_path(db)
    return quick_threads(path) if path is not None else None


def indexed_report(db: str | None, thread_id: str) -> Report | None:
    """`quick_report` of `--db`, as a Report: None where the checkpoints must be read."""
    path = index_path(db)
    found = quick_report(path, thread_id) if path is not None else None
    if found is None:
        return None
    from sovereign_graph.report.model import Report  # pydantic models: only for a report actually found

    return Report.model_validate_json(found)
