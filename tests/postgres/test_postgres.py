"""Many workers on one PostgreSQL database: pause in one process and resume in another; ten runs in
parallel from three processes with no lost or mixed-up checkpoint; `sovereign threads` lists them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sovereign_graph.app.checkpoints import postgres_saver
from sovereign_graph.app.runner import Runner
from tests.conftest import QUESTION, SMOES

REPO = Path(__file__).resolve().parents[2]
TOPICS = (
    "cross-modal reasoning robustness",
    "routing collapse",
    "expert load balance",
    "visual question answering accuracy",
    "hallucination rates",
    "inference latency",
    "multilingual transfer",
    "adversarial perturbations",
    "token efficiency",
    "training stability",
)


def _env(tmp_path: Path) -> dict[str, str]:
    src = str(REPO / "src")
    return {**os.environ, "SOVEREIGN_HOME": str(tmp_path / "home"), "PYTHONPATH": f"{src}:{REPO}"}


def _sovereign(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sovereign_graph", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_pause_in_one_worker_resume_in_another(pg_url: str, tmp_path: Path) -> None:
    env, out = _env(tmp_path), tmp_path / "out"
    first = _sovereign(
        "run", "--db", pg_url, "--paper", SMOES, "--question", QUESTION, "--thread", "w1", "--out", str(out), env=env
    )
    assert first.returncode == 0, first.stderr
    assert "paused for the owner: sovereign resume w1 --db postgresql://" in first.stdout

    second = _sovereign("resume", "w1", "--db", pg_url, "--decision", "approve", "--note", "from worker 2", env=env)
    assert second.returncode == 0, second.stderr
    report = json.loads((out / "w1.json").read_text())
    assert report["status"] == "approved" and report["owner_decision"]["note"] == "from worker 2"
    shown = _sovereign("show", "w1", "--db", pg_url, "--json", env=env)
    assert json.loads(shown.stdout) == report


def test_ten_parallel_runs_from_three_processes(pg_url: str, tmp_path: Path) -> None:
    jobs = [
        [f"par-{i}", SMOES, f"How does expert specialization in SMoES affect {topic}?"]
        for i, topic in enumerate(TOPICS)
    ]
    batches = [jobs[0:4], jobs[4:7], jobs[7:10]]
    workers = [
        subprocess.Popen(
            [sys.executable, str(REPO / "tests" / "postgres" / "worker.py"), pg_url, json.dumps(batch)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(tmp_path),
        )
        for batch in batches
    ]
    results = []
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr
        results += [json.loads(line) for line in stdout.splitlines()]
    asked = {thread: question for thread, _, question in jobs}
    assert {r["thread"]: r["question"] for r in results} == asked
    assert {r["status"] for r in results} == {"awaiting_owner"}

    with postgres_saver(pg_url) as saver:
        runner = Runner(saver)
        assert {t.thread_id for t in runner.threads()} == set(asked)
        for thread, question in asked.items():
            snapshot = runner.graph.get_state({"configurable": {"thread_id": thread}})
            assert snapshot.values["question"] == question
            assert snapshot.interrupts[0].value["question"] == question  # the pending write is this thread's
            rows = runner.history(thread)  # a whole chain: every step, each written by its own thread's nodes
            assert [row.step for row in rows] == list(range(-1, len(rows) - 1))
            assert rows[-1].paused and rows[-1].wrote == ("policy",)
            for saved in saver.list({"configurable": {"thread_id": thread}}):
                assert saved.config["configurable"]["thread_id"] == thread
                if saved.checkpoint["channel_values"].get("question"):
                    assert saved.checkpoint["channel_values"]["question"] == question

    listing = _sovereign("threads", "--db", pg_url, env=_env(tmp_path))
    assert listing.returncode == 0, listing.stderr
    for thread in asked:
        assert thread in listing.stdout
    assert listing.stdout.count("awaiting_owner") == len(asked)


def test_a_postgres_url_that_cannot_connect_is_one_line(tmp_path: Path) -> None:
    result = _sovereign("threads", "--db", "postgresql://nobody:secret@127.0.0.1:1/none", env=_env(tmp_path))
    assert result.returncode == 2
    assert "cannot connect to the PostgreSQL --db" in result.stderr and "secret" not in result.stderr
