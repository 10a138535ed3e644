"""TF-IDF ranking (word 1-2-grams): the lexical half of search, and the seed verifier's similarity."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer


def tfidf_vectorizer() -> TfidfVectorizer:
    """The seed method's vectorizer: word 1-2-grams, fitted on the documents at hand."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", dtype=np.float32)


class TfidfRanker:
    """Cosine similarity of a query to a fixed list of documents.

    Hashed 1-2-gram counts + IDF: the same ranking as a vocabulary-based TF-IDF (up to rare hash
    collisions) at a third of the fitting time, which is most of a cold start.
    """

    def __init__(self, documents: list[str]) -> None:
        self._hasher = HashingVectorizer(
            ngram_range=(1, 2), stop_words="english", alternate_sign=False, norm=None, n_features=2**20
        )
        self._idf = TfidfTransformer(sublinear_tf=True)
        self._matrix = self._idf.fit_transform(self._hasher.transform(documents)).astype(np.float32)

    def scores(self, query: str) -> np.ndarray:
        query_vector = self._idf.transform(self._hasher.transform([query]))
        return np.asarray((self._matrix @ query_vector.T).toarray()).ravel()

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        scores = self.scores(query)
        k = min(k, len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(best.tolist(), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in ranked if scores[i] > 0]
