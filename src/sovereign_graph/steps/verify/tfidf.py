"""The seed verifier: TF-IDF cosine (word 1-2-grams) against the indexed passages, threshold 0.15.

Kept as the named baseline (`tfidf`). Grounding compares a claim with its own quote's passage;
corroboration looks for the most similar passages in *other* papers. It cannot see contradiction, so
its labels are SUPPORT or NOT_ENOUGH_INFO, and its confidence is the raw cosine, not a probability.
"""

from __future__ import annotations

import numpy as np

from sovereign_graph.state import Claim, Evidence, Passage
from sovereign_graph.steps.verify.independence import Restatements, Sources
from sovereign_graph.steps.verify.verdict import is_own_quote, settle
from sovereign_graph.text.tfidf import tfidf_vectorizer

MAX_EVIDENCE = 3


def verify_claims(
    claims: list[Claim], passages: list[Passage], threshold: float = 0.15, sources: Sources | None = None
) -> list[Claim]:
    if not claims:
        return []
    # Imported here: scikit-learn costs a cold process over a second, and the default verifier needs none of it.
    from sklearn.metrics.pairwise import cosine_similarity

    position = {p.id: i for i, p in enumerate(passages)}
    vectorizer = tfidf_vectorizer().fit([p.text for p in passages] + [c.text for c in claims])
    passage_matrix = vectorizer.transform([p.text for p in passages])
    claim_matrix = vectorizer.transform([c.text for c in claims])
    similarities = cosine_similarity(claim_matrix, passage_matrix)

    restatements = Restatements.of(passages)
    verified: list[Claim] = []
    for row, claim in zip(similarities, claims, strict=True):
        restating = restatements.of_quote(claim.quote)
        own = position.get(claim.passage_id)
        grounding = None if is_own_quote(claim) else float(row[own]) if own is not None else 0.0
        # Independent evidence only: not the claim's paper, its near-copies or its authors, nor a restated quote.
        others = [
            i
            for i, p in enumerate(passages)
            if p.paper_id != claim.paper_id
            and (sources is None or sources.can_vouch_for(claim.paper_id, p.paper_id))
            and p.id not in restating
        ]
        ranked = sorted(others, key=lambda i: (-row[i], passages[i].id))[:MAX_EVIDENCE]
        evidence = [
            Evidence(
                passage_id=passages[i].id,
                paper_id=passages[i].paper_id,
                text=passages[i].text,
                score=round(float(row[i]), 4),
                label="SUPPORT" if row[i] >= threshold else "NOT_ENOUGH_INFO",
            )
            for i in ranked
            if row[i] > 0
        ]
        best = float(np.max(row[others])) if others else 0.0
        label = "SUPPORT" if best >= threshold else "NOT_ENOUGH_INFO"
        verified.append(
            claim.model_copy(
                update={
                    "grounding": None if grounding is None else round(grounding, 4),
                    "grounding_label": None
                    if grounding is None
                    else "SUPPORT"
                    if grounding >= threshold
                    else "NOT_ENOUGH_INFO",
                    "label": label,
                    "confidence": round(min(1.0, best), 4),
                    "evidence": evidence,
                }
            )
        )
    return settle(verified, passages)
