"""The trained verifier in the pipeline: grounding and corroboration of each extracted claim.

- *grounding*: the claim against its own paper's abstract, read as the model was trained to read one (a claim
  quoted from the body: against the paragraph it stands in, a window of a few sentences like an abstract); it is
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

import numpy as np

from sovereign_graph.ml.reader.runtime import load_reader
from sovereign_graph.state import Claim, Evidence, Label, Passage
from sovereign_graph.steps.verify.features import SentenceIndex
from sovereign_graph.steps.verify.independence import Restatements, Sources
from sovereign_graph.steps.verify.model import DocVerdict, VerifierModel
from sovereign_graph.steps.verify.verdict import is_own_quote, settle
from sovereign_graph.text.bm25 import Bm25Index
from sovereign_graph.text.vocabulary import Vocabulary

CANDIDATE_PAPERS = 5
EVIDENCE_PAPERS = 3


def decided(verdict: DocVerdict, threshold: float) -> Label:
    """The label the verifier decides for one document: SUPPORT or CONTRADICT at the decision threshold, else
    NOT_ENOUGH_INFO."""
    if max(verdict.support, verdict.contradict) < threshold:
        return "NOT_ENOUGH_INFO"
    return "SUPPORT" if verdict.support >= verdict.contradict else "CONTRADICT"


def document_key(passage: Passage) -> tuple[str, str]:
    """The document a passage is read in, as SciFact's abstracts were: its paper's abstract, or (full text) the
    paragraph it is a sentence of."""
    return (passage.paper_id, "" if passage.kind == "abstract" else passage.anchor)


# Beyond this many documents (a few papers read in full), only each claim's own document and the ones a cheap
# BM25 ranks first for it are read by the model: its sentence features cost too much over every paragraph.
MAX_DOCUMENTS = 200
SHORTLIST = 24


def reads_against(claim: Claim, index: SentenceIndex) -> bool:
    """The embedded reader reads the claim's own quote as contradicting it (P(CONTRADICT) > P(SUPPORT)). On the
    findings' reversals that pass the lexical checks (`steps/extract/faithful.py`) it catches 57 of 70, at a cost
    of 23 of 122 faithful paraphrases (`evals/hostile_live_bench.py`)."""
    read = load_reader().read([(claim.text, claim.quote)])
    index.neural_read_in_part += sum(cut.any for cut in read.cut)
    support, contradict = float(read.stance[0][0]), float(read.stance[0][1])
    return contradict > support


def _shortlist(groups: dict[tuple[str, str], list[Passage]], claims: Sequence[Claim]) -> list[tuple[str, str]]:
    keys = list(groups)
    if len(keys) <= MAX_DOCUMENTS:
        return keys
    bm25 = Bm25Index.fit([" ".join(p.text for p in groups[k]) for k in keys])
    scores = bm25.scores([c.text for c in claims])
    wanted: set[tuple[str, str]] = set()
    for row in scores:
        wanted.update(keys[int(i)] for i in np.argsort(-row, kind="stable")[:SHORTLIST])
    return [k for k in keys if k in wanted]


def verify_claims(
    claims: Sequence[Claim],
    passages: Sequence[Passage],
    model: VerifierModel,
    vocabulary: Vocabulary | None = None,
    sources: Sources | None = None,
) -> list[Claim]:
    """`vocabulary`: the TF-IDF/LSA fitted on the corpus searched (default: on these passages' papers); `sources`:
    which papers may vouch for which (default: every other paper, each its own source)."""
    return verify_claims_read(claims, passages, model, vocabulary, sources)[0]


def verify_claims_read(
    claims: Sequence[Claim],
    passages: Sequence[Passage],
    model: VerifierModel,
    vocabulary: Vocabulary | None = None,
    sources: Sources | None = None,
) -> tuple[list[Claim], int]:
    """`verify_claims`, and how many (claim, sentence) pairs the embedded reader read only in part (longer than its
    window) when the model is the neural one."""
    if not claims:
        return [], 0
    groups: dict[tuple[str, str], list[Passage]] = {}
    for passage in passages:
        groups.setdefault(document_key(passage), []).append(passage)
    by_id = {p.id: p for p in passages}
    own = {document_key(by_id[c.passage_id]) for c in claims if c.passage_id in by_id}
    keys = sorted(set(_shortlist(groups, claims)) | own, key=list(groups).index)
    papers = {k: groups[k] for k in keys}
    doc_keys = list(papers)
    # Where each claim's quote sits: (document, sentence) when its passage is indexed, else its quote becomes a
    # one-sentence document of its own, appended after the papers.
    indexed = {p.id: (i, j) for i, key in enumerate(doc_keys) for j, p in enumerate(papers[key])}
    loose = [c for c in claims if c.passage_id not in indexed]
    documents = [[p.text for p in papers[key]] for key in doc_keys] + [[c.quote] for c in loose]
    loose_at = iter(range(len(doc_keys), len(documents)))
    located = [indexed[c.passage_id] if c.passage_id in indexed else (next(loose_at), 0) for c in claims]
    index = SentenceIndex(documents, vocabulary=vocabulary)
    reps = index.represent([c.text for c in claims])
    threshold = model.decision_threshold

    restatements = Restatements.of(passages)
    verified: list[Claim] = []
    for claim, rep, (paper, sentence) in zip(claims, reps, located, strict=True):
        restating = restatements.of_quote(claim.quote)
        # A claim that is its own quote has nothing to ground: the check could not fail, so it is not run.
        grounding = None if is_own_quote(claim) else model.judge(index, rep, [paper])[0]
        # The other sources' documents BM25 ranks first, one per source: corroboration counts independent sources,
        # not paragraphs, not near-copies, not the claim's own authors, and never a restatement of its quote.
        others = sorted(
            (
                i
                for i, key in enumerate(doc_keys)
                if key[0] != claim.paper_id
                and (sources is None or sources.can_vouch_for(claim.paper_id, key[0]))
                and not any(p.id in restating for p in papers[key])
            ),
            key=lambda i: (-rep.bm25[i], i),
        )
        best_of_paper: dict[str, int] = {}
        for i in others:  # best first: each source's best document is kept
            source = sources.source_of(doc_keys[i][0]) if sources is not None else doc_keys[i][0]
            best_of_paper.setdefault(source, i)
        candidates = list(best_of_paper.values())[:CANDIDATE_PAPERS]
        verdicts = sorted(model.judge(index, rep, candidates), key=lambda v: -max(v.support, v.contradict))
        best = verdicts[0] if verdicts else None
        label: Label = decided(best, threshold) if best else "NOT_ENOUGH_INFO"
        confidence = best.probability(label) if best else 1.0
        evidence = [
            Evidence(
                passage_id=papers[doc_keys[v.doc]][s].id,
                paper_id=doc_keys[v.doc][0],
                text=papers[doc_keys[v.doc]][s].text,
                score=round(v.probability(decided(v, threshold)), 4),
                label=decided(v, threshold),
            )
            for v in verdicts[:EVIDENCE_PAPERS]
            # The likelier rationale sentences only: the model pads the rationale to three for SciFact's metric.
            for s in v.core_rationale
        ]
        grounding_label: Label | None = None
        if grounding is not None:
            grounding_label = decided(grounding, threshold) if sentence in grounding.rationale else "NOT_ENOUGH_INFO"
            if grounding_label == "SUPPORT" and model.neural and reads_against(claim, index):
                # The reader's entailment decides a restatement that keeps its quote's words but not its sense.
                grounding_label = "CONTRADICT"
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
    return settle(verified, passages), index.neural_read_in_part
