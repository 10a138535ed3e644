"""`sovereign batch` reads each line on its own: one bad line (too deep, not text, too long, a field over the
csv module's limit, the wrong type) is named with its reason and skipped, the other rows run, and the exit code
(1) says some were not done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sovereign_graph.batch.rows import BatchRow, read_batch
from tests.batch_cases import results_of
from tests.conftest import SMOES
from tests.faults.harness import FAULT_QUESTION, environment, sovereign

GOOD = {"paper": SMOES, "question": FAULT_QUESTION}


def _row(**fields: object) -> bytes:
    return json.dumps(GOOD | fields).encode()


JSONL_CASES = {
    "nested 200,000 deep": (b"[" * 200_000 + b"]" * 200_000, "JSON nested too deep to read"),
    "a lone surrogate": (_row(question="Why \ud800?"), "question holds a lone surrogate (\\ud800), which is not text"),
    "invalid UTF-8": (_row(thread="cafe").replace(b"cafe", b"caf\xe9"), "not UTF-8 text (byte 0xe9"),
    "a list question": (_row(question=["a", "list"]), "question must be a string, not a list"),
    "a number paper": (
        b'{"paper": 2301.10000, "question": "Q?"}',
        "paper must be a string, not a number (2301.1): a number may have lost digits",
    ),
    "a line over 1 MB": (_row(question="x " * 600_000), "longer than the 1,048,576-byte limit for a line"),
}


def _write_jsonl(path: Path, bad: bytes) -> None:
    good = [_row(thread="first"), bad, _row(thread="third")]
    path.write_bytes(b"\n".join(good) + b"\n")


@pytest.mark.parametrize("case", list(JSONL_CASES))
def test_one_bad_jsonl_line_is_named_and_the_other_rows_are_kept(tmp_path: Path, case: str) -> None:
    bad, reason = JSONL_CASES[case]
    _write_jsonl(tmp_path / "b.jsonl", bad)
    batch = read_batch(tmp_path / "b.jsonl")
    assert [(r.line, r.thread) for r in batch.rows] == [(1, "first"), (3, "third")]
    (problem,) = batch.problems
    assert problem.line == 2 and problem.reason.startswith(reason), problem


def test_a_csv_field_over_the_limit_skips_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    huge = "x" * 300_000  # over the csv module's 128 KB default and our 256 KB cap
    path.write_text(f"paper,question,thread\n{SMOES},Q one?,one\n{SMOES},{huge},two\n{SMOES},Q three?,three\n")
    batch = read_batch(path)
    assert [(r.line, r.thread) for r in batch.rows] == [(2, "one"), (4, "three")]
    assert [(p.line, p.reason) for p in batch.problems] == [(3, "a field over the 262,144-character limit")]


def test_a_csv_line_that_is_not_utf8_skips_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(f"paper,question\n{SMOES},Q one?\n{SMOES},caf\xe9?\n{SMOES},Q three?\n".encode("latin-1"))
    batch = read_batch(path)
    assert [r.line for r in batch.rows] == [2, 4] and all(isinstance(r, BatchRow) for r in batch.rows)
    assert [(p.line, p.reason[:28]) for p in batch.problems] == [(3, "not UTF-8 text (byte 0xe9 at")]


def test_the_command_runs_the_good_rows_and_names_every_bad_line(tmp_path: Path) -> None:
    """The real command on a file with every bad JSONL case between two good rows: exit 1, each bad line named
    with its reason, the good rows at the owner's pause."""
    lines = [_row(thread="good-first"), *(bad for bad, _ in JSONL_CASES.values()), _row(thread="good-last")]
    batch, results, out = tmp_path / "b.jsonl", tmp_path / "r.jsonl", tmp_path / "out"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    args = ["batch", str(batch), "--db", str(tmp_path / "b.sqlite"), "--out", str(out), "--results", str(results)]
    done = sovereign(args, environment(tmp_path / "home"))
    assert done.code == 1, done.stderr
    for line, (_, reason) in enumerate(JSONL_CASES.values(), start=2):
        assert f"line {line}: skipped — {reason}" in done.stderr
    last = len(lines)
    found = results_of(results)
    assert found[1]["status"] == found[last]["status"] == "awaiting_owner"
    assert (out / "good-first.json").exists() and (out / "good-last.json").exists()
    assert f"not done: line(s) {', '.join(str(n) for n in range(2, last))}" in done.stdout
