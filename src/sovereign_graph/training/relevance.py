"""Fitting the relevance model on judged candidates, and choosing its threshold by grouped cross-validation
(questions never split across folds): the probability at which the out-of-fold *claims* (the top `max_claims`
candidates per question above it, as extraction picks them) have the best F0.5, at P >= 0.5 (more likely than not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sovereign_graph.ml.linear import Linear
from sovereign_graph.steps.extract.relevance.features import FEATURES, NEURAL_FEATURES
from sovereign_graph.steps.extract.relevance.model import RelevanceModel

# A claim is at least as likely as not to answer the question: the calibrated probability's floor.
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.5, 0.91, 0.02))


@dataclass(frozen=True)
class JudgedCandidate:
    question: str
    passage_id: str
    paper_id: str
    features: list[float]
    relevant: bool
    # It passes extraction's gates (names the outcome; its paper is about the subject): a claim can be made of it.
    eligible: bool = True
    subject: bool = False  # it is a sentence of the subject paper


def fit_linear(rows: Sequence[JudgedCandidate], c: float = 0.5) -> Linear:
    x = np.asarray([r.features for r in rows], dtype=np.float64)
    y = np.asarray([r.relevant for r in rows], dtype=int)
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    regression = LogisticRegression(C=c, max_iter=5000).fit((x - scaler.mean_) / scale, y)
    return Linear(
        # The neural model's rows carry the reader's features after the lexical ones.
        names=FEATURES + NEURAL_FEATURES if x.shape[1] == len(FEATURES) + len(NEURAL_FEATURES) else FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
    )


def claims_at(
    rows: Sequence[JudgedCandidate],
    probabilities: Sequence[float],
    threshold: float,
    max_claims: int = 8,
    subject_threshold: float = 1.0,
) -> list[int]:
    """Indices of the rows extraction would keep: per question, the most probable at or above `threshold`, and
    the subject paper's best one if it reaches `subject_threshold`."""
    by_question: dict[str, list[int]] = {}
    best_subject: dict[str, int] = {}
    for i, r in enumerate(rows):
        if not r.eligible:
            continue
        if probabilities[i] >= threshold:
            by_question.setdefault(r.question, []).append(i)
        if r.subject and (r.question not in best_subject or probabilities[i] > probabilities[best_subject[r.question]]):
            best_subject[r.question] = i
    for question, i in best_subject.items():
        if threshold > probabilities[i] >= subject_threshold:
            by_question.setdefault(question, []).append(i)
    kept: list[int] = []
    for indices in by_question.values():
        kept += sorted(indices, key=lambda i: -probabilities[i])[:max_claims]
    return kept


def out_of_fold(rows: Sequence[JudgedCandidate], folds: int = 5, seed: int = 0) -> list[float]:
    questions = sorted({r.question for r in rows})
    order = np.random.default_rng(seed).permutation(len(questions))
    fold_of = {questions[i]: k % folds for k, i in enumerate(order)}
    probabilities = [0.0] * len(rows)
    for k in range(folds):
        train = [r for r in rows if fold_of[r.question] != k]
        test = [i for i, r in enumerate(rows) if fold_of[r.question] == k]
        if not test or len({r.relevant for r in train}) < 2:
            continue
        model = RelevanceModel(fit_linear(train), threshold=0.5)
        for i, p in zip(test, model.probabilities([rows[i].features for i in test]), strict=True):
            probabilities[i] = p
    return probabilities


def f_half(rows: Sequence[JudgedCandidate], probabilities: Sequence[float], threshold: float) -> float:
    """F0.5 of the claims extraction would keep at `threshold` against every judged answer: precision counts
    twice as much as recall, since a claim that does not answer the question costs the reader more than one
    left in the evidence gap (which still shows the closest passage)."""
    kept = claims_at(rows, probabilities, threshold)
    relevant = sum(r.relevant for r in rows)
    hits = sum(rows[i].relevant for i in kept)
    precision = hits / len(kept) if kept else 0.0
    recall = hits / relevant if relevant else 0.0
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


def choose_threshold(rows: Sequence[JudgedCandidate], probabilities: Sequence[float]) -> float:
    """The threshold of the best out-of-fold F0.5 among those at which a claim is at least as likely as not to
    answer (P >= 0.5), each scored with its two neighbours (so that a lone peak of a jagged curve is not
    picked)."""
    scores = [f_half(rows, probabilities, t) for t in THRESHOLDS]
    smoothed = [sum(scores[max(0, i - 1) : i + 2]) / len(scores[max(0, i - 1) : i + 2]) for i in range(len(scores))]
    return THRESHOLDS[max(range(len(scores)), key=lambda i: (smoothed[i], -i))]


SUBJECT_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.2, 0.91, 0.02))


def choose_subject_threshold(
    rows: Sequence[JudgedCandidate], probabilities: Sequence[float], threshold: float
) -> float:
    """The bar for the subject paper's best candidate: the best out-of-fold F0.5 of all claims (as extraction
    makes them with both thresholds), smoothed over neighbours, never above the main threshold."""
    candidates = [t for t in SUBJECT_THRESHOLDS if t <= threshold] or [threshold]
    relevant = sum(r.relevant for r in rows)

    def score(t: float) -> float:
        kept = claims_at(rows, probabilities, threshold, subject_threshold=t)
        hits = sum(rows[i].relevant for i in kept)
        precision, recall = (hits / len(kept) if kept else 0.0), (hits / relevant if relevant else 0.0)
        return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0

    scores = [score(t) for t in candidates]
    smoothed = [sum(scores[max(0, i - 1) : i + 2]) / len(scores[max(0, i - 1) : i + 2]) for i in range(len(scores))]
    return candidates[max(range(len(scores)), key=lambda i: (smoothed[i], i))]


def train(rows: Sequence[JudgedCandidate], info: dict[str, object] | None = None) -> RelevanceModel:
    probabilities = out_of_fold(rows)
    threshold = choose_threshold(rows, probabilities)
    subject_threshold = choose_subject_threshold(rows, probabilities, threshold)
    return RelevanceModel(fit_linear(rows), threshold, subject_threshold, info=dict(info or {}))
