"""`sovereign eval scifact` as a function: both verifiers in the open setting, scored side by side."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovereign_graph.errors import InputError, shown_path
from sovereign_graph.evaluation.scifact import check_claims_match_corpus, load_claims, load_corpus
from sovereign_graph.evaluation.scifact_metrics import Predictions, retrieval_recall, score
from sovereign_graph.evaluation.scifact_open import DEFAULT_K, OpenRun, OpenSetting, run_seed, run_trained
from sovereign_graph.steps.verify import check_verifier
from sovereign_graph.steps.verify.model import load_model

SEED = "tfidf"


def check_output(path: Path | None) -> None:
    if path is not None and not path.parent.is_dir():
        raise InputError(f"{shown_path(path.parent)}: no such directory for the predictions file.")


@dataclass(frozen=True)
class VerifierResult:
    name: str
    run: OpenRun
    scores: dict[str, Any] | None

    def as_dict(self, claims: int) -> dict[str, Any]:
        return {
            **(
                self.scores
                or dict.fromkeys(("abstract_label_only", "abstract_label_rationale", "sentence_selection_label"))
            ),
            "claims_per_second": round(self.run.claims_per_second(claims), 1),
        }


@dataclass(frozen=True)
class SciFactEvaluation:
    claims: int
    labelled: bool
    corpus: int
    k: int
    retrieval_recall: float | None
    index_seconds: float
    results: list[VerifierResult]
    verifier: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "setting": "open",
            "claims": self.claims,
            "labelled": self.labelled,
            "corpus": self.corpus,
            "retrieval": {
                "k": self.k,
                "recall": None if self.retrieval_recall is None else round(self.retrieval_recall, 4),
            },
            "index_seconds": round(self.index_seconds, 2),
            "verifier": self.verifier,
            "verifiers": {r.name: r.as_dict(self.claims) for r in self.results},
        }


def evaluate(
    claims_path: Path | None = None,
    corpus_path: Path | None = None,
    *,
    verifier: str = "trained",
    model_path: Path | None = None,
    k: int = DEFAULT_K,
) -> SciFactEvaluation:
    """Run the seed method and `verifier` over the claims; scores only when the claims are labelled."""
    check_verifier(verifier)
    if k < 1:
        raise InputError(f"--k must be at least 1, not {k}.")
    claims = load_claims(claims_path)
    docs = load_corpus(corpus_path)
    check_claims_match_corpus(claims, docs)
    model = load_model(model_path) if verifier == "trained" else None
    labelled = all(c.labelled for c in claims)
    setting = OpenSetting.build(docs)
    results: list[VerifierResult] = []
    for name in dict.fromkeys((SEED, verifier)):
        run = run_trained(setting, claims, model, k) if name == "trained" and model else run_seed(setting, claims, k)
        results.append(VerifierResult(name, run, score(claims, run.predictions).as_dict() if labelled else None))
    recall = retrieval_recall(claims, results[0].run.retrieved) if labelled else None
    return SciFactEvaluation(
        claims=len(claims),
        labelled=labelled,
        corpus=len(docs),
        k=k,
        retrieval_recall=recall,
        index_seconds=setting.build_seconds,
        results=results,
        verifier=verifier,
    )


def write_predictions(path: Path, predictions: Predictions) -> None:
    """The official format, one line per claim; written to a temporary file and moved into place."""
    lines = []
    for claim_id, docs in predictions.items():
        evidence = {str(doc): {"label": p.label, "sentences": list(p.sentences)} for doc, p in docs.items()}
        lines.append(json.dumps({"id": claim_id, "evidence": evidence}))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    os.replace(tmp, path)
