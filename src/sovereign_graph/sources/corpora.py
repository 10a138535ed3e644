"""Built corpora: persistent on-disk indexes of large paper collections under `$SOVEREIGN_HOME/corpora/`.

One directory per corpus, nothing in it parsed record by record at run time:

    meta.json               format version, counts, build date, source files
    papers.sqlite           papers(row, id, title, abstract, authors, categories, published, title_key)
    bm25_*.npy, bm25_vocabulary.json   BM25 weights (word unigrams) as a terms x papers CSR matrix, memory-mapped
    vectors.npy             each paper's LSA vector (float32, papers x dimensions), memory-mapped
    lsa.npz, lsa_vocabulary.json   the LSA embedding model fitted at build time (arrays, no pickles)

Search is `HybridRanker`, the bundled snapshot's ranker, over these arrays: the same BM25 (k1, b,
tokenisation), the same fusion with the LSA cosine, so a corpus built from the snapshot's papers ranks as
the snapshot does (given the same LSA model).

A build writes into a hidden temporary directory beside the target, `.NAME.building-PID-XXXXXXXX`, and
renames it into place at the end, so an interrupted build leaves no half index and an older index of the
same name stays usable. A build killed outright (SIGKILL, power loss) cannot clean up: its directory is
abandoned once its process is gone, or once nothing in it has been written for `ABANDONED_AFTER_SECONDS`
(a pid can be reused by an unrelated process; no stage of a build goes a day without writing). The next
build of any name removes abandoned directories, as does `sovereign corpus clean`; a build whose process
is alive and still writing is never touched.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import BaseModel
from scipy import sparse

from sovereign_graph.engines.bm25 import Bm25Index, bm25_postings, count_terms
from sovereign_graph.engines.embeddings import LsaEmbeddings
from sovereign_graph.engines.hybrid import HybridRanker
from sovereign_graph.engines.text import normalise_title
from sovereign_graph.errors import InputError, shown
from sovereign_graph.locations import sovereign_home
from sovereign_graph.sources.records import ReadReport, check_input_files, read_papers
from sovereign_graph.state import Paper

FORMAT_VERSION = 2  # 1: hashed TF-IDF postings; 2: BM25 postings + LSA document vectors (hybrid ranking)
BUNDLED = "bundled"
META_FILE = "meta.json"
PAPERS_FILE = "papers.sqlite"
BM25_VOCABULARY_FILE = "bm25_vocabulary.json"
VECTORS_FILE = "vectors.npy"
POSTINGS_PARTS = ("data", "indices", "indptr")
LSA_SAMPLE = 10_000  # papers the embedding model is fitted on: enough for stable topics, fast to fit
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# `[0-9a-z_]`: also the directories of earlier versions, named by `tempfile.mkdtemp`.
_BUILDING = re.compile(r"^\.(?P<name>.+)\.building-(?P<pid>\d+)-[0-9a-z_]+$")
ABANDONED_AFTER_SECONDS = 24 * 3600  # a build directory untouched this long is abandoned even if its pid lives


class CorpusMeta(BaseModel):
    format: int
    name: str
    papers: int
    built: str
    sources: list[str]
    duplicates: int
    malformed: int
    terms: int
    lsa_dimensions: int
    lsa_sample: int


@dataclass(frozen=True)
class CorpusEntry:
    """A corpus directory as `sovereign corpus list` shows it; `problem` says why it cannot be opened."""

    name: str
    path: Path
    size_bytes: int
    meta: CorpusMeta | None
    problem: str | None = None


@dataclass(frozen=True)
class UnfinishedBuild:
    """A build's hidden work directory; `abandoned` if its process is gone or it has been idle for a day."""

    corpus: str
    path: Path
    size_bytes: int
    pid: int
    pid_alive: bool
    idle_seconds: float  # since anything in it was last written

    @property
    def abandoned(self) -> bool:
        return not self.pid_alive or self.idle_seconds > ABANDONED_AFTER_SECONDS


@dataclass(frozen=True)
class BuildResult:
    meta: CorpusMeta
    path: Path
    size_bytes: int
    malformed_examples: list[str]


class BuildProgress(Protocol):
    def stage(self, description: str, total: float | None) -> None: ...

    def advance(self, amount: float) -> None: ...


def corpora_dir() -> Path:
    return sovereign_home() / "corpora"


def require_corpus_name(name: str) -> str:
    if name == BUNDLED:
        raise InputError(f"'{BUNDLED}' is the snapshot shipped in the package; pick another --name.")
    if not _NAME.match(name):
        raise InputError(
            f"corpus name {shown(name)} is not usable: letters, digits, '.', '_' or '-' "
            "(at most 64, no path separators)."
        )
    return name


def default_corpus_name(path: Path) -> str:
    """The first file's stem without .gz/.jsonl/.json, e.g. listings_cs-cv-cl_2025-03_2026-07."""
    stem = path.name
    for suffix in (".gz", ".jsonl", ".json", ".ndjson"):
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_") or "corpus"


def _size_on_disk(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    except (OverflowError, ValueError):
        return False  # not a pid this system can have
    return True


def _usage(path: Path) -> tuple[int, float]:
    """Bytes in the files under `path` and the latest modification time of anything in it; a file that
    disappears meanwhile (a build finishing, another clean-up) is skipped."""
    size, latest = 0, 0.0
    for directory, _, files in os.walk(path):
        for entry, is_file in [(directory, False), *((os.path.join(directory, f), True) for f in files)]:
            try:
                status = os.lstat(entry)
            except OSError:
                continue
            latest = max(latest, status.st_mtime)
            size += status.st_size if is_file else 0
    return size, latest


def unfinished_builds() -> list[UnfinishedBuild]:
    """The hidden work directories of builds that are running, or were killed before they could clean up."""
    root = corpora_dir()
    if not root.is_dir():
        return []
    found: list[UnfinishedBuild] = []
    for child in sorted(root.iterdir()):
        match = _BUILDING.match(child.name)
        if match is None or not child.is_dir():
            continue
        pid = int(match.group("pid"))
        alive = _pid_alive(pid)  # before the walk: a build that finishes meanwhile is seen as alive
        size, latest = _usage(child)
        idle = max(0.0, time.time() - latest) if latest else 0.0
        found.append(UnfinishedBuild(match.group("name"), child, size, pid, alive, idle))
    return found


def remove_abandoned_builds() -> list[UnfinishedBuild]:
    """Remove the abandoned build directories (never one whose process is alive and still writing); returns
    those removed."""
    removed: list[UnfinishedBuild] = []
    for build in unfinished_builds():
        if not build.abandoned:
            continue
        shutil.rmtree(build.path, ignore_errors=True)
        if not build.path.exists():
            removed.append(build)
    return removed


def _create_papers_db(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path))
    connection.execute(
        "CREATE TABLE papers (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, "
        "abstract TEXT NOT NULL, authors TEXT NOT NULL, categories TEXT NOT NULL, published TEXT NOT NULL, "
        "title_key TEXT NOT NULL)"
    )
    return connection


def _row(row: int, paper: Paper) -> tuple[object, ...]:
    return (
        row,
        paper.id,
        paper.title,
        paper.abstract,
        json.dumps(paper.authors, ensure_ascii=False),
        json.dumps(paper.categories),
        paper.published,
        normalise_title(paper.title),
    )


def _save_bm25(directory: Path, vocabulary: list[str], postings: sparse.csr_matrix) -> None:
    for part in POSTINGS_PARTS:
        np.save(directory / f"bm25_{part}.npy", getattr(postings, part))
    (directory / BM25_VOCABULARY_FILE).write_text(json.dumps(vocabulary), encoding="utf-8")


def _load_bm25(directory: Path, papers: int) -> Bm25Index:
    vocabulary = json.loads((directory / BM25_VOCABULARY_FILE).read_text(encoding="utf-8"))
    postings = sparse.csr_matrix(
        tuple(np.load(directory / f"bm25_{part}.npy", mmap_mode="r") for part in POSTINGS_PARTS),
        shape=(len(vocabulary), papers),
        copy=False,
    )
    return Bm25Index(vocabulary, postings)


def _write_index(
    directory: Path, paths: list[Path], limit: int | None, progress: BuildProgress | None
) -> tuple[CorpusMeta, ReadReport]:
    report = ReadReport()
    total_bytes = sum(p.stat().st_size for p in paths)
    if progress is not None:
        progress.stage("reading papers", float(total_bytes))
    on_bytes: Callable[[int], None] | None = progress.advance if progress is not None else None
    connection = _create_papers_db(directory / PAPERS_FILE)
    texts: list[str] = []
    try:
        for row, paper in enumerate(read_papers(paths, report, on_bytes)):
            connection.execute("INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(row, paper))
            texts.append(paper.title + ". " + paper.abstract)
            if limit is not None and len(texts) >= limit:
                break
        connection.execute("CREATE INDEX papers_title_key ON papers(title_key)")
        connection.commit()
    finally:
        connection.close()

    if progress is not None:
        progress.stage("counting words, weighting BM25", None)
    vocabulary, counts = count_terms(texts)
    _save_bm25(directory, vocabulary, bm25_postings(counts))

    if progress is not None:
        progress.stage("fitting LSA embeddings", None)
    sample = texts
    if len(texts) > LSA_SAMPLE:
        rows = sorted(random.Random(0).sample(range(len(texts)), LSA_SAMPLE))
        sample = [texts[i] for i in rows]
    lsa = LsaEmbeddings.fit(sample)
    lsa.save(directory)
    sample_size = len(sample)
    del texts, sample
    if progress is not None:
        progress.stage("embedding papers", None)
    # From the word counts already made: the LSA vocabulary is a subset of the BM25 one (same tokeniser).
    np.save(directory / VECTORS_FILE, lsa.document_vectors(counts, vocabulary))
    papers = counts.shape[0]
    del counts

    meta = CorpusMeta(
        format=FORMAT_VERSION,
        name=directory.name,
        papers=papers,
        built=datetime.now(UTC).isoformat(timespec="seconds"),
        sources=[str(p.resolve()) for p in paths],
        duplicates=report.duplicates,
        malformed=report.malformed,
        terms=len(vocabulary),
        lsa_dimensions=lsa.dimensions,
        lsa_sample=sample_size,
    )
    return meta, report


def _move_into_place(built: Path, target: Path) -> None:
    """Replace `target` by `built`; the old index is removed only once the new one is in place."""
    if not target.exists():
        os.replace(built, target)
        return
    retired = target.with_name(f".{target.name}.replaced-{uuid.uuid4().hex[:8]}")
    os.replace(target, retired)
    try:
        os.replace(built, target)
    except OSError:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def build_corpus(
    name: str, paths: list[Path], *, limit: int | None = None, progress: BuildProgress | None = None
) -> BuildResult:
    """Build (or rebuild) corpus `name` from JSONL(.gz) files; atomically, so failure leaves no trace."""
    require_corpus_name(name)
    check_input_files(paths)
    root = corpora_dir()
    root.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds()
    # Named so `_BUILDING` recognises it: the pid says whose it is once this process is gone.
    workdir = root / f".{name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(mode=0o700)
    try:
        staged = workdir / name
        staged.mkdir()
        meta, report = _write_index(staged, paths, limit, progress)
        (staged / META_FILE).write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if progress is not None:
            progress.stage("moving into place", None)
        _move_into_place(staged, root / name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    target = root / name
    return BuildResult(meta=meta, path=target, size_bytes=_size_on_disk(target), malformed_examples=report.examples)


def _read_meta(directory: Path) -> CorpusMeta:
    rebuild = f"rebuild it with: sovereign corpus build PATH... --name {directory.name}"
    try:
        raw = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(f"corpus {shown(directory.name)} has no readable {META_FILE}; {rebuild}") from None
    found = raw.get("format") if isinstance(raw, dict) else None
    if found != FORMAT_VERSION:
        raise InputError(
            f"corpus {shown(directory.name)} has index format {found}, this version reads format "
            f"{FORMAT_VERSION}; {rebuild}"
        )
    return CorpusMeta.model_validate(raw)


def list_corpora() -> list[CorpusEntry]:
    root = corpora_dir()
    if not root.is_dir():
        return []
    entries: list[CorpusEntry] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        try:
            entries.append(CorpusEntry(child.name, child, _size_on_disk(child), _read_meta(child)))
        except InputError as error:
            entries.append(CorpusEntry(child.name, child, _size_on_disk(child), None, str(error)))
    return entries


def open_corpus(name: str) -> DiskCorpus:
    """The built corpus `name`, opened once per process (and again after a rebuild)."""
    directory = corpora_dir() / name
    meta_file = directory / META_FILE
    if not _NAME.match(name) or not directory.is_dir():
        available = ", ".join([BUNDLED, *(e.name for e in list_corpora())])
        raise InputError(
            f"no corpus named {shown(name)} (available: {available}); build one with: sovereign corpus build PATH... "
            f"--name {name if _NAME.match(name) else 'NAME'}"
        )
    stamp = meta_file.stat().st_mtime_ns if meta_file.exists() else 0
    return _open_cached(directory.resolve(), directory.stat().st_ino, stamp)


@lru_cache(maxsize=4)
def _open_cached(directory: Path, inode: int, stamp: int) -> DiskCorpus:
    return DiskCorpus(directory, _read_meta(directory))


class DiskCorpus:
    """A built corpus as a `PaperSource`: SQLite for the records, the hybrid ranker over memory-mapped arrays."""

    def __init__(self, directory: Path, meta: CorpusMeta) -> None:
        self.name = f"corpus '{meta.name}'"
        self.meta = meta
        self.directory = directory
        uri = (directory / PAPERS_FILE).resolve().as_uri() + "?mode=ro"
        # Search branches run in parallel threads: one read-only connection shared under a lock.
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.embeddings = LsaEmbeddings.load(directory)  # fitted at build time: no fitting at run time
        vectors = np.load(directory / VECTORS_FILE, mmap_mode="r")
        self._ranker = HybridRanker(_load_bm25(directory, meta.papers), self.embeddings, vectors)

    def __len__(self) -> int:
        return self.meta.papers

    def _select(self, where: str, parameters: tuple[object, ...]) -> list[tuple[int, Paper]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT row, id, title, abstract, authors, categories, published FROM papers WHERE " + where,
                parameters,
            ).fetchall()
        return [
            (
                row[0],
                Paper(
                    id=row[1],
                    title=row[2],
                    abstract=row[3],
                    authors=json.loads(row[4]),
                    categories=json.loads(row[5]),
                    published=row[6],
                ),
            )
            for row in rows
        ]

    def get(self, paper_id: str) -> Paper | None:
        found = self._select("id = ?", (paper_id,))
        return found[0][1] if found else None

    def find_title(self, title: str) -> list[Paper]:
        return [paper for _, paper in self._select("title_key = ? ORDER BY row", (normalise_title(title),))]

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        ranked = self._ranker.top(query, k)
        if not ranked:
            return []
        rows = [row for row, _ in ranked]
        papers = dict(self._select(f"row IN ({', '.join('?' * len(rows))})", tuple(rows)))
        return [(papers[row], score) for row, score in ranked]

    def texts(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT title, abstract FROM papers ORDER BY row").fetchall()
        return [f"{title}. {abstract}" for title, abstract in rows]

    def sample_texts(self, most: int) -> list[str]:
        """Every k-th paper's text (at most about `most`), read without loading the whole corpus."""
        step = max(1, len(self) // most)
        with self._lock:
            rows = self._db.execute(
                "SELECT title, abstract FROM papers WHERE row % ? = 0 ORDER BY row", (step,)
            ).fetchall()
        return [f"{title}. {abstract}" for title, abstract in rows]
