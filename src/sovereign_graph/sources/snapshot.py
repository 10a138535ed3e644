"""The bundled arXiv snapshot: the offline corpus that ships inside the package (see data/PROVENANCE.md)."""

from __future__ import annotations

import gzip
import warnings
import zlib
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

import numpy as np
from pydantic import ValidationError
from scipy import sparse

from sovereign_graph.lines import BadLine, LineLimits, decode_json, read_lines, type_name
from sovereign_graph.sources.shipped import data_digest, pack_strings, read_arrays, unpack_strings
from sovereign_graph.state import Paper
from sovereign_graph.text.bm25 import Bm25Index, bm25_postings, count_terms
from sovereign_graph.text.hybrid import HybridRanker
from sovereign_graph.text.lsa import LsaEmbeddings
from sovereign_graph.text.prose import normalise_title
from sovereign_graph.text.vocabulary import LSA_DIMENSIONS, Vocabulary

# Later files win: the hand-checked target records override the listing copies of the same paper.
SNAPSHOT_FILES = (
    "moe_arxiv_dw-dengwei.jsonl.gz",
    "vlm_nonmoe_arxiv_dw-dengwei.jsonl.gz",
    "target_papers.jsonl.gz",
)
WordCounts = tuple[list[str], sparse.csr_matrix]  # (vocabulary, papers x terms counts)
# The fitted models shipped beside the data (sources/shipped.py), and the recipe each was fitted with: a
# change to a recipe's parameters must change its string, which makes the shipped file stale.
LSA_FILE = "snapshot_lsa.npz"
LSA_RECIPE = "LsaEmbeddings.fit(texts, dimensions=128, seed=0)"
COUNTS_FILE = "snapshot_word_counts.npz"
COUNTS_RECIPE = "count_terms(texts): CountVectorizer(stop_words='english') word counts"
VOCABULARY_FILE = "snapshot_verifier_vocabulary.npz"
VOCABULARY_SAMPLE = 1000
VOCABULARY_RECIPE = f"Vocabulary.fit(sample_texts(snapshot, {VOCABULARY_SAMPLE}), seed=0), {LSA_DIMENSIONS} dimensions"


def paper_from_record(record: dict[str, object]) -> Paper:
    return Paper.model_validate(
        {
            "id": record["id"],
            "title": " ".join(str(record["title"]).split()),
            "abstract": " ".join(str(record["abstract"]).split()),
            "authors": record.get("authors") or [],
            "categories": record.get("categories") or [],
            "published": record.get("published") or "",
        }
    )


def _skipped(filename: str, number: int, reason: str) -> None:
    # The package's own data, damaged (a cut download, an edited file): say where, and run on the rest.
    warnings.warn(f"bundled snapshot {filename}:{number} skipped: {reason}", RuntimeWarning, stacklevel=3)


def _record(filename: str, number: int, line: str) -> dict[str, object] | None:
    try:
        record = decode_json(line)
    except BadLine as error:
        _skipped(filename, number, str(error))
        return None
    if not isinstance(record, dict):
        _skipped(filename, number, f"{type_name(record)}, not an object")
        return None
    return record


def _read_damaged(filename: str) -> Iterator[tuple[int, dict[str, object]]]:
    """Line by line: a gzip file cut short gives the lines before the cut."""
    with resources.as_file(resources.files("sovereign_graph.data").joinpath(filename)) as path:
        for line in read_lines(path, LineLimits()):
            if line.text is None:
                _skipped(filename, line.number, line.problem or "unreadable")
            elif line.text.strip() and (record := _record(filename, line.number, line.text)) is not None:
                yield line.number, record


def _read_bundled(filename: str) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, record) for each line of a bundled file; a bad line is skipped with a warning naming it."""
    try:
        # Decompressed whole (a few MB): twice as fast as reading the gzip line by line.
        data = resources.files("sovereign_graph.data").joinpath(filename).read_bytes()
        text = gzip.decompress(data).decode("utf-8")
    except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError):
        yield from _read_damaged(filename)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and (record := _record(filename, number, line)) is not None:
            yield number, record


def _bundled_papers() -> Iterator[Paper]:
    for filename in SNAPSHOT_FILES:
        for number, record in _read_bundled(filename):
            try:
                yield paper_from_record(record)
            except (KeyError, ValidationError) as error:
                _skipped(filename, number, f"not a paper record ({type(error).__name__}: {error})".splitlines()[0])


class LocalCorpus:
    """An in-memory corpus ranked by the hybrid ranker (BM25 + LSA); the embedded default's search source.

    Its LSA model, fitted once on the corpus, is also the run's `Embeddings` for indexing passages. Both it
    and the papers' word counts (`count_terms` of `texts()`) may be given, derived from these papers before.
    """

    def __init__(
        self,
        name: str,
        papers: Iterable[Paper],
        embeddings: LsaEmbeddings | None = None,
        counts: WordCounts | None = None,
    ) -> None:
        self.name = name
        by_id: dict[str, Paper] = {}
        for paper in papers:
            by_id[paper.id] = paper
        self._by_id = by_id
        self._papers = list(by_id.values())
        self._by_title: dict[str, list[Paper]] = {}
        for paper in self._papers:
            self._by_title.setdefault(normalise_title(paper.title), []).append(paper)
        texts = self.texts() if embeddings is None or counts is None else []
        self.embeddings = embeddings or LsaEmbeddings.fit(texts)
        vocabulary, matrix = counts or count_terms(texts)
        if matrix.shape[0] != len(self._papers):
            raise ValueError("word counts and papers disagree in number")
        vectors = self.embeddings.document_vectors(matrix, vocabulary)
        self._ranker = HybridRanker(Bm25Index(vocabulary, bm25_postings(matrix)), self.embeddings, vectors)

    def __len__(self) -> int:
        return len(self._papers)

    def get(self, paper_id: str) -> Paper | None:
        return self._by_id.get(paper_id)

    def find_title(self, title: str) -> list[Paper]:
        return list(self._by_title.get(normalise_title(title), []))

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        return [(self._papers[i], score) for i, score in self._ranker.top(query, k)]

    def texts(self) -> list[str]:
        return [p.title + ". " + p.abstract for p in self._papers]


@cache
def bundled_snapshot() -> LocalCorpus:
    """The bundled snapshot, loaded and indexed once per process, with the models shipped beside it."""
    return LocalCorpus("bundled arXiv snapshot", _bundled_papers(), shipped_lsa(), shipped_counts())


def shipped_lsa() -> LsaEmbeddings | None:
    """The snapshot's LSA model as shipped, or None if the file is stale or unreadable."""
    arrays = read_arrays(LSA_FILE, data_digest(SNAPSHOT_FILES, LSA_RECIPE))
    if arrays is None:
        return None
    return LsaEmbeddings(unpack_strings(arrays["vocabulary"]), arrays["idf"], arrays["components"])


def shipped_counts() -> WordCounts | None:
    """The snapshot papers' word counts as shipped (what `count_terms` gives), or None if stale or unreadable."""
    arrays = read_arrays(COUNTS_FILE, data_digest(SNAPSHOT_FILES, COUNTS_RECIPE))
    if arrays is None:
        return None
    vocabulary = unpack_strings(arrays["vocabulary"])
    parts = (arrays["data"].astype(np.float32), arrays["indices"], arrays["indptr"])
    return vocabulary, sparse.csr_matrix(parts, shape=(len(arrays["indptr"]) - 1, len(vocabulary)))


def shipped_verifier_vocabulary() -> Vocabulary | None:
    """The trained verifier's vocabulary for the snapshot as shipped, or None if stale or unreadable."""
    arrays = read_arrays(VOCABULARY_FILE, data_digest(SNAPSHOT_FILES, VOCABULARY_RECIPE))
    if arrays is None:
        return None
    return Vocabulary(
        unpack_strings(arrays["terms"]),
        arrays["idf"],
        unpack_strings(arrays["lsa_terms"]),
        arrays["lsa_idf"],
        arrays["components"],
    )


def lsa_arrays(model: LsaEmbeddings) -> dict[str, np.ndarray]:
    return {"vocabulary": pack_strings(model.vocabulary), "idf": model.idf, "components": model.components}


def counts_arrays(counts: WordCounts) -> dict[str, np.ndarray]:
    vocabulary, matrix = counts
    if matrix.data.max(initial=0) >= 2**16:
        raise ValueError("a word count too large to ship as 16 bits")
    data = matrix.data.astype(np.uint16)  # whole numbers: exact, and they compress far better than floats
    return {"vocabulary": pack_strings(vocabulary), "data": data, "indices": matrix.indices, "indptr": matrix.indptr}


def vocabulary_arrays(vocabulary: Vocabulary) -> dict[str, np.ndarray]:
    return {
        "terms": pack_strings(vocabulary.terms),
        "idf": vocabulary.term_idf,
        "lsa_terms": pack_strings(vocabulary.lsa_terms),
        "lsa_idf": vocabulary.lsa_idf,
        "components": vocabulary.components,
    }
