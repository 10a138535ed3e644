"""Okapi BM25 over word unigrams: the lexical half of the hybrid ranker.

k1 and b are lower than the textbook 1.2 / 0.75: abstracts are short and of similar length, and on
SciFact's training claims k1=0.9, b=0.4 ranked the evidence abstracts best (evals/retrieval_bench.py).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer


class Bm25Index:
    def __init__(self, documents: list[str], k1: float = 0.9, b: float = 0.4) -> None:
        self._vectorizer = CountVectorizer(stop_words="english", dtype=np.float32)
        counts = self._vectorizer.fit_transform(documents).tocoo()
        n_docs = counts.shape[0]
        doc_freq = np.bincount(counts.col, minlength=counts.shape[1])
        idf = np.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5)).astype(np.float32)
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1e-9))
        weights = counts.data * (k1 + 1) / (counts.data + norm[counts.row]) * idf[counts.col]
        # Stored transposed (terms x docs) so a query is one sparse row times this matrix.
        self._term_doc = sparse.csr_matrix((weights, (counts.col, counts.row)), shape=(counts.shape[1], n_docs))

    def scores(self, queries: list[str]) -> np.ndarray:
        """(queries x documents) BM25 scores; a query term counts once, as in Okapi's query weighting."""
        query_terms = self._vectorizer.transform(queries)
        query_terms.data[:] = 1
        return np.asarray((query_terms @ self._term_doc).toarray())
