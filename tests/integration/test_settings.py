"""A run's settings stay the run's: recorded whole when it starts, restored whole when it is resumed, forked,
continued by a batch re-run or by a queue worker, whatever the later process's environment says; shown in the
report and on the desk; never carrying a key. Threads recorded by older versions still restore."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from sovereign_graph.app.checkpoints import postgres_saver, sqlite_saver
from sovereign_graph.app.recorded_settings import SETTINGS_KEY
from sovereign_graph.app.runner import Runner, RunStopped
from sovereign_graph.batch.job import run_row
from sovereign_graph.batch.options import RunOptions
from sovereign_graph.batch.rows import BatchRow
from sovereign_graph.cli import app
from sovereign_graph.desk.app import create_app
from sovereign_graph.desk.chart import tribunal_chart
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings import RunSettings
from tests.conftest import QUESTION, SMOES
from tests.faults.harness import environment, sovereign
from tests.nim_loopback import EMBEDDER, MODEL, NimLoopback, nim_loopback
from tests.postgres.conftest import pg_url  # noqa: F401  (the fixture of the queue test below)

cli = CliRunner()
# Not the defaults, each in a way a report shows: the seed verifier with its threshold, fewer claims, and a
# revision threshold so low that no automatic revision round runs (the default 6.5 would run one).
CHOSEN = RunSettings(verifier="tfidf", verify_threshold=0.3, max_claims=3, revise_below=0.5)
FLAGS = ["--verifier", "tfidf", "--verify-threshold", "0.3", "--max-claims", "3", "--revise-below", "0.5"]
TFIDF = "seed method 'tfidf': TF-IDF cosine, word 1-2-grams, threshold 0.3"


def contrary_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later process whose environment names other settings: a thread must not pick them up."""
    contrary = {"VERIFIER": "trained", "MAX_CLAIMS": "8", "REVISE_BELOW": "9", "VERIFY_THRESHOLD": "0.1"}
    for name, value in contrary.items():
        monkeypatch.setenv(f"SOVEREIGN_{name}", value)


@pytest.fixture
def other_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    contrary_environment(monkeypatch)


def metadata(db: Path, thread: str) -> list[dict[str, Any]]:
    """The thread's checkpoint metadata, newest first."""
    with sqlite_saver(db) as saver:
        return [dict(c.metadata) for c in saver.list({"configurable": {"thread_id": thread}})]


def recorded(db: Path, thread: str) -> RunSettings:
    return RunSettings.from_json(next(m[SETTINGS_KEY] for m in metadata(db, thread) if SETTINGS_KEY in m))


def report_of(out: Path, thread: str) -> dict[str, Any]:
    return dict(json.loads((out / f"{thread}.json").read_text(encoding="utf-8")))


def assert_ran_by_chosen(report: dict[str, Any]) -> None:
    assert RunSettings.model_validate(report["settings"]) == CHOSEN
    assert report["method"]["verify"] == TFIDF
    assert "at most 3 claims" in report["method"]["extract"] and len(report["claims"]) <= 3


def stop_at(node: str) -> Callable[[str, dict[str, Any], float], None]:
    """A progress callback that stops the run (as Ctrl-C would) once `node` has finished."""

    def callback(finished: str, update: dict[str, Any], seconds: float) -> None:
        if finished == node:
            raise KeyboardInterrupt

    return callback


def stopped_thread(runner: Runner, thread: str, question: str = QUESTION) -> None:
    """A thread started by `runner` (max one automatic revision round) and stopped as extract finished (before
    its checkpoint: so its continuation extracts, verifies and judges)."""
    with pytest.raises(RunStopped):
        runner.start(SMOES, question, thread_id=thread, max_revisions=1, on_progress=stop_at("extract"))
    assert runner.status(thread) == "stopped before extract"


def test_a_revision_round_is_verified_and_judged_by_the_settings_the_run_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    base = ["--db", str(db), "--out", str(out)]
    started = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--thread", "t", *base, *FLAGS])
    assert started.exit_code == 0, started.output
    assert_ran_by_chosen(report_of(out, "t"))
    assert recorded(db, "t") == CHOSEN

    contrary_environment(monkeypatch)
    revised = cli.invoke(app, ["resume", "t", "--decision", "revise", "--note", "adversarial perturbations", *base])
    assert revised.exit_code == 0, revised.output
    report = report_of(out, "t")
    assert report["revision_rounds"] == 1 and report["revisions"][-1]["trigger"] == "owner"
    assert_ran_by_chosen(report)  # the revision round's claims were verified by tfidf, not the trained model
    markdown = (out / "t.md").read_text(encoding="utf-8")
    assert "their mean; below 0.5 a revision round runs while one is left." in markdown
    assert "/10, threshold 0.5)" in markdown and "threshold 6.5" not in markdown
    listed = "max_claims 3; verifier tfidf; verify_threshold 0.3; revise_below 0.5"
    assert f"- **settings** (not the defaults): {listed}" in markdown

    # A resume that tries to change a threshold is not offered the flag at all.
    refused = cli.invoke(app, ["resume", "t", "--decision", "approve", "--max-claims", "8", *base])
    assert refused.exit_code == 2 and "No such option: --max-claims" in refused.output


def test_a_continued_run_and_a_fork_keep_the_settings(tmp_path: Path, other_environment: None) -> None:
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    with sqlite_saver(db) as saver:
        stopped_thread(Runner(saver, Context.from_settings(CHOSEN)), "s")
        # Another process, with its own environment: the thread continues by its own settings. With the
        # default threshold (or this environment's 9) the tribunal would have asked for a revision round.
        continued = Runner(saver, Context()).resume("s", None, out_dir=out)
        assert continued.paused and continued.report.revision_rounds == 0
        assert continued.report.settings == CHOSEN and continued.report.method["verify"] == TFIDF

        runner = Runner(saver, Context())
        before_tribunal = next(row.checkpoint_id for row in runner.history("s") if "tribunal" in row.next)
        forked = runner.fork("s", before_tribunal, "approve", new_thread_id="s-fork", max_revisions=1)
        assert forked.report.status == "approved" and forked.report.revision_rounds == 0
        assert forked.report.settings == CHOSEN
    assert recorded(db, "s-fork") == CHOSEN


def test_a_resume_may_point_the_arxiv_source_elsewhere_and_that_is_recorded_with_it(tmp_path: Path) -> None:
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    base = ["--db", str(db), "--out", str(out)]
    started = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--thread", "m", *base, *FLAGS])
    assert started.exit_code == 0, started.output
    # Refused before the decision is recorded: the thread is still awaiting its owner.
    bad = cli.invoke(app, ["resume", "m", "--decision", "approve", "--base-url", "http://127.0.0.1:9/v1", *base])
    assert bad.exit_code == 2 and "--base-url names the endpoint of a live model" in bad.output
    bad = cli.invoke(app, ["resume", "m", "--decision", "approve", "--arxiv-delay", "-1", *base])
    assert bad.exit_code == 2 and "--arxiv-delay: Input should be greater than or equal to 0" in bad.output
    with sqlite_saver(db) as saver:
        assert Runner(saver, Context()).status("m") == "awaiting_owner"

    mirror = "http://127.0.0.1:9/api/query"
    approved = cli.invoke(app, ["resume", "m", "--decision", "approve", "--arxiv-url", mirror, *base])
    assert approved.exit_code == 0, approved.output
    assert recorded(db, "m") == CHOSEN.model_copy(update={"arxiv_url": mirror})
    assert report_of(out, "m")["settings"]["arxiv_url"] == mirror
    first = metadata(db, "m")[-1]
    assert RunSettings.from_json(first[SETTINGS_KEY]) == CHOSEN  # the start's record stays as it was


def test_a_batch_runs_every_row_by_its_flags_and_a_rerun_continues_a_stopped_row_by_its_own(
    tmp_path: Path, other_environment: None
) -> None:
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"paper": SMOES, "question": QUESTION, "thread": "row"}) + "\n", encoding="utf-8")
    ran = cli.invoke(app, ["batch", str(batch), "--db", str(db), "--out", str(out), "--max-revisions", "1", *FLAGS])
    assert ran.exit_code == 0, ran.output
    assert_ran_by_chosen(report_of(out, "row"))
    assert report_of(out, "row")["revision_rounds"] == 0

    # A row whose run stopped, continued by a re-run of the batch without those flags.
    with sqlite_saver(db) as saver:
        stopped_thread(Runner(saver, Context.from_settings(CHOSEN)), "stopped")
    row = BatchRow(line=1, paper=SMOES, question=QUESTION, thread="stopped")
    result = run_row(row, RunOptions.of(RunSettings(), max_revisions=1), str(db), out)
    assert result.status == "awaiting_owner" and result.resumed, result
    report = report_of(out, "stopped")
    assert_ran_by_chosen(report)
    assert report["revision_rounds"] == 0


def test_the_desk_draws_and_states_the_threads_threshold(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    with sqlite_saver(db) as saver:
        report = Runner(saver, Context.from_settings(CHOSEN)).start(SMOES, QUESTION, thread_id="d").report
    with TestClient(create_app(str(db)), base_url="http://127.0.0.1:8765") as client:
        page = client.get("/threads/d").text
    chart = tribunal_chart(report.reviews, 0.5)
    assert chart is not None and f'y1="{chart.threshold_y}"' in page
    assert "threshold 0.5</text>" in page and "below 0.5 a revision round runs" in page
    assert "/10, threshold 0.5)" in page and "threshold 6.5" not in page
    assert 'id="settings"' in page and "max_claims 3" in page


def test_a_thread_an_older_version_recorded_still_resumes_with_what_it_recorded(tmp_path: Path) -> None:
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    with sqlite_saver(db) as saver:
        runner = Runner(saver, Context())
        # What an older runner wrote: the source, corpus and full-text count as keys of their own.
        old_keys = {"sovereign_source": "snapshot", "sovereign_corpus": "bundled", "sovereign_fulltext": "2"}
        config: Any = {"configurable": {"thread_id": "old"}, "metadata": {**old_keys, "sovereign_out_dir": str(out)}}
        runner.graph.invoke({"paper": SMOES, "question": QUESTION, "max_revisions": 0}, config, context=Context())
        assert runner.settings_for("old") == RunSettings(fulltext=2)
        resumed = Runner(saver, Context(fulltext=5)).resume("old", "revise", "adversarial perturbations")
        assert resumed.paused and resumed.report.settings == RunSettings(fulltext=2)
    assert recorded(db, "old") == RunSettings(fulltext=2)  # and from now on, whole


def test_a_live_runs_settings_name_its_models_and_never_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "nvapi-SETTINGS-SECRET-0123456789abcdef"
    monkeypatch.setenv("NVIDIA_API_KEY", secret)
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    with nim_loopback(NimLoopback(expected_key=secret)) as nim:
        live = ["--model", f"nvidia:{MODEL}", "--base-url", nim.base_url, "--embeddings", f"nvidia:{EMBEDDER}"]
        args = ["--db", str(db), "--out", str(out), "--max-revisions", "0"]
        started = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--thread", "l", *args, *live])
        assert started.exit_code == 0, started.output
        assert recorded(db, "l").live.model == f"nvidia:{MODEL}"
        # The model server moved: the resume names the new endpoint, runs its round there, and records it.
        moved = nim.base_url.replace("127.0.0.1", "localhost")
        before = len(nim.chat("reviser"))
        resume = ["resume", "l", "--decision", "revise", "--note", "adversarial perturbations", "--base-url", moved]
        resumed = cli.invoke(app, [*resume, "--db", str(db)])
        assert resumed.exit_code == 0, resumed.output
        assert len(nim.chat("reviser")) == before + 1
    settings = recorded(db, "l")
    assert settings.live.base_url == moved and settings.live.model == f"nvidia:{MODEL}"
    assert report_of(out, "l")["settings"]["live"]["base_url"] == moved
    for entry in metadata(db, "l"):
        assert secret not in json.dumps(entry) and "api_key" not in json.dumps(entry)
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        assert secret.encode() not in path.read_bytes(), path


def test_a_queue_worker_continues_a_stopped_thread_by_its_recorded_settings(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
) -> None:
    with postgres_saver(pg_url) as saver:
        stopped_thread(Runner(saver, Context.from_settings(CHOSEN, db=pg_url)), "queued")
    env = environment(tmp_path / "home")
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"paper": SMOES, "question": QUESTION, "thread": "queued"}) + "\n", encoding="utf-8")
    queued = sovereign(["batch", str(batch), "--queue", pg_url], env)  # the default settings
    assert queued.code == 0 and "1 row(s) queued" in queued.stdout, queued.stderr
    out = tmp_path / "out"
    worked = sovereign(["worker", "--db", pg_url, "--out", str(out), "--until-empty"], env)
    assert worked.code == 0, worked.stderr
    assert "queued awaiting_owner" in worked.stderr and "continued" in worked.stderr
    report = report_of(out, "queued")
    assert_ran_by_chosen(report)
    assert report["revision_rounds"] == 0
