"""Input hygiene as a user meets it at the `sovereign` command: one short line for a bad value however long,
a pasted question's terminal escapes never reach the report, and a mistyped provider or a lost network say so."""

from __future__ import annotations

import io
import json
import re
import socket
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver
from rich.console import Console
from typer.testing import CliRunner

from sovereign_graph.app.runner import Runner
from sovereign_graph.cli import app, runs
from sovereign_graph.cli.runs import LiveProgress
from sovereign_graph.errors import InputError
from sovereign_graph.runtime.context import Context
from sovereign_graph.runtime.injected import Engines
from sovereign_graph.sources.arxiv_live import live_arxiv_source
from sovereign_graph.sources.snapshot import LocalCorpus, bundled_snapshot
from tests.conftest import QUESTION, SMOES

cli = CliRunner()
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _run(tmp_path: Path, paper: str, question: str, *extra: str) -> tuple[int, str]:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    args = ["run", "--paper", paper, "--question", question, "--db", str(db), "--out", str(out), "--thread", "t"]
    result = cli.invoke(app, [*args, *extra])
    return result.exit_code, result.output


def test_a_10_kb_paper_value_is_one_short_line(tmp_path: Path) -> None:
    paper = "2604." + "9" * 10_000
    code, output = _run(tmp_path, paper, QUESTION)
    assert code == 2 and output.strip().count("\n") == 0
    assert "…' (10005 characters) is not a valid arXiv id" in output and len(output) < 400
    assert not (tmp_path / "r.sqlite").exists()


def test_a_question_pasted_with_escapes_is_run_as_seen_and_the_report_stays_inert(tmp_path: Path) -> None:
    pasted = "\x1b[1m" + QUESTION.replace(" expert ", "\x1b[0m\texpert\n") + "\x1b[2J\x07"
    code, output = _run(tmp_path, SMOES, pasted, "--max-revisions", "0")
    assert code == 0, output
    markdown = (tmp_path / "out" / "t.md").read_text(encoding="utf-8")
    assert not RAW_CONTROL.search(markdown)
    assert f"\n## Question\n\n{QUESTION}\n" in markdown
    assert json.loads((tmp_path / "out" / "t.json").read_text(encoding="utf-8"))["question"] == QUESTION


def test_an_unknown_provider_is_named_not_blamed_on_a_missing_install(tmp_path: Path) -> None:
    code, output = _run(tmp_path, SMOES, QUESTION, "--model", "zzz:yyy")
    assert code == 2
    assert "model 'zzz:yyy': unknown provider 'zzz'; known chat model providers: " in output
    assert "nvidia" in output and "pip install" not in output
    code, output = _run(tmp_path, SMOES, QUESTION, "--model", "openai:gpt-4o")
    assert code == 2 and "provider 'openai' needs `pip install langchain langchain-openai`" in output


def test_source_arxiv_without_a_network_suggests_the_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    live_arxiv_source.cache_clear()
    monkeypatch.setenv("SOVEREIGN_ARXIV_URL", f"http://127.0.0.1:{port}/api/query")
    monkeypatch.setenv("SOVEREIGN_ARXIV_RETRIES", "1")
    monkeypatch.setenv("SOVEREIGN_ARXIV_BACKOFF", "0.01")
    monkeypatch.setenv("SOVEREIGN_ARXIV_DELAY", "0.01")
    code, output = _run(tmp_path, SMOES, QUESTION, "--source", "arxiv")
    assert code == 1
    line = output.strip().splitlines()[-1]
    assert line.startswith(f"error: SourceError: arXiv could not be reached for the id {SMOES}: ConnectionError")
    assert line.endswith("Offline? Run with --source snapshot (the bundled corpus).")


def test_an_890_kb_question_is_refused_in_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    code, output = _run(tmp_path, SMOES, "routing robustness " * 50_000)
    assert code == 2 and output.strip().count("\n") == 0 and len(output) < 200
    assert "the research question is 949999 characters; at most 2000 are read" in output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("question", ["what is the effect of it on them?", "?!?! ... ;;; ,,, ---"])
def test_a_question_of_stop_words_or_punctuation_is_refused_not_run_to_reject(tmp_path: Path, question: str) -> None:
    code, output = _run(tmp_path, SMOES, question)
    assert code == 2 and output.startswith("error: the question has no content words: '")
    assert not list(tmp_path.iterdir())


def test_a_question_in_another_script_is_told_which_language_is_read_not_too_short(tmp_path: Path) -> None:
    code, output = _run(tmp_path, SMOES, "模态引导的专家路由是否提高了视觉语言模型的鲁棒性？")
    assert code == 2 and "is not in English: the offline engines read English only" in output
    assert "too short" not in output


def test_bytes_that_are_not_utf8_are_an_input_error_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "q.txt"
    bad.write_bytes(QUESTION.encode() + b" \xff\xfe")
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    result = cli.invoke(app, ["run", "--paper", SMOES, "--question-file", str(bad), "--db", str(db), "--out", str(out)])
    assert result.exit_code == 2 and result.output == f"error: --question-file {bad} is not UTF-8 text.\n"
    # An undecodable byte in argv reaches Python as a lone surrogate (surrogateescape).
    code, output = _run(tmp_path, SMOES, QUESTION + " \udcff")
    assert code == 2 and "the research question is not UTF-8 text" in output
    assert output.strip().count("\n") == 0 and not db.exists()
    code, output = _run(tmp_path, SMOES, QUESTION, "--max-revisions", "0")
    assert code == 0, output
    args = ["resume", "t", "--decision", "revise", "--note", "more on \udcff robustness", "--db", str(db)]
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: the owner's note is not UTF-8 text") and result.exception is not None
    assert result.output.strip().count("\n") == 0


TRICK = "\x1b]0;pwned\x07\x1b[2J\u202e"  # retitle the window, clear the screen, reverse the rest of the line


def test_a_corpus_title_with_escapes_and_bidi_overrides_reaches_the_terminal_inert(
    saver: SqliteSaver, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = [p.model_copy(update={"title": f"{p.title}{TRICK}[red]"}) for p in bundled_snapshot()._papers]
    runner = Runner(saver, Context(), engines=Engines(source=LocalCorpus("tainted corpus", papers)))
    console = Console(file=io.StringIO(), width=400)
    monkeypatch.setattr(runs, "err", console)
    with LiveProgress() as progress:  # the lines `sovereign run` prints while it works
        runner.start(f"{SMOES}{TRICK}", QUESTION, thread_id="t", max_revisions=0, **progress.callbacks())
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202e[red]" in printed, "visible, escaped, and no markup"
    assert not RAW_CONTROL.search(printed) and "\u202e" not in printed
    # A thread id made outside the rules (a host driving the graph itself; refused at its first step, but its
    # input is saved) is listed inert too.
    config: RunnableConfig = {"configurable": {"thread_id": f"x{TRICK}"}}
    with pytest.raises(InputError):
        runner.graph.invoke({"paper": SMOES, "question": QUESTION, "max_revisions": 0}, config, context=Context())
    result = cli.invoke(app, ["threads", "--db", str(db_path)])
    assert result.exit_code == 0 and SMOES in result.output
    assert "x\\x1b]0;pwned\\x07\\x1b[2J\\u202e" in result.output.replace("\n", "").replace("│", "").replace(" ", "")
    assert not RAW_CONTROL.search(result.output) and "\u202e" not in result.output


def test_an_unexpected_error_is_printed_with_its_controls_escaped(tmp_path: Path) -> None:
    code, output = _run(tmp_path, SMOES, QUESTION, "--model", f"zz{TRICK}:m")
    assert code == 2 and "\\x1b]0;pwned\\x07\\x1b[2J\\u202e" in output
    assert not RAW_CONTROL.search(output) and "\u202e" not in output
