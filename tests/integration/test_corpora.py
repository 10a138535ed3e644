"""`sovereign corpus build | list | clean` and `run --corpus NAME`: a persistent index a run searches, built
atomically; a build killed outright leaves a directory that is listed and removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.cli.corpus import human_size
from sovereign_graph.runtime.context import Context
from sovereign_graph.sources import corpora
from sovereign_graph.sources.corpora import (
    build_corpus,
    corpora_dir,
    open_corpus,
    remove_abandoned_builds,
    unfinished_builds,
)
from sovereign_graph.sources.snapshot import SNAPSHOT_FILES, bundled_snapshot
from sovereign_graph.state import Paper
from tests.conftest import QUESTION, SMOES
from tests.corpus_files import bundled_records, write_corpus_files

cli = CliRunner()
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def corpus_files(tmp_path: Path) -> tuple[Path, Path, set[str]]:
    return write_corpus_files(tmp_path)


def _build(*args: str, code: int = 1) -> str:
    """The build's output; `corpus_files`'s ours.jsonl has 4 malformed lines, so its builds exit 1 (built,
    with lines skipped)."""
    result = cli.invoke(app, ["corpus", "build", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_build_list_and_search(corpus_files: tuple[Path, Path, set[str]]) -> None:
    ours, kaggle, ids = corpus_files
    output = _build(str(ours), str(kaggle), "--name", "small")
    assert f"corpus 'small': {len(ids)} papers" in output
    assert "1 duplicate ids skipped" in output
    assert "4 malformed lines skipped:\n  ours.jsonl:11: not JSON" in output
    assert "  ours.jsonl:31: no abstract\n  ours.jsonl:51: a JSON list, not an object\n" in output

    listing = cli.invoke(app, ["corpus", "list"])
    assert listing.exit_code == 0, listing.output
    row = next(line for line in listing.output.splitlines() if "small" in line)
    assert str(len(ids)) in row and "ours.jsonl, kaggle.jsonl.gz" in row
    assert "bundled" in listing.output

    corpus = open_corpus("small")
    assert len(corpus) == len(ids)
    smoes = corpus.get(SMOES)
    assert smoes is not None and smoes == bundled_snapshot().get(SMOES)
    assert corpus.find_title(smoes.title.upper() + " ") == [smoes]
    found = corpus.search("soft modality-guided expert specialization MoE-VLMs", 5)
    assert found[0][0].id == SMOES and all(p.id in ids for p, _ in found)
    assert len(Context(corpus="small").embedder().embed_query(QUESTION)) == corpus.meta.lsa_dimensions
    # The verifier samples a corpus's texts without loading them all; the sample is the same as slicing them.
    assert corpus.sample_texts(7) == corpus.texts()[:: max(1, len(corpus) // 7)]


def test_default_name_is_the_first_files_stem(corpus_files: tuple[Path, Path, set[str]]) -> None:
    ours, _, _ = corpus_files
    assert "corpus 'ours':" in _build(str(ours))
    assert (corpora_dir() / "ours" / "meta.json").exists()


def test_run_on_a_built_corpus_and_resume_on_the_same_one(
    corpus_files: tuple[Path, Path, set[str]], tmp_path: Path
) -> None:
    ours, kaggle, ids = corpus_files
    _build(str(ours), str(kaggle), "--name", "small")
    db, out = tmp_path / "runs.sqlite", tmp_path / "out"
    base = ["--question", QUESTION, "--db", str(db), "--out", str(out), "--thread", "t"]
    result = cli.invoke(app, ["run", "--corpus", "small", "--paper", SMOES, *base])
    assert result.exit_code == 0, result.output
    assert "paused for the owner" in result.output
    draft = json.loads((out / "t.json").read_text())
    assert draft["paper"]["id"] == SMOES
    assert {p["id"] for p in draft["papers"]} <= ids

    # The bundled snapshot would find papers outside the small corpus for the revision's queries...
    revise_note = "load balancing auxiliary loss for sparse experts"
    assert any(p.id not in ids for p, _ in bundled_snapshot().search(revise_note, 8))
    # ...but a resume, which builds a default context, searches the corpus the thread started on.
    resumed = cli.invoke(app, ["resume", "t", "--db", str(db), "--decision", "revise", "--note", revise_note])
    assert resumed.exit_code == 0, resumed.output
    revised = json.loads((out / "t.json").read_text())
    assert revised["revision_rounds"] > draft["revision_rounds"]
    assert {p["id"] for p in revised["papers"]} <= ids


def test_a_paper_outside_the_corpus_is_not_found_there(corpus_files: tuple[Path, Path, set[str]]) -> None:
    ours, _, ids = corpus_files
    _build(str(ours), "--name", "small")
    outside = next(p.id for p, _ in bundled_snapshot().search("vision language model", 50) if p.id not in ids)
    result = cli.invoke(app, ["run", "--corpus", "small", "--paper", outside, "--question", QUESTION])
    assert result.exit_code == 2
    assert f"arXiv:{outside} is not in the corpus 'small'" in result.output


def test_unknown_corpus_exits_2_listing_the_available_ones(
    corpus_files: tuple[Path, Path, set[str]], tmp_path: Path
) -> None:
    ours, _, _ = corpus_files
    _build(str(ours), "--name", "small")
    db = tmp_path / "runs.sqlite"
    result = cli.invoke(app, ["run", "--corpus", "nope", "--paper", SMOES, "--question", QUESTION, "--db", str(db)])
    assert result.exit_code == 2
    assert "no corpus named 'nope' (available: bundled, small)" in result.output
    assert not db.exists()


def test_bad_names_and_empty_inputs_write_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    for args, message in [
        ([str(bad), "--name", "../escape"], "is not usable"),
        ([str(bad), "--name", "bundled"], "shipped in the package"),
        ([str(tmp_path / "missing.jsonl")], "no file at"),
        ([str(bad)], "bad.jsonl has no paper records"),
    ]:
        result = cli.invoke(app, ["corpus", "build", *args])
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not corpora_dir().exists() or list(corpora_dir().iterdir()) == []


def test_an_interrupted_build_leaves_nothing_and_keeps_the_previous_index(
    corpus_files: tuple[Path, Path, set[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, kaggle, ids = corpus_files
    build_corpus("small", [ours, kaggle])
    before = (corpora_dir() / "small" / "meta.json").read_text()
    real_read = corpora.read_papers

    def interrupted(*args: object, **kwargs: object) -> Iterator[Paper]:
        for count, paper in enumerate(real_read(*args, **kwargs)):  # type: ignore[arg-type]
            if count == 100:
                raise KeyboardInterrupt
            yield paper

    monkeypatch.setattr(corpora, "read_papers", interrupted)
    for name in ("small", "fresh"):
        with pytest.raises(KeyboardInterrupt):
            build_corpus(name, [ours, kaggle])
    assert sorted(p.name for p in corpora_dir().iterdir()) == ["small"]
    assert (corpora_dir() / "small" / "meta.json").read_text() == before
    assert len(open_corpus("small")) == len(ids)


def test_a_rebuild_replaces_the_index_in_place(corpus_files: tuple[Path, Path, set[str]]) -> None:
    ours, kaggle, ids = corpus_files
    build_corpus("small", [ours])
    first = open_corpus("small")
    build_corpus("small", [ours, kaggle])
    second = open_corpus("small")
    assert len(first) < len(second) == len(ids)
    assert sorted(p.name for p in corpora_dir().iterdir()) == ["small"]


def test_a_corpus_of_the_snapshots_papers_ranks_as_the_snapshot(tmp_path: Path) -> None:
    # The snapshot's papers as it holds them: a later record of an id replaces the earlier one in place.
    by_id = {r["id"]: r for name in SNAPSHOT_FILES for r in bundled_records(name)}
    listing = tmp_path / "snapshot.jsonl"
    listing.write_text("".join(json.dumps(r) + "\n" for r in by_id.values()), encoding="utf-8")
    build_corpus("snapshot", [listing])
    built, snapshot = open_corpus("snapshot"), bundled_snapshot()
    assert len(built) == len(snapshot)
    for query in [
        QUESTION,
        "load balancing auxiliary loss for sparse experts",
        "hallucination in vision-language models",
        "token pruning for efficient multimodal inference",
    ]:
        ours, theirs = built.search(query, 10), snapshot.search(query, 10)
        assert [p.id for p, _ in ours] == [p.id for p, _ in theirs], query
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert built.search("zzzz qqqq", 5) == []


def test_an_index_of_another_format_asks_for_a_rebuild(corpus_files: tuple[Path, Path, set[str]]) -> None:
    ours, _, _ = corpus_files
    build_corpus("small", [ours])
    meta_file = corpora_dir() / "small" / "meta.json"
    meta_file.write_text(json.dumps(json.loads(meta_file.read_text()) | {"format": 1}))
    result = cli.invoke(app, ["run", "--corpus", "small", "--paper", SMOES, "--question", QUESTION])
    assert result.exit_code == 2
    assert "index format 1" in result.output and "rebuild it with: sovereign corpus build" in result.output
    listing = cli.invoke(app, ["corpus", "list"])
    assert listing.exit_code == 0 and "rebuild it with" in listing.output


def test_a_built_corpus_and_the_live_source_exclude_each_other(corpus_files: tuple[Path, Path, set[str]]) -> None:
    ours, _, _ = corpus_files
    _build(str(ours), "--name", "small")
    result = cli.invoke(
        app, ["run", "--corpus", "small", "--source", "arxiv", "--paper", SMOES, "--question", QUESTION]
    )
    assert result.exit_code == 2
    assert "cannot be combined with --source arxiv" in result.output


def _big_corpus_file(path: Path, papers: int) -> Path:
    """`papers` records cut from the bundled ones under fresh ids: a build of it takes a few seconds."""
    records = bundled_records("vlm_nonmoe_arxiv_dw-dengwei.jsonl.gz") + bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")
    with path.open("w", encoding="utf-8") as lines:
        for i in range(papers):
            lines.write(json.dumps(dict(records[i % len(records)], id=f"2501.{i:05d}")) + "\n")
    return path


def _building_dirs() -> list[Path]:
    return sorted(p for p in corpora_dir().iterdir() if ".building-" in p.name) if corpora_dir().is_dir() else []


def _sigkilled_build(source: Path, name: str) -> Path:
    """Start `sovereign corpus build SOURCE --name NAME` in a process, SIGKILL it mid-build, return its work
    directory (the process cannot clean up after a SIGKILL)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "sovereign_graph", "corpus", "build", str(source), "--name", name]
    log = source.with_suffix(".log")
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while not any(f.stat().st_size for d in _building_dirs() for f in d.rglob("*") if f.is_file()):
            assert process.poll() is None, f"the build ended before it could be killed: {log.read_text()}"
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.01)
        assert process.poll() is None, "the build ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()  # reaped: its pid is gone, not a zombie
    assert process.returncode == -signal.SIGKILL
    (workdir,) = _building_dirs()
    assert workdir.name.startswith(f".{name}.building-{process.pid}-")
    return workdir


def test_a_sigkilled_build_is_listed_and_cleaned(tmp_path: Path) -> None:
    workdir = _sigkilled_build(_big_corpus_file(tmp_path / "big.jsonl", 6000), "x")
    size = sum(f.stat().st_size for f in workdir.rglob("*") if f.is_file())

    hint = cli.invoke(app, ["corpus", "list"])
    assert hint.exit_code == 0 and "1 abandoned build directory" in hint.output
    listing = cli.invoke(app, ["corpus", "list", "--all"])
    assert listing.exit_code == 0, listing.output
    line = next(line for line in listing.output.splitlines() if workdir.name in line)
    pid = workdir.name.split("-")[1]
    assert "corpus 'x'" in line and f"pid {pid} gone;" in line
    assert "abandoned: removed by the next build, or `sovereign corpus clean`" in line

    cleaned = cli.invoke(app, ["corpus", "clean"])
    assert cleaned.exit_code == 0, cleaned.output
    assert f"removed {workdir.name}" in cleaned.output
    assert f"freed {human_size(size)} ({size:,} bytes) in 1 directory" in cleaned.output
    assert not workdir.exists() and list(corpora_dir().iterdir()) == []
    again = cli.invoke(app, ["corpus", "clean"])
    assert "freed 0 B (0 bytes) in 0 directories" in again.output
    assert "no unfinished builds" in cli.invoke(app, ["corpus", "list", "--all"]).output


def test_the_next_build_removes_a_sigkilled_builds_directory(
    tmp_path: Path, corpus_files: tuple[Path, Path, set[str]]
) -> None:
    workdir = _sigkilled_build(_big_corpus_file(tmp_path / "big.jsonl", 6000), "x")
    ours, _, _ = corpus_files
    _build(str(ours), "--name", "x")
    assert not workdir.exists()
    assert sorted(p.name for p in corpora_dir().iterdir()) == ["x"]


def test_a_live_build_is_kept_unless_idle_for_a_day() -> None:
    """A live pid keeps its directory; one idle past ABANDONED_AFTER_SECONDS counts as abandoned anyway
    (the pid was probably reused by an unrelated process)."""
    workdir = corpora_dir() / f".y.building-{os.getpid()}-0123abcd"  # this process: alive
    (workdir / "y").mkdir(parents=True)
    (workdir / "y" / "papers.sqlite").write_bytes(b"x" * 1000)

    (build,) = unfinished_builds()
    assert build.pid_alive and not build.abandoned and build.corpus == "y" and build.size_bytes == 1000
    cleaned = cli.invoke(app, ["corpus", "clean"])
    assert f"kept {workdir.name}" in cleaned.output and "building" in cleaned.output
    assert "in 0 directories" in cleaned.output and workdir.exists()

    long_ago = time.time() - corpora.ABANDONED_AFTER_SECONDS - 3600
    for path in [workdir, workdir / "y", workdir / "y" / "papers.sqlite"]:
        os.utime(path, (long_ago, long_ago))
    listing = cli.invoke(app, ["corpus", "list", "--all"])
    line = next(line for line in listing.output.splitlines() if workdir.name in line)
    assert f"pid {os.getpid()} alive, but nothing written for 1 d" in line and "likely a reused pid" in line
    assert "abandoned: removed by the next build" in line
    assert [b.path for b in remove_abandoned_builds()] == [workdir] and not workdir.exists()
