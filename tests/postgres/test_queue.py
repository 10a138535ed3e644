"""The durable queue as a lab would use it: rows enqueued by `sovereign batch --queue`, taken by two
`sovereign worker` processes; one is SIGKILLed mid-run and the other finishes that run from its checkpoint,
exactly once, while `sovereign queue status` tells the truth throughout."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import SMOES
from tests.faults.harness import COMMAND, FAULT_QUESTION, TIMEOUT, environment, sovereign

STALL = "16"  # seconds: just past the thread lease (15 s), so a dead worker's job is retried soon


def _status(db: str, env: dict[str, str]) -> str:
    found = sovereign(["queue", "status", "--db", db], env)
    assert found.code == 0, found.stderr
    return found.stdout


def _counts(db: str, env: dict[str, str]) -> list[str]:
    table = _status(db, env).splitlines()
    row = next(line for line in table if line.startswith("│"))
    return [cell.strip() for cell in row.strip("│").split("│")]


def test_a_killed_workers_job_is_finished_by_another_from_its_checkpoint(tmp_path: Path, pg_url: str) -> None:
    env = environment(tmp_path / "home", SOVEREIGN_QUEUE_STALL_SECONDS=STALL)
    batch = tmp_path / "batch.jsonl"
    rows = [{"paper": SMOES, "question": FAULT_QUESTION, "thread": "queued-run"}, {"paper": SMOES, "questoin": "x"}]
    batch.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    queued = sovereign(["batch", str(batch), "--queue", pg_url], env)
    assert queued.code == 1 and "1 row(s) queued" in queued.stdout and "line 2: skipped" in queued.stderr
    assert _counts(pg_url, env) == ["1", "0", "0", "0"]  # queued, running, done, failed

    out_a, out_b = tmp_path / "a", tmp_path / "b"
    first = subprocess.Popen(
        [*COMMAND, "worker", "--db", pg_url, "--out", str(out_a)], env=env, stderr=subprocess.PIPE, text=True
    )
    assert first.stderr is not None
    for line in first.stderr:  # killed at a node boundary in the middle of the run
        if line.split()[1:3] == ["queued-run", "extract"]:
            first.send_signal(signal.SIGKILL)
            break
    assert first.wait(timeout=TIMEOUT) == -signal.SIGKILL
    assert _counts(pg_url, env) == ["0", "1", "0", "0"]
    deadline = time.monotonic() + 60
    while "stuck: job" not in (shown := _status(pg_url, env)):
        assert time.monotonic() < deadline, shown
        time.sleep(1)
    assert "(queued-run) — worker silent for" in shown

    second = subprocess.Popen(
        [*COMMAND, "worker", "--db", pg_url, "--out", str(out_b)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert second.stderr is not None
        told = []
        for line in second.stderr:
            told.append(line)
            if "queued-run awaiting_owner" in line:
                break
        assert any("put back in the queue" in line for line in told), told
        assert "continued" in told[-1]  # resumed from the checkpoint, not started again
        assert _counts(pg_url, env) == ["0", "0", "1", "0"] and "stuck" not in _status(pg_url, env)

        report = json.loads((out_b / "queued-run.json").read_text(encoding="utf-8"))
        assert report["status"] == "awaiting_owner" and report["question"] == FAULT_QUESTION
        assert not (out_a / "queued-run.json").exists()  # the killed worker never got to write it
        history = sovereign(["history", "queued-run", "--db", pg_url], env)
        assert history.code == 0, history.stderr
        wrote = [line.split("│")[3].strip() for line in history.stdout.splitlines() if line.startswith("│")]
        assert wrote.count("input") == wrote.count("plan") == 1  # started once: continued, not run again

        # The same batch again: the row's job is done, so nothing is queued and the worker has nothing to run.
        again = sovereign(["batch", str(batch), "--queue", pg_url], env)
        assert "already has a succeeded job" in again.stderr and "0 row(s) queued" in again.stdout
        assert _counts(pg_url, env) == ["0", "0", "1", "0"]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=TIMEOUT)


def test_worker_and_status_refuse_a_sqlite_db(tmp_path: Path) -> None:
    env = environment(tmp_path / "home")
    for args in (["worker", "--db", str(tmp_path / "x.sqlite")], ["queue", "status", "--db", "x.sqlite"]):
        refused = sovereign(args, env)
        assert refused.code == 2 and "must be a PostgreSQL URL" in refused.stderr
