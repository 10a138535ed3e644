"""Local embeddings behind LangChain's `Embeddings` interface: LSA (TF-IDF + truncated SVD).

Fitted once on the corpus being searched, so its dimensions follow that corpus's vocabulary; no
network, no weights to download, deterministic for a given corpus.
"""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline


class LsaEmbeddings(Embeddings):
    """Latent semantic analysis vectors, L2-normalised (dot product = cosine)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    @classmethod
    def fit(cls, texts: list[str], dimensions: int = 128, seed: int = 0) -> LsaEmbeddings:
        dimensions = max(2, min(dimensions, len(texts) - 1))
        pipeline = make_pipeline(
            TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2 if len(texts) > 50 else 1),
            TruncatedSVD(n_components=dimensions, n_iter=3, random_state=seed),
        )
        pipeline.fit(texts)
        return cls(pipeline)

    @property
    def dimensions(self) -> int:
        return int(self._pipeline[-1].n_components)

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = np.asarray(self._pipeline.transform(texts), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]
