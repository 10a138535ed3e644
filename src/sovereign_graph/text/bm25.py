"""Okapi BM25 over word unigrams: the lexical half of the hybrid ranker.

k1 and b are lower than the textbook 1.2 / 0.75: abstracts are short and of similar length, and on
SciFact's training claims k1=0.9, b=0.4 ranked the evidence abstracts best (evals/retrieval_bench.py).

The index is a vocabulary plus precomputed weights as terms x documents postings (CSR): plain arrays, so
an on-disk corpus stores them as they are and memory-maps them, and ranks exactly as an index fitted in
memory.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from sovereign_graph.text.counts import content_words, count_matrix, fit_counts

K1 = 0.9
B = 0.4


def count_terms(documents: list[str]) -> tuple[list[str], sparse.csr_matrix]:
    """(vocabulary, documents x terms counts) of word unigrams without English stop words, the vocabulary
    sorted: what CountVectorizer(stop_words="english").fit_transform gives."""
    return fit_counts([content_words(d) for d in documents])


def bm25_postings(counts: sparse.spmatrix, k1: float = K1, b: float = B) -> sparse.csr_matrix:
    """BM25 weight of each (term, document) pair, terms x documents with 32-bit indices: a query is one
    sparse row times this matrix, touching only the documents that share its terms."""
    counts = sparse.coo_matrix(counts)
    n_docs = counts.shape[0]
    doc_freq = np.bincount(counts.col, minlength=counts.shape[1])
    idf = np.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5)).astype(np.float32)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1e-9))
    weights = (counts.data * (k1 + 1) / (counts.data + norm[counts.row]) * idf[counts.col]).astype(np.float32)
    postings = sparse.csr_matrix((weights, (counts.col, counts.row)), shape=(counts.shape[1], n_docs))
    postings.indices = postings.indices.astype(np.int32, copy=False)
    postings.indptr = postings.indptr.astype(np.int32, copy=False)
    return postings


class Bm25Index:
    def __init__(self, vocabulary: list[str], postings: sparse.csr_matrix) -> None:
        if len(vocabulary) != postings.shape[0]:
            raise ValueError("BM25 vocabulary and postings disagree in size")
        self.vocabulary = vocabulary
        self.postings = postings
        self._index = {term: i for i, term in enumerate(vocabulary)}

    @classmethod
    def fit(cls, documents: list[str], k1: float = K1, b: float = B) -> Bm25Index:
        vocabulary, counts = count_terms(documents)
        return cls(vocabulary, bm25_postings(counts, k1, b))

    def __len__(self) -> int:
        return int(self.postings.shape[1])

    def scores(self, queries: list[str]) -> np.ndarray:
        """(queries x documents) BM25 scores; a query term counts once, as in Okapi's query weighting."""
        query_terms = count_matrix([content_words(q) for q in queries], self._index, len(self.vocabulary))
        query_terms.data[:] = 1
        return np.asarray((query_terms @ self.postings).toarray())
