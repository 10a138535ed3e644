"""The trained verifier in the pipeline: grounding and corroboration of each extracted claim.

- *grounding*: the claim against its own paper, read as the model was trained to read an abstract; it is
  grounded when P(SUPPORT) reaches the decision threshold *and* its quote's passage is among the
  rationale sentences the model chose. P(SUPPORT) is the claim's `grounding`; a claim its own passage does
  not support was distorted (or invented) by the extractor. A claim that is its own quote is not grounded
  at all (`grounding` None): that check could not fail (see `verdict.py`).
- *corroboration*: the claim against the other papers (all their indexed passages) that BM25 ranks first
  for it, as retrieval ranked SciFact's abstracts for training. The label is the strongest SUPPORT or
  CONTRADICT found at or above the model's decision threshold, else NOT_ENOUGH_INFO; `confidence` is the
  calibrated probability of that label.
- `verified` (`verdict.settle`): grounded (or, for a claim that is its own quote, corroborated), no check failed,
  and no other paper contradicts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sovereign_graph.state import Claim, Evidence, Label, Passage
from sovereign_graph.verify.features import SentenceIndex, Vocabulary
from sovereign_graph.verify.model import DocVerdict, VerifierModel
from sovereign_graph.verify.verdict import is_own_quote, settle

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
    # Where each claim's quote sits: (paper, sentence) when its passage is indexed, else its quote becomes a
    # one-sentence document of its own, appended after the papers.
    indexed = {p.id: (i, j) for i, pid in enumerate(paper_ids) for j, p in enumerate(papers[pid])}
    loose = [c for c in claims if c.passage_id not in indexed]
    documents = [[p.text for p in papers[pid]] for pid in paper_ids] + [[c.quote] for c in loose]
    loose_at = iter(range(len(paper_ids), len(documents)))
    located = [indexed[c.passage_id] if c.passage_id in indexed else (next(loose_at), 0) for c in claims]
    index = SentenceIndex(documents, vocabulary=vocabulary)
    reps = index.represent([c.text for c in claims])
    threshold = model.decision_threshold

    verified: list[Claim] = []
    for claim, rep, (paper, sentence) in zip(claims, reps, located, strict=True):
        # A claim that is its own quote has nothing to ground: the check could not fail, so it is not run.
        grounding = None if is_own_quote(claim) else model.judge(index, rep, [paper])[0]
        others = [i for i, pid in enumerate(paper_ids) if pid != claim.paper_id]
        candidates = sorted(others, key=lambda i: (-rep.bm25[i], i))[:CANDIDATE_PAPERS]
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
        grounding_label: Label | None = None
        if grounding is not None:
            grounding_label = _decided(grounding, threshold) if sentence in grounding.rationale else "NOT_ENOUGH_INFO"
        verified.append(
            claim.model_copy(
                update={
                    "grounding": None if grounding is None else round(grounding.support, 4),
                    "grounding_label": grounding_label,
                    "label": label,
                    "confidence": round(confidence, 4),
                    "evidence": evidence,
                }
            )
        )
    return settle(verified, passages)
