"""The verifier's vocabulary: TF-IDF over word stems and stem bigrams, and an LSA projection of unigram stems,
fitted once on a background corpus. The sources fit and ship it with a corpus; the verify step applies it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np
from scipy import sparse

from sovereign_graph.text.counts import count_matrix
from sovereign_graph.text.prose import stem, words
from sovereign_graph.text.stopwords import STOP_WORDS
from sovereign_graph.text.tfidf import tfidf_weights

LSA_DIMENSIONS = 100


@lru_cache(maxsize=200_000)
def _stem_or_none(word: str) -> str | None:
    return stem(word) if len(word) > 1 and word not in STOP_WORDS else None


def stem_tokens(text: str) -> list[str]:
    return [s for s in map(_stem_or_none, words(text)) if s is not None]


def _terms(tokens: list[str]) -> list[str]:
    """Stems and stem bigrams: the TF-IDF's vocabulary."""
    return tokens + [f"{a} {b}" for a, b in pairwise(tokens)]


class Vocabulary:
    """TF-IDF (stems + stem bigrams) and LSA (unigram stems), fitted once on a background corpus.

    Held as plain arrays (terms, IDF, SVD components), so a fitted vocabulary can be saved and loaded
    without pickles and applied without scikit-learn (`text/counts.py` reproduces its transforms)."""

    def __init__(
        self,
        terms: list[str],
        idf: np.ndarray,
        lsa_terms: list[str],
        lsa_idf: np.ndarray,
        components: np.ndarray,
        background_matrix: sparse.csr_matrix | None = None,
    ) -> None:
        if len(terms) != len(idf) or not (len(lsa_terms) == len(lsa_idf) == components.shape[1]):
            raise ValueError("verifier vocabulary: terms, IDF and LSA components disagree in size")
        self.terms, self.term_idf = terms, idf
        self.lsa_terms, self.lsa_idf, self.components = lsa_terms, lsa_idf, components
        self._index = {t: i for i, t in enumerate(terms)}
        self._lsa_index = {t: i for i, t in enumerate(lsa_terms)}
        # The background corpus's own TF-IDF rows, kept only when fitted here (a SentenceIndex without a
        # separate vocabulary uses them as its documents' rows).
        self.background_matrix = background_matrix
        # Coverage weighs single stems only: no need to map the (far more numerous) bigrams.
        self.idf = {t: float(idf[i]) for i, t in enumerate(terms) if " " not in t}
        self.max_idf = float(idf.max()) if len(idf) else 1.0

    @classmethod
    def from_terms(cls, background_terms: Sequence[list[str]], seed: int = 0) -> Vocabulary:
        # Imported here: scikit-learn costs a cold process over a second, and a default run loads a fitted one.
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1, dtype=np.float32)
        background_matrix = vectorizer.fit_transform(background_terms).tocsr()
        # LSA over unigram stems seen twice or more: the bigrams and hapaxes would only slow the SVD down.
        lsa_vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2 if len(background_terms) > 50 else 1, dtype=np.float32
        )
        lsa_matrix = lsa_vectorizer.fit_transform([[t for t in terms if " " not in t] for terms in background_terms])
        dimensions = max(1, min(LSA_DIMENSIONS, lsa_matrix.shape[0] - 1, lsa_matrix.shape[1] - 1))
        svd = TruncatedSVD(n_components=dimensions, n_iter=4, random_state=seed).fit(lsa_matrix)
        return cls(
            vectorizer.get_feature_names_out().tolist(),
            vectorizer.idf_,
            lsa_vectorizer.get_feature_names_out().tolist(),
            lsa_vectorizer.idf_,
            svd.components_,
            background_matrix,
        )

    @classmethod
    def fit(cls, texts: Sequence[str], seed: int = 0) -> Vocabulary:
        return cls.from_terms([_terms(stem_tokens(t)) for t in texts], seed)

    @property
    def dimensions(self) -> int:
        return int(self.components.shape[0])

    def tfidf(self, term_lists: Sequence[list[str]]) -> sparse.csr_matrix:
        """TF-IDF rows of term lists (`_terms` of their stems), as the fitted TfidfVectorizer transforms them."""
        return tfidf_weights(count_matrix(term_lists, self._index, len(self.terms)), self.term_idf)

    def project(self, tokens: list[list[str]]) -> np.ndarray:
        """L2-normalised LSA vectors of token lists."""
        if not tokens:
            return np.zeros((0, self.dimensions), np.float32)
        weights = tfidf_weights(count_matrix(tokens, self._lsa_index, len(self.lsa_terms)), self.lsa_idf)
        vectors = np.asarray(weights @ self.components.T, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _identity(terms: list[str]) -> list[str]:
    return terms
