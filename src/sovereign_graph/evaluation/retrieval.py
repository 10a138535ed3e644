"""Retrieval on SciFact: claims as queries over the abstracts; gold = each claim's evidence abstracts.

Claims without evidence (NOT_ENOUGH_INFO, or an unlabelled file) have no gold abstract and are not
scored; the result says how many were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sovereign_graph.errors import InputError
from sovereign_graph.evaluation.scifact import SciFactClaim, SciFactDoc
from sovereign_graph.text.hybrid import DENSE_WEIGHTS, HybridRanker
from sovereign_graph.text.lsa import LsaEmbeddings

CUTOFFS = (1, 3, 10)


@dataclass(frozen=True)
class RetrievalScores:
    recall: dict[int, float]
    mrr: float
    claims: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
            "mrr": round(self.mrr, 4),
            "claims": self.claims,
        }


def scored_claims(claims: list[SciFactClaim]) -> list[SciFactClaim]:
    scored = [c for c in claims if c.evidence]
    if not scored:
        raise InputError("no claim in the file has evidence abstracts, so retrieval cannot be scored.")
    return scored


def score_rankings(scores: np.ndarray, claims: list[SciFactClaim], doc_ids: list[int]) -> RetrievalScores:
    """Recall@k (share of a claim's gold abstracts in its top k, averaged) and MRR of the first gold hit."""
    ids = np.asarray(doc_ids)
    recall = dict.fromkeys(CUTOFFS, 0.0)
    reciprocal = 0.0
    for row, claim in zip(scores, claims, strict=True):
        gold = set(claim.evidence)
        ranked = ids[np.argsort(-row, kind="stable")[:100]]
        for k in CUTOFFS:
            recall[k] += len(gold.intersection(ranked[:k].tolist())) / len(gold)
        hits = [rank for rank, doc in enumerate(ranked.tolist(), start=1) if doc in gold]
        reciprocal += 1 / hits[0] if hits else 0.0
    n = len(claims)
    return RetrievalScores(recall={k: v / n for k, v in recall.items()}, mrr=reciprocal / n, claims=n)


def tfidf_scores(claims: list[SciFactClaim], docs: list[SciFactDoc]) -> np.ndarray:
    """The plain baseline: scikit-learn's TF-IDF (word unigrams, English stop words), cosine similarity."""
    # Imported here: the CLI imports this module, and scikit-learn costs every command over a second.
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english")
    matrix = vectorizer.fit_transform([d.text for d in docs])
    return np.asarray((vectorizer.transform([c.claim for c in claims]) @ matrix.T).toarray())


def hybrid_ranker(docs: list[SciFactDoc], embedder: str = "lsa") -> HybridRanker:
    texts = [d.text for d in docs]
    if embedder == "minilm":
        from sovereign_graph.text.minilm import MiniLmEmbeddings

        return HybridRanker.fit(texts, MiniLmEmbeddings(), DENSE_WEIGHTS["minilm"])
    return HybridRanker.fit(texts, LsaEmbeddings.fit(texts), DENSE_WEIGHTS["lsa"])


def evaluate(
    claims: list[SciFactClaim], docs: list[SciFactDoc], embedder: str = "lsa"
) -> tuple[RetrievalScores, RetrievalScores]:
    """(hybrid, plain TF-IDF) on the claims that have evidence."""
    claims = scored_claims(claims)
    doc_ids = [d.doc_id for d in docs]
    ranker = hybrid_ranker(docs, embedder)
    hybrid = score_rankings(ranker.fuse(*ranker.signals([c.claim for c in claims])), claims, doc_ids)
    return hybrid, score_rankings(tfidf_scores(claims, docs), claims, doc_ids)
