"""A whole run on live arXiv (the loopback server): shared rate limit across the parallel branches,
a failure that keeps the run's progress, and `sovereign run --source arxiv` to the owner's pause."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver
from typer.testing import CliRunner

from sovereign_graph.app.runner import Runner
from sovereign_graph.cli import app
from sovereign_graph.errors import SourceError
from sovereign_graph.runtime.context import Context
from sovereign_graph.sources.arxiv_live import live_arxiv_source
from tests.arxiv_loopback import ArxivLoopback, arxiv_loopback
from tests.conftest import QUESTION, SMOES

DELAY = 0.2
TOLERANCE = 0.01


@pytest.fixture
def server() -> Iterator[ArxivLoopback]:
    live_arxiv_source.cache_clear()  # a new server may reuse an old port: no stale source for its URL
    with arxiv_loopback() as s:
        yield s


def live(server: ArxivLoopback, delay: float = DELAY) -> Context:
    return Context(source_name="arxiv", arxiv_url=server.url, arxiv_delay=delay, arxiv_backoff=0.01)


def _nodes(runner: Runner, graph_input: Any, thread: str, context: Context) -> list[str]:
    config: Any = {"configurable": {"thread_id": thread}}
    return [node for chunk in runner.graph.stream(graph_input, config, context=context) for node in chunk]


def test_the_four_parallel_searches_share_one_rate_limit(saver: SqliteSaver, server: ArxivLoopback) -> None:
    runner = Runner(saver, live(server))
    nodes = _nodes(runner, {"paper": SMOES, "question": QUESTION, "max_revisions": 0}, "live-1", live(server))
    assert nodes.count("search") == 4 and nodes[-1] == "__interrupt__"
    searches = [a for a in server.arrivals if a.params["search_query"]]
    assert len(searches) == 4 and len(server.arrivals) == 5  # the subject by id, then the four queries
    assert min(server.gaps()) >= DELAY - TOLERANCE, server.gaps()
    values = runner.graph.get_state({"configurable": {"thread_id": "live-1"}}).values
    assert values["subject"].id == SMOES
    assert values["method"]["source"].startswith("arXiv API at 127.0.0.1:")
    assert len({h.paper.id for h in values["hits"]}) > 1


def test_bad_xml_mid_run_is_an_error_naming_the_query_and_the_run_continues_later(
    saver: SqliteSaver, server: ArxivLoopback
) -> None:
    runner = Runner(saver, live(server, 0.02))
    server.bad_xml_for_searches = True
    with pytest.raises(SourceError, match=r"arXiv answered the query '.+' with malformed XML.*sovereign resume t-bad"):
        runner.start(SMOES, QUESTION, thread_id="t-bad", max_revisions=0)
    assert runner.status("t-bad") == "stopped before search"
    assert runner.graph.get_state({"configurable": {"thread_id": "t-bad"}}).values["subject"].id == SMOES

    server.bad_xml_for_searches = False
    asked_before = len(server.arrivals)
    outcome = runner.resume("t-bad", None)
    assert outcome.paused and outcome.report.paper.id == SMOES
    assert not any(a.params["id_list"] for a in server.arrivals[asked_before:]), "plan is not run again"


cli = CliRunner()


def test_sovereign_run_source_arxiv_pauses_and_resume_searches_the_same_source(
    tmp_path: Path, server: ArxivLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    monkeypatch.setenv("SOVEREIGN_ARXIV_URL", server.url)
    monkeypatch.setenv("SOVEREIGN_ARXIV_DELAY", "0.02")
    args = ["--db", str(db), "--out", str(out), "--thread", "live", "--max-revisions", "0"]
    result = cli.invoke(app, ["run", "--source", "arxiv", "--paper", SMOES, "--question", QUESTION, *args])
    assert result.exit_code == 0, result.output
    assert "paused for the owner: sovereign resume live" in result.output
    draft = json.loads((out / "live.json").read_text())
    assert draft["paper"]["id"] == SMOES and draft["status"] == "awaiting_owner"
    assert len(server.arrivals) == 5

    # A later process without the environment: the thread remembers it searched this arXiv endpoint.
    monkeypatch.delenv("SOVEREIGN_ARXIV_URL")
    live_arxiv_source.cache_clear()
    resumed = cli.invoke(
        app, ["resume", "live", "--db", str(db), "--decision", "revise", "--note", "adversarial perturbations"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert len(server.arrivals) > 5, "the revision round searched the live source again"


def test_an_unknown_id_on_live_arxiv_is_bad_input_and_nothing_is_written(
    tmp_path: Path, server: ArxivLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    monkeypatch.setenv("SOVEREIGN_ARXIV_URL", server.url)
    result = cli.invoke(
        app,
        [
            "run",
            "--source",
            "arxiv",
            "--paper",
            "2601.00001",
            "--question",
            QUESTION,
            "--db",
            str(db),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert "arXiv:2601.00001 is not in the arXiv API at 127.0.0.1" in result.output
    assert not db.exists() and not out.exists()


def test_an_unreadable_answer_fails_the_run_with_one_line_and_exit_1(
    tmp_path: Path, server: ArxivLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    monkeypatch.setenv("SOVEREIGN_ARXIV_URL", server.url)
    monkeypatch.setenv("SOVEREIGN_ARXIV_DELAY", "0.02")
    server.bad_xml_for_searches = True
    args = ["--db", str(db), "--out", str(out), "--thread", "t", "--max-revisions", "0"]
    result = cli.invoke(app, ["run", "--source", "arxiv", "--paper", SMOES, "--question", QUESTION, *args])
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]  # after the progress lines of the steps that finished
    assert last.startswith("error: SourceError: arXiv answered the query '") and "malformed XML" in last
    assert last.endswith("The run's progress is saved: `sovereign resume t` continues it.")

    server.bad_xml_for_searches = False
    resumed = cli.invoke(app, ["resume", "t", "--db", str(db)])
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((out / "t.json").read_text())["status"] == "awaiting_owner"
