"""The `sovereign` command as a user types it: run -> threads -> show -> resume, and bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from tests.conftest import QUESTION, SMOES

cli = CliRunner()


def _run(db: Path, out: Path, *extra: str) -> str:
    result = cli.invoke(
        app, ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--out", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("paused for the owner: sovereign resume"))
    return line.split()[6]


def test_run_threads_show_resume(tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    thread = _run(db, out, "--thread", "my-thread")
    assert thread == "my-thread"
    draft = json.loads((out / "my-thread.json").read_text())
    assert draft["status"] == "awaiting_owner" and draft["owner_decision"] is None
    assert "DRAFT" in (out / "my-thread.md").read_text()

    listing = cli.invoke(app, ["threads", "--db", str(db)])
    assert listing.exit_code == 0
    assert "my-thread" in listing.output and "awaiting_owner" in listing.output and SMOES in listing.output

    shown = cli.invoke(app, ["show", "my-thread", "--db", str(db), "--json"])
    assert shown.exit_code == 0
    assert json.loads(shown.output) == draft

    resumed = cli.invoke(
        app, ["resume", "my-thread", "--db", str(db), "--decision", "approve", "--note", "ok to publish"]
    )
    assert resumed.exit_code == 0, resumed.output
    final = json.loads((out / "my-thread.json").read_text())
    assert final["status"] == "approved"
    assert final["owner_decision"] == {"decision": "approve", "note": "ok to publish", "by": ""}
    assert "ok to publish" in (out / "my-thread.md").read_text()
    assert "approved" in cli.invoke(app, ["threads", "--db", str(db)]).output


def test_report_json_has_the_documented_keys(tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    thread = _run(db, out)
    report = json.loads((out / f"{thread}.json").read_text())
    assert set(report) >= {
        "thread_id",
        "status",
        "paper",
        "question",
        "queries",
        "papers",
        "claims",
        "reviews",
        "score",
        "revision_rounds",
        "recommendation",
        "escalated",
        "owner_decision",
        "evidence_gap",
        "references",
    }
    assert set(report["paper"]) >= {"id", "title", "abstract", "authors", "url"}
    for claim in report["claims"]:
        assert set(claim) >= {
            "id",
            "text",
            "quote",
            "paper_id",
            "verified",
            "label",
            "confidence",
            "evidence",
        }
    for review in report["reviews"]:
        assert set(review) >= {"role", "score", "rationale", "objections"}


def _assert_nothing_written(db: Path, out: Path) -> None:
    assert not db.exists(), "a rejected command must not create the database"
    assert not out.exists(), "a rejected command must not write a report"


@pytest.mark.parametrize(
    ("paper", "question", "message"),
    [
        ("2601.00001", QUESTION, "is not in the bundled"),
        ("2604.239961", QUESTION, "not a valid arXiv id"),
        ("https://arxiv.org/abs/banana", QUESTION, "not a valid arXiv id"),
        (SMOES, "   ", "question is empty"),
        (SMOES, "", "question is empty"),
    ],
)
def test_run_rejects_bad_input_with_one_line_and_exit_2(
    tmp_path: Path, paper: str, question: str, message: str
) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    result = cli.invoke(app, ["run", "--paper", paper, "--question", question, "--db", str(db), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.strip().count("\n") == 0, "one line"
    _assert_nothing_written(db, out)


def test_db_that_is_not_sqlite_is_rejected_and_left_alone(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("my notes, not a database\n")
    for args in (
        ["run", "--paper", SMOES, "--question", QUESTION],
        ["threads"],
        ["show", "x"],
        ["resume", "x", "--decision", "approve"],
    ):
        result = cli.invoke(app, [*args, "--db", str(bogus)])
        assert result.exit_code == 2, args
        assert "not a SQLite database" in result.output
    assert bogus.read_text() == "my notes, not a database\n"


def test_resume_rejects_unknown_thread_finished_thread_and_bad_decision(tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    thread = _run(db, out)
    unknown = cli.invoke(app, ["resume", "nope", "--db", str(db), "--decision", "approve"])
    assert unknown.exit_code == 2 and "no thread 'nope'" in unknown.output
    bad = cli.invoke(app, ["resume", thread, "--db", str(db), "--decision", "maybe"])
    assert bad.exit_code == 2 and "decision must be one of approve, reject, revise" in bad.output
    assert cli.invoke(app, ["resume", thread, "--db", str(db), "--decision", "reject"]).exit_code == 0
    again = cli.invoke(app, ["resume", thread, "--db", str(db), "--decision", "approve"])
    assert again.exit_code == 2 and "already final (rejected at " in again.output
    assert json.loads((out / f"{thread}.json").read_text())["status"] == "rejected"


def test_resume_on_a_missing_database_does_not_create_it(tmp_path: Path) -> None:
    db = tmp_path / "missing.sqlite"
    result = cli.invoke(app, ["resume", "x", "--db", str(db), "--decision", "approve"])
    assert result.exit_code == 2 and "no database" in result.output
    assert not db.exists()


def test_run_refuses_to_overwrite_an_existing_thread(tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    _run(db, out, "--thread", "dup")
    result = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--thread", "dup"])
    assert result.exit_code == 2 and "already exists" in result.output
    rows = sqlite3.connect(db).execute("SELECT COUNT(DISTINCT thread_id) FROM checkpoints").fetchone()
    assert rows == (1,)


def test_default_database_lives_under_sovereign_home(tmp_path: Path, isolated_home: Path) -> None:
    result = cli.invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (isolated_home / "sovereign.sqlite").exists()
