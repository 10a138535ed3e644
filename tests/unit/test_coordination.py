"""Leases and decisions on one SQLite file shared by two connections (two processes in real use)."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from pathlib import Path

import pytest

from sovereign_graph.app.coordination import DecisionRecord, SqlCoordinator, hold, this_process
from sovereign_graph.app.coordination.records import LEASE_SECONDS
from sovereign_graph.errors import ThreadBusyError


class _Lock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _coordinator(path: Path) -> SqlCoordinator:
    coordinator = SqlCoordinator(sqlite3.connect(str(path), check_same_thread=False), _Lock(), "sqlite")
    coordinator.setup()
    return coordinator


def test_of_two_decisions_on_one_pause_the_first_recorded_stands(tmp_path: Path) -> None:
    first, second = _coordinator(tmp_path / "c.sqlite"), _coordinator(tmp_path / "c.sqlite")
    approve = DecisionRecord("t", "cp1", "approve", "", time.time(), "a")
    reject = DecisionRecord("t", "cp1", "reject", "", time.time(), "b")
    assert first.record_decision(approve).token == "a"
    assert second.record_decision(reject).token == "a"  # the loser learns who won
    assert second.decision_for("t", "cp1") == approve
    assert second.record_decision(dataclasses.replace(reject, checkpoint_id="cp2")).token == "b"  # a later pause
    assert first.latest_decision("t") is not None


def test_a_live_holder_keeps_the_thread_and_a_dead_ones_lease_is_taken_over(tmp_path: Path) -> None:
    one, other = _coordinator(tmp_path / "c.sqlite"), _coordinator(tmp_path / "c.sqlite")
    mine = this_process()
    assert one.acquire("t", mine) is None
    rival = dataclasses.replace(this_process(), token="rival")
    assert other.acquire("t", rival) == one.lease_row("t")  # refused: alive (this very process)
    one.release("t", mine)
    dead = dataclasses.replace(this_process(), token="dead", pid=2**22 + 12345)  # no such pid
    assert other.acquire("t", dead) is None
    assert one.acquire("t", mine) is None  # its pid is gone: taken over at once, no lease period to wait
    stale = dataclasses.replace(this_process(), token="stale", heartbeat_at=time.time() - LEASE_SECONDS - 1)
    one.release("t", mine)
    assert other.acquire("t", stale) is None
    assert one.acquire("t", mine) is None  # a heartbeat older than the lease: gone, wherever it ran


def test_hold_refuses_a_held_thread_and_notices_when_its_lease_is_taken(tmp_path: Path) -> None:
    one, other = _coordinator(tmp_path / "c.sqlite"), _coordinator(tmp_path / "c.sqlite")
    with hold(one, "t", interval=0.02) as keeper:
        with pytest.raises(ThreadBusyError, match="running in another process"), hold(other, "t"):
            pass
        other._delete_lease("t", keeper.holder.token)  # as a process does when our lease has lapsed
        other._insert_lease("t", dataclasses.replace(this_process(), token="new"))
        assert keeper.lost.wait(2.0)
    assert other.lease_row("t") is not None and other.lease_row("t").token == "new"  # type: ignore[union-attr]


def test_a_database_from_before_decisions_recorded_who_took_them_keeps_its_decisions(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(str(path)) as old:  # the table as versions before `decided_by` made it
        old.execute(
            "CREATE TABLE sovereign_decisions (thread_id TEXT NOT NULL, checkpoint_id TEXT NOT NULL, decision TEXT "
            "NOT NULL, note TEXT NOT NULL, decided_at DOUBLE PRECISION NOT NULL, token TEXT NOT NULL, "
            "PRIMARY KEY (thread_id, checkpoint_id))"
        )
        old.execute("INSERT INTO sovereign_decisions VALUES ('t', 'cp1', 'approve', 'fine', 1.0, 'a')")
    first, second = _coordinator(path), _coordinator(path)  # opened twice: the column is added once
    kept = first.decision_for("t", "cp1")
    assert kept is not None and (kept.decision, kept.note, kept.decided_by) == ("approve", "fine", "")
    agent = DecisionRecord("t", "cp2", "reject", "", time.time(), "b", decided_by="an AI agent over MCP")
    assert second.record_decision(agent).decided_by == "an AI agent over MCP"
    assert first.latest_decision("t") == agent
