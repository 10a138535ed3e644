"""The persistent checkpointer: a SQLite file that lets a paused run resume from any later process."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.errors import InputError
from sovereign_graph.state import STATE_MODELS

SQLITE_HEADER = b"SQLite format 3\x00"


def sovereign_home() -> Path:
    return Path(os.environ.get("SOVEREIGN_HOME") or Path.home() / ".sovereign")


def default_db_path() -> Path:
    return sovereign_home() / "sovereign.sqlite"


def state_serializer() -> JsonPlusSerializer:
    """Registers the state's pydantic models, so checkpoints load them without 'unregistered type' warnings."""
    return JsonPlusSerializer(allowed_msgpack_modules=[(m.__module__, m.__name__) for m in STATE_MODELS])


def check_db_path(path: Path, *, must_exist: bool) -> Path:
    """A usable SQLite path: an existing SQLite file, or (when allowed) a new file in a writable place."""
    if path.is_dir():
        raise InputError(f"--db {path} is a directory, not a SQLite file.")
    if path.exists():
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise InputError(f"--db {path} is not a SQLite database.")
        return path
    if must_exist:
        raise InputError(f"no database at {path}: start a run first (sovereign run), or pass --db.")
    return path


@contextmanager
def sqlite_saver(path: Path) -> Iterator[SqliteSaver]:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False)
    try:
        saver = SqliteSaver(connection, serde=state_serializer())
        saver.setup()
        yield saver
    except sqlite3.DatabaseError as error:
        raise InputError(f"--db {path} is not a usable SQLite database ({error}).") from error
    finally:
        connection.close()


def thread_ids(saver: SqliteSaver) -> list[str]:
    """Every thread in the database, most recently updated first."""
    rows = saver.conn.execute(
        "SELECT thread_id, MAX(checkpoint_id) AS latest FROM checkpoints WHERE checkpoint_ns = '' "
        "GROUP BY thread_id ORDER BY latest DESC"
    ).fetchall()
    return [str(row[0]) for row in rows]
