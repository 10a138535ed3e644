"""How much of a facet a sentence or a claim addresses, and which facets a claim must address to be on topic."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet

from sovereign_graph.state import Facet
from sovereign_graph.steps.plan.measures import families_of
from sovereign_graph.text.prose import stems


def facet_coverage(facet: Facet, sentence_stems: AbstractSet[str], sentence: str) -> float:
    """0 when the passage lacks every head of the facet; else the share of the facet's terms it contains
    (at least a little, since the head is there). At FULL_COVERAGE or more the facet is fully addressed."""
    lowered = sentence.lower()
    # A head also matches as the start of a word ("moe" in "MoE-VLMs"), never inside one ("rout" in "throughout").
    if facet.heads and not any(
        h in sentence_stems or (len(h) >= 4 and re.search(rf"(?<![a-z0-9]){re.escape(h)}", lowered))
        for h in facet.heads
    ):
        return 0.0
    share = len(sentence_stems & set(facet.terms)) / len(facet.terms) if facet.terms else 0.0
    if facet.kind == "benchmark":
        return 1.0
    return max(share, 0.01)


def claim_coverage(facets: list[Facet], text: str) -> dict[str, float]:
    """How much of each facet a claim's text addresses (facets it misses are left out). An outcome named only
    by a word of its family ("performance" for "accuracy") is addressed in part."""
    found = stems(text)
    named = families_of(text)
    coverage: dict[str, float] = {}
    for facet in facets:
        share = facet_coverage(facet, found, text)
        if not share and facet.kind in ("outcome", "topic") and named & families_of(facet.text):
            share = 0.5
        if share:
            coverage[facet.id] = round(share, 3)
    return coverage


def addresses_outcome(facets: list[Facet], coverage: dict[str, float]) -> bool:
    """A claim must speak to what the question measures: one of its outcome facets, by name or by a word of
    the same family. A finding on another outcome (a latency number for an accuracy question) never does."""
    return any(f.id in coverage for f in required_facets(facets))


def addresses_subject(facets: list[Facet], paper_text: str) -> bool:
    """A claim must also come from a paper about the question's subject: its title and abstract name the
    intervention or the comparison (when the question has one). Sharing the outcome is not enough: adversarial
    robustness of CLIP does not answer a question about the number of experts in an MoE."""
    subjects = [f for f in facets if f.kind in ("intervention", "comparison")]
    found = stems(paper_text)
    return not subjects or any(facet_coverage(f, found, paper_text) > 0 for f in subjects)


def required_facets(facets: list[Facet]) -> list[Facet]:
    """What a claim must address to be on topic: the outcomes (every facet, if the question names none)."""
    outcomes = [f for f in facets if f.kind == "outcome"]
    return outcomes or facets
