"""The examples in examples/ run as documented: a host graph with ours as a subgraph, and the HTTP service."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

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

        decided = http.post(f"/runs/{thread}/decision", json={"decision": "approve", "note": "via HTTP"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["report"]["owner_decision"] == {"decision": "approve", "note": "via HTTP"}
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
