"""The hybrid fusion of `text/hybrid.py` over what PostgreSQL returns, without reading every paper.

On disk, a query scores every paper: BM25 (a sparse product with the postings) and the cosine with every
paper's vector, each standardised over the whole corpus, fused as z_bm25 + w * z_dense. Here:

- BM25: the posting lists of the query's words, summed into a float32 array over the papers in term order,
  as scipy's product sums them; its z-scores are therefore bit-identical to the on-disk ones.
- The dense z-score needs the cosine's mean and std over every paper. The vectors' mean m and second moment
  S = E[v v^T] are stored at build time: mean = q.m, var = q^T S q - (q.m)^2. Equal up to rounding.
- The top k of the fusion: a paper outside the HNSW's M nearest has a cosine <= the M-th one's, c_M, so its
  fused score is at most z_bm25 + w * z(c_M). The M nearest are fused exactly; then papers in order of BM25
  are fetched (their cosine computed by pgvector) until that bound falls below the k-th best fused score.
  With exact nearest neighbours this is the exact top k; HNSW is approximate, so c_M may be a little low and
  a paper whose cosine alone would lift it into the top k could be missed. With LSA's small dense weight
  (0.1) the bound is tight and few papers are fetched; a larger weight fetches more, and stays exact.
"""

from __future__ import annotations

import heapq
import math
from typing import Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from sovereign_graph.text.counts import content_words
from sovereign_graph.text.hybrid import DEFAULT_DENSE_WEIGHT, relevance, standardise

NEAREST = 40  # M: dense neighbours asked of the HNSW index first
BATCH = 64  # papers whose cosine is fetched per round trip while the bound is not yet met


class VectorStore(Protocol):
    """What the ranker asks of the database (`read.py` answers in SQL)."""

    def postings(self, terms: list[str]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(term id, paper rows int32, BM25 weights float32) of each known term."""
        ...

    def nearest(self, vector: np.ndarray, m: int) -> list[tuple[int, float]]:
        """(row, inner product) of about the m nearest papers, best first (HNSW)."""
        ...

    def inner_products(self, vector: np.ndarray, rows: list[int]) -> dict[int, float]: ...


class PgHybridRanker:
    def __init__(
        self,
        store: VectorStore,
        embeddings: Embeddings,
        papers: int,
        dense_mean: np.ndarray,
        dense_second: np.ndarray,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
    ) -> None:
        self.store = store
        self.embeddings = embeddings
        self.papers = papers
        self.dense_weight = dense_weight
        self._mean = np.asarray(dense_mean, dtype=np.float64)
        self._second = np.asarray(dense_second, dtype=np.float64)
        self.fetched = 0  # papers whose cosine the last query fetched beyond the nearest (for the benchmark)

    def lexical(self, query: str) -> np.ndarray:
        """Raw BM25 of every paper, float32: each query word once, summed in vocabulary order."""
        scores = np.zeros(self.papers, dtype=np.float32)
        for _, rows, weights in sorted(self.store.postings(sorted(set(content_words(query)))), key=lambda p: p[0]):
            scores[rows] += weights  # a term's rows are distinct, so this is one float32 add per paper
        return scores

    def _dense_z(self, vector: np.ndarray) -> tuple[float, float]:
        q = vector.astype(np.float64)
        mean = float(q @ self._mean)
        variance = float(q @ self._second @ q) - mean * mean
        std = math.sqrt(variance) if variance > 1e-12 else 0.0
        return mean, std if std > 0 else 1.0

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """As `HybridRanker.top`: the k best rows, best first, with relevance in (0, 1); none if no word is known."""
        self.fetched = 0
        lexical = self.lexical(query)
        if k <= 0 or not lexical.any():
            return []
        k = min(k, self.papers)
        z_bm25 = standardise(lexical[None, :])[0].astype(np.float64)
        vector = np.asarray(self.embeddings.embed_query(query), dtype=np.float32)
        mean, std = self._dense_z(vector)
        weight = self.dense_weight
        fused: dict[int, float] = {}
        m = NEAREST
        matching = np.flatnonzero(lexical)
        # Papers by BM25, best first (ties by row, as the on-disk sort): the order their bound falls in.
        by_bm25 = matching[np.lexsort((matching, -z_bm25[matching]))]
        unmatched_z = float(z_bm25[np.argmin(lexical)]) if len(matching) < self.papers else -math.inf
        while True:
            nearest = self.store.nearest(vector, m)
            for row, product in nearest:
                fused[row] = float(z_bm25[row]) + weight * (product - mean) / std
            floor = nearest[-1][1] if nearest else mean
            lift = weight * (floor - mean) / std  # the most a paper outside the nearest gains from its cosine
            position = 0
            while True:
                kth = heapq.nlargest(k, fused.values())[-1] if len(fused) >= k else -math.inf
                if position >= len(by_bm25) or z_bm25[by_bm25[position]] + lift < kth:
                    break
                batch = [int(r) for r in by_bm25[position : position + BATCH] if int(r) not in fused]
                position += BATCH
                if batch:
                    for row, product in self.store.inner_products(vector, batch).items():
                        fused[row] = float(z_bm25[row]) + weight * (product - mean) / std
                    self.fetched += len(batch)
            # Papers no query word matches could only enter through their cosine: widen the neighbours if so.
            if unmatched_z + lift < kth or len(nearest) < m or m >= self.papers:
                break
            m = min(self.papers, m * 4)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(row, relevance(score)) for row, score in ranked]
