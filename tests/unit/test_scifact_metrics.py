"""SciFact's official metrics on hand-made cases whose answers are worked out by hand."""

from __future__ import annotations

import pytest

from sovereign_graph.evaluation.scifact import Rationale, SciFactClaim, SciFactDoc
from sovereign_graph.evaluation.scifact_metrics import DocPrediction, retrieval_recall, score
from sovereign_graph.evaluation.scifact_open import OpenSetting, TfidfRetriever, predictions_from
from sovereign_graph.steps.verify.model import DocVerdict

# Claim 1: doc 10 SUPPORTs it with rationale {0} or {2, 3}; doc 11 CONTRADICTs it with rationale {1}.
# Claim 2: no evidence.
CLAIMS = [
    SciFactClaim(
        id=1,
        claim="c1",
        evidence={
            10: (Rationale((0,), "SUPPORT"), Rationale((2, 3), "SUPPORT")),
            11: (Rationale((1,), "CONTRADICT"),),
        },
    ),
    SciFactClaim(id=2, claim="c2"),
]


def test_perfect_predictions_score_one_everywhere() -> None:
    predictions = {1: {10: DocPrediction("SUPPORT", (0, 2, 3)), 11: DocPrediction("CONTRADICT", (1,))}}
    scores = score(CLAIMS, predictions)
    for prf in (scores.abstract_label_only, scores.abstract_label_rationale, scores.sentence_selection_label):
        assert (prf.precision, prf.recall, prf.f1) == (1.0, 1.0, 1.0)


def test_a_wrong_label_earns_nothing_and_a_spurious_doc_costs_precision() -> None:
    predictions = {
        1: {10: DocPrediction("CONTRADICT", (0,)), 11: DocPrediction("CONTRADICT", (1,))},
        2: {12: DocPrediction("SUPPORT", (0,))},
    }
    scores = score(CLAIMS, predictions)
    # Only doc 11 is right: 1 correct of 3 predicted, of 2 gold.
    assert scores.abstract_label_only.correct == 1
    assert scores.abstract_label_only.precision == pytest.approx(1 / 3)
    assert scores.abstract_label_only.recall == pytest.approx(1 / 2)
    assert scores.abstract_label_only.f1 == pytest.approx(0.4)
    # Sentences: 3 predicted, sentence 1 of doc 11 correct; gold sentences: 0, 2, 3 and 1 -> 4.
    assert (scores.sentence_selection_label.correct, scores.sentence_selection_label.gold) == (1, 4)


def test_label_plus_rationale_needs_a_whole_gold_rationale_within_the_first_three_sentences() -> None:
    half = score(CLAIMS, {1: {10: DocPrediction("SUPPORT", (2, 5))}})
    assert half.abstract_label_only.correct == 1
    assert half.abstract_label_rationale.correct == 0, "{2} alone does not cover rationale {2, 3}"
    assert half.sentence_selection_label.correct == 0, "a sentence counts only with its whole rationale"

    late = score(CLAIMS, {1: {10: DocPrediction("SUPPORT", (5, 6, 7, 0))}})
    assert late.abstract_label_rationale.correct == 0, "sentence 0 is the 4th predicted: beyond the cap of 3"
    assert late.sentence_selection_label.correct == 1, "the sentence-level metric has no cap"

    whole = score(CLAIMS, {1: {10: DocPrediction("SUPPORT", (3, 2))}})
    assert whole.abstract_label_rationale.correct == 1
    assert whole.sentence_selection_label.correct == 2
    assert whole.sentence_selection_label.precision == 1.0
    assert whole.sentence_selection_label.recall == pytest.approx(2 / 4)


def test_no_predictions_score_zero_without_dividing_by_zero() -> None:
    scores = score(CLAIMS, {})
    assert scores.abstract_label_only.f1 == 0.0
    assert scores.abstract_label_only.gold == 2


def test_retrieval_recall_counts_gold_evidence_abstracts_found() -> None:
    assert retrieval_recall(CLAIMS, {1: [10, 99], 2: [11]}) == pytest.approx(0.5)


def test_predictions_keep_only_the_most_probable_abstracts_above_the_threshold() -> None:
    docs = [SciFactDoc(doc_id=100 + i, title=f"t{i}", sentences=("s",)) for i in range(3)]
    setting = OpenSetting(docs=docs, retriever=TfidfRetriever([d.text for d in docs]), build_seconds=0.0)
    verdicts = [
        DocVerdict(doc=0, support=0.30, contradict=0.05, rationale=(0,), sentence_scores=(0.9,)),
        DocVerdict(doc=1, support=0.10, contradict=0.60, rationale=(0,), sentence_scores=(0.9,)),
        DocVerdict(doc=2, support=0.15, contradict=0.05, rationale=(0,), sentence_scores=(0.9,)),
    ]
    assert predictions_from(setting, verdicts, 0.2) == {
        100: DocPrediction("SUPPORT", (0,)),
        101: DocPrediction("CONTRADICT", (0,)),
    }
    # Capped at one: the most probable wins, whatever its place in the retrieved order.
    assert predictions_from(setting, verdicts, 0.2, max_evidence=1) == {101: DocPrediction("CONTRADICT", (0,))}
    assert predictions_from(setting, verdicts, 0.7, max_evidence=1) == {}
