"""The neural engines as a user selects them: `--relevance neural` and `--verifier neural` run to the owner's pause
on the shipped reader (the path CI keeps alive), say so in the report's method, and are recorded with the thread;
weights that do not match their manifest stop a run before it starts, with one line; `sovereign models` checks
the shipped weights and refuses to train without the train extra."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.ml.reader.manifest import MANIFEST_FILE
from sovereign_graph.ml.reader.runtime import FOLDER_VARIABLE, TOKENIZER_FILE, WEIGHTS_FILE, shipped_folder
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from tests.conftest import QUESTION, SMOES

cli = CliRunner()


def test_neural_relevance_and_verifier_run_to_the_pause_and_are_recorded(tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    args = ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--out", str(out), "--thread", "n"]
    result = cli.invoke(app, [*args, "--relevance", "neural", "--verifier", "neural"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "n.json").read_text())
    assert "neural relevance model" in report["method"]["extract"]
    assert "embedded reader's stance" in report["method"]["verify"]
    bar = load_relevance_model("neural").bar
    claims = report["claims"]
    assert claims, "the subject's own finding on the question is claimed"
    assert all(c["relevance"] >= min(bar.threshold, bar.subject_threshold) for c in claims)
    shown = cli.invoke(app, ["show", "n", "--db", str(db), "--json"])
    assert shown.exit_code == 0
    resumed = cli.invoke(app, ["resume", "n", "--db", str(db), "--decision", "approve"])
    assert resumed.exit_code == 0, resumed.output
    final = json.loads((out / "n.json").read_text())
    assert final["method"]["extract"] == report["method"]["extract"], "the resume judged by the recorded engines"


def test_weights_that_do_not_match_their_manifest_stop_a_run_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reader"
    folder.mkdir()
    for name in (WEIGHTS_FILE, TOKENIZER_FILE, MANIFEST_FILE):
        shutil.copyfile(shipped_folder() / name, folder / name)
    with (folder / WEIGHTS_FILE).open("r+b") as weights:
        weights.truncate(1000)
    monkeypatch.setenv(FOLDER_VARIABLE, str(folder))
    db = tmp_path / "r.sqlite"
    run = ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--out", str(tmp_path / "out")]
    result = cli.invoke(app, [*run, "--relevance", "neural"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and WEIGHTS_FILE in lines[0] and "sovereign models train" in lines[0]
    if db.exists():
        with sqlite3.connect(db) as connection:
            tables = {r[0] for r in connection.execute("select name from sqlite_master")}
            if "checkpoints" in tables:
                assert connection.execute("select count(*) from checkpoints").fetchone()[0] == 0
    # The lexical engines never read the reader: the same broken weights do not stop them.
    lexical = cli.invoke(
        app, ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--out", str(tmp_path / "out")]
    )
    assert lexical.exit_code == 0, lexical.output


def test_models_check_names_the_weights_and_their_figures() -> None:
    result = cli.invoke(app, ["models", "check"])
    assert result.exit_code == 0, result.output
    assert "2 files match" in result.output and "relevance AUC" in result.output


def test_models_train_without_the_train_extra_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "from sovereign_graph.cli import app\n"
        "app(['models', 'train', '--work', sys.argv[1]])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "work")], capture_output=True, text=True, env=os.environ
    )
    assert done.returncode == 2
    assert "sovereign-graph[train]" in done.stderr and "torch==2.13.0" in done.stderr
    assert not (tmp_path / "work").exists()


def test_a_neural_engine_without_the_reader_extra_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "sys.modules['onnxruntime'] = None  # as if the reader extra were not installed\n"
        "from sovereign_graph.cli import app\n"
        f"app(['run', '--paper', '{SMOES}', '--question', 'Does routing help?', '--db', sys.argv[1],"
        " '--verifier', 'neural'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "r.sqlite")], capture_output=True, text=True, env=os.environ
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip() == 'error: the neural engines need the reader extra: pip install "sovereign-graph[reader]".'
    )
