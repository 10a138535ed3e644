"""The trained verifier: three logistic regressions, stored as plain numbers in JSON.

1. *selector*: is this sentence a rationale for the claim? (sentence features)
2. *evidence*: does this abstract/paper hold evidence for the claim at all? (its sentences' selector
   logits, its similarity to the claim, its BM25 standing in the collection, whether it states a
   direction on the claim's terms)
3. *stance*: given the chosen rationale, SUPPORT or CONTRADICT? (polarity cues of claim and rationale, and
   the direction each puts on the terms they share)

P(SUPPORT) = P(evidence) x P(support | evidence), P(CONTRADICT) likewise, P(NOT_ENOUGH_INFO) =
1 - P(evidence). The weights (with the scaler folded in) are rebuilt into numpy at load, so the file
reads the same under any scikit-learn version; `FORMAT` guards the feature layout instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sovereign_graph.errors import InputError, shown_path
from sovereign_graph.ml.linear import Linear, sigmoid
from sovereign_graph.state import Label
from sovereign_graph.steps.verify.features import (
    DOC_FEATURES,
    LABEL_FEATURES,
    NEURAL_DOC_FEATURES,
    NEURAL_LABEL_FEATURES,
    SENTENCE_FEATURES,
    SentenceIndex,
    TextRep,
    doc_features,
    label_features,
    neural_doc_features,
    neural_label_features,
    sentence_features,
)

FORMAT = "sovereign-verifier/5"
# 'trained' reads the lexical features; 'neural' stacks the embedded reader's stance on them (same format).
MODEL_FILES = {"trained": "scifact_verifier.json", "neural": "scifact_verifier_neural.json"}
MODEL_FILE = MODEL_FILES["trained"]
MAX_RATIONALE = 3
STANCE_SENTENCE_PROBABILITY = 0.1


@dataclass(frozen=True)
class DocVerdict:
    """What the verifier says about one document (abstract or paper) for one claim."""

    doc: int
    support: float
    contradict: float
    rationale: tuple[int, ...]  # positions of the chosen sentences within the document, best first
    sentence_scores: tuple[float, ...]  # selector probability of each chosen sentence

    @property
    def core_rationale(self) -> tuple[int, ...]:
        """The chosen sentences the selector is fairly sure of (the ones the stance read), at least the best."""
        sure = tuple(
            s for s, p in zip(self.rationale, self.sentence_scores, strict=True) if p >= STANCE_SENTENCE_PROBABILITY
        )
        return sure or self.rationale[:1]

    @property
    def evidence(self) -> float:
        return self.support + self.contradict

    @property
    def not_enough_info(self) -> float:
        return 1.0 - self.evidence

    @property
    def label(self) -> Label:
        """The most probable of the three labels."""
        best = max(self.support, self.contradict, self.not_enough_info)
        if best == self.support:
            return "SUPPORT"
        return "CONTRADICT" if best == self.contradict else "NOT_ENOUGH_INFO"

    def probability(self, label: Label) -> float:
        return {"SUPPORT": self.support, "CONTRADICT": self.contradict, "NOT_ENOUGH_INFO": self.not_enough_info}[label]


@dataclass(frozen=True)
class VerifierModel:
    selector: Linear
    evidence: Linear
    stance: Linear
    sentence_threshold: float = field(metadata={"description": "selector probability a rationale sentence needs"})
    decision_threshold: float = field(
        metadata={"description": "P(SUPPORT) or P(CONTRADICT) at which a document is predicted as evidence"}
    )
    max_evidence: int = field(
        default=3, metadata={"description": "at most this many documents per claim are predicted as evidence"}
    )
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def neural(self) -> bool:
        """Its evidence and stance stages read the embedded reader's stance besides the lexical features."""
        return self.stance.names == LABEL_FEATURES + NEURAL_LABEL_FEATURES

    def judge(self, index: SentenceIndex, claim: TextRep, docs: Sequence[int]) -> list[DocVerdict]:
        block = sentence_features(index, claim, docs)
        logits = self.selector.logits(block.features)
        doc_x = doc_features(index, claim, block, logits)
        if self.neural:
            doc_x = np.hstack([doc_x, neural_doc_features(index, claim, block, logits)])
        evidence = sigmoid(self.evidence.logits(doc_x))
        verdicts: list[DocVerdict] = []
        for k, doc in enumerate(block.docs):
            start, end = int(block.offsets[k]), int(block.offsets[k + 1])
            if start == end:
                verdicts.append(DocVerdict(doc, 0.0, 0.0, (), ()))
                continue
            probs = sigmoid(logits[start:end])
            order = np.argsort(-probs, kind="stable")
            chosen = [int(i) for i in order[:MAX_RATIONALE] if probs[i] >= self.sentence_threshold] or [int(order[0])]
            # Stance reads only the likelier rationale sentences: padding the rationale out to three (which
            # the abstract-level metric rewards) would otherwise dilute the cues.
            read = [i for i in chosen if probs[i] >= STANCE_SENTENCE_PROBABILITY] or chosen[:1]
            stance_x = label_features(index, claim, block.rows[start:end][read])
            if self.neural:
                stance_x = np.concatenate([stance_x, neural_label_features(index, claim, block.rows[start:end][read])])
            support = float(sigmoid(self.stance.logits(stance_x[None, :]))[0])
            p_evidence = float(evidence[k])
            verdicts.append(
                DocVerdict(
                    doc=doc,
                    support=p_evidence * support,
                    contradict=p_evidence * (1 - support),
                    rationale=tuple(chosen),
                    sentence_scores=tuple(float(probs[i]) for i in chosen),
                )
            )
        return verdicts

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, **asdict(self)}, indent=1)

    @classmethod
    def from_json(cls, text: str, source: str = "verifier model") -> VerifierModel:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(f"{source}: not a verifier model ({error.msg}).") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{source}: not a model in format {FORMAT}; retrain with evals/scifact_verifier.py.")
        model = cls(
            selector=Linear.from_dict(data["selector"]),
            evidence=Linear.from_dict(data["evidence"]),
            stance=Linear.from_dict(data["stance"]),
            sentence_threshold=float(data["sentence_threshold"]),
            decision_threshold=float(data["decision_threshold"]),
            max_evidence=int(data["max_evidence"]),
            info=data.get("info", {}),
        )
        layouts = (
            (SENTENCE_FEATURES, DOC_FEATURES, LABEL_FEATURES),
            (SENTENCE_FEATURES, DOC_FEATURES + NEURAL_DOC_FEATURES, LABEL_FEATURES + NEURAL_LABEL_FEATURES),
        )
        if (model.selector.names, model.evidence.names, model.stance.names) not in layouts:
            raise InputError(f"{source}: its features differ from this version's; retrain it.")
        return model


def load_model(path: Path | None = None, engine: str = "trained") -> VerifierModel:
    """The model at `path`, or the one shipped with the package for `engine` ('trained' or 'neural')."""
    if path is None:
        return _shipped(engine)
    if not path.is_file():
        raise InputError(f"{shown_path(path)}: no such model file.")
    return VerifierModel.from_json(path.read_text(encoding="utf-8"), shown_path(path))


@cache
def _shipped(engine: str) -> VerifierModel:
    name = MODEL_FILES[engine]
    text = resources.files("sovereign_graph.steps.verify").joinpath(name).read_text(encoding="utf-8")
    return VerifierModel.from_json(text, f"shipped {name}")
