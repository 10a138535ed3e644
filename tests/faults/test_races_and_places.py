"""Two owners at once, many runs on one file, a locked, full, read-only or damaged place, hostile ids."""

from __future__ import annotations

import os

import pytest

from tests.faults.conftest import assert_nothing_lost
from tests.faults.scenarios import (
    Workspace,
    a_live_run_is_running,
    damaged_databases,
    full_disk_database,
    full_disk_reports,
    hostile_thread_ids,
    locked_database,
    many_runs_one_file,
    race_decisions,
    read_only_places,
)


def test_two_owners_deciding_at_once_on_sqlite_apply_exactly_one(space: Workspace) -> None:
    assert_nothing_lost(race_decisions(space, str(space.db), "race"))


def test_two_owners_deciding_at_once_on_postgres_apply_exactly_one(space: Workspace) -> None:
    url = os.environ.get("SOVEREIGN_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL: set SOVEREIGN_TEST_PG_URL")
    assert_nothing_lost(race_decisions(space, url, f"pg-race-{os.getpid()}"))


def test_a_locked_database_is_busy_not_unusable(space: Workspace) -> None:
    assert_nothing_lost(locked_database(space))


def test_eight_runs_at_once_on_one_sqlite_file_all_pause(space: Workspace) -> None:
    assert_nothing_lost(many_runs_one_file(space, runs=8))


def test_hostile_thread_ids_are_refused_before_any_work(space: Workspace) -> None:
    assert_nothing_lost(hostile_thread_ids(space))


def test_a_damaged_database_is_named_left_untouched_and_refused_for_new_work(space: Workspace) -> None:
    assert_nothing_lost(damaged_databases(space))


@pytest.mark.usefixtures("mountable")
def test_a_full_disk_under_the_database_leaves_the_thread_resumable(space: Workspace) -> None:
    assert_nothing_lost(full_disk_database(space))


@pytest.mark.usefixtures("mountable")
def test_a_full_disk_under_the_reports_leaves_no_half_pair(space: Workspace) -> None:
    assert_nothing_lost(full_disk_reports(space))


@pytest.mark.usefixtures("mountable")
def test_read_only_out_and_home_are_refused_before_any_work(space: Workspace) -> None:
    assert_nothing_lost(read_only_places(space))


def test_a_live_run_reads_running_and_a_killed_one_stopped(space: Workspace) -> None:
    assert_nothing_lost(a_live_run_is_running(space))
