"""The persistent checkpointer that lets a paused run resume from any later process: a SQLite file (the
default), or PostgreSQL for many workers on one database (`--db postgresql://...`, extra `postgres`)."""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.encrypted import EncryptedSerializer
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.coordination.store import SqlCoordinator
from sovereign_graph.app.database_errors import busy_seconds, database_error, require_sound_sqlite
from sovereign_graph.app.thread_index import LATEST_THREADS
from sovereign_graph.app.writable import check_db_path
from sovereign_graph.errors import InputError
from sovereign_graph.home import default_db_path, is_postgres_url
from sovereign_graph.state import STATE_MODELS

# Serialises first-use schema set-up across workers that start together (PostgresSaver.setup is not).
SETUP_LOCK_KEY = 0x50_7E_12_E1


class Zlib:
    """Compresses what the checkpointer stores (a third of the bytes: passages, abstracts and quotes are prose). It
    plugs in where LangGraph takes a cipher, so a stored value is marked `msgpack+zlib` and one stored before, with
    no mark, still loads as it is."""

    def encrypt(self, plaintext: bytes) -> tuple[str, bytes]:
        return "zlib", zlib.compress(plaintext)

    def decrypt(self, ciphername: str, ciphertext: bytes) -> bytes:
        if ciphername != "zlib":
            raise ValueError(f"stored value marked {ciphername!r}: this version reads 'zlib' or unmarked ones")
        return zlib.decompress(ciphertext)


def state_serializer() -> EncryptedSerializer:
    """Compressed msgpack, with the state's pydantic models registered so checkpoints load them without
    'unregistered type' warnings."""
    models = JsonPlusSerializer(allowed_msgpack_modules=[(m.__module__, m.__name__) for m in STATE_MODELS])
    return EncryptedSerializer(Zlib(), serde=models)


@contextmanager
def sqlite_saver(path: Path, *, for_new_threads: bool = False) -> Iterator[SqliteSaver]:
    """A `SqliteSaver` on `path`. Another process writing waits up to `$SOVEREIGN_DB_BUSY_SECONDS`; SQLite's failures in
    the block (busy, full, damaged) come out as one `DatabaseError` naming the file and what to do.

    `for_new_threads`: refuse a file that fails `PRAGMA quick_check`, so no run adds work to a damaged file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False, timeout=busy_seconds())
    saver = SqliteSaver(connection, serde=state_serializer())
    try:
        if for_new_threads:
            require_sound_sqlite(path, connection)
        saver.setup()
        yield saver
    except sqlite3.DatabaseError as error:
        raise database_error(path, error) from error
    finally:
        # A LangGraph worker may still be inside the saver when Ctrl-C unwinds the main thread: closing the
        # connection under it crashes the interpreter, so close only between the saver's own operations.
        with saver.lock:
            connection.close()


def _try_setup_lock(connection: Any) -> bool:
    row = connection.execute("SELECT pg_try_advisory_lock(%s) AS ok", (SETUP_LOCK_KEY,)).fetchone()
    return bool(row and row["ok"])


@contextmanager
def postgres_saver(url: str) -> Iterator[Any]:
    """A `PostgresSaver` on one connection, with the state models registered; the schema is set up on first use."""
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError as error:
        raise InputError(
            'a PostgreSQL --db needs the postgres extra: pip install "sovereign-graph[postgres]".'
        ) from error
    try:
        connection = psycopg.Connection.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.OperationalError as error:
        raise InputError(f"cannot connect to the PostgreSQL --db: {str(error).strip().splitlines()[0]}") from None
    with connection:
        saver = PostgresSaver(connection, serde=state_serializer())
        # Poll rather than block: a blocked lock call is an open transaction, which the set-up's
        # CREATE INDEX CONCURRENTLY in the worker holding the lock would wait for (a deadlock).
        while not _try_setup_lock(connection):
            time.sleep(0.05)
        try:
            saver.setup()
            SqlCoordinator(connection, saver.lock, "postgres").setup()
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_KEY,))
        yield saver


@contextmanager
def open_saver(
    db: str | Path | None, *, must_exist: bool, for_new_threads: bool = False
) -> Iterator[BaseCheckpointSaver[Any]]:
    """The checkpointer `--db` names: a PostgreSQL URL, or a SQLite path (default: $SOVEREIGN_HOME/sovereign.sqlite).

    `for_new_threads` (run, fork): a SQLite file must pass an integrity check first."""
    if db is not None and is_postgres_url(db):
        with postgres_saver(str(db)) as saver:
            yield saver
        return
    path = check_db_path(Path(db) if db is not None else default_db_path(), must_exist=must_exist)
    with sqlite_saver(path, for_new_threads=for_new_threads) as saver:
        yield saver


def thread_ids(saver: BaseCheckpointSaver[Any]) -> list[str]:
    """Every thread in the database, most recently updated first."""
    if isinstance(saver, SqliteSaver):
        return [str(row[0]) for row in saver.conn.execute(LATEST_THREADS).fetchall()]
    connection = getattr(saver, "conn", None)
    if connection is not None and type(saver).__name__ == "PostgresSaver":
        with connection.cursor() as cursor:
            return [str(row["thread_id"]) for row in cursor.execute(LATEST_THREADS).fetchall()]
    # Any other saver (e.g. InMemorySaver): from its checkpoints, newest first.
    latest: dict[str, str] = {}
    for saved in saver.list(None):
        configurable = saved.config["configurable"]
        if configurable.get("checkpoint_ns", "") == "":
            thread, checkpoint = str(configurable["thread_id"]), str(configurable["checkpoint_id"])
            latest[thread] = max(latest.get(thread, ""), checkpoint)
    return sorted(latest, key=lambda t: latest[t], reverse=True)
