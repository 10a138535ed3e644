"""The compiled graph on a SQLite checkpointer: pause, resume, revision rounds and their cap."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from langgraph.types import Command

from sovereign_graph.app.runner import Runner
from sovereign_graph.runtime.context import Context
from tests.conftest import QUESTION, SMOES


def _config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def _nodes_run(runner: Runner, graph_input: Any, thread: str, context: Context | None = None) -> list[str]:
    nodes: list[str] = []
    for chunk in runner.graph.stream(graph_input, _config(thread), context=context or Context(), stream_mode="updates"):
        nodes.extend(chunk)
    return nodes


def test_run_pauses_for_the_owner_with_recommendation_and_draft(runner: Runner) -> None:
    nodes = _nodes_run(runner, {"paper": SMOES, "question": QUESTION, "max_revisions": 0}, "t1")
    assert nodes[:1] == ["plan"] and nodes.count("search") == 4
    assert {"skeptic", "validator", "synthesizer", "tribunal", "policy"} <= set(nodes)
    assert nodes[-1] == "__interrupt__"
    snapshot = runner.graph.get_state(_config("t1"))
    assert snapshot.next == ("owner",)
    payload = snapshot.interrupts[0].value
    assert payload["recommendation"] in ("ACCEPT", "REVISE", "REJECT")
    assert payload["draft"].startswith("# SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs")
    assert "DRAFT" in payload["draft"]


def test_resume_runs_only_what_follows_the_pause(runner: Runner) -> None:
    _nodes_run(runner, {"paper": SMOES, "question": QUESTION}, "t2")
    nodes = _nodes_run(runner, Command(resume={"decision": "approve", "note": "ok", "by": ""}), "t2")
    assert nodes == ["owner", "report"]
    values = runner.graph.get_state(_config("t2")).values
    assert values["report"]["status"] == "approved"
    assert values["report"]["owner_decision"] == {"decision": "approve", "note": "ok", "by": ""}


def test_an_invalid_owner_answer_pauses_again_with_the_reason(runner: Runner) -> None:
    _nodes_run(runner, {"paper": SMOES, "question": QUESTION}, "t3")
    _nodes_run(runner, Command(resume={"decision": "maybe"}), "t3")
    snapshot = runner.graph.get_state(_config("t3"))
    assert snapshot.next == ("owner",)
    assert "approve, reject, revise" in snapshot.interrupts[0].value["problem"]
    _nodes_run(runner, Command(resume="reject"), "t3")
    assert runner.graph.get_state(_config("t3")).values["report"]["status"] == "rejected"


@pytest.mark.parametrize("max_revisions", [0, 2])
def test_revision_rounds_are_capped_whatever_the_scores(runner: Runner, max_revisions: int) -> None:
    always_below = Context(revise_below=10.1)
    nodes = _nodes_run(
        runner, {"paper": SMOES, "question": QUESTION, "max_revisions": max_revisions}, "cap", always_below
    )
    assert nodes.count("revise") == max_revisions
    values = runner.graph.get_state(_config("cap")).values
    assert len(values["revisions"]) == max_revisions
    assert sorted({r.round for r in values["reviews"]}) == list(range(max_revisions + 1))


def test_a_revision_round_changes_the_dossier(runner: Runner) -> None:
    _nodes_run(runner, {"paper": SMOES, "question": QUESTION, "max_revisions": 1}, "rev", Context(revise_below=10.1))
    values = runner.graph.get_state(_config("rev")).values
    revision = values["revisions"][0]
    assert revision.new_queries
    assert {q.text for q in values["queries"] if q.round == 1} == set(revision.new_queries)
    assert any(revision.new_queries[0] in h.queries for h in values["hits"]), "the new queries were searched"


def test_owner_revise_runs_one_more_round_with_the_note_then_pauses_again(runner: Runner) -> None:
    _nodes_run(runner, {"paper": SMOES, "question": QUESTION, "max_revisions": 0}, "own")
    nodes = _nodes_run(runner, Command(resume={"decision": "revise", "note": "adversarial perturbations"}), "own")
    assert nodes.count("revise") == 1 and nodes[-1] == "__interrupt__"
    values = runner.graph.get_state(_config("own")).values
    assert values["revisions"][0].trigger == "owner"
    assert any("adversarial perturbations" in f.text for f in values["facets"])
    assert {r.round for r in values["reviews"]} == {0, 1}
    assert values["owner_decision"] is None, "the revise decision is consumed; the owner decides again"


def test_checkpoints_hold_no_unregistered_types(runner: Runner, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _nodes_run(runner, {"paper": SMOES, "question": QUESTION}, "ser")
        runner.graph.get_state(_config("ser"))
        _nodes_run(runner, Command(resume={"decision": "approve"}), "ser")
    assert not [r for r in caplog.records if "unregistered" in r.getMessage()]
