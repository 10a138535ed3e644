"""`sovereign batch` on SQLite: many rows by several workers, malformed rows skipped with their line, a re-run
that skips what is done and continues what a kill stopped, and bad input refused before any work."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.batch_cases import check_batch_runs_and_reruns, results_of
from tests.conftest import SMOES
from tests.faults.harness import FAULT_QUESTION, environment, run_args, signal_at, sovereign


def test_batch_of_twelve_rows_on_three_workers_then_a_rerun(tmp_path: Path) -> None:
    check_batch_runs_and_reruns(tmp_path, str(tmp_path / "batch.sqlite"))


def test_a_row_a_kill_stopped_is_continued_from_its_checkpoint(tmp_path: Path) -> None:
    db, out, env = tmp_path / "k.sqlite", tmp_path / "out", environment(tmp_path / "home")
    killed, reached = signal_at(run_args(db, out, "killed-row"), env, "extract", signal.SIGKILL)
    assert reached and killed.code == -signal.SIGKILL
    assert "stopped before" in sovereign(["threads", "--db", str(db)], env).stdout

    batch, results = tmp_path / "b.csv", tmp_path / "r.jsonl"
    batch.write_text(f'paper,question,thread\n{SMOES},"{FAULT_QUESTION}",killed-row\n', encoding="utf-8")
    done = sovereign(["batch", str(batch), "--db", str(db), "--out", str(out), "--results", str(results)], env)
    assert done.code == 0, done.stderr
    row = results_of(results)[2]  # the CSV's header is line 1
    assert row["resumed"] is True and row["status"] == "awaiting_owner"
    report = json.loads((out / "killed-row.json").read_text(encoding="utf-8"))
    # Continued, not started again: the plan it made before the kill is the one in its report.
    assert report["status"] == "awaiting_owner" and report["question"] == FAULT_QUESTION


def test_a_thread_that_holds_another_question_is_not_overwritten(tmp_path: Path) -> None:
    db, out, env = tmp_path / "q.sqlite", tmp_path / "out", environment(tmp_path / "home")
    assert sovereign(run_args(db, out, "taken"), env).code == 0
    batch, results = tmp_path / "b.jsonl", tmp_path / "r.jsonl"
    other = "Does expert pruning change the calibration of MoE vision-language models?"
    batch.write_text(json.dumps({"paper": SMOES, "question": other, "thread": "taken"}) + "\n", encoding="utf-8")
    done = sovereign(["batch", str(batch), "--db", str(db), "--out", str(out), "--results", str(results)], env)
    assert done.code == 1
    row = results_of(results)[1]
    assert row["status"] == "failed" and "already holds another question" in str(row["error"])
    assert json.loads((out / "taken.json").read_text(encoding="utf-8"))["question"] == FAULT_QUESTION


def test_bad_batch_input_is_refused_before_any_work(tmp_path: Path) -> None:
    env, db = environment(tmp_path / "home"), tmp_path / "n.sqlite"
    missing = sovereign(["batch", str(tmp_path / "nope.jsonl"), "--db", str(db)], env)
    assert missing.code == 2 and "no such batch file" in missing.stderr
    header = tmp_path / "h.csv"
    header.write_text("paper,query\nx,y\n", encoding="utf-8")
    bad_header = sovereign(["batch", str(header), "--db", str(db)], env)
    assert bad_header.code == 2 and "no question column" in bad_header.stderr
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert "no rows" in sovereign(["batch", str(empty), "--db", str(db)], env).stderr
    assert not db.exists()  # nothing was written
