"""The bundled arXiv snapshot: the offline corpus that ships inside the package (see data/PROVENANCE.md)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

from sovereign_graph.engines.embeddings import LsaEmbeddings
from sovereign_graph.engines.hybrid import HybridRanker
from sovereign_graph.engines.text import normalise_title
from sovereign_graph.state import Paper

# Later files win: the hand-checked target records override the listing copies of the same paper.
SNAPSHOT_FILES = (
    "moe_arxiv_dw-dengwei.jsonl.gz",
    "vlm_nonmoe_arxiv_dw-dengwei.jsonl.gz",
    "target_papers.jsonl.gz",
)


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


def _read_bundled(filename: str) -> Iterator[dict[str, object]]:
    with (
        resources.files("sovereign_graph.data").joinpath(filename).open("rb") as raw,
        gzip.open(raw, "rt", encoding="utf-8") as lines,
    ):
        for line in lines:
            if line.strip():
                yield json.loads(line)


class LocalCorpus:
    """An in-memory corpus ranked by the hybrid ranker (BM25 + LSA); the embedded default's search source.

    Its LSA model, fitted once on the corpus, is also the run's `Embeddings` for indexing passages.
    """

    def __init__(self, name: str, papers: Iterable[Paper]) -> None:
        self.name = name
        by_id: dict[str, Paper] = {}
        for paper in papers:
            by_id[paper.id] = paper
        self._by_id = by_id
        self._papers = list(by_id.values())
        self._by_title: dict[str, list[Paper]] = {}
        for paper in self._papers:
            self._by_title.setdefault(normalise_title(paper.title), []).append(paper)
        texts = self.texts()
        self.embeddings = LsaEmbeddings.fit(texts)
        self._ranker = HybridRanker.fit(texts, self.embeddings)

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
    """The bundled snapshot, loaded and indexed once per process."""
    papers = (paper_from_record(rec) for name in SNAPSHOT_FILES for rec in _read_bundled(name))
    return LocalCorpus("bundled arXiv snapshot", papers)
