"""PostgreSQL with pgvector for the shared-corpus tests: a throwaway cluster from the `pgserver` wheel
(PostgreSQL 16 + pgvector, no system packages), started once per session in a temporary directory and
reached over its unix socket only (it listens on no TCP address); one fresh database per test module.

SOVEREIGN_TEST_PGVECTOR_URL names a server of your own instead (any PostgreSQL >= 15 with pgvector >= 0.6).
Without either, the tests are skipped, saying how to install pgserver; in CI (CI=true) they must run.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

URL_VARIABLE = "SOVEREIGN_TEST_PGVECTOR_URL"


@pytest.fixture(scope="session")
def pgvector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a server's `postgres` database on which `CREATE EXTENSION vector` works."""
    given = os.environ.get(URL_VARIABLE)
    if given:
        yield given
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, at import: XDG_RUNTIME_DIR is not set (it uses /tmp)
            import pgserver
    except ImportError:
        reason = f"no pgvector server: python3 -m pip install pgserver (or set {URL_VARIABLE}) to run this"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must install it (see .ci/run).")
        pytest.skip(reason)
    # A short path: the socket lives in it, and a unix socket path is limited to ~100 bytes.
    directory = Path(tmp_path_factory.mktemp("pg", numbered=True)) / "data"
    server = pgserver.get_server(directory, cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def pgvector_url(pgvector_server: str) -> Iterator[str]:
    """A fresh database of that server (dropped afterwards), with the extension available."""
    import psycopg

    name = f"sovereign_pgv_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pgvector_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # a generated name, never a user's
    try:
        yield _with_database(pgvector_server, name)
    finally:
        with psycopg.connect(pgvector_server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
