"""Built corpora: persistent on-disk indexes of large paper collections under `$SOVEREIGN_HOME/corpora/`.

One directory per corpus, nothing in it parsed record by record at run time:

    meta.json               format version, counts, build date, source files
    papers.sqlite           papers(row, id, title, abstract, authors, categories, published, title_key, version)
                            documents(id, origin, file, sha256, document): each library paper's full text,
                              the `Document` as gzip'd JSON (origin 'pdf' or 'arxiv_html')
                            files(sha256, id): every library file read, by content, to the paper it holds
    bm25_*.npy, bm25_vocabulary.json   BM25 weights (word unigrams) as a terms x papers CSR matrix, memory-mapped
    vectors.npy             each paper's LSA vector (float32, papers x dimensions), memory-mapped
    lsa.npz, lsa_vocabulary.json   the LSA embedding model fitted at build time (arrays, no pickles)

Inputs are JSONL(.gz) records and a library of PDFs and saved arXiv HTML pages (files, or directories of
them; `fulltext/library.py`). Records are read first, so a paper both listed and in the library keeps its
record's metadata (categories, date) and gains the library's document; a library paper not listed becomes a
paper of its own. A library file that cannot be read is named in the build's result and skipped: it has no
row anywhere. Search covers title and abstract as for records; body text is indexed by the run itself.

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
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel
from scipy import sparse

from sovereign_graph.errors import InputError, shown, shown_path
from sovereign_graph.home import sovereign_home
from sovereign_graph.lines import LineLimits
from sovereign_graph.sources.fulltext.library import (
    BadFile,
    DuplicateFile,
    LibraryEntry,
    LibraryReport,
    MisattributedFile,
    RepairedFile,
    file_sha256,
    is_library_input,
    library_files,
    not_titled,
    read_library,
)
from sovereign_graph.sources.fulltext.reader import FullText
from sovereign_graph.sources.fulltext.stored import pack_document, stored_full_text
from sovereign_graph.sources.records import ReadReport, check_input_files, read_papers
from sovereign_graph.state import Paper
from sovereign_graph.text.bm25 import Bm25Index, bm25_postings, count_terms
from sovereign_graph.text.hybrid import HybridRanker
from sovereign_graph.text.lsa import LsaEmbeddings
from sovereign_graph.text.prose import normalise_title
from sovereign_graph.text.similarity import is_degenerate

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
    # Defaults: a corpus built before libraries were read has neither.
    documents: int = 0  # papers with full text from the library
    bad_files: int = 0  # library files skipped as unreadable


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
    degenerate: list[str]  # ids of records whose abstract is degenerate: searchable, never evidence
    bad_files: list[BadFile]  # every library file skipped, with its reason
    duplicate_files: list[DuplicateFile]  # library files of a paper an earlier file held (among `duplicates`)
    repaired_files: list[RepairedFile] = field(default_factory=list)  # read, with undecodable characters
    misattributed_files: list[MisattributedFile] = field(default_factory=list)  # a record's arXiv id, not its title


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
    """The first input's stem without .gz/.jsonl/.json/.pdf/.html, e.g. listings_cs-cv-cl_2025-03_2026-07; a
    directory's name."""
    stem = path.name
    for suffix in (".gz", ".jsonl", ".json", ".ndjson", ".pdf", ".html", ".htm"):
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
        "title_key TEXT NOT NULL, version INTEGER)"
    )
    # `file` is the name the file had (shown, never opened); `sha256` is how `--paper FILE` finds it.
    connection.execute(
        "CREATE TABLE documents (id TEXT PRIMARY KEY, origin TEXT NOT NULL, file TEXT NOT NULL, "
        "sha256 TEXT NOT NULL, document BLOB NOT NULL)"
    )
    connection.execute("CREATE TABLE files (sha256 TEXT PRIMARY KEY, id TEXT NOT NULL)")
    return connection


def paper_row(row: int, paper: Paper) -> tuple[object, ...]:
    """A paper as the papers table's columns (authors and categories as JSON)."""
    return (
        row,
        paper.id,
        paper.title,
        paper.abstract,
        json.dumps(paper.authors, ensure_ascii=False),
        json.dumps(paper.categories),
        paper.published,
        normalise_title(paper.title),
        paper.version,
    )


@dataclass
class BuildInputs:
    """A build's inputs: the JSONL record files, and the library's PDF/HTML files (directories walked)."""

    sources: list[Path]  # as given: files and directories
    records: list[Path]
    library: list[Path]
    unlisted: list[BadFile]  # directories of the library that could not be listed
    limits: LineLimits = field(default_factory=LineLimits)  # how large a record file's line and fields may be


def check_inputs(paths: list[Path], limits: LineLimits | None = None) -> BuildInputs:
    """Every input exists, record files are files, each directory holds a PDF or HTML file: else InputError,
    before anything is written."""
    if not paths:
        raise InputError("give at least one JSONL(.gz) file, PDF, HTML file or directory of PDFs to build from.")
    for path in paths:
        try:
            exists = path.exists()
        except OSError as error:  # e.g. a name too long for the file system
            raise InputError(f"cannot use {shown_path(path)} ({error.strerror}).") from None
        if not exists:
            raise InputError(f"no file at {shown_path(path)}.")
    records = [p for p in paths if not is_library_input(p)]
    if records:
        check_input_files(records)
    library: list[Path] = []
    unlisted: list[BadFile] = []
    for path in (p for p in paths if is_library_input(p)):
        found = library_files([path], unlisted)
        if not found and not unlisted:
            raise InputError(f"{shown_path(path)} holds no PDF or HTML files (*.pdf, *.html, *.htm).")
        library.extend(found)
    return BuildInputs(paths, records, library, unlisted, limits or LineLimits())


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


def _no_papers(library: LibraryReport) -> InputError:
    bad = "; ".join(f"{shown_path(b.path)}: {b.reason}" for b in library.bad)
    if not library.files:
        return InputError(f"no PDF or HTML file could be listed ({bad}).")
    return InputError(f"none of the {library.files} PDF/HTML files could be read ({bad}).")


class CorpusSink(Protocol):
    """Where a build's rows go while its inputs are read: papers.sqlite here, PostgreSQL in `pgcorpus`."""

    def add_paper(self, row: int, paper: Paper) -> None: ...

    def add_file(self, sha256: str, paper_id: str) -> None:
        """A library file read, by content; a second file of the same paper keeps the first's row."""
        ...

    def set_version(self, paper_id: str, version: int | None) -> None:
        """A listed paper's version from its library document, unless the record gave one."""
        ...

    def add_document(self, paper_id: str, origin: str, file: str, sha256: str, packed: bytes) -> None: ...


class _SqliteSink:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def add_paper(self, row: int, paper: Paper) -> None:
        self.connection.execute("INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", paper_row(row, paper))

    def add_file(self, sha256: str, paper_id: str) -> None:
        self.connection.execute("INSERT OR IGNORE INTO files VALUES (?, ?)", (sha256, paper_id))

    def set_version(self, paper_id: str, version: int | None) -> None:
        self.connection.execute("UPDATE papers SET version = ? WHERE id = ? AND version IS NULL", (version, paper_id))

    def add_document(self, paper_id: str, origin: str, file: str, sha256: str, packed: bytes) -> None:
        row = (paper_id, origin, file, sha256, packed)
        self.connection.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", row)


class _Writer:
    """Papers and library entries into a sink, and the title + abstract texts the search index is built from."""

    def __init__(self, sink: CorpusSink, limit: int | None) -> None:
        self.sink = sink
        self.limit = limit
        self.texts: list[str] = []
        self.ids: set[str] = set()
        self.titles: dict[str, str] = {}
        self.documents = 0

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.texts) >= self.limit

    def paper(self, paper: Paper) -> None:
        self.sink.add_paper(len(self.texts), paper)
        self.texts.append(paper.title + ". " + paper.abstract)
        self.ids.add(paper.id)
        self.titles[paper.id] = paper.title

    def library_entry(self, entry: LibraryEntry) -> MisattributedFile | None:
        """The entry's file hash and, unless it is a duplicate, its document (and its paper, unless a record
        listed it). A file that carries a listed paper's arXiv id but not its title is not attached: returned."""
        listed_title = self.titles.get(entry.paper.id)
        if listed_title is not None and not_titled(listed_title, entry.document):
            return MisattributedFile(entry.path, entry.paper.id, listed_title, entry.document.title)
        self.sink.add_file(entry.sha256, entry.paper.id)
        if entry.duplicate_of is not None:
            return None
        if entry.paper.id in self.ids:
            # Listed by a record: its metadata stays; the version is the document's, the one analysed.
            self.sink.set_version(entry.paper.id, entry.paper.version)
        else:
            self.paper(entry.paper)
        self.sink.add_document(
            entry.paper.id, entry.document.origin, entry.path.name, entry.sha256, pack_document(entry.document)
        )
        self.documents += 1
        return None


@dataclass
class ReadInputs:
    """What reading a build's inputs gave: each paper's text by row, and what was found on the way."""

    texts: list[str]
    documents: int
    report: ReadReport
    library: LibraryReport


def read_inputs(inputs: BuildInputs, sink: CorpusSink, limit: int | None, progress: BuildProgress | None) -> ReadInputs:
    """Read the records, then the library, into `sink` (row = position in `texts`); InputError if no paper."""
    report, library = ReadReport(), LibraryReport(bad=list(inputs.unlisted))
    writer = _Writer(sink, limit)
    if inputs.records:
        if progress is not None:
            progress.stage("reading papers", float(sum(p.stat().st_size for p in inputs.records)))
        on_bytes: Callable[[int], None] | None = progress.advance if progress is not None else None
        for paper in read_papers(inputs.records, report, on_bytes, inputs.limits):
            if is_degenerate(paper.abstract):
                report.degenerate.append(paper.id)
            writer.paper(paper)
            if writer.full:
                break
    if inputs.library and not writer.full:
        if progress is not None:
            progress.stage("reading PDF and HTML files", float(len(inputs.library)))
        on_file = (lambda _: progress.advance(1)) if progress is not None else None
        for entry in read_library(inputs.library, library, on_file):
            misattributed = writer.library_entry(entry)
            if misattributed is not None:
                library.misattributed.append(misattributed)
            if writer.full:
                break
    if not writer.texts:
        raise _no_papers(library)
    return ReadInputs(writer.texts, writer.documents, report, library)


@dataclass
class FittedIndex:
    """The search index of a corpus's texts: BM25 postings (terms x papers) and LSA vectors (papers x dims)."""

    vocabulary: list[str]
    postings: sparse.csr_matrix
    lsa: LsaEmbeddings
    vectors: np.ndarray
    lsa_sample: int

    @property
    def papers(self) -> int:
        return int(self.postings.shape[1])


def fit_index(texts: list[str], progress: BuildProgress | None) -> FittedIndex:
    """BM25 postings and LSA embeddings of `texts`, as every backend of a built corpus stores them."""
    if progress is not None:
        progress.stage("counting words, weighting BM25", None)
    vocabulary, counts = count_terms(texts)
    postings = bm25_postings(counts)

    if progress is not None:
        progress.stage("fitting LSA embeddings", None)
    sample = texts
    if len(texts) > LSA_SAMPLE:
        rows = sorted(random.Random(0).sample(range(len(texts)), LSA_SAMPLE))
        sample = [texts[i] for i in rows]
    with warnings.catch_warnings():
        # A library of a paper or two has fewer topics than dimensions: scikit-learn's explained-variance ratio
        # (unused) divides by zero and would print its warning under the build's summary.
        warnings.filterwarnings("ignore", "invalid value encountered in divide", RuntimeWarning, "sklearn")
        lsa = LsaEmbeddings.fit(sample)
    if progress is not None:
        progress.stage("embedding papers", None)
    # From the word counts already made: the LSA vocabulary is a subset of the BM25 one (same tokeniser).
    vectors = lsa.document_vectors(counts, vocabulary)
    return FittedIndex(vocabulary, postings, lsa, vectors, len(sample))


def corpus_meta(name: str, inputs: BuildInputs, read: ReadInputs, index: FittedIndex) -> CorpusMeta:
    return CorpusMeta(
        format=FORMAT_VERSION,
        name=name,
        papers=index.papers,
        built=datetime.now(UTC).isoformat(timespec="seconds"),
        sources=[str(p.resolve()) for p in inputs.sources],
        duplicates=read.report.duplicates + len(read.library.duplicates),
        malformed=read.report.malformed,
        terms=len(index.vocabulary),
        lsa_dimensions=index.lsa.dimensions,
        lsa_sample=index.lsa_sample,
        documents=read.documents,
        bad_files=len(read.library.bad),
    )


def _write_index(
    directory: Path, inputs: BuildInputs, limit: int | None, progress: BuildProgress | None
) -> tuple[CorpusMeta, ReadReport, LibraryReport]:
    connection = _create_papers_db(directory / PAPERS_FILE)
    try:
        read = read_inputs(inputs, _SqliteSink(connection), limit, progress)
        connection.execute("CREATE INDEX papers_title_key ON papers(title_key)")
        connection.commit()
    finally:
        connection.close()
    index = fit_index(read.texts, progress)
    read.texts = []  # the texts are in the index now
    _save_bm25(directory, index.vocabulary, index.postings)
    index.lsa.save(directory)
    np.save(directory / VECTORS_FILE, index.vectors)
    return corpus_meta(directory.name, inputs, read, index), read.report, read.library


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
    name: str,
    paths: list[Path],
    *,
    limit: int | None = None,
    progress: BuildProgress | None = None,
    limits: LineLimits | None = None,
) -> BuildResult:
    """Build (or rebuild) corpus `name` from JSONL(.gz) files, PDFs, arXiv HTML pages and directories of them;
    atomically, so failure leaves no trace."""
    require_corpus_name(name)
    inputs = check_inputs(paths, limits)
    root = corpora_dir()
    root.mkdir(parents=True, exist_ok=True)
    remove_abandoned_builds()
    # Named so `_BUILDING` recognises it: the pid says whose it is once this process is gone.
    workdir = root / f".{name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(mode=0o700)
    try:
        staged = workdir / name
        staged.mkdir()
        meta, report, library = _write_index(staged, inputs, limit, progress)
        (staged / META_FILE).write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if progress is not None:
            progress.stage("moving into place", None)
        _move_into_place(staged, root / name)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    target = root / name
    return BuildResult(
        meta=meta,
        path=target,
        size_bytes=_size_on_disk(target),
        malformed_examples=report.examples,
        degenerate=report.degenerate,
        bad_files=library.bad,
        duplicate_files=library.duplicates,
        repaired_files=library.repaired,
        misattributed_files=library.misattributed,
    )


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


def paper_from_row(row: Sequence[Any]) -> Paper:
    """A paper from a row of (row, id, title, abstract, authors JSON, categories JSON, published, version): the
    papers table's columns, on disk and in PostgreSQL alike."""
    return Paper(
        id=row[1],
        title=row[2],
        abstract=row[3],
        authors=json.loads(row[4]),
        categories=json.loads(row[5]),
        published=row[6],
        version=row[7],
    )


class DiskCorpus:
    """A built corpus as a `PaperSource`: SQLite for the records, the hybrid ranker over memory-mapped arrays."""

    def __init__(self, directory: Path, meta: CorpusMeta) -> None:
        self.name = f"corpus '{meta.name}'"
        self.corpus_name = meta.name
        self.sources = meta.sources
        self.meta = meta
        self.directory = directory
        uri = (directory / PAPERS_FILE).resolve().as_uri() + "?mode=ro"
        # Search branches run in parallel threads: one read-only connection shared under a lock.
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        # A corpus built before libraries were read has no version column and no documents or files tables.
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(papers)")}
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self._version = "version" if "version" in columns else "NULL"
        self._library = {"documents", "files"} <= tables
        self.embeddings = LsaEmbeddings.load(directory)  # fitted at build time: no fitting at run time
        vectors = np.load(directory / VECTORS_FILE, mmap_mode="r")
        self._ranker = HybridRanker(_load_bm25(directory, meta.papers), self.embeddings, vectors)

    def __len__(self) -> int:
        return self.meta.papers

    def _select(self, where: str, parameters: tuple[object, ...]) -> list[tuple[int, Paper]]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT row, id, title, abstract, authors, categories, published, {self._version} FROM papers "
                "WHERE " + where,
                parameters,
            ).fetchall()
        return [(row[0], paper_from_row(row)) for row in rows]

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

    def full_text(self, paper: Paper) -> FullText:
        """The paper's document as the build read it from the library; offline, never raises."""
        row = None
        if self._library:
            with self._lock:
                row = self._db.execute(
                    "SELECT origin, file, sha256, document FROM documents WHERE id = ?", (paper.id,)
                ).fetchone()
        if row is None:
            return FullText(paper.id, None, reason=f"{self.name} has no PDF or HTML of it")
        return stored_full_text(self.name, paper, row[0], row[1], row[2], row[3])

    def paper_for_sha256(self, sha256: str) -> Paper | None:
        """The paper a library file with this content holds, if the build read it."""
        if not self._library:
            return None
        with self._lock:
            found = self._db.execute("SELECT id FROM files WHERE sha256 = ?", (sha256.lower(),)).fetchone()
        return self.get(found[0]) if found else None

    def paper_for_file(self, path: Path) -> Paper | None:
        """The paper of a PDF/HTML file, found by its content (sha256), whatever it is named now."""
        return self.paper_for_sha256(file_sha256(path))
