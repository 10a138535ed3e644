"""Pause in one process, resume in another from the same SQLite file: the owner answers hours later."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import QUESTION, SMOES


def _sovereign(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sovereign_graph", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_pause_in_one_process_resume_in_another(tmp_path: Path) -> None:
    env = {**os.environ, "SOVEREIGN_HOME": str(tmp_path / "home")}
    out = tmp_path / "reports"
    first = _sovereign("run", "--paper", SMOES, "--question", QUESTION, "--thread", "x1", "--out", str(out), env=env)
    assert first.returncode == 0, first.stderr
    assert "paused for the owner: sovereign resume x1" in first.stdout
    assert "plan" in first.stderr and "tribunal" in first.stderr, "progress per node"

    second = _sovereign("resume", "x1", "--decision", "approve", "--note", "ok to publish", env=env)
    assert second.returncode == 0, second.stderr
    report = json.loads((out / "x1.json").read_text())  # resume writes where the draft went
    assert report["status"] == "approved"
    assert report["owner_decision"]["note"] == "ok to publish"

    shown = _sovereign("show", "x1", "--json", env=env)
    assert json.loads(shown.stdout) == report
