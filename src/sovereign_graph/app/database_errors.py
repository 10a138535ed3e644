"""SQLite's failures as a user can act on them: busy (wait, then try again), full (free space; the thread
is resumable), damaged (which file, what is still readable, how to recover). No LangGraph here: the CLI
checks a database with these before it loads the graph."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sovereign_graph.errors import DatabaseError, InputError

# How long to wait for another process's write lock before saying the database is busy.
BUSY_SECONDS_ENV = "SOVEREIGN_DB_BUSY_SECONDS"
DEFAULT_BUSY_SECONDS = 10.0
DAMAGE_WORDS = ("malformed", "not a database", "corrupt", "encrypted", "disk I/O")


def busy_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(BUSY_SECONDS_ENV, DEFAULT_BUSY_SECONDS)))
    except ValueError:
        raise InputError(f"${BUSY_SECONDS_ENV} must be a number of seconds.") from None


def require_sound_sqlite(path: Path, connection: sqlite3.Connection | None = None) -> None:
    """`PRAGMA quick_check` passes (a new or empty file passes): no new work goes into a damaged file."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        if connection is not None:
            verdict = connection.execute("PRAGMA quick_check").fetchone()
        else:
            with closing(sqlite3.connect(str(path), timeout=busy_seconds())) as checking:
                verdict = checking.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise database_error(path, error) from error
    if verdict is None or verdict[0] != "ok":
        found = verdict[0] if verdict else "no answer"
        raise database_error(path, sqlite3.DatabaseError(f"database disk image is malformed ({found})"))


def database_error(path: Path, error: sqlite3.DatabaseError) -> DatabaseError:
    """What SQLite's error means for the user, with what to do about it."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"database busy: another process is writing to {path} (waited {busy_seconds():g} s); try again."
        )
    if "full" in text:
        return DatabaseError(
            f"no space left for the database {path} ({text}): free space on its disk, then continue; "
            "every finished step is saved."
        )
    if isinstance(error, sqlite3.OperationalError) and not any(word in text for word in DAMAGE_WORDS):
        return DatabaseError(f"the database {path} failed: {text}.")
    return DatabaseError(
        f"the database {path} is damaged ({text}). {_still_readable(path)} Keep a copy (cp {path} {path}.bak), "
        f"then recover what SQLite can: sqlite3 {path} .recover | sqlite3 {path}.recovered, and pass "
        f"--db {path}.recovered; new runs can use another --db meanwhile."
    )


def _still_readable(path: Path) -> str:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=busy_seconds())) as connection:
            (count,) = connection.execute("SELECT COUNT(DISTINCT thread_id) FROM checkpoints").fetchone()
    except sqlite3.DatabaseError:
        return "Its list of threads cannot be read."
    return (
        f"Its list of threads can still be read ({count} threads: sovereign threads --db {path}); "
        "a thread's own state may not."
    )
