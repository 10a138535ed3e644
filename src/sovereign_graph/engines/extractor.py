"""Offline extractor: result-bearing sentences that address the question's facets become claims.

A claim's quote is the passage itself (a verbatim sentence of the abstract), so it is grounded by
construction; the ranking decides which findings bear on the question.
"""

from __future__ import annotations

import re

from sovereign_graph.engines.facets import FULL_COVERAGE, facet_coverage, required_facets
from sovereign_graph.engines.text import numbers, stems
from sovereign_graph.state import Claim, Facet, Gap, Passage

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
) -> list[Claim]:
    """Findings that address at least one of the question's outcome facets, ranked by relevance, facet
    coverage and finding strength; at most `max_per_paper` from one paper, no near-duplicates."""
    excluded = excluded or set()
    required = {f.id for f in required_facets(facets)}
    scored: list[tuple[float, Passage, dict[str, float], set[str]]] = []
    for passage in passages:
        if passage.id in excluded:
            continue
        strength = finding_strength(passage.text)
        if strength <= 0:
            continue
        sentence_stems = stems(passage.text)
        coverage = {f.id: facet_coverage(f, sentence_stems, passage.text) for f in facets}
        addressed = {fid: share for fid, share in coverage.items() if share > 0}
        if not required.intersection(addressed):
            continue  # off-topic: it does not speak to what the question measures
        mean_coverage = sum(coverage.values()) / len(coverage) if coverage else 0.0
        score = 0.4 * passage.relevance + 0.35 * mean_coverage + 0.25 * strength
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
                facets=sorted(addressed, key=lambda fid: int(fid[1:])),
                coverage={fid: round(share, 3) for fid, share in addressed.items()},
                relevance=round(score, 4),
            )
        )
    return claims


def evidence_gaps(facets: list[Facet], claims: list[Claim], passages: list[Passage]) -> list[Gap]:
    """Facets no claim fully addresses, each with the closest evidence: claims that touch it in part,
    or else the most relevant indexed passage that names it."""
    gaps: list[Gap] = []
    for facet in facets:
        touching = [c for c in claims if facet.id in c.coverage]
        if any(c.coverage[facet.id] >= FULL_COVERAGE for c in touching):
            continue
        gap = Gap(facet_id=facet.id, facet=facet.text, kind=facet.kind, partial_claims=[c.id for c in touching])
        if not touching:
            naming = [p for p in passages if facet_coverage(facet, stems(p.text), p.text) > 0]
            if naming:
                best = max(naming, key=lambda p: (p.relevance, p.id))
                gap = gap.model_copy(
                    update={"closest_passage": best.id, "closest_paper": best.paper_id, "closest_text": best.text}
                )
        gaps.append(gap)
    return gaps
