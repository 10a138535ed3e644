"""The fault suite: real processes, real signals, real file systems (see scenarios.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.scenarios import FaultResult, Workspace, can_mount


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One workspace whose uninterrupted reference run the scenarios compare against."""
    return Workspace(tmp_path_factory.mktemp("faults-reference"))


@pytest.fixture
def space(tmp_path: Path, shared: Workspace) -> Workspace:
    place = Workspace(tmp_path / "space")
    place.__dict__["reference"] = shared.reference
    return place


@pytest.fixture(scope="session")
def mountable() -> None:
    if not can_mount():
        pytest.skip("mounting a tmpfs or a read-only bind mount is not permitted on this machine")


def assert_nothing_lost(result: FaultResult) -> None:
    assert result.problems == [], f"{result.fault}: {result.problems}"
    assert result.lost == "nothing", f"{result.fault}: lost {result.lost}"
