"""SciFact's official metrics, from the definitions of the task's scorer (Wadden et al., 2020).

A prediction names, per claim, the abstracts it judges as evidence, each with a label (SUPPORT or
CONTRADICT; NOT_ENOUGH_INFO abstracts are simply not listed) and its rationale sentences.

- Abstract-level, label-only: a predicted (claim, abstract, label) is correct when the abstract is gold
  evidence for the claim with that label. Label+rationale additionally needs the first
  `MAX_ABSTRACT_SENTS` predicted sentences to contain every sentence of at least one gold rationale.
  Precision over predicted abstracts, recall over gold evidence abstracts.
- Sentence-level, selection+label: a predicted sentence is correct when it belongs to a gold rationale
  of that abstract whose sentences are all predicted, and the abstract's predicted label is the gold
  one. Precision over predicted sentences, recall over gold rationale sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sovereign_graph.evaluation.scifact import EvidenceLabel, Rationale, SciFactClaim

MAX_ABSTRACT_SENTS = 3


@dataclass(frozen=True)
class DocPrediction:
    label: EvidenceLabel
    sentences: tuple[int, ...]


# claim id -> doc id -> what the verifier says about that abstract
Predictions = Mapping[int, Mapping[int, DocPrediction]]


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    correct: int
    predicted: int
    gold: int

    @classmethod
    def of(cls, correct: int, predicted: int, gold: int) -> PRF:
        precision = correct / predicted if predicted else 0.0
        recall = correct / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, correct, predicted, gold)

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass(frozen=True)
class SciFactScores:
    abstract_label_only: PRF
    abstract_label_rationale: PRF
    sentence_selection_label: PRF

    def as_dict(self) -> dict[str, dict[str, float | int]]:
        return {
            "abstract_label_only": self.abstract_label_only.as_dict(),
            "abstract_label_rationale": self.abstract_label_rationale.as_dict(),
            "sentence_selection_label": self.sentence_selection_label.as_dict(),
        }


def _covers(predicted: Iterable[int], rationale: Rationale) -> bool:
    chosen = set(predicted)
    return all(s in chosen for s in rationale.sentences)


def _sentence_correct(sentence: int, predicted: tuple[int, ...], rationales: tuple[Rationale, ...]) -> bool:
    return any(sentence in r.sentences and _covers(predicted, r) for r in rationales)


def score(claims: Iterable[SciFactClaim], predictions: Predictions) -> SciFactScores:
    """The three official figures over the labelled `claims` (a claim without prediction predicts nothing)."""
    label_only = label_rationale = docs_predicted = docs_gold = 0
    sentences_correct = sentences_predicted = sentences_gold = 0
    for claim in claims:
        gold = claim.evidence
        docs_gold += len(gold)
        sentences_gold += sum(len(r.sentences) for rationales in gold.values() for r in rationales)
        for doc_id, prediction in predictions.get(claim.id, {}).items():
            docs_predicted += 1
            sentences_predicted += len(prediction.sentences)
            rationales = gold.get(doc_id, ())
            if not rationales or prediction.label != rationales[0].label:
                continue
            label_only += 1
            first = prediction.sentences[:MAX_ABSTRACT_SENTS]
            label_rationale += any(_covers(first, r) for r in rationales)
            sentences_correct += sum(
                _sentence_correct(s, prediction.sentences, rationales) for s in prediction.sentences
            )
    return SciFactScores(
        abstract_label_only=PRF.of(label_only, docs_predicted, docs_gold),
        abstract_label_rationale=PRF.of(label_rationale, docs_predicted, docs_gold),
        sentence_selection_label=PRF.of(sentences_correct, sentences_predicted, sentences_gold),
    )


def retrieval_recall(claims: Iterable[SciFactClaim], retrieved: Mapping[int, Iterable[int]]) -> float:
    """Share of gold evidence abstracts among the retrieved ones: the ceiling on abstract-level recall."""
    found = total = 0
    for claim in claims:
        docs = set(retrieved.get(claim.id, ()))
        total += len(claim.evidence)
        found += sum(doc in docs for doc in claim.evidence)
    return found / total if total else 0.0
