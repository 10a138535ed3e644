"""Databases for the desk's tests: threads paused for the owner, run offline on the bundled snapshot, and one on a
corpus whose subject paper's title and abstract carry markup and script (untrusted text, as any corpus may)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.cli import app
from sovereign_graph.runtime.context import Context
from tests.conftest import QUESTION, SMOES, UNANSWERABLE
from tests.corpus_files import bundled_records

HOSTILE_TITLE = 'SMoES <script>window.pwned = "title"</script><img src=x onerror="window.pwned=\'img\'">'
# Inside the abstract sentence the report quotes as a claim (C2 of the README's question).
HOSTILE_QUOTE = "These results <script>window.pwned = 'quote'</script> validate <img src=x onerror=alert(3)> that"
HOSTILE_SENTENCE = (
    ' A hostile sentence <script>window.pwned = "abstract"</script> and <img src=x onerror="alert(1)"> and '
    '<a href="javascript:alert(2)">a link</a> end here.'
)


def paused_db(directory: Path, out_dir: Path) -> Path:
    """Two threads awaiting the owner: `moe` (the README's question) and `silent` (one the snapshot cannot answer)."""
    db = directory / "desk.sqlite"
    with sqlite_saver(db) as saver:
        runner = Runner(saver, Context())
        runner.start(SMOES, UNANSWERABLE, thread_id="silent", max_revisions=0, out_dir=out_dir)
        runner.start(SMOES, QUESTION, thread_id="moe", max_revisions=0, out_dir=out_dir)
    return db


def hostile_thread(directory: Path, db: Path, out_dir: Path) -> None:
    """Thread `hostile` on the corpus `hostile`: SMoES with `HOSTILE_TITLE`, `HOSTILE_SENTENCE` in its abstract and
    `HOSTILE_QUOTE` inside the abstract sentence the report quotes, among 150 real MoE papers. The corpus goes
    under $SOVEREIGN_HOME."""
    smoes = next(r for r in bundled_records("target_papers.jsonl.gz") if r["id"] == SMOES)
    abstract = (
        smoes["abstract"]
        .replace(
            "Experiments across four MoE-based VLMs",
            HOSTILE_SENTENCE.strip() + " Experiments across four MoE-based VLMs",
        )
        .replace("These results validate that", HOSTILE_QUOTE)
    )
    hostile = dict(smoes, title=HOSTILE_TITLE, abstract=abstract)
    records = [hostile, *bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")[:150]]
    source = directory / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    cli = CliRunner()
    built = cli.invoke(app, ["corpus", "build", str(source), "--name", "hostile"])
    assert built.exit_code == 0, built.output
    ran = cli.invoke(
        app,
        [
            *("run", "--corpus", "hostile", "--paper", SMOES, "--question", QUESTION, "--thread", "hostile"),
            *("--db", str(db), "--out", str(out_dir), "--max-revisions", "0"),
        ],
    )
    assert ran.exit_code == 0, ran.output
