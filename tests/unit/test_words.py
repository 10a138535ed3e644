"""text.counts reproduces, bit for bit, the scikit-learn transforms a run used to call."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.text.counts import content_words, count_matrix, fit_counts, word_tokens
from sovereign_graph.text.lsa import LsaEmbeddings
from sovereign_graph.text.stopwords import STOP_WORDS
from sovereign_graph.text.vocabulary import Vocabulary, _terms, stem_tokens

TEXTS = [*bundled_snapshot().texts()[:300], "", "a an the", "Ünïcode wörds, x y z 42 3.5% e.g. re-use"]


def _same(a: sparse.spmatrix, b: sparse.spmatrix) -> bool:
    a, b = sparse.csr_matrix(a, copy=True), sparse.csr_matrix(b, copy=True)
    a.sort_indices()
    b.sort_indices()
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def test_stop_words_are_scikit_learns() -> None:
    assert frozenset(ENGLISH_STOP_WORDS) == STOP_WORDS


def test_tokens_and_fitted_counts_match_count_vectorizer() -> None:
    assert [word_tokens(t) for t in TEXTS] == [CountVectorizer().build_analyzer()(t) for t in TEXTS]
    reference = CountVectorizer(stop_words="english", dtype=np.float32)
    expected = reference.fit_transform(TEXTS)
    vocabulary, counts = fit_counts([content_words(t) for t in TEXTS])
    assert vocabulary == reference.get_feature_names_out().tolist()
    assert counts.has_sorted_indices and _same(expected, counts)
    lsa = CountVectorizer(min_df=2, dtype=np.float32)
    vocabulary, counts = fit_counts([word_tokens(t) for t in TEXTS], min_df=2)
    assert _same(lsa.fit_transform(TEXTS), counts) and vocabulary == lsa.get_feature_names_out().tolist()


def test_fixed_vocabulary_counts_match_count_vectorizer() -> None:
    vocabulary = sorted({w for t in TEXTS[:50] for w in content_words(t)})
    reference = CountVectorizer(vocabulary={t: i for i, t in enumerate(vocabulary)}, dtype=np.float32)
    counts = count_matrix([word_tokens(t) for t in TEXTS], {t: i for i, t in enumerate(vocabulary)}, len(vocabulary))
    assert _same(reference.transform(TEXTS), counts)
    assert count_matrix([], {"a": 0}, 1).shape == (0, 1)


def test_an_empty_vocabulary_is_refused_as_scikit_learn_does() -> None:
    with pytest.raises(ValueError, match="empty vocabulary"):
        fit_counts([content_words("the and of"), []])
    with pytest.raises(ValueError, match="no terms remain"):
        fit_counts([["once"], ["only"]], min_df=2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l2_rows_match_normalize_to_the_last_bit(dtype: type) -> None:
    from sovereign_graph.text.counts import l2_normalize_rows

    counts = sparse.csr_matrix(CountVectorizer().fit_transform(TEXTS), dtype=dtype)
    counts.data = np.random.default_rng(0).random(counts.nnz).astype(dtype) * 5  # sums that round differently
    assert _same(normalize(counts.copy()), l2_normalize_rows(counts.copy()))


def test_lsa_embeddings_match_the_scikit_learn_pipeline() -> None:
    model = LsaEmbeddings.fit(TEXTS[:200], dimensions=16)
    reference = TfidfVectorizer(
        sublinear_tf=True, dtype=np.float32, vocabulary={t: i for i, t in enumerate(model.vocabulary)}
    )
    reference.fit(TEXTS[:200])
    reference.idf_ = model.idf  # the stored model's IDF, as LsaEmbeddings applies it
    vectors = np.asarray(reference.transform(TEXTS) @ model.components.T, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    assert np.array_equal(np.asarray(model.embed_documents(TEXTS)), expected)


def test_verifier_vocabulary_transforms_match_its_fitted_vectorizers() -> None:
    terms = [_terms(stem_tokens(t)) for t in TEXTS[:150]]
    vocabulary = Vocabulary.from_terms(terms)

    def identity(x: list[str]) -> list[str]:
        return x

    tfidf = TfidfVectorizer(analyzer=identity, sublinear_tf=True, dtype=np.float32).fit(terms)
    assert vocabulary.terms == tfidf.get_feature_names_out().tolist()
    assert _same(tfidf.transform(terms[:40]), vocabulary.tfidf(terms[:40]))
    unigrams = [[t for t in x if " " not in t] for x in terms]
    lsa = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=2, dtype=np.float32).fit(unigrams)
    svd = TruncatedSVD(n_components=vocabulary.dimensions)
    svd.components_ = vocabulary.components  # the fitted projection, applied as TruncatedSVD.transform does
    vectors = np.asarray(svd.transform(lsa.transform(unigrams[:40])), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    assert np.array_equal(vocabulary.project(unigrams[:40]), expected)
