"""TF-IDF ranking (word 1-2-grams): the lexical half of search, and the seed verifier's similarity."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

# Hashed features need no vocabulary, so an index of any size stores only its matrix and one IDF vector.
HASHED_FEATURES = 2**20
# Stateless, so one instance serves every corpus (and pickles small, for worker processes).
HASHER = HashingVectorizer(
    ngram_range=(1, 2), stop_words="english", alternate_sign=False, norm=None, n_features=HASHED_FEATURES
)


def tfidf_vectorizer() -> TfidfVectorizer:
    """The seed method's vectorizer: word 1-2-grams, fitted on the documents at hand."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", dtype=np.float32)


def hashed_counts(documents: list[str]) -> sparse.csr_matrix:
    """Word 1-2-gram counts in hashed feature space (the same at build time and at query time)."""
    return HASHER.transform(documents)


def fit_idf(counts: sparse.spmatrix) -> np.ndarray:
    """Smoothed IDF of each feature, as scikit-learn's TfidfTransformer computes it."""
    return np.asarray(TfidfTransformer(sublinear_tf=True).fit(counts).idf_, dtype=np.float32)


def tfidf_weights(counts: sparse.spmatrix, idf: np.ndarray) -> sparse.csr_matrix:
    """(1 + log tf) x idf, rows L2-normalised: TfidfTransformer(sublinear_tf=True) applied from stored arrays,
    so a saved index does not depend on pickled scikit-learn objects."""
    weighted = sparse.csr_matrix(counts, dtype=np.float32, copy=True)
    np.log(weighted.data, out=weighted.data)
    weighted.data += 1.0
    weighted.data *= idf[weighted.indices]
    return normalize(weighted, copy=False)


class TfidfRanker:
    """Cosine similarity of a query to a fixed list of documents.

    Hashed 1-2-gram counts + IDF: the same ranking as a vocabulary-based TF-IDF (up to rare hash
    collisions) at a third of the fitting time, which is most of a cold start. The document vectors are
    kept as postings (features x documents), so a query touches only the documents sharing its terms.
    """

    def __init__(self, idf: np.ndarray, postings: sparse.csr_matrix) -> None:
        self.idf = idf
        self.postings = postings

    @classmethod
    def fit(cls, documents: list[str]) -> TfidfRanker:
        counts = hashed_counts(documents)
        idf = fit_idf(counts)
        return cls(idf, postings_of(tfidf_weights(counts, idf)))

    def __len__(self) -> int:
        return int(self.postings.shape[1])

    def scores(self, query: str) -> np.ndarray:
        query_vector = tfidf_weights(hashed_counts([query]), self.idf)
        return np.asarray((query_vector @ self.postings).toarray()).ravel()

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        scores = self.scores(query)
        k = min(k, len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in ranked if scores[i] > 0]


def postings_of(document_vectors: sparse.spmatrix) -> sparse.csr_matrix:
    """Documents x features -> features x documents (CSR), with 32-bit indices."""
    postings = sparse.csr_matrix(document_vectors.T, dtype=np.float32)
    postings.indices = postings.indices.astype(np.int32, copy=False)
    postings.indptr = postings.indptr.astype(np.int32, copy=False)
    return postings
