"""What a thread costs on disk stays in proportion to what it read, however large a record it reads; and threads
stored by an earlier version (every channel in every checkpoint, uncompressed) still resume, show and fork."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.cli import app
from tests.conftest import QUESTION, SMOES
from tests.corpus_files import bundled_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "threads"
LARGE = 100_000  # characters: the default abstract cap of `corpus build`
cli = CliRunner()


def thread_bytes(db: Path, thread: str) -> int:
    with sqlite3.connect(db) as connection:
        checkpoints = connection.execute(
            "SELECT SUM(LENGTH(checkpoint) + LENGTH(metadata)) FROM checkpoints WHERE thread_id = ?", (thread,)
        ).fetchone()[0]
        writes = connection.execute("SELECT SUM(LENGTH(value)) FROM writes WHERE thread_id = ?", (thread,)).fetchone()
    return int(checkpoints) + int(writes[0])


def text_read(db: Path, thread: str) -> tuple[int, set[str]]:
    """The UTF-8 size of the distinct abstracts and body passages the thread read, and the papers it retrieved."""
    with sqlite_saver(db) as saver:
        values = Runner(saver).graph.get_state({"configurable": {"thread_id": thread}}).values
    texts = {values["subject"].id: values["subject"].abstract}
    texts |= {hit.paper.id: hit.paper.abstract for hit in values["hits"]}
    texts |= {p.id: p.text for p in values["passages"] if p.kind != "abstract"}
    return sum(len(t.encode("utf-8")) for t in texts.values()), {hit.paper.id for hit in values["hits"]}


def test_a_thread_that_reads_a_large_record_stores_a_small_multiple_of_what_it_read(tmp_path: Path) -> None:
    records = {r["id"]: r for r in bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")}
    records |= {r["id"]: r for r in bundled_records("target_papers.jsonl.gz")}
    words = set(QUESTION.lower().split())
    ranked = sorted(records.values(), key=lambda r: -len(words & set(r["abstract"].lower().split())))
    corpus = {r["id"]: r for r in ranked[:40]} | {SMOES: records[SMOES]}
    # 100 KB of real prose about the subject: the subject's abstract, reworded, then other papers' abstracts.
    body = [records[SMOES]["abstract"].replace("We ", "They ")]
    for other in ranked[40:]:
        if sum(len(b) + 1 for b in body) + len(other["abstract"]) > LARGE:
            break
        body.append(other["abstract"])
    large = {"id": "2699.00001", "title": f"{records[SMOES]['title']}: an extended study", "abstract": " ".join(body),
             "authors": ["A. Other"]}  # fmt: skip
    source = tmp_path / "large.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in [*corpus.values(), large]), encoding="utf-8")
    assert cli.invoke(app, ["corpus", "build", str(source), "--name", "large"]).exit_code == 0
    db = tmp_path / "runs.sqlite"
    common = ["--db", str(db), "--out", str(tmp_path / "out")]
    ran = cli.invoke(app, ["run", "--corpus", "large", "--paper", SMOES, "--question", QUESTION, "--thread", "t",
                           *common])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert cli.invoke(app, ["resume", "t", "--decision", "approve", *common]).exit_code == 0

    read, retrieved = text_read(db, "t")
    assert "2699.00001" in retrieved and read > LARGE, "the large record was read"
    stored = thread_bytes(db, "t")
    # Every checkpoint used to hold every passage: 60 to 90 times what was read (evals/storage_bench.py).
    assert stored < 8 * read, f"{stored:,} bytes stored for {read:,} read"


def test_a_thread_stored_by_an_earlier_version_resumes_shows_and_forks(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    db.write_bytes(gzip.decompress((FIXTURES / "plain-channels.sqlite.gz").read_bytes()))
    common = ["--db", str(db), "--out", str(tmp_path / "out")]

    shown = cli.invoke(app, ["show", "before-upgrade", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    draft: dict[str, Any] = json.loads(shown.output)
    assert draft["status"] == "awaiting_owner" and [c["id"] for c in draft["claims"]] == ["C1", "C2"]

    forked = cli.invoke(app, ["fork", "before-upgrade", "--checkpoint", _head(db, "before-upgrade"), "--decision",
                              "reject", "--thread", "copy", *common])  # fmt: skip
    assert forked.exit_code == 0, forked.output
    resumed = cli.invoke(app, ["resume", "before-upgrade", "--decision", "approve", "--note", "fine", *common])
    assert resumed.exit_code == 0, resumed.output

    final = json.loads(cli.invoke(app, ["show", "before-upgrade", "--json", "--db", str(db)]).output)
    copy = json.loads(cli.invoke(app, ["show", "copy", "--json", "--db", str(db)]).output)
    assert final["status"] == "approved" and copy["status"] == "rejected"
    for report in (final, copy):
        assert report["claims"] == draft["claims"] and report["score"] == draft["score"], "nothing was lost"


def _head(db: Path, thread: str) -> str:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = ?", (thread,)).fetchone()
    return str(row[0])
