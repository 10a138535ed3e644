"""The Answer: per facet, one or two sentences of what the evidence says, each citing its claims, or that
the retrieved literature does not address it.

Offline it is built deterministically from the on-topic claims. A live SYNTHESIZER writes it as part of its
review; either way `check_answer` keeps a sentence only if every claim id it cites exists and bears on the
question and every number it states appears in a cited claim's quote. A failing sentence is dropped and
counted, never shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import AnswerSentence, Claim, DroppedSentence, Facet, FacetAnswer
from sovereign_graph.steps.extract.relevance.model import RelevanceBar
from sovereign_graph.text.numbers import numbers_missing_from

SILENT = "The retrieved literature does not address this."
# Names of sources, not figures the evidence must state: arXiv ids, the library's local ids, and where a quote
# stands in its paper ("§4.2", "p. 6").
_SOURCE_NAMES = re.compile(
    r"(?:arXiv:\s*)?\b\d{4}\.\d{4,5}(?:v\d+)?\b|\blocal-[0-9a-f]{12}\b|§\s*[\w.]+|\bpp?\.\s*\d+(?:[-–]\d+)?",
    re.IGNORECASE,
)


def _source(claim: Claim) -> str:
    where = claim.place or reference(claim.paper_id)
    return f"the subject paper's authors ({where})" if claim.from_subject else where


def _standing(claim: Claim) -> str:
    if claim.contradicted:
        against = next((e.paper_id for e in claim.evidence if e.label == "CONTRADICT"), "another paper")
        return f"contradicted by {reference(against)}"
    if claim.corroborated:
        by = next((e.paper_id for e in claim.evidence if e.label == "SUPPORT"), "another paper")
        return f"corroborated by {reference(by)}"
    if claim.grounded:
        return "entailed by its quote, not corroborated by another paper"
    return "not verified: no other retrieved paper corroborates it"


def _ranked(facet: Facet, claims: Sequence[Claim]) -> list[Claim]:
    addressing = [c for c in claims if facet.id in c.coverage]
    return sorted(
        addressing,
        key=lambda c: (c.coverage[facet.id] < FULL_COVERAGE, not c.verified, not c.from_subject, -c.relevance),
    )


def build_answer(facets: Sequence[Facet], claims: Sequence[Claim], bar: RelevanceBar) -> list[FacetAnswer]:
    """The offline Answer, from the claims that bear on the question."""
    relevant = [c for c in claims if bar.clears(c)]
    answers: list[FacetAnswer] = []
    quoted_under: dict[str, str] = {}  # claim id -> the facet whose answer quotes it
    for facet in facets:
        ranked = _ranked(facet, relevant)
        if not ranked:
            answers.append(_silent(facet))
            continue
        best = ranked[0]
        full = best.coverage[facet.id] >= FULL_COVERAGE
        extent = "" if full else " only in part"
        if best.id in quoted_under:
            # One finding answering several facets is quoted once; the others point to it.
            text = f"{best.id}, quoted under {quoted_under[best.id]}, addresses it{extent}."
        else:
            quoted_under[best.id] = facet.id
            source = _source(best)
            lead = (source[0].upper() + source[1:] if source.startswith("the") else source) + " report"
            lead += " (on this only in part)" if extent else ""
            text = f"{lead}: “{best.text.strip()}” [{best.id}; {_standing(best)}]"
        sentences = [AnswerSentence(text=text, claims=[best.id])]
        others = ranked[1:3]
        if others:
            listed = "; ".join(
                f"{c.id} ({c.place or reference(c.paper_id)}, {'verified' if c.verified else 'not verified'})"
                for c in others
            )
            sentences.append(
                AnswerSentence(text=f"Further claims bear on it: {listed}.", claims=[c.id for c in others])
            )
        answers.append(_facet_answer(facet, full, sentences))
    return answers


def _facet_answer(facet: Facet, full: bool, sentences: list[AnswerSentence]) -> FacetAnswer:
    status: Literal["answered", "in_part"] = "answered" if full else "in_part"
    return FacetAnswer(facet_id=facet.id, facet=facet.text, kind=facet.kind, status=status, sentences=sentences)


def _silent(facet: Facet) -> FacetAnswer:
    return FacetAnswer(
        facet_id=facet.id,
        facet=facet.text,
        kind=facet.kind,
        status="silent",
        sentences=[AnswerSentence(text=SILENT, claims=[])],
    )


def sentence_problem(sentence: AnswerSentence, claims: dict[str, Claim]) -> str | None:
    """Why a sentence may not stand in the Answer, or None: unknown or off-topic claim ids, numbers absent
    from every cited quote, or no citation for a sentence that says something."""
    unknown = [cid for cid in sentence.claims if cid not in claims]
    if unknown:
        return f"cites unknown or off-topic claim(s) {', '.join(unknown)}"
    if not sentence.claims and sentence.text.strip() != SILENT:
        return "cites no claim"
    quotes = " ".join(claims[cid].quote for cid in sentence.claims)
    missing = numbers_missing_from(_SOURCE_NAMES.sub(" ", sentence.text), quotes)
    if missing:
        return f"states {', '.join(missing)}, absent from the quotes it cites"
    return None


def check_answer(
    drafts: Sequence[FacetAnswer], facets: Sequence[Facet], claims: Sequence[Claim], bar: RelevanceBar
) -> tuple[list[FacetAnswer], list[DroppedSentence]]:
    """The sentences that pass `sentence_problem`, per facet (every facet once, in the question's order; a
    facet left without a sentence says the literature is silent), and the dropped ones with their reason."""
    usable = {c.id: c for c in claims if bar.clears(c)}
    by_facet = {d.facet_id: d for d in drafts}
    answers: list[FacetAnswer] = []
    dropped: list[DroppedSentence] = []
    for facet in facets:
        draft = by_facet.get(facet.id)
        kept: list[AnswerSentence] = []
        for sentence in draft.sentences if draft else []:
            problem = sentence_problem(sentence, usable)
            if problem is None:
                kept.append(sentence)
            else:
                dropped.append(DroppedSentence(facet_id=facet.id, text=sentence.text, reason=problem))
        cited = [c for s in kept for c in s.claims]
        if not cited:
            answers.append(_silent(facet))
            continue
        full = any(usable[c].coverage.get(facet.id, 0.0) >= FULL_COVERAGE for c in cited)
        answers.append(_facet_answer(facet, full, kept[:2]))
    return answers, dropped
