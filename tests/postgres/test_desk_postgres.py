"""The desk on a PostgreSQL database: threads any worker ran there are listed, and decided through the same path."""

from __future__ import annotations

import time
from pathlib import Path

from starlette.testclient import TestClient

from sovereign_graph.app.checkpoints import postgres_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.desk.app import create_app
from sovereign_graph.runtime.context import Context
from tests.conftest import QUESTION, SMOES
from tests.integration.test_desk_app import BASE, form_of


def test_the_desk_lists_and_decides_threads_on_postgres(pg_url: str, tmp_path: Path) -> None:
    with postgres_saver(pg_url) as saver:
        Runner(saver, Context()).start(SMOES, QUESTION, thread_id="pg-moe", max_revisions=0, out_dir=tmp_path)
    password_url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:hunter2-secret@", 1)
    app = create_app(pg_url, out_dir=tmp_path / "out")
    with TestClient(app, base_url=BASE) as client:
        listing = client.get("/").text
        assert 'data-thread="pg-moe"' in listing and "awaiting owner" in listing
        page = client.get("/threads/pg-moe").text
        fields = form_of(page) | {"decision": "approve", "note": "from the desk"}
        assert client.post("/threads/pg-moe/decision", data=fields, follow_redirects=False).status_code == 303
        jobs = app.state.desk.store.jobs
        deadline = time.monotonic() + 60
        while jobs.running("pg-moe"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert jobs.get("pg-moe").state == "done", jobs.get("pg-moe").error
    with postgres_saver(pg_url) as saver:
        assert Runner(saver, Context()).status("pg-moe") == "approved"
    # A password in the URL is never on a page.
    with TestClient(create_app(password_url), base_url=BASE) as client:
        assert "hunter2-secret" not in client.get("/").text
        assert "hunter2-secret" not in client.get("/threads/pg-moe").text
        assert "hunter2-secret" not in client.get("/threads/nope").text
