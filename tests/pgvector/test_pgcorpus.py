"""One corpus in PostgreSQL + pgvector: built from the bundled snapshot's files it ranks as the on-disk corpus
built from the same files; the CLI builds, lists and rebuilds it atomically; and a `run` in a process with
an empty $SOVEREIGN_HOME (no local index) searches it and reaches the owner's pause."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psycopg
import pytest
from typer.testing import CliRunner

from sovereign_graph.cli.commands import app
from sovereign_graph.errors import InputError
from sovereign_graph.sources.corpora import DiskCorpus, build_corpus, open_corpus
from sovereign_graph.sources.pgcorpus import PgCorpus, build_pg_corpus, open_pg_corpus
from sovereign_graph.sources.snapshot import SNAPSHOT_FILES
from tests.conftest import QUESTION, SMOES
from tests.corpus_files import bundled_records

REPO = Path(__file__).resolve().parents[2]
# Research questions over the snapshot's topics, then titles of random papers (seeded): a fixed query set.
QUERIES = [
    QUESTION,
    "load balancing auxiliary loss for sparse experts",
    "hallucination in vision-language models",
    "token pruning for efficient multimodal inference",
    "mixture of experts routing in vision-language models",
    "modality-guided expert specialization",
    "dynamic expert skipping in MoE multimodal LLMs",
    "visual question answering benchmark accuracy",
    "video understanding with long context",
    "reinforcement learning from human feedback for multimodal models",
]
TITLE_QUERIES = 40


@dataclass(frozen=True)
class Built:
    home: Path
    listing: Path
    url: str


@pytest.fixture(scope="module")
def snapshot_corpora(pgvector_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The snapshot's papers (as it holds them: a later record of an id replaces the earlier one) built both on
    disk, under a home of this module, and in the module's database, under the name 'snap'."""
    home = tmp_path_factory.mktemp("pghome")
    by_id = {r["id"]: r for name in SNAPSHOT_FILES for r in bundled_records(name)}
    listing = home / "snapshot.jsonl"
    listing.write_text("".join(json.dumps(r) + "\n" for r in by_id.values()), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOVEREIGN_HOME", str(home))
        build_corpus("snap", [listing])
    build_pg_corpus(pgvector_url, "snap", [listing])
    yield Built(home, listing, pgvector_url)


def _both(built: Built, monkeypatch: pytest.MonkeyPatch) -> tuple[DiskCorpus, PgCorpus]:
    monkeypatch.setenv("SOVEREIGN_HOME", str(built.home))
    return open_corpus("snap"), open_pg_corpus(built.url, "snap")


def _schemas(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sovereign_corpus_%' ORDER BY 1"
        ).fetchall()
    return [r[0] for r in rows]


def test_the_postgres_corpus_ranks_as_the_on_disk_one(snapshot_corpora: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    disk, pg = _both(snapshot_corpora, monkeypatch)
    assert len(pg) == len(disk) == 3859
    titles = [t.split(". ", 1)[0] for t in random.Random(7).sample(disk.texts(), TITLE_QUERIES)]
    same = 0
    for query in QUERIES + titles:
        ours, theirs = pg.search(query, 10), disk.search(query, 10)
        if [p.id for p, _ in ours] == [p.id for p, _ in theirs]:
            same += 1
            # The BM25 half is bit-identical; the dense half differs by float rounding (moments vs a full pass).
            np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    # The bar is 95% of queries with the same top 10; on the snapshot every one is the same.
    assert same == len(QUERIES) + TITLE_QUERIES
    assert pg.search("zzzz qqqq", 5) == []
    assert pg.search(QUESTION, 0) == []


def test_look_ups_and_texts_match_the_on_disk_corpus(snapshot_corpora: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    disk, pg = _both(snapshot_corpora, monkeypatch)
    smoes = pg.get(SMOES)
    assert smoes is not None and smoes == disk.get(SMOES)
    assert pg.find_title(smoes.title.upper()) == disk.find_title(smoes.title) == [smoes]
    assert pg.get("9999.99999") is None
    assert pg.sample_texts(100) == disk.sample_texts(100)
    assert pg.full_text(smoes).document is None  # records only: no library documents
    # The LSA model comes from the database, as fitted at build time: queries embed identically.
    assert pg.embeddings.embed_query(QUESTION) == disk.embeddings.embed_query(QUESTION)


def test_cli_builds_lists_and_rebuilds_in_place_never_showing_the_password(pgvector_url: str, tmp_path: Path) -> None:
    records = bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")[:300]
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    # The server trusts local connections, so any password serves: it must not appear in any output.
    with_password = pgvector_url.replace("postgres:@", "postgres:s3cret-pw@", 1)
    assert "s3cret-pw" in with_password
    runner = CliRunner()
    built = runner.invoke(app, ["corpus", "build", str(small), "--db", with_password, "--name", "small"])
    assert built.exit_code == 0, built.output
    assert "corpus 'small': 300 papers" in built.output and "(schema sovereign_corpus_" in built.output
    assert "search it with: sovereign run --corpus small --db" in built.output
    listed = runner.invoke(app, ["corpus", "list", "--db", with_password])
    assert listed.exit_code == 0 and "small" in listed.output and "300" in listed.output
    before = set(_schemas(pgvector_url))
    again = runner.invoke(app, ["corpus", "build", str(small), "--db", with_password, "--name", "small"])
    assert again.exit_code == 0, again.output
    after = set(_schemas(pgvector_url))
    assert len(after) == len(before) and after != before  # the old build's schema dropped with the swap
    for result in (built, listed, again):
        assert "s3cret-pw" not in result.output
    bad = runner.invoke(app, ["corpus", "build", str(small), "--db", with_password, "--name", "../etc"])
    assert bad.exit_code == 2 and "is not usable" in bad.output
    not_pg = runner.invoke(app, ["corpus", "build", str(small), "--db", str(tmp_path / "x.sqlite")])
    assert not_pg.exit_code == 2 and "not a PostgreSQL URL" in not_pg.output


class _FailWhileIndexing:
    def stage(self, description: str, total: float | None) -> None:
        if description.startswith("indexing"):
            raise RuntimeError("interrupted while indexing")

    def advance(self, amount: float) -> None:
        pass


def test_a_failed_build_leaves_nothing_and_keeps_the_previous_build(snapshot_corpora: Built, tmp_path: Path) -> None:
    url = snapshot_corpora.url
    before = _schemas(url)
    small = tmp_path / "few.jsonl"
    small.write_text(
        "".join(json.dumps(r) + "\n" for r in bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")[:50]), encoding="utf-8"
    )
    with pytest.raises(RuntimeError, match="interrupted"):
        build_pg_corpus(url, "snap", [small], progress=_FailWhileIndexing())
    assert _schemas(url) == before
    assert len(open_pg_corpus(url, "snap")) == 3859


def test_an_unknown_name_names_what_the_database_and_the_disk_hold(snapshot_corpora: Built) -> None:
    from sovereign_graph.runtime.context import Context

    context = Context(corpus="nope", corpus_db=snapshot_corpora.url)
    with pytest.raises(InputError, match=r"no corpus named 'nope' in the database .*available there: .*snap"):
        context.paper_source()
    assert "corpus_db" not in repr(context)  # the URL may carry a password


def test_a_run_with_no_local_index_searches_the_shared_corpus_to_the_pause(
    snapshot_corpora: Built, tmp_path: Path
) -> None:
    home, out = tmp_path / "empty-home", tmp_path / "out"
    env = {
        **os.environ,
        "SOVEREIGN_HOME": str(home),
        "PYTHONPATH": f"{REPO / 'src'}:{REPO}",
    }  # run's --db is a PostgreSQL URL: --corpus is looked up there first
    args = ["run", "--paper", SMOES, "--question", QUESTION, "--corpus", "snap", "--db", snapshot_corpora.url]
    result = subprocess.run(
        [sys.executable, "-m", "sovereign_graph", *args, "--thread", "pg-corpus-1", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "paused for the owner" in result.stdout + result.stderr
    assert not (home / "corpora").exists()  # nothing indexed locally
    report = json.loads((out / "pg-corpus-1.json").read_text(encoding="utf-8"))
    assert report["status"] == "awaiting_owner" and report["papers"]
    assert "corpus 'snap' (3859 papers)" in json.dumps(report["method"])
