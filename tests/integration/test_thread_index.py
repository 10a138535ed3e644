"""`threads` and `show` without the graph give what the full read gives, and step aside when unsure."""

from __future__ import annotations

import time
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.coordination import DecisionRecord
from sovereign_graph.app.history import fork_checkpoint
from sovereign_graph.app.runner import Runner
from sovereign_graph.app.thread_index import quick_report, quick_threads
from tests.conftest import QUESTION, SMOES


def _listing(runner: Runner) -> list[tuple[object, ...]]:
    return [(t.thread_id, t.paper, t.status, t.score, t.recommendation, t.updated) for t in runner.threads()]


def test_the_quick_read_matches_the_full_read_and_steps_aside_when_unsure(saver: SqliteSaver, db_path: Path) -> None:
    runner = Runner(saver)
    runner.start(SMOES, QUESTION, thread_id="paused")
    runner.start(SMOES, QUESTION, thread_id="final")
    runner.resume("final", "approve", "ok")

    quick = quick_threads(db_path)
    assert quick is not None
    assert [(t.thread_id, t.paper, t.status, t.score, t.recommendation, t.updated) for t in quick] == _listing(runner)
    for thread in ("paused", "final"):
        assert quick_report(db_path, thread) == runner.report(thread).model_dump_json()

    # A decision recorded but not applied (its process died): only the full read can say so.
    pause = runner.graph.get_state({"configurable": {"thread_id": "paused"}}).config["configurable"]["checkpoint_id"]
    runner.coordinator.record_decision(DecisionRecord("paused", pause, "reject", "", time.time(), "gone"))
    assert quick_threads(db_path) is None and quick_report(db_path, "final") is None
    assert runner.status("paused").startswith("stopped before owner (decision 'reject' recorded")


def test_a_thread_the_index_has_not_seen_sends_the_caller_to_the_full_read(saver: SqliteSaver, db_path: Path) -> None:
    runner = Runner(saver)
    runner.start(SMOES, QUESTION, thread_id="orig")
    assert quick_threads(db_path) is not None
    checkpoint = runner.history("orig")[2].checkpoint_id
    fork_checkpoint(runner.graph, saver, "orig", checkpoint, new_thread_id="copy")  # written, but never run to a pause
    assert quick_threads(db_path) is None
    assert runner.status("copy").startswith("stopped before")
