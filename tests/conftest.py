from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.runtime.context import Context

SMOES = "2604.23996"
QUESTION = (
    "Does modality-guided expert specialization improve the accuracy and efficiency of MoE-based VLMs compared to "
    "modality-agnostic routing?"
)
# A question the snapshot cannot answer at all: the honest report has no claims.
UNANSWERABLE = "What is the boiling point of water at an altitude of 3000 metres?"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the user's ~/.sovereign."""
    home = tmp_path / "home"
    monkeypatch.setenv("SOVEREIGN_HOME", str(home))
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "runs.sqlite"


@pytest.fixture
def saver(db_path: Path) -> Iterator[SqliteSaver]:
    with sqlite_saver(db_path) as s:
        yield s


@pytest.fixture
def runner(saver: SqliteSaver) -> Runner:
    return Runner(saver, Context())
