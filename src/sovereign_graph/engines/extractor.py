"""Offline extractor: result-bearing sentences that address the question's facets become claims.

A claim's quote is the passage itself (a verbatim sentence of the abstract), so it is grounded by
construction; the ranking decides which findings bear on the question.
"""

from __future__ import annotations

import re

from sovereign_graph.engines.text import numbers, stems
from sovereign_graph.state import Claim, Facet, Passage

# Findings: comparisons, measured effects, reported observations.
_FINDING = re.compile(
    r"\b(outperform\w*|improv\w*|achiev\w*|reduc\w*|increas\w*|decreas\w*|gain\w*|surpass\w*|degrad\w*"
    r"|boost\w*|speed-?up\w*|faster|slower|better|worse|higher|lower|fewer|more\s+\w+\s+than|less\s+\w+\s+than"
    r"|we\s+(?:find|found|show|observe|demonstrate|reveal)\w*|results?\s+(?:show|indicate|suggest|demonstrate)\w*"
    r"|experiments?\s+\w*\s*(?:show|demonstrate|reveal)\w*|state-of-the-art|consistently|significantly)\b",
    re.IGNORECASE,
)
# Background and motivation: what a field believes, not what a paper found.
_BACKGROUND = re.compile(
    r"\b(has\s+become|have\s+become|remains?\s+(?:under-explored|unclear|challenging|open)|have\s+been\s+proposed"
    r"|recent(?:ly)?\s+(?:advances|years|work)|however,\s+existing|existing\s+(?:methods|approaches)"
    r"|in\s+this\s+(?:paper|work),\s+we\s+(?:propose|introduce|present)|we\s+(?:propose|introduce|present))\b",
    re.IGNORECASE,
)


def facet_coverage(facet: Facet, sentence_stems: set[str]) -> float:
    return len(sentence_stems.intersection(facet.terms)) / len(facet.terms) if facet.terms else 0.0


def finding_strength(text: str) -> float:
    """0..1: how much the sentence reads as a reported result rather than background."""
    score = min(len(_FINDING.findall(text)), 3) / 3
    if numbers(text):
        score += 0.4
    if _BACKGROUND.search(text):
        score -= 0.6
    return max(0.0, min(1.0, score))


def _near_duplicate(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) > 0.6


def extract_claims(
    passages: list[Passage],
    facets: list[Facet],
    *,
    max_claims: int,
    max_per_paper: int,
    excluded: set[str] | None = None,
    min_relevance: float = 0.3,
) -> list[Claim]:
    """Rank passages by relevance x facet coverage x finding strength; keep the best, diverse, distinct ones."""
    excluded = excluded or set()
    scored: list[tuple[float, Passage, list[str], set[str]]] = []
    for passage in passages:
        if passage.id in excluded:
            continue
        strength = finding_strength(passage.text)
        if strength <= 0:
            continue
        sentence_stems = stems(passage.text)
        coverage = {f.id: facet_coverage(f, sentence_stems) for f in facets}
        addressed = [fid for fid, c in coverage.items() if c >= 0.5]
        if not addressed and passage.relevance < min_relevance:
            continue
        mean_coverage = sum(coverage.values()) / len(coverage) if coverage else 0.0
        score = 0.45 * passage.relevance + 0.35 * mean_coverage + 0.2 * strength
        scored.append((score, passage, addressed, sentence_stems))
    scored.sort(key=lambda item: (-item[0], item[1].id))

    claims: list[Claim] = []
    kept_stems: list[set[str]] = []
    per_paper: dict[str, int] = {}
    for score, passage, addressed, sentence_stems in scored:
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
                facets=addressed,
                relevance=round(score, 4),
            )
        )
    return claims


def uncovered_facets(facets: list[Facet], claims: list[Claim]) -> list[Facet]:
    covered = {fid for claim in claims for fid in claim.facets}
    return [f for f in facets if f.id not in covered]
