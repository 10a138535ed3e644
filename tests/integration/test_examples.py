"""The examples in examples/ run as documented: a host graph with ours as a subgraph, and the HTTP service."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import QUESTION, SMOES

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "examples"))

import service  # noqa: E402


def test_host_subgraph_example_surfaces_the_owner_interrupt_and_publishes(tmp_path: Path) -> None:
    env = {**os.environ, "SOVEREIGN_HOME": str(tmp_path), "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "host_subgraph.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    asked, published = result.stdout.strip().splitlines()
    assert asked.startswith("owner asked: ") and asked.split()[2] in ("ACCEPT", "REVISE", "REJECT")
    assert published.startswith("approved: SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs")


def test_service_starts_runs_and_accepts_decisions(tmp_path: Path) -> None:
    db = tmp_path / "service.sqlite"
    with service.serving(db) as server, httpx.Client(base_url=f"http://127.0.0.1:{server.server_address[1]}") as http:
        started = http.post("/runs", json={"paper": SMOES, "question": QUESTION, "max_revisions": 0})
        assert started.status_code == 201, started.text
        run = started.json()
        thread = run["thread_id"]
        assert run["paused"] and run["report"]["status"] == "awaiting_owner"

        assert http.get(f"/runs/{thread}").json()["status"] == "awaiting_owner"
        bad = http.post(f"/runs/{thread}/decision", json={"decision": "maybe"})
        assert bad.status_code == 400 and "approve, reject, revise" in bad.json()["error"]

        decided = http.post(f"/runs/{thread}/decision", json={"decision": "approve", "note": "via HTTP", "by": ""})
        assert decided.status_code == 200, decided.text
        assert decided.json()["report"]["owner_decision"] == {"decision": "approve", "note": "via HTTP", "by": ""}
        assert http.get(f"/runs/{thread}").json()["status"] == "approved"

        assert http.post("/runs", json={"paper": SMOES, "question": " "}).status_code == 400
        assert http.post("/runs", content=b"not json").status_code == 400
        assert http.get("/runs/nope").status_code == 404
    # The runs live in the checkpointer, so the CLI sees the same thread.
    listing = subprocess.run(
        [sys.executable, "-m", "sovereign_graph", "threads", "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        timeout=120,
    )
    assert thread in listing.stdout and "approved" in listing.stdout


def test_two_services_on_one_database_answer_one_decision_and_409_to_the_other(tmp_path: Path) -> None:
    """Each service serialises its own calls; two of them (two processes, or one and the CLI) on one --db
    race for a pause. The database settles it: one decision applies (200), the other is told why (409)."""
    db = tmp_path / "service.sqlite"
    with service.serving(db) as first, service.serving(db) as second:
        urls = [f"http://127.0.0.1:{s.server_address[1]}" for s in (first, second)]
        with httpx.Client(base_url=urls[0], timeout=120) as http:
            started = http.post("/runs", json={"paper": SMOES, "question": QUESTION, "max_revisions": 0})
        assert started.status_code == 201, started.text
        thread = started.json()["thread_id"]

        together = threading.Barrier(2)
        answers: dict[str, httpx.Response] = {}

        def decide(url: str, decision: str) -> None:
            with httpx.Client(base_url=url, timeout=120) as http:
                together.wait()
                answers[decision] = http.post(f"/runs/{thread}/decision", json={"decision": decision, "note": url})

        deciders = [
            threading.Thread(target=decide, args=(url, decision))
            for url, decision in zip(urls, ["approve", "reject"], strict=True)
        ]
        for decider in deciders:
            decider.start()
        for decider in deciders:
            decider.join()

        codes = sorted(answer.status_code for answer in answers.values())
        assert codes == [200, 409], {d: (a.status_code, a.text) for d, a in answers.items()}
        (won,) = [d for d, a in answers.items() if a.status_code == 200]
        (lost,) = [a for a in answers.values() if a.status_code == 409]
        assert "decided meanwhile" in lost.json()["error"] or "already final" in lost.json()["error"], lost.text
        final = {"approve": "approved", "reject": "rejected"}[won]
        for url in urls:  # both services see the decision that won, and only it
            with httpx.Client(base_url=url) as http:
                shown = http.get(f"/runs/{thread}").json()
            assert shown["status"] == final
            assert shown["report"]["owner_decision"]["decision"] == won


def test_a_busy_database_answers_503_and_the_same_decision_works_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    db = tmp_path / "service.sqlite"
    monkeypatch.setenv("SOVEREIGN_DB_BUSY_SECONDS", "0.3")
    with service.serving(db) as server, httpx.Client(base_url=f"http://127.0.0.1:{server.server_address[1]}") as http:
        thread = http.post("/runs", json={"paper": SMOES, "question": QUESTION, "max_revisions": 0}).json()["thread_id"]
        locker = sqlite3.connect(str(db), isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # another process writing
        try:
            busy = http.post(f"/runs/{thread}/decision", json={"decision": "approve"})
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert busy.status_code == 503 and "database busy" in busy.json()["error"]
        again = http.post(f"/runs/{thread}/decision", json={"decision": "approve"})
        assert again.status_code == 200, again.text
        assert again.json()["report"]["status"] == "approved"
