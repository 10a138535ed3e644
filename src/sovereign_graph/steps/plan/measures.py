"""Families of what studies measure, so that a sentence's outcome can be matched to the question's beyond its
exact words: a question about accuracy is answered by "performance" or "F1", and is *not* answered by a
finding on speed (a result on a different outcome is background, however strong)."""

from __future__ import annotations

from functools import cache

from sovereign_graph.text.prose import stem, words

_FAMILIES = {
    "accuracy": "accuracy accurate performance performs score scores f1 precision recall map ap top-1 exact match "
    "bleu rouge cider miou iou error errors correctness correct degradation drop gain gains quality",
    "efficiency": "efficiency efficient speed speedup speedups faster slower latency throughput flops time memory "
    "cost costs compute computation energy overhead prefilling decoding fps bandwidth communication footprint",
    "hallucination": "hallucination hallucinations hallucinate hallucinated faithfulness faithful chair pope",
    "robustness": "robustness robust adversarial attack attacks perturbation perturbations corruption corruptions",
    "calibration": "calibration calibrated miscalibrated ece confidence brier uncertainty",
    "specialization": "specialization specialisation specialize specialise specialized specialised diversity "
    "overlap redundancy",
    "balance": "balance balancing imbalance balanced load utilization",
    "safety": "safety safe harmful refusal refusals jailbreak unsafe",
    "privacy": "privacy leakage leak reconstruct reconstruction recover inversion",
    "generalization": "generalization generalisation generalize generalise transfer out-of-distribution",
}


@cache
def family_stems() -> dict[str, frozenset[str]]:
    return {name: frozenset(stem(w) for w in text.split()) for name, text in _FAMILIES.items()}


def families_of(text: str) -> frozenset[str]:
    """The measure families `text` names."""
    found = {stem(w) for w in words(text)}
    return frozenset(name for name, members in family_stems().items() if found & members)
