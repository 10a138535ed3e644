"""What a command pays before its own work, and the ways of giving a question."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sovereign_graph.cli import app
from tests.conftest import QUESTION, SMOES

cli = CliRunner()
HEAVY = ("langgraph.graph", "sklearn", "scipy", "sovereign_graph.graph", "sovereign_graph.text.lsa")


def test_the_command_line_loads_no_graph_and_no_engine_until_a_command_needs_them() -> None:
    probe = f"import sys, sovereign_graph.cli.commands; print([m for m in {HEAVY!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
    helped = subprocess.run([sys.executable, "-m", "sovereign_graph", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "resume" in helped.stdout


def test_a_question_from_a_file_or_stdin_is_the_same_run(tmp_path: Path) -> None:
    spaced = tmp_path / "my runs"
    question_file = tmp_path / "question.txt"
    question_file.write_text(QUESTION + "\n", encoding="utf-8")
    db = spaced / "r.sqlite"
    base = ["run", "--paper", SMOES, "--db", str(db), "--out", str(spaced / "out")]
    from_file = cli.invoke(app, [*base, "--question-file", str(question_file), "--thread", "f"])
    assert from_file.exit_code == 0, from_file.output
    from_stdin = cli.invoke(app, [*base, "--question-file", "-", "--thread", "s"], input=QUESTION)
    assert from_stdin.exit_code == 0, from_stdin.output
    reports = [json.loads((spaced / "out" / f"{t}.json").read_text()) for t in ("f", "s")]
    assert reports[0]["question"] == reports[1]["question"] == QUESTION
    # The resume hint is one a shell takes as it is, even for a --db with a space in it.
    hint = next(line for line in from_file.output.splitlines() if line.startswith("paused for the owner: "))
    words = shlex.split(hint.removeprefix("paused for the owner: "))
    assert words[:5] == ["sovereign", "resume", "f", "--db", str(db)]


def test_both_or_neither_question_option_is_one_line_and_exit_2(tmp_path: Path) -> None:
    question_file = tmp_path / "q.txt"
    question_file.write_text(QUESTION, encoding="utf-8")
    both = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--question-file", str(question_file)])
    neither = cli.invoke(app, ["run", "--paper", SMOES])
    missing = cli.invoke(app, ["run", "--paper", SMOES, "--question-file", str(tmp_path / "absent.txt")])
    for result in (both, neither, missing):
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "absent.txt" in missing.output
