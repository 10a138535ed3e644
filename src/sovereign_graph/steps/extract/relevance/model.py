"""The relevance model: P(a candidate sentence answers the question), a logistic regression over
`features.FEATURES`, stored as plain numbers in JSON (`relevance_model.json`) and rebuilt in numpy at load.

It is trained on the tuning half of the labelled questions (`evals/relevance_bench.py`, which also writes
this file); `threshold` is the probability at or above which a candidate becomes a claim, and
`subject_threshold` the one at which the subject paper's single best candidate does, both chosen by
cross-validation on that half.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sovereign_graph.errors import InputError
from sovereign_graph.ml.linear import Linear, sigmoid
from sovereign_graph.state import Claim
from sovereign_graph.steps.extract.relevance.features import FEATURES, NEURAL_FEATURES

FORMAT = "sovereign-relevance/2"
RelevanceEngine = Literal["neural", "lexical"]
# The lexical model reads `FEATURES`; the neural one stacks the embedded reader's `NEURAL_FEATURES` on them.
MODEL_FILES: dict[str, str] = {"lexical": "relevance_model.json", "neural": "relevance_model_neural.json"}
MODEL_FILE = MODEL_FILES["lexical"]


# A live extractor's judgement (`Claim.model_relevance`, 0-10) and the offline probability, combined: a claim the
# model judged at least MODEL_RELEVANCE_BAR clears at an offline P of OFFLINE_FLOOR. Measured on the labelled
# TUNE half: P >= 0.1 keeps 82% of the sentences judged to answer, and 268 of the 2,065 others clear it too, so
# a model alone cannot make an unrelated sentence on-topic; with the offline bar alone, 47 of the 81 claims a
# perfect judge makes on the test half would be called off-topic, 22 with this rule (`evals/live_ceiling_bench.py`).
MODEL_RELEVANCE_BAR = 7.0
OFFLINE_FLOOR = 0.1


@dataclass(frozen=True)
class RelevanceBar:
    """The probability a claim needs to bear on the question: the model's threshold, or, for the subject paper's
    own findings, the lower bar its best one is extracted at. Extraction, the rubrics and the Answer read the
    same bar, so a claim extraction accepted is never called off-topic downstream."""

    threshold: float
    subject_threshold: float | None = None

    def of(self, claim: Claim) -> float:
        bar = self.threshold
        if claim.from_subject and self.subject_threshold is not None:
            bar = min(bar, self.subject_threshold)
        if claim.model_relevance is not None and claim.model_relevance >= MODEL_RELEVANCE_BAR:
            # A live reader's confident judgement counts where the offline model does not rule the passage out.
            bar = min(bar, OFFLINE_FLOOR)
        return bar

    def clears(self, claim: Claim) -> bool:
        return claim.relevance >= self.of(claim)

    def weight(self, claim: Claim) -> float:
        """1 at or above the bar, in proportion below it."""
        bar = self.of(claim)
        return min(1.0, claim.relevance / bar) if bar > 0 else 1.0


@dataclass(frozen=True)
class RelevanceModel:
    linear: Linear
    threshold: float
    # The subject paper's best finding needs less: the question is about that paper, so its own best sentence on
    # the outcome is the likeliest answer there is (shown as its authors' claim, never as corroboration).
    subject_threshold: float = 1.0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def neural(self) -> bool:
        """It reads the embedded reader's score besides the lexical features."""
        return self.linear.names == FEATURES + NEURAL_FEATURES

    @property
    def bar(self) -> RelevanceBar:
        return RelevanceBar(self.threshold, self.subject_threshold)

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        if not rows:
            return []
        return [float(p) for p in sigmoid(self.linear.logits(np.asarray(rows, dtype=np.float64)))]

    def to_json(self) -> str:
        linear = self.linear
        data = {
            "format": FORMAT,
            "threshold": self.threshold,
            "subject_threshold": self.subject_threshold,
            "linear": {
                "names": list(linear.names),
                "mean": list(linear.mean),
                "scale": list(linear.scale),
                "coef": list(linear.coef),
                "intercept": linear.intercept,
            },
            "info": self.info,
        }
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RelevanceModel:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise InputError(f"relevance model of format {data.get('format')!r}, expected {FORMAT!r}")
        linear = Linear.from_dict(data["linear"])
        if linear.names not in (FEATURES, FEATURES + NEURAL_FEATURES):
            raise InputError("relevance model's features differ from this version's; retrain it")
        return cls(
            linear=linear,
            threshold=float(data["threshold"]),
            subject_threshold=float(data["subject_threshold"]),
            info=data.get("info", {}),
        )


def model_path(engine: RelevanceEngine = "lexical") -> Path:
    return Path(str(resources.files("sovereign_graph.steps.extract.relevance").joinpath(MODEL_FILES[engine])))


@cache
def load_relevance_model(engine: RelevanceEngine = "lexical") -> RelevanceModel:
    return RelevanceModel.from_json(model_path(engine).read_text(encoding="utf-8"))
