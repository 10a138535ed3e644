"""Hybrid ranking: BM25 fused with dense similarity from any LangChain `Embeddings`.

Each signal is standardised per query over the whole corpus (a z-score), then added with a weight for
the dense part, tuned by cross-validation on SciFact's training claims (evals/retrieval_bench.py). With
the default LSA embeddings the dense signal is weak and gets a small weight; a neural embedder earns more.
"""

from __future__ import annotations

import math

import numpy as np
from langchain_core.embeddings import Embeddings

from sovereign_graph.text.bm25 import Bm25Index, bm25_postings, count_terms
from sovereign_graph.text.lsa import LsaEmbeddings

# Dense weight per embedder, chosen by 5-fold CV on SciFact's training claims (evals/retrieval_bench.py).
DENSE_WEIGHTS = {"lsa": 0.1, "minilm": 3.0}
DEFAULT_DENSE_WEIGHT = DENSE_WEIGHTS["lsa"]


def standardise(scores: np.ndarray) -> np.ndarray:
    """Per-row z-scores, so signals on different scales can be added."""
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return np.asarray((scores - mean) / np.where(std > 0, std, 1.0))


def relevance(fused: float) -> float:
    """A fused score as a relevance in (0, 1): 0.5 at three standard deviations above the corpus mean."""
    return 1 / (1 + math.exp(-(fused - 3)))


class HybridRanker:
    """BM25 and dense cosine over the same documents, fused. Built from its parts, so a ranker fitted in
    memory and one over an on-disk corpus's memory-mapped arrays are the same code."""

    def __init__(
        self,
        bm25: Bm25Index,
        embeddings: Embeddings,
        document_vectors: np.ndarray,
        dense_weight: float = DEFAULT_DENSE_WEIGHT,
    ) -> None:
        if len(bm25) != len(document_vectors):
            raise ValueError("BM25 postings and document vectors disagree in the number of documents")
        self.embeddings = embeddings
        self.dense_weight = dense_weight
        self._bm25 = bm25
        self._doc_vectors = document_vectors

    @classmethod
    def fit(
        cls, documents: list[str], embeddings: Embeddings, dense_weight: float = DEFAULT_DENSE_WEIGHT
    ) -> HybridRanker:
        vocabulary, counts = count_terms(documents)
        # LSA vectors from BM25's word counts (same tokens, bit-identical to `embed_documents`): one pass over
        # the texts instead of two, which is a third of a second on the bundled corpus.
        if isinstance(embeddings, LsaEmbeddings):
            vectors = embeddings.document_vectors(counts, vocabulary)
        else:
            vectors = np.asarray(embeddings.embed_documents(documents), dtype=np.float32)
        return cls(Bm25Index(vocabulary, bm25_postings(counts)), embeddings, vectors, dense_weight)

    def signals(self, queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(raw BM25, dense cosine) scores, queries x documents: what the fusion standardises and weighs."""
        query_vectors = np.asarray([self.embeddings.embed_query(q) for q in queries], dtype=np.float32)
        # numpy's own loop rather than BLAS: a query against the documents is memory-bound, and BLAS threads
        # stall on a busy machine (at 4k papers 0.08 ms vs ~10 ms, measured on the shared 2-core machine).
        return self._bm25.scores(queries), np.einsum("qd,nd->qn", query_vectors, self._doc_vectors)

    def fuse(self, lexical: np.ndarray, dense: np.ndarray, dense_weight: float | None = None) -> np.ndarray:
        weight = self.dense_weight if dense_weight is None else dense_weight
        return standardise(lexical) + weight * standardise(dense)

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """The k best documents, best first, each with its relevance in (0, 1); none if no query word is known."""
        lexical, dense = self.signals([query])
        if k <= 0 or not lexical.any():
            return []
        scores = self.fuse(lexical, dense)[0]
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [(i, relevance(float(scores[i]))) for i in ranked]
