"""The trained verifier in the pipeline: grounding and corroboration of each extracted claim.

- *grounding*: the claim against its own quote's passage. P(SUPPORT) is the claim's `grounding`; a
  claim its own passage does not support was distorted (or invented) by the extractor.
- *corroboration*: the claim against the papers (all their indexed passages) most similar to it, its
  own paper excluded. The label is the strongest SUPPORT or CONTRADICT found at or above the model's
  decision threshold, else NOT_ENOUGH_INFO; `confidence` is the calibrated probability of that label.
- `verified` = grounded (P(SUPPORT) from its own passage >= the threshold) and not contradicted by another
  paper. Whether other papers corroborate it is its `label`: a finding only its own paper reports is
  verified (faithfully quoted) but NOT_ENOUGH_INFO, and the SKEPTIC counts it as single-source.
"""

from __future__ import annotations

from collections.abc import Sequence

from sovereign_graph.state import Claim, Evidence, Label, Passage
from sovereign_graph.verify.features import SentenceIndex, Vocabulary
from sovereign_graph.verify.model import DocVerdict, VerifierModel

CANDIDATE_PAPERS = 5
EVIDENCE_PAPERS = 3


def _decided(verdict: DocVerdict, threshold: float) -> Label:
    if max(verdict.support, verdict.contradict) < threshold:
        return "NOT_ENOUGH_INFO"
    return "SUPPORT" if verdict.support >= verdict.contradict else "CONTRADICT"


def verify_claims(
    claims: Sequence[Claim], passages: Sequence[Passage], model: VerifierModel, vocabulary: Vocabulary | None = None
) -> list[Claim]:
    """`vocabulary`: the TF-IDF/LSA fitted on the corpus searched (default: on these passages' papers)."""
    if not claims:
        return []
    papers: dict[str, list[Passage]] = {}
    for passage in passages:
        papers.setdefault(passage.paper_id, []).append(passage)
    paper_ids = list(papers)
    by_id = {p.id: p for p in passages}
    own = [by_id.get(c.passage_id) for c in claims]
    # Documents: every paper (its passages in order), then each claim's own passage alone.
    documents = [[p.text for p in papers[pid]] for pid in paper_ids] + [
        [p.text if p else c.quote] for c, p in zip(claims, own, strict=True)
    ]
    index = SentenceIndex(documents, vocabulary=vocabulary)
    reps = index.represent([c.text for c in claims])
    threshold = model.decision_threshold

    verified: list[Claim] = []
    for n, (claim, rep) in enumerate(zip(claims, reps, strict=True)):
        (grounding,) = model.judge(index, rep, [len(paper_ids) + n])
        others = [i for i, pid in enumerate(paper_ids) if pid != claim.paper_id]
        doc_cos = (index.doc_tfidf[others] @ rep.tfidf.T).toarray().ravel() if others else []
        candidates = [others[i] for i in sorted(range(len(others)), key=lambda i: (-doc_cos[i], i))[:CANDIDATE_PAPERS]]
        verdicts = sorted(model.judge(index, rep, candidates), key=lambda v: -max(v.support, v.contradict))
        best = verdicts[0] if verdicts else None
        label: Label = _decided(best, threshold) if best else "NOT_ENOUGH_INFO"
        confidence = best.probability(label) if best else 1.0
        evidence = [
            Evidence(
                passage_id=papers[paper_ids[v.doc]][s].id,
                paper_id=paper_ids[v.doc],
                text=papers[paper_ids[v.doc]][s].text,
                score=round(v.probability(_decided(v, threshold)), 4),
                label=_decided(v, threshold),
            )
            for v in verdicts[:EVIDENCE_PAPERS]
            # The likelier rationale sentences only: the model pads the rationale to three for SciFact's metric.
            for s in v.core_rationale
        ]
        grounding_label = _decided(grounding, threshold)
        verified.append(
            claim.model_copy(
                update={
                    "grounding": round(grounding.support, 4),
                    "grounding_label": grounding_label,
                    "label": label,
                    "confidence": round(confidence, 4),
                    "verified": grounding_label == "SUPPORT" and label != "CONTRADICT",
                    "evidence": evidence,
                }
            )
        )
    return verified
