"""Offline extractor: candidate sentences the relevance model rates as answering the question become claims.

A claim's quote is the passage itself (a verbatim sentence of the abstract): its text *is* its quote, so
checking that the quote entails it could not fail, and verification has to come from other papers.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.state import Claim, Facet, Gap, Passage
from sovereign_graph.steps.extract.findings import reports_finding
from sovereign_graph.steps.extract.relevance.features import (
    QuestionView,
    feature_rows,
    neural_cut,
    neural_rows,
    paper_texts,
    select_candidates,
)
from sovereign_graph.steps.extract.relevance.model import RelevanceModel, load_relevance_model
from sovereign_graph.steps.plan.facets.coverage import (
    addresses_outcome,
    addresses_subject,
    claim_coverage,
    facet_coverage,
)
from sovereign_graph.text.orders import gives_orders
from sovereign_graph.text.prose import stems


def _near_duplicate(a: AbstractSet[str], b: AbstractSet[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) > 0.6


@dataclass(frozen=True)
class ScoredCandidate:
    passage: Passage
    probability: float = field(metadata={"description": "calibrated P(it answers the question)"})
    read_in_part: bool = field(
        default=False, metadata={"description": "longer than the reader's window: only its beginning was read"}
    )


def score_candidates(
    passages: Sequence[Passage],
    facets: list[Facet],
    *,
    question: str,
    subject_id: str | None,
    titles: dict[str, str] | None = None,
    model: RelevanceModel | None = None,
    excluded: set[str] | None = None,
) -> list[ScoredCandidate]:
    """The candidates the relevance model reads, each with its probability of answering the question."""
    model = model or load_relevance_model()
    excluded = excluded or set()
    pool = [p for p in passages if p.id not in excluded]
    view = QuestionView.of(question or " ".join(f.text for f in facets), facets, subject_id)
    candidates = select_candidates(pool, view)
    rows = feature_rows(candidates, view, paper_texts(pool), titles or {})
    cut = [False] * len(candidates)
    if model.neural:
        # The reader costs ~30 ms a sentence on two cores: it reads only the candidates the lexical model ranks
        # first (on the labelled questions, the first 20 hold 95-98% of the sentences judged to answer).
        kept = neural_cut(load_relevance_model("lexical").probabilities(rows))
        candidates, rows = [candidates[i] for i in kept], [rows[i] for i in kept]
        neural, cut = neural_rows(candidates, view, titles or {})
        rows = [lexical + extra for lexical, extra in zip(rows, neural, strict=True)]
    probabilities = model.probabilities(rows)
    return [ScoredCandidate(p, prob, part) for p, prob, part in zip(candidates, probabilities, cut, strict=True)]


def _may_be_claimed(passage: Passage, tables: bool) -> bool:
    """An abstract sentence; a body sentence that reads as a result (a body is mostly method and context); a
    table's rows only for a live extractor (`tables`), which can state what a row says: quoted whole, a table
    chunk is no claim a reader can check at a glance. A sentence that gives orders to the system (a planted
    instruction) is never a finding."""
    if gives_orders(passage.text):
        return False
    if passage.kind == "abstract":
        return True
    if passage.kind == "table":
        return tables
    return reports_finding(passage.text)


def body_sentence_on_question(facets: list[Facet], coverage: dict[str, float]) -> bool:
    """A body sentence must itself name what the question asks about: an abstract is about its paper's subject
    as a whole, but a body's results sections report on many things (another ablation, another baseline), so
    the paper being on the subject is not enough. It names the question's intervention or comparison (when
    the question has one) and more than half of its facets."""
    subjects = [f.id for f in facets if f.kind in ("intervention", "comparison")]
    if subjects and not any(coverage.get(fid, 0.0) > 0 for fid in subjects):
        return False
    return sum(coverage.get(f.id, 0.0) > 0 for f in facets) > len(facets) / 2


def claimable(
    scored: Sequence[ScoredCandidate],
    facets: list[Facet],
    passages: Sequence[Passage],
    subject_id: str | None,
    titles: dict[str, str] | None,
    model: RelevanceModel,
    tables: bool = False,
) -> list[tuple[ScoredCandidate, dict[str, float]]]:
    """The candidates a claim may be made of, with their facet coverage, the subject paper's first, then by
    probability: they clear the relevance bar (the subject paper's best one, a lower bar), name the question's
    outcome (or a word of its family: a finding on another outcome never answers it), and come from a paper
    about the question's subject (it names the intervention or the comparison). The offline extractor and a
    live one read the same list."""
    papers = paper_texts(passages)
    eligible: list[tuple[ScoredCandidate, dict[str, float]]] = []
    for candidate in scored:
        passage = candidate.passage
        if not _may_be_claimed(passage, tables):
            continue
        coverage = claim_coverage(facets, passage.text)
        if passage.kind != "abstract" and not body_sentence_on_question(facets, coverage):
            continue
        paper = f"{(titles or {}).get(passage.paper_id, '')} {papers.get(passage.paper_id, passage.text)}"
        # The subject paper is about the question's subject by definition; any other paper must name it.
        about_subject = passage.paper_id == subject_id or addresses_subject(facets, paper)
        if addresses_outcome(facets, coverage) and about_subject:
            eligible.append((candidate, coverage))
    subject_best = max(
        (c for c, _ in eligible if c.passage.paper_id == subject_id), key=lambda c: c.probability, default=None
    )
    kept = [
        (candidate, coverage)
        for candidate, coverage in eligible
        if candidate.probability >= (model.subject_threshold if candidate is subject_best else model.threshold)
    ]
    return sorted(
        kept, key=lambda item: (item[0].passage.paper_id != subject_id, -item[0].probability, item[0].passage.id)
    )


def extract_claims(
    passages: list[Passage],
    facets: list[Facet],
    *,
    max_claims: int,
    max_per_paper: int,
    excluded: set[str] | None = None,
    question: str = "",
    subject_id: str | None = None,
    titles: dict[str, str] | None = None,
    model: RelevanceModel | None = None,
    scored: list[ScoredCandidate] | None = None,
) -> list[Claim]:
    """The `claimable` candidates as claims (the subject paper's first: its authors' claims), at most
    `max_per_paper` from one paper, no near-duplicates. Nothing clears the bar: no claims."""
    model = model or load_relevance_model()
    if scored is None:
        scored = score_candidates(
            passages, facets, question=question, subject_id=subject_id, titles=titles, model=model, excluded=excluded
        )
    kept = [
        (c, coverage, stems(c.passage.text))
        for c, coverage in claimable(scored, facets, passages, subject_id, titles, model)
    ]

    claims: list[Claim] = []
    kept_stems: list[AbstractSet[str]] = []
    per_paper: dict[str, int] = {}
    for candidate, addressed, sentence_stems in kept:
        passage = candidate.passage
        if len(claims) == max_claims:
            break
        if per_paper.get(passage.paper_id, 0) >= max_per_paper:
            continue
        if any(_near_duplicate(sentence_stems, seen) for seen in kept_stems):
            continue
        per_paper[passage.paper_id] = per_paper.get(passage.paper_id, 0) + 1
        kept_stems.append(sentence_stems)
        quote = passage.text.strip()
        claims.append(
            Claim(
                id=f"C{len(claims) + 1}",
                text=quote,
                quote=quote,
                paper_id=passage.paper_id,
                passage_id=passage.id,
                place=passage.place,
                from_subject=passage.paper_id == subject_id,
                facets=sorted(addressed, key=lambda fid: int(fid[1:])),
                coverage=addressed,
                relevance=round(candidate.probability, 4),
            )
        )
    return claims


def evidence_gaps(
    facets: list[Facet], claims: list[Claim], passages: list[Passage], scored: list[ScoredCandidate] | None = None
) -> list[Gap]:
    """Facets no claim fully addresses, each with the closest evidence: claims that touch it in part,
    or else the indexed passage naming it that the relevance model rates highest (the most similar to the
    question, when no model scores were given)."""
    probability = {c.passage.id: c.probability for c in scored or []}
    gaps: list[Gap] = []
    for facet in facets:
        touching = [c for c in claims if facet.id in c.coverage]
        if any(c.coverage[facet.id] >= FULL_COVERAGE for c in touching):
            continue
        gap = Gap(facet_id=facet.id, facet=facet.text, kind=facet.kind, partial_claims=[c.id for c in touching])
        if not touching:
            naming = [p for p in passages if facet_coverage(facet, stems(p.text), p.text) > 0]
            if naming:
                best = max(naming, key=lambda p: (probability.get(p.id, -1.0), p.relevance, p.id))
                gap = gap.model_copy(
                    update={
                        "closest_passage": best.id,
                        "closest_paper": best.paper_id,
                        "closest_place": best.place or None,
                        "closest_text": best.text,
                        "closest_relevance": round(probability[best.id], 4) if best.id in probability else None,
                    }
                )
        gaps.append(gap)
    return gaps
