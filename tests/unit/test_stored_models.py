"""The search and embedding models an on-disk corpus stores as plain arrays compute what scikit-learn does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

from sovereign_graph.engines.embeddings import LsaEmbeddings
from sovereign_graph.engines.lexical import TfidfRanker, hashed_counts
from sovereign_graph.sources.snapshot import bundled_snapshot

TEXTS = bundled_snapshot().texts()[:400]
QUERY = "modality-guided expert routing in vision-language models"


def test_ranker_scores_are_scikit_learn_tfidf_cosines() -> None:
    ranker = TfidfRanker.fit(TEXTS)
    transformer = TfidfTransformer(sublinear_tf=True)
    documents = transformer.fit_transform(hashed_counts(TEXTS))
    expected = (documents @ transformer.transform(hashed_counts([QUERY])).T).toarray().ravel()
    np.testing.assert_allclose(ranker.scores(QUERY), expected, atol=1e-5)
    best, score = ranker.top(QUERY, 1)[0]
    assert best == int(np.argmax(expected)) and score > 0


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
