"""Training the verifier on SciFact claims, and cross-validating it: folds by claim, fixed seed.

Claims that share an evidence or cited abstract go to the same fold: SciFact's CONTRADICT claims are
mostly negated copies of SUPPORT claims about the same abstract, and splitting such a pair would let
a fold be scored on a near-copy of what it trained on.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sovereign_graph.evaluation.scifact import SciFactClaim
from sovereign_graph.evaluation.scifact_metrics import DocPrediction, SciFactScores, score
from sovereign_graph.evaluation.scifact_open import OpenSetting, predictions_from
from sovereign_graph.ml.linear import Linear, sigmoid
from sovereign_graph.steps.verify.features import (
    DOC_FEATURES,
    LABEL_FEATURES,
    NEURAL_DOC_FEATURES,
    NEURAL_LABEL_FEATURES,
    SENTENCE_FEATURES,
    PairBlock,
    TextRep,
    doc_features,
    label_features,
    neural_doc_features,
    neural_label_features,
    sentence_features,
)
from sovereign_graph.steps.verify.model import MAX_RATIONALE, DocVerdict, VerifierModel

SENTENCE_THRESHOLDS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
DECISION_THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.1, 0.71, 0.025))
MAX_EVIDENCE_CHOICES = (1, 2, 3)


@dataclass(frozen=True)
class Example:
    """A labelled claim with its features against the retrieved abstracts and any gold one retrieval missed."""

    claim: SciFactClaim
    rep: TextRep
    retrieved: list[int]
    block: PairBlock
    sentence_gold: np.ndarray
    doc_evidence: np.ndarray  # per block document: gold evidence?
    stance_rows: list[tuple[np.ndarray, np.ndarray, bool]]  # (index rows, block rows, is SUPPORT) per gold doc


def prepare(setting: OpenSetting, claims: Sequence[SciFactClaim], retrieved: list[list[int]]) -> list[Example]:
    index = setting.index
    position = {d.doc_id: i for i, d in enumerate(setting.docs)}
    reps = index.represent([c.claim for c in claims])
    examples: list[Example] = []
    for claim, rep, docs in zip(claims, reps, retrieved, strict=True):
        gold_docs = [position[d] for d in claim.evidence]
        candidates = docs + [d for d in gold_docs if d not in docs]
        block = sentence_features(index, rep, candidates)
        sentence_gold = np.zeros(len(block.rows), dtype=bool)
        evidence = np.zeros(len(candidates), dtype=bool)
        stance: list[tuple[np.ndarray, np.ndarray, bool]] = []
        for k, doc in enumerate(candidates):
            rationales = claim.evidence.get(setting.docs[doc].doc_id)
            if not rationales:
                continue
            evidence[k] = True
            sentences = sorted({s for r in rationales for s in r.sentences})
            local = np.array(
                [int(block.offsets[k]) + s for s in sentences if s < block.offsets[k + 1] - block.offsets[k]]
            )
            sentence_gold[local] = True
            chosen = local[:MAX_RATIONALE]
            stance.append((block.rows[chosen], chosen, rationales[0].label == "SUPPORT"))
        examples.append(Example(claim, rep, docs, block, sentence_gold, evidence, stance))
    return examples


def _fit_linear(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float = 1.0) -> Linear:
    scaler = StandardScaler().fit(x)
    regression = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(x), y)
    return Linear(
        names=names,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in regression.coef_[0]),
        intercept=float(regression.intercept_[0]),
    )


def stance_row(setting: OpenSetting, rep: TextRep, rows: np.ndarray, neural: bool) -> np.ndarray:
    """The stance stage's features of a claim against rationale rows, with the reader's when `neural`."""
    x = label_features(setting.index, rep, rows)
    return np.concatenate([x, neural_label_features(setting.index, rep, rows)]) if neural else x


def _fit_stages(
    setting: OpenSetting, examples: Sequence[Example], neural: bool = False
) -> tuple[Linear, Linear, Linear]:
    x = np.vstack([e.block.features for e in examples])
    y = np.concatenate([e.sentence_gold for e in examples])
    selector = _fit_linear(x, y, SENTENCE_FEATURES)

    doc_x, doc_y = [], []
    for e in examples:
        logits = selector.logits(e.block.features)
        features = doc_features(setting.index, e.rep, e.block, logits)
        if neural:
            features = np.hstack([features, neural_doc_features(setting.index, e.rep, e.block, logits)])
        n = len(e.retrieved)
        doc_x.append(features[:n])
        doc_y.append(e.doc_evidence[:n])
    doc_names = DOC_FEATURES + NEURAL_DOC_FEATURES if neural else DOC_FEATURES
    evidence = _fit_linear(np.vstack(doc_x), np.concatenate(doc_y), doc_names)

    stance_x = [stance_row(setting, e.rep, rows, neural) for e in examples for rows, _, _ in e.stance_rows]
    stance_y = [supports for e in examples for _, _, supports in e.stance_rows]
    label_names = LABEL_FEATURES + NEURAL_LABEL_FEATURES if neural else LABEL_FEATURES
    stance = _fit_linear(np.vstack(stance_x), np.array(stance_y), label_names)
    return selector, evidence, stance


def _judge_all(setting: OpenSetting, model: VerifierModel, examples: Sequence[Example]) -> dict[int, list[DocVerdict]]:
    return {e.claim.id: model.judge(setting.index, e.rep, e.retrieved) for e in examples}


def _predict(
    setting: OpenSetting, verdicts: dict[int, list[DocVerdict]], threshold: float, max_evidence: int
) -> dict[int, dict[int, DocPrediction]]:
    return {claim_id: predictions_from(setting, found, threshold, max_evidence) for claim_id, found in verdicts.items()}


def _objective(scores: SciFactScores) -> float:
    return (scores.abstract_label_only.f1 + scores.abstract_label_rationale.f1) / 2


def fit(
    setting: OpenSetting,
    examples: Sequence[Example],
    *,
    inner_folds: int = 3,
    seed: int = 0,
    info: dict | None = None,
    neural: bool = False,
) -> VerifierModel:
    """Fit the three stages on `examples`; choose the thresholds by an inner cross-validation on them. `neural`:
    the evidence and stance stages also read the embedded reader's stance (the neural verifier)."""
    selector, evidence, stance = _fit_stages(setting, examples, neural)
    best = (-1.0, 0.5, 0.5, MAX_EVIDENCE_CHOICES[-1])
    if inner_folds > 1:
        out_of_fold: dict[float, dict[int, list[DocVerdict]]] = {t: {} for t in SENTENCE_THRESHOLDS}
        for train, test in folds(examples, inner_folds, seed):
            stages = _fit_stages(setting, train, neural)
            for t in SENTENCE_THRESHOLDS:
                inner = VerifierModel(*stages, sentence_threshold=t, decision_threshold=0.5)
                out_of_fold[t].update(_judge_all(setting, inner, test))
        claims = [e.claim for e in examples]
        values = np.array(
            [
                [
                    [_objective(score(claims, _predict(setting, verdicts, d, m))) for m in MAX_EVIDENCE_CHOICES]
                    for d in DECISION_THRESHOLDS
                ]
                for verdicts in out_of_fold.values()
            ]
        )
        # Each decision threshold is judged with its neighbours: on a few hundred claims the objective is
        # jagged, and a lone peak is more likely noise than a better threshold.
        padded = np.pad(values, ((0, 0), (1, 1), (0, 0)), mode="edge")
        smooth = (padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:]) / 3
        i, j, k = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
        best = (float(smooth[i, j, k]), SENTENCE_THRESHOLDS[i], DECISION_THRESHOLDS[j], MAX_EVIDENCE_CHOICES[k])
    return VerifierModel(
        selector,
        evidence,
        stance,
        sentence_threshold=best[1],
        decision_threshold=best[2],
        max_evidence=best[3],
        info=dict(info or {}),
    )


def folds(examples: Sequence[Example], k: int, seed: int) -> list[tuple[list[Example], list[Example]]]:
    """k (train, test) splits by claim; claims linked by a shared abstract stay in one fold."""
    parent = list(range(len(examples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[int, int] = {}
    for i, e in enumerate(examples):
        for doc in (*e.claim.evidence, *e.claim.cited_doc_ids):
            if doc in owner:
                parent[find(i)] = find(owner[doc])
            else:
                owner[doc] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(examples)):
        groups.setdefault(find(i), []).append(i)
    ordered = sorted(groups.values(), key=lambda g: g[0])
    random.Random(seed).shuffle(ordered)
    ordered.sort(key=len, reverse=True)  # stable: big groups first, ties in shuffled order
    assignment = [0] * len(examples)
    sizes = [0] * k
    for group in ordered:
        target = min(range(k), key=lambda f: (sizes[f], f))
        sizes[target] += len(group)
        for i in group:
            assignment[i] = target
    return [
        (
            [e for i, e in enumerate(examples) if assignment[i] != f],
            [e for i, e in enumerate(examples) if assignment[i] == f],
        )
        for f in range(k)
    ]


@dataclass(frozen=True)
class CrossValidation:
    verdicts: dict[int, list[DocVerdict]]
    predictions: dict[int, dict[int, DocPrediction]]
    models: list[VerifierModel]
    stance_on_gold: float = 0.0  # SUPPORT-vs-CONTRADICT accuracy of the stance stage on held-out gold rationales


def cross_validate(
    setting: OpenSetting, examples: Sequence[Example], k: int = 5, seed: int = 0, neural: bool = False
) -> CrossValidation:
    """Each fold's model (thresholds tuned inside its training claims) predicts only its held-out claims."""
    verdicts: dict[int, list[DocVerdict]] = {}
    predictions: dict[int, dict[int, DocPrediction]] = {}
    models: list[VerifierModel] = []
    stance_right = stance_total = 0
    for train, test in folds(examples, k, seed):
        model = fit(setting, train, seed=seed, neural=neural)
        found = _judge_all(setting, model, test)
        verdicts.update(found)
        predictions.update(_predict(setting, found, model.decision_threshold, model.max_evidence))
        models.append(model)
        # The stance stage alone, on the held-out claims' gold rationales: SUPPORT vs CONTRADICT.
        for e in test:
            for rows, _, supports in e.stance_rows:
                p = float(sigmoid(model.stance.logits(stance_row(setting, e.rep, rows, neural)[None, :]))[0])
                stance_right += (p >= 0.5) == supports
                stance_total += 1
    return CrossValidation(verdicts, predictions, models, stance_right / stance_total if stance_total else 0.0)


@dataclass(frozen=True)
class Calibration:
    brier: float
    ece: float
    pairs: int


def calibration(
    setting: OpenSetting, claims: Sequence[SciFactClaim], verdicts: dict[int, list[DocVerdict]]
) -> Calibration:
    """Brier score (3 labels) and top-label expected calibration error (10 bins), over every (claim, retrieved
    abstract) pair."""
    probabilities, truth = [], []
    for claim in claims:
        for verdict in verdicts.get(claim.id, []):
            gold = claim.label_for(setting.docs[verdict.doc].doc_id) or "NOT_ENOUGH_INFO"
            probabilities.append([verdict.support, verdict.contradict, verdict.not_enough_info])
            truth.append(["SUPPORT", "CONTRADICT", "NOT_ENOUGH_INFO"].index(gold))
    if not probabilities:
        return Calibration(0.0, 0.0, 0)
    p = np.asarray(probabilities)
    onehot = np.eye(3)[np.asarray(truth)]
    brier = float(((p - onehot) ** 2).sum(axis=1).mean())
    confidence = p.max(axis=1)
    correct = p.argmax(axis=1) == np.asarray(truth)
    bins = np.minimum((confidence * 10).astype(int), 9)
    ece = sum(
        abs(confidence[bins == b].mean() - correct[bins == b].mean()) * (bins == b).sum()
        for b in range(10)
        if (bins == b).any()
    )
    return Calibration(brier, float(ece / len(p)), len(p))
