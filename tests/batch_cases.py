"""A batch as a user runs it: the real `sovereign batch` command in its own process, on a database given as
a SQLite path or a PostgreSQL URL (shared by the SQLite and the PostgreSQL tests)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import QUESTION, SMOES, UNANSWERABLE
from tests.faults.harness import environment, sovereign

# Papers of the bundled snapshot, and questions researchers would ask of them.
PAPERS = ("2511.15690", "2506.06406", "2509.12715", "2604.08541", SMOES)
QUESTIONS = (
    QUESTION,
    UNANSWERABLE,
    "Does modality-aware routing reduce interference between vision and language experts?",
)


def write_batch(path: Path, good_rows: int) -> list[dict[str, str]]:
    """`good_rows` runnable rows, then a line that is not JSON and a row with a misspelt field (lines
    good_rows + 1 and + 2)."""
    rows = [
        {"paper": PAPERS[i % len(PAPERS)], "question": QUESTIONS[i % len(QUESTIONS)], "thread": f"row-{i:02d}"}
        for i in range(good_rows)
    ]
    lines = [json.dumps(r) for r in rows] + ["{not json", json.dumps({"paper": SMOES, "questoin": "typo here"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rows


def results_of(path: Path) -> dict[int, dict[str, object]]:
    return {int(r["line"]): r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def check_batch_runs_and_reruns(tmp_path: Path, db: str, workers: int = 3, good_rows: int = 10) -> None:
    batch, out, results = tmp_path / "batch.jsonl", tmp_path / "out", tmp_path / "results.jsonl"
    rows = write_batch(batch, good_rows)
    env = environment(tmp_path / "home")
    args = ["batch", str(batch), "--workers", str(workers), "--db", db, "--out", str(out), "--results", str(results)]

    first = sovereign(args, env)
    # Two malformed rows: not every row is done, so exit 1, with those lines named; the others all ran.
    assert first.code == 1, first.stderr
    assert f"line {good_rows + 1}: skipped — not JSON" in first.stderr
    assert f"line {good_rows + 2}: skipped — unknown field(s) questoin" in first.stderr
    assert f"not done: line(s) {good_rows + 1}, {good_rows + 2}" in first.stdout
    found = results_of(results)
    assert len(found) == good_rows + 2
    for line, row in enumerate(rows, start=1):
        got = found[line]
        assert got["thread"] == row["thread"] and got["status"] == "awaiting_owner", got
        assert not got["skipped"]
        report = json.loads((out / f"{row['thread']}.json").read_text(encoding="utf-8"))
        assert report["question"] == row["question"] and report["status"] == "awaiting_owner"
        assert report["score"] == got["score"] and report["recommendation"] == got["recommendation"]
    assert found[good_rows + 1]["status"] == found[good_rows + 2]["status"] == "malformed"

    listed = sovereign(["threads", "--db", db], env)
    assert listed.code == 0 and all(r["thread"] in listed.stdout for r in rows)

    # The same batch again: every row is already done, none runs twice.
    again = sovereign(args, env)
    assert again.code == 1
    rerun = results_of(results)
    for line in range(1, good_rows + 1):
        assert rerun[line]["skipped"] is True and rerun[line]["status"] == "awaiting_owner", rerun[line]
        assert rerun[line]["score"] == found[line]["score"]
    assert again.stdout.count("(already done)") == good_rows
