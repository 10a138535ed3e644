"""Connections to a corpus database, with errors that say what is wrong and never show a password."""

from __future__ import annotations

from typing import Any

import psycopg

from sovereign_graph.errors import InputError
from sovereign_graph.home import is_postgres_url, redacted


def _first_line(error: BaseException, url: str) -> str:
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    try:
        password = psycopg.conninfo.conninfo_to_dict(url).get("password")
    except psycopg.Error:
        return "the URL cannot be parsed"  # its text may hold the password: say nothing more
    return text.replace(str(password), "***") if password else text


def connect(url: str) -> Any:
    """An autocommit connection (a reader holds no transaction open), or InputError."""
    if not is_postgres_url(url):
        raise InputError(f"{redacted(url)} is not a PostgreSQL URL (postgresql://user@host:port/db).")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        raise InputError(
            f"cannot connect to the PostgreSQL database {redacted(url)}: {_first_line(error, url)}"
        ) from None


def require_pgvector(connection: Any, url: str) -> None:
    """`CREATE EXTENSION IF NOT EXISTS vector`, or InputError saying what the server lacks."""
    try:
        connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as error:
        raise InputError(
            f"the database {redacted(url)} cannot use pgvector ({_first_line(error, url)}); a corpus in PostgreSQL "
            "needs PostgreSQL >= 15 with pgvector >= 0.6 installed on the server (or the `pgserver` wheel)."
        ) from None
