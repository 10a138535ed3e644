"""Where the checkpoint database is, and how a `--db` may be printed: light helpers (no LangGraph) that
every command needs before it knows whether it needs the graph at all."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sovereign_home() -> Path:
    return Path(os.environ.get("SOVEREIGN_HOME") or Path.home() / ".sovereign")


def default_db_path() -> Path:
    return sovereign_home() / "sovereign.sqlite"


def is_postgres_url(db: str | Path) -> bool:
    return str(db).startswith(POSTGRES_SCHEMES)


def db_flag(db: str | None) -> str:
    """' --db DB' for a command printed for the user to copy (the password redacted); '' for the default database."""
    from sovereign_graph.names import shell_word

    return f" --db {shell_word(redacted(db))}" if db else ""


def redacted(db: str | Path) -> str:
    """The --db as it may be printed: a PostgreSQL URL without its password."""
    parts = urlsplit(str(db))
    if not is_postgres_url(db) or not parts.password:  # none, or empty (a unix socket's trust login)
        return str(db)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
