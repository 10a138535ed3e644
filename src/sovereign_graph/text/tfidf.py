"""TF-IDF weighting: the seed verifier's similarity (word 1-2-grams) and the LSA embeddings' input."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from sovereign_graph.text.counts import l2_normalize_rows

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


def tfidf_vectorizer() -> TfidfVectorizer:
    """The seed method's vectorizer: word 1-2-grams, fitted on the documents at hand."""
    # Imported here: scikit-learn costs a cold process over a second, and only the seed verifier fits this.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", dtype=np.float32)


def tfidf_weights(counts: sparse.spmatrix, idf: np.ndarray) -> sparse.csr_matrix:
    """(1 + log tf) x idf, rows L2-normalised: TfidfTransformer(sublinear_tf=True) applied from stored arrays,
    so a saved index does not depend on pickled scikit-learn objects."""
    weighted = sparse.csr_matrix(counts, dtype=np.float32, copy=True)
    np.log(weighted.data, out=weighted.data)
    weighted.data += 1.0
    weighted.data *= idf[weighted.indices]
    return l2_normalize_rows(weighted)
