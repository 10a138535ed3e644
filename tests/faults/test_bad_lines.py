"""One bad line or one hostile file never loses the job: the fault scenarios of bad_lines.py and hostile_files.py,
as the fault benchmark runs them."""

from __future__ import annotations

from pathlib import Path

from tests.faults.bad_lines import bad_batch_lines, bad_corpus_lines
from tests.faults.conftest import assert_nothing_lost
from tests.faults.hostile_files import hostile_library
from tests.faults.scenarios import Workspace


def test_bad_corpus_lines_cost_only_themselves(tmp_path: Path) -> None:
    assert_nothing_lost(bad_corpus_lines(Workspace(tmp_path / "space")))


def test_bad_batch_lines_cost_only_themselves(tmp_path: Path) -> None:
    assert_nothing_lost(bad_batch_lines(Workspace(tmp_path / "space")))


def test_a_hostile_library_costs_only_its_bad_files(tmp_path: Path) -> None:
    assert_nothing_lost(hostile_library(Workspace(tmp_path / "space")))
