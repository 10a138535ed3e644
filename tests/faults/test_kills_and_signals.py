"""SIGKILL at every node boundary, SIGINT/SIGTERM in every phase, and the Ctrl-C race, as a user meets
them: nothing finished is lost, a stopped run says so and how to continue, and nothing crashes."""

from __future__ import annotations

import signal

import pytest

from tests.faults.conftest import assert_nothing_lost
from tests.faults.scenarios import (
    Workspace,
    ctrl_c_race,
    kill_after_the_owners_revise,
    kill_at_every_boundary,
    signal_at_a_boundary,
    signal_while_starting,
)


def test_a_kill_at_each_node_boundary_then_resume_gives_the_uninterrupted_draft(space: Workspace) -> None:
    assert_nothing_lost(kill_at_every_boundary(space))


def test_a_kill_right_after_the_owners_revise_does_not_lose_it(space: Workspace, shared: Workspace) -> None:
    space.__dict__["reference_revised"] = shared.reference_revised
    assert_nothing_lost(kill_after_the_owners_revise(space))


@pytest.mark.parametrize(("signum", "node"), [(signal.SIGINT, "index"), (signal.SIGTERM, "tribunal")])
def test_a_signal_mid_run_stops_with_where_and_how_to_continue(space: Workspace, signum: int, node: str) -> None:
    assert_nothing_lost(signal_at_a_boundary(space, signum, node))


@pytest.mark.parametrize(("signum", "seconds"), [(signal.SIGINT, 0.3), (signal.SIGTERM, 0.8), (signal.SIGINT, 1.5)])
# From 0.3 s on the command's own code runs (the interpreter's first ~0.1 s of start-up, before any of our
# code, ends with Python's own traceback on Ctrl-C, like any Python program).
def test_a_signal_while_starting_ends_with_one_line_and_no_traceback(
    space: Workspace, signum: int, seconds: float
) -> None:
    assert_nothing_lost(signal_while_starting(space, signum, seconds))


def test_ctrl_c_at_random_moments_never_crashes_and_every_thread_resumes(space: Workspace) -> None:
    assert_nothing_lost(ctrl_c_race(space, runs=30))
