"""Stance of evidence towards a claim, measured on a user's labelled pairs: `sovereign eval stance --pairs FILE`.

A pairs file is JSONL, one object a line: `claim`, `evidence` (text) and `label` (SUPPORT, CONTRADICT or
NOT_ENOUGH_INFO). Each line is read on its own (`lines.py`): a bad one is named with its line number and reason,
and the others are measured.

How an engine reads a pair:
- `trained` (the default verifier): the pairs' evidence texts are the corpus, each its own document split into
  sentences, as the verifier reads a retrieved abstract; the claim is judged against its own pair's document,
  and the label is the verifier's decision (SUPPORT or CONTRADICT at its decision threshold, else
  NOT_ENOUGH_INFO), as the pipeline decides corroboration. The corpus statistics (TF-IDF, LSA, BM25) come from
  the file's evidence texts, so a pair is read against the others, as a claim against a corpus.
- `tfidf` (the seed verifier): TF-IDF cosine of claim and evidence at its threshold (0.15): SUPPORT or
  NOT_ENOUGH_INFO; it cannot see contradiction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from sovereign_graph.lines import BadLine, LineLimits, checked_text, decode_json, read_lines
from sovereign_graph.state import Label

LABELS: tuple[Label, ...] = get_args(Label)
ENGINES = ("neural", "trained", "tfidf")
TFIDF_THRESHOLD = 0.15  # the seed verifier's (`steps/verify/tfidf.py`)


@dataclass(frozen=True)
class StancePair:
    line: int
    claim: str
    evidence: str
    label: Label


def read_pairs(path: Path, limits: LineLimits | None = None) -> tuple[list[StancePair], list[str]]:
    """The file's pairs, and "line N: reason" for every line that is not one."""
    limits = limits or LineLimits()
    pairs: list[StancePair] = []
    bad: list[str] = []
    for line in read_lines(path, limits, skip_bom=True):
        if line.text is None:
            bad.append(f"line {line.number}: {line.problem}")
            continue
        if not line.text.strip():
            continue
        try:
            row = decode_json(line.text)
            if not isinstance(row, dict):
                raise BadLine("a line must be a JSON object with claim, evidence and label")
            missing = [name for name in ("claim", "evidence", "label") if name not in row]
            if missing:
                raise BadLine(f"missing {', '.join(missing)}")
            claim = checked_text("claim", row["claim"], limits.field_chars)
            evidence = checked_text("evidence", row["evidence"], limits.field_chars)
            label = checked_text("label", row["label"], 64).strip().upper()
            if label not in LABELS:
                raise BadLine(f"label must be one of {', '.join(LABELS)}, not {row['label']!r}")
            if not claim.strip() or not evidence.strip():
                raise BadLine("claim and evidence must not be empty")
        except BadLine as error:
            bad.append(f"line {line.number}: {error}")
            continue
        pairs.append(StancePair(line.number, claim, evidence, label))
    return pairs, bad


def predict(pairs: Sequence[StancePair], engine: str, model_path: Path | None = None) -> list[Label]:
    if engine == "tfidf":
        return _tfidf(pairs)
    if engine in ("trained", "neural"):
        return _trained(pairs, model_path, engine)
    raise ValueError(f"unknown engine {engine!r}")


def _tfidf(pairs: Sequence[StancePair]) -> list[Label]:
    from sklearn.metrics.pairwise import paired_cosine_distances

    from sovereign_graph.text.tfidf import tfidf_vectorizer

    vectorizer = tfidf_vectorizer().fit([p.claim for p in pairs] + [p.evidence for p in pairs])
    distances = paired_cosine_distances(
        vectorizer.transform([p.claim for p in pairs]), vectorizer.transform([p.evidence for p in pairs])
    )
    return ["SUPPORT" if 1.0 - d >= TFIDF_THRESHOLD else "NOT_ENOUGH_INFO" for d in distances]


def _trained(pairs: Sequence[StancePair], model_path: Path | None, engine: str = "trained") -> list[Label]:
    from sovereign_graph.steps.verify.features import SentenceIndex
    from sovereign_graph.steps.verify.model import load_model
    from sovereign_graph.steps.verify.trained import decided
    from sovereign_graph.text.prose import sentences

    model = load_model(model_path, engine)
    documents = [sentences(p.evidence) or [p.evidence] for p in pairs]
    index = SentenceIndex(documents)
    reps = index.represent([p.claim for p in pairs])
    return [decided(model.judge(index, rep, [i])[0], model.decision_threshold) for i, rep in enumerate(reps)]


def figures(gold: Sequence[Label], predicted: Sequence[Label]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the labels the gold holds, per-label precision/recall/F1/support, and the confusion
    matrix (rows: gold, columns: predicted, in LABELS order)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    present = [label for label in LABELS if label in gold]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(LABELS), zero_division=0
    )
    return {
        "pairs": len(gold),
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=present, average="macro", zero_division=0)), 4),
        "per_label": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(LABELS)
        },
        "confusion": {
            "labels": list(LABELS),
            "matrix": confusion_matrix(gold, predicted, labels=list(LABELS)).tolist(),
        },
    }
