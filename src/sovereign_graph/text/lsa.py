"""Local embeddings behind LangChain's `Embeddings` interface: LSA (TF-IDF + truncated SVD).

Fitted on the corpus being searched, so its dimensions follow that corpus's vocabulary; no network, no
weights to download, deterministic for a given corpus. The fitted model is three plain arrays
(vocabulary, IDF, SVD components), which is how an on-disk corpus stores it: no pickles, so a
scikit-learn upgrade cannot break a saved index.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings
from scipy import sparse

from sovereign_graph.text.counts import count_matrix, word_tokens
from sovereign_graph.text.tfidf import tfidf_weights

ARRAYS_FILE = "lsa.npz"
VOCABULARY_FILE = "lsa_vocabulary.json"


class LsaEmbeddings(Embeddings):
    """Latent semantic analysis vectors, L2-normalised (dot product = cosine)."""

    def __init__(self, vocabulary: list[str], idf: np.ndarray, components: np.ndarray) -> None:
        if not (len(vocabulary) == len(idf) == components.shape[1]):
            raise ValueError("LSA vocabulary, IDF and components disagree in size")
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)
        self.components = np.asarray(components, dtype=np.float32)
        # Same tokens as the fitting TfidfVectorizer (its stop words are not in the vocabulary).
        self._index = {term: i for i, term in enumerate(vocabulary)}

    @classmethod
    def fit(cls, texts: list[str], dimensions: int = 128, seed: int = 0) -> LsaEmbeddings:
        # Imported here: scikit-learn costs a cold process over a second, and a run loads a fitted model.
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer
        from threadpoolctl import threadpool_limits

        dimensions = max(2, min(dimensions, len(texts) - 1))
        vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2 if len(texts) > 50 else 1)
        weights = vectorizer.fit_transform(texts)
        # One BLAS thread: the randomized SVD's small dense steps gain little from threads on few cores and
        # slow down 3-4x when other processes compete for them (measured on a shared 2-core machine).
        with threadpool_limits(1):
            svd = TruncatedSVD(n_components=dimensions, n_iter=3, random_state=seed).fit(weights)
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(vocabulary, vectorizer.idf_, svd.components_)

    def save(self, directory: Path) -> None:
        np.savez(directory / ARRAYS_FILE, idf=self.idf, components=self.components)
        (directory / VOCABULARY_FILE).write_text(json.dumps(self.vocabulary), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LsaEmbeddings:
        with np.load(directory / ARRAYS_FILE) as arrays:
            idf, components = arrays["idf"], arrays["components"]
        vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(vocabulary, idf, components)

    @property
    def dimensions(self) -> int:
        return int(self.components.shape[0])

    def _vectors(self, counts: sparse.spmatrix) -> np.ndarray:
        weights = tfidf_weights(counts, self.idf)
        vectors = np.asarray(weights @ self.components.T, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        counts = count_matrix([word_tokens(t) for t in texts], self._index, len(self.vocabulary))
        return self._vectors(counts).tolist()

    def document_vectors(self, counts: sparse.spmatrix, vocabulary: list[str]) -> np.ndarray:
        """float32 vectors of documents from their word counts over another vocabulary of the same tokeniser
        (a BM25 index's): what `embed_documents` gives, without a second pass over the texts."""
        position = {term: i for i, term in enumerate(vocabulary)}
        pairs = [(position[term], j) for j, term in enumerate(self.vocabulary) if term in position]
        rows = np.fromiter((r for r, _ in pairs), dtype=np.int64, count=len(pairs))
        columns = np.fromiter((c for _, c in pairs), dtype=np.int64, count=len(pairs))
        select = sparse.csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), (rows, columns)), shape=(len(vocabulary), len(self.vocabulary))
        )
        mine = sparse.csr_matrix(counts @ select)
        mine.sort_indices()  # the order `embed_documents` sums in, so the vectors agree to the last bit
        return self._vectors(mine).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]
