"""The reader's scores as features of the calibrated models: the neural relevance and verifier models read the
lexical features plus the reader's, on the pairs they are about, and the lexical engines never call the reader."""

from __future__ import annotations

import numpy as np

from sovereign_graph.steps.extract.relevance.features import FEATURES, NEURAL_CANDIDATES, NEURAL_FEATURES, neural_cut
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.verify.features import (
    LABEL_FEATURES,
    NEURAL_LABEL_FEATURES,
    SentenceIndex,
    neural_label_features,
)
from sovereign_graph.steps.verify.model import load_model

FINDING = "Pruning half of the experts reduces accuracy by less than one point on GLUE."
PARAPHRASE = "Removing half of the experts costs under one point of GLUE accuracy."
REVERSAL = "Pruning half of the experts causes a large drop in GLUE accuracy."


def test_the_shipped_models_read_the_features_their_engine_names() -> None:
    assert load_relevance_model("neural").linear.names == FEATURES + NEURAL_FEATURES
    assert load_relevance_model("lexical").linear.names == FEATURES
    assert load_relevance_model("neural").neural and not load_relevance_model("lexical").neural
    neural, lexical = load_model(engine="neural"), load_model(engine="trained")
    assert neural.neural and neural.stance.names == LABEL_FEATURES + NEURAL_LABEL_FEATURES
    assert not lexical.neural and lexical.stance.names == LABEL_FEATURES
    # Stacking chose a weight for the reader's relevance score, in the direction that means "answers".
    coef = dict(
        zip(load_relevance_model("neural").linear.names, load_relevance_model("neural").linear.coef, strict=True)
    )
    assert coef["neural_relevance"] > 0


def test_the_reader_reads_the_candidates_the_lexical_model_ranks_first() -> None:
    probabilities = [0.1 * (i % 7) for i in range(40)]
    kept = neural_cut(probabilities)
    assert len(kept) == NEURAL_CANDIDATES and kept == sorted(kept)
    assert min(probabilities[i] for i in kept) >= max(p for i, p in enumerate(probabilities) if i not in kept)


def test_the_neural_stance_features_tell_a_reversal_from_a_paraphrase_and_are_read_once() -> None:
    index = SentenceIndex([[FINDING]])
    paraphrase, reversal = index.represent([PARAPHRASE, REVERSAL])
    agree = neural_label_features(index, paraphrase, np.array([0]))
    conflict = neural_label_features(index, reversal, np.array([0]))
    support, contradict, direction = range(3)
    assert agree[support] > conflict[support]
    assert agree[direction] > conflict[direction]
    assert conflict[contradict] > agree[contradict]
    assert set(index.neural_cache) == {(PARAPHRASE, 0), (REVERSAL, 0)}
    again = neural_label_features(index, paraphrase, np.array([0]))
    assert np.array_equal(again, agree) and len(index.neural_cache) == 2


def test_the_lexical_verifier_never_calls_the_reader() -> None:
    index = SentenceIndex([[FINDING], ["Graphene transistors switch at terahertz frequencies."]])
    claim = index.represent([PARAPHRASE])[0]
    load_model(engine="trained").judge(index, claim, [0, 1])
    assert index.neural_cache == {}
    load_model(engine="neural").judge(index, claim, [0, 1])
    assert index.neural_cache, "the neural verifier read the claim against the documents' best sentences"
