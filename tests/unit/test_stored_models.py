"""The search and embedding models an on-disk corpus stores as plain arrays compute what scikit-learn does."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.text.bm25 import K1, B, Bm25Index, count_terms
from sovereign_graph.text.lsa import LsaEmbeddings

TEXTS = bundled_snapshot().texts()[:400]
QUERY = "modality-guided expert routing in vision-language models"


def test_bm25_postings_score_okapi_bm25() -> None:
    index = Bm25Index.fit(TEXTS)
    analyse = CountVectorizer(stop_words="english").build_analyzer()
    documents = [Counter(analyse(text)) for text in TEXTS]
    mean_length = sum(sum(d.values()) for d in documents) / len(documents)
    expected = np.zeros(len(TEXTS))
    for term in set(analyse(QUERY)):
        having = sum(term in d for d in documents)
        idf = math.log(1 + (len(documents) - having + 0.5) / (having + 0.5))
        for i, d in enumerate(documents):
            tf = d[term]
            expected[i] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * sum(d.values()) / mean_length))
    np.testing.assert_allclose(index.scores([QUERY])[0], expected, rtol=1e-5)
    assert expected.max() > 0


def test_lsa_vectors_from_bm25_counts_are_its_embeddings() -> None:
    lsa = LsaEmbeddings.fit(TEXTS[:200], dimensions=16)
    vocabulary, counts = count_terms(TEXTS)
    np.testing.assert_array_equal(
        lsa.document_vectors(counts, vocabulary), np.asarray(lsa.embed_documents(TEXTS), dtype=np.float32)
    )


def test_lsa_saved_and_loaded_embeds_as_the_scikit_learn_pipeline(tmp_path: Path) -> None:
    fitted = LsaEmbeddings.fit(TEXTS, dimensions=32)
    fitted.save(tmp_path)
    loaded = LsaEmbeddings.load(tmp_path)
    assert loaded.dimensions == 32
    np.testing.assert_allclose(loaded.embed_documents(TEXTS[:5]), fitted.embed_documents(TEXTS[:5]), atol=1e-6)

    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2)
    svd = TruncatedSVD(n_components=32, n_iter=3, random_state=0).fit(vectorizer.fit_transform(TEXTS))
    reference = svd.transform(vectorizer.transform([QUERY]))[0]
    reference /= np.linalg.norm(reference)
    np.testing.assert_allclose(loaded.embed_query(QUERY), reference, atol=1e-4)
