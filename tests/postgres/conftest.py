"""PostgreSQL for the many-workers tests: the server `.ci/run` starts (SOVEREIGN_TEST_PG_URL), one fresh
database per test. Locally, without the variable, these tests are skipped; in CI (CI=true) they must run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_URL_VARIABLE = "SOVEREIGN_TEST_PG_URL"


@pytest.fixture
def pg_url() -> Iterator[str]:
    server = os.environ.get(PG_URL_VARIABLE)
    if not server:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_URL_VARIABLE} is not set: CI must start PostgreSQL (see .ci/run).")
        pytest.skip(f"no PostgreSQL: set {PG_URL_VARIABLE}=postgresql://user@127.0.0.1:PORT/postgres to run this.")
    import psycopg

    name = f"sovereign_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
