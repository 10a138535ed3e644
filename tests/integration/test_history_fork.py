"""Threads over time: `history` lists a run's checkpoints; `fork` re-runs from one in a new thread and
leaves the original as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.app.runner import Runner
from sovereign_graph.cli import app
from sovereign_graph.errors import InputError
from tests.conftest import QUESTION, SMOES

cli = CliRunner()


def _pause_checkpoint(runner: Runner, thread: str) -> str:
    return next(row.checkpoint_id for row in runner.history(thread) if row.paused)


def test_history_lists_each_step_with_its_node_and_score(runner: Runner) -> None:
    runner.start(SMOES, QUESTION, thread_id="h", max_revisions=0)
    rows = runner.history("h")
    assert [row.step for row in rows] == list(range(-1, len(rows) - 1))
    wrote = [node for row in rows for node in row.wrote]
    assert wrote[:3] == ["input", "start", "plan"]
    assert {"search", "index", "extract", "verify", "skeptic", "tribunal", "policy"} <= set(wrote)
    assert rows[-1].paused and rows[-1].next == ("owner",)
    tribunal = next(row for row in rows if row.wrote == ("tribunal",))
    assert tribunal.score == runner.report("h").score
    assert len({row.checkpoint_id for row in rows}) == len(rows)


def test_fork_from_the_owners_pause_with_revise_leaves_the_approved_original_intact(runner: Runner) -> None:
    runner.start(SMOES, QUESTION, thread_id="orig", max_revisions=0)
    pause = _pause_checkpoint(runner, "orig")
    approved = runner.resume("orig", "approve", "ok to publish")
    history_before = runner.history("orig")

    forked = runner.fork("orig", pause, "revise", "adversarial perturbations", new_thread_id="orig-revised")

    assert forked.thread_id == "orig-revised" and forked.paused  # the owner is asked again after the round
    assert runner.status("orig") == "approved"
    assert runner.report("orig") == approved.report
    assert runner.history("orig") == history_before
    revised = runner.report("orig-revised")
    assert revised.status == "awaiting_owner" and revised.revision_rounds == 1
    assert revised.revisions[-1].trigger == "owner" and revised.revisions[-1].note == "adversarial perturbations"
    assert any("adversarial perturbations" in q.text for q in revised.queries)
    fork_rows = runner.history("orig-revised")
    assert fork_rows[0].checkpoint_id == pause and fork_rows[0].wrote == (f"fork of orig@{pause}",)
    assert {t.thread_id for t in runner.threads()} == {"orig", "orig-revised"}

    # Both can still be decided on their own: the fork's answer does not touch the original.
    final = runner.resume("orig-revised", "reject", "not convincing")
    assert final.report.status == "rejected" and runner.status("orig") == "approved"


def test_fork_from_an_earlier_checkpoint_with_another_revision_budget(runner: Runner) -> None:
    from sovereign_graph.runtime.context import Context

    low = Runner(runner.checkpointer, Context(revise_below=10.1))  # every round scores below: rounds = budget
    low.start(SMOES, QUESTION, thread_id="budget", max_revisions=1)
    verified = next(row.checkpoint_id for row in low.history("budget") if row.wrote == ("verify",))
    assert low.report("budget").revision_rounds == 1

    forked = low.fork("budget", verified, max_revisions=0, new_thread_id="no-rounds")
    assert forked.paused and forked.report.revision_rounds == 0
    assert low.report("budget").revision_rounds == 1


def test_fork_rejects_what_it_cannot_do_and_writes_nothing(runner: Runner) -> None:
    runner.start(SMOES, QUESTION, thread_id="f", max_revisions=0)
    pause = _pause_checkpoint(runner, "f")
    with pytest.raises(InputError, match="no checkpoint"):
        runner.fork("f", "1f000000-0000-6000-8000-000000000000")
    with pytest.raises(InputError, match="no thread"):
        runner.fork("missing", pause)
    with pytest.raises(InputError, match="decision must be one of"):
        runner.fork("f", pause, "maybe")
    with pytest.raises(InputError, match="already exists"):
        runner.fork("f", pause, new_thread_id="f")
    with pytest.raises(InputError, match="max revisions"):
        runner.fork("f", pause, max_revisions=9)
    assert [t.thread_id for t in runner.threads()] == ["f"]


def test_cli_history_and_fork(tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    base = ["--db", str(db)]
    ran = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--thread", "c", "--out", str(out), *base])
    assert ran.exit_code == 0, ran.output
    listing = cli.invoke(app, ["history", "c", *base])
    assert listing.exit_code == 0, listing.output
    pause_line = next(line for line in listing.output.splitlines() if "the owner's pause" in line)
    pause = pause_line.split("│")[1].strip()

    forked = cli.invoke(app, ["fork", "c", "--checkpoint", pause, "--decision", "approve", "--note", "fine", *base])
    assert forked.exit_code == 0, forked.output
    new_thread = next(line for line in forked.output.splitlines() if line.startswith("forked c@")).split()[-1]
    report = json.loads((out / f"{new_thread}.json").read_text())  # reports go where the original's draft went
    assert report["status"] == "approved"
    assert report["owner_decision"] == {"decision": "approve", "note": "fine", "by": ""}
    assert json.loads((out / "c.json").read_text())["status"] == "awaiting_owner"

    bad = cli.invoke(app, ["fork", "c", "--checkpoint", "nope", *base])
    assert bad.exit_code == 2 and "no checkpoint 'nope'" in bad.output
