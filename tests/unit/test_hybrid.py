import numpy as np

from sovereign_graph.text.bm25 import Bm25Index
from sovereign_graph.text.hybrid import HybridRanker, standardise
from sovereign_graph.text.lsa import LsaEmbeddings

DOCS = [
    "Sparse mixture of experts routing improves robustness of vision language models.",
    "Aspirin reduces fever in children with influenza.",
    "Expert routing in mixture of experts balances load across GPUs.",
    "A survey of convolutional networks for image classification.",
]


def test_bm25_prefers_rare_matching_terms() -> None:
    scores = Bm25Index.fit(DOCS).scores(["aspirin fever"])[0]
    assert int(np.argmax(scores)) == 1
    assert scores[3] == 0


def test_standardise_gives_zero_mean_unit_spread_rows() -> None:
    z = standardise(np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    assert np.allclose(z[0].mean(), 0) and np.allclose(z[0].std(), 1)
    assert np.allclose(z[1], 0), "a flat row stays flat instead of dividing by zero"


def test_hybrid_ranks_best_first_with_relevance_in_unit_interval() -> None:
    ranker = HybridRanker.fit(DOCS, LsaEmbeddings.fit(DOCS, dimensions=3))
    top = ranker.top("robustness of sparse experts routing", 3)
    assert top[0][0] == 0
    assert all(0 < score < 1 for _, score in top)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)


def test_a_query_with_no_known_word_finds_nothing() -> None:
    ranker = HybridRanker.fit(DOCS, LsaEmbeddings.fit(DOCS, dimensions=3))
    assert ranker.top("zzzz qqqq", 3) == []
