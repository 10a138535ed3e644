"""The offline Answer, built deterministically from the claims that bear on the question: a bottom line (the
strongest finding and whose it is, how much of the question the evidence covers, conflicts between sources), then
per facet one or two sentences, each citing its claims, or that the retrieved literature does not address it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import AnswerSentence, Claim, Facet, FacetAnswer
from sovereign_graph.steps.extract.relevance.model import RelevanceBar

SILENT = "The retrieved literature does not address this."
NO_ANSWER = "The retrieved literature does not answer this question: no claim bears on it."


@dataclass(frozen=True)
class Draft:
    """An Answer before its checks: the bottom line's sentences, then each facet's."""

    bottom_line: list[AnswerSentence]
    facets: list[FacetAnswer]


def offline_answer(facets: Sequence[Facet], claims: Sequence[Claim], bar: RelevanceBar) -> Draft:
    lead = bottom_line(facets, claims, bar)
    return Draft(lead, build_answer(facets, claims, bar, lead))


def source_of(claim: Claim) -> str:
    where = claim.place or reference(claim.paper_id)
    return f"the subject paper's authors ({where})" if claim.from_subject else where


def reports(claim: Claim) -> str:
    """ "<whose result> report(s)", its verb agreeing with its subject."""
    return f"{source_of(claim)} {'report' if claim.from_subject else 'reports'}"


def standing_of(claim: Claim) -> str:
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


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text.startswith("the") else text


def listed(names: Sequence[str]) -> str:
    """Names joined as prose: a; a and b; a, b and c."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _ids(claims: Sequence[Claim]) -> str:
    return listed([c.id for c in claims])


def bottom_line(facets: Sequence[Facet], claims: Sequence[Claim], bar: RelevanceBar) -> list[AnswerSentence]:
    """The Answer's first lines: the strongest finding, quoted, with whose result it is and how it stands; what the
    evidence covers of the question; and where sources disagree or only the authors speak."""
    relevant = [c for c in claims if bar.clears(c)]
    if not relevant:
        return [AnswerSentence(text=NO_ANSWER, claims=[])]
    lead = min(relevant, key=lambda c: (c.contradicted, not c.verified, not c.from_subject, -c.relevance))
    lines = [
        AnswerSentence(
            text=f"{_capital(reports(lead))} “{lead.text.strip()}” [{lead.id}; {standing_of(lead)}]",
            claims=[lead.id],
        )
    ]
    answered = [f for f in facets if any(c.coverage.get(f.id, 0.0) >= FULL_COVERAGE for c in relevant)]
    in_part = [f for f in facets if f not in answered and any(f.id in c.coverage for c in relevant)]
    unaddressed = [f for f in facets if f not in answered and f not in in_part]
    covered = [c for c in relevant if any(f.id in c.coverage for f in facets)]
    if covered and (in_part or unaddressed):
        parts = [f"answers {listed([f.id for f in answered])}" if answered else ""]
        parts.append(f"addresses {listed([f.id for f in in_part])} only in part" if in_part else "")
        parts.append(f"leaves {listed([f.id for f in unaddressed])} unaddressed" if unaddressed else "")
        lines.append(
            AnswerSentence(
                text=f"The evidence ({_ids(covered)}) {listed([p for p in parts if p])}.",
                claims=[c.id for c in covered],
            )
        )
    contradicted = [c for c in relevant if c.contradicted]
    independent = [c for c in relevant if not c.from_subject and c.own_result is not False]
    if contradicted:
        against = sorted({reference(e.paper_id) for c in contradicted for e in c.evidence if e.label == "CONTRADICT"})
        lines.append(
            AnswerSentence(
                text=f"The sources conflict: {_ids(contradicted)} {'is' if len(contradicted) == 1 else 'are'} "
                f"contradicted by {', '.join(against) or 'another retrieved paper'}.",
                claims=[c.id for c in contradicted],
            )
        )
    elif not independent:
        lines.append(
            AnswerSentence(
                text=f"Only the subject paper's authors report this ({_ids(relevant)}); no independent retrieved "
                "paper does.",
                claims=[c.id for c in relevant],
            )
        )
    else:
        text = (
            f"Independent retrieved papers bear on it too ({_ids(independent)}), each with its own result, and no "
            "retrieved paper contradicts them."
            if len(independent) > 1
            else f"An independent retrieved paper bears on it too ({_ids(independent)}), with its own result, and no "
            "retrieved paper contradicts it."
        )
        lines.append(AnswerSentence(text=text, claims=[c.id for c in independent]))
    return lines


def build_answer(
    facets: Sequence[Facet], claims: Sequence[Claim], bar: RelevanceBar, lead: Sequence[AnswerSentence] = ()
) -> list[FacetAnswer]:
    """The offline Answer's facets, from the claims that bear on the question; a claim the bottom line (`lead`)
    already quotes is pointed to, not quoted again."""
    relevant = [c for c in claims if bar.clears(c)]
    answers: list[FacetAnswer] = []
    # claim id -> where the Answer quotes it
    quoted_under: dict[str, str] = {s.claims[0]: "in the bottom line" for s in lead[:1] if s.claims}
    for facet in facets:
        ranked = _ranked(facet, relevant)
        if not ranked:
            answers.append(silent(facet))
            continue
        best = ranked[0]
        full = best.coverage[facet.id] >= FULL_COVERAGE
        extent = "" if full else " only in part"
        if best.id in quoted_under:
            # One finding answering several facets is quoted once; the others point to it.
            text = f"{best.id}, quoted {quoted_under[best.id]}, addresses it{extent}."
        else:
            quoted_under[best.id] = f"under {facet.id}"
            opening = _capital(reports(best)) + (" (on this only in part)" if extent else "")
            text = f"{opening}: “{best.text.strip()}” [{best.id}; {standing_of(best)}]"
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
        answers.append(facet_answer(facet, full, sentences))
    return answers


def facet_answer(facet: Facet, full: bool, sentences: list[AnswerSentence]) -> FacetAnswer:
    status: Literal["answered", "in_part"] = "answered" if full else "in_part"
    return FacetAnswer(facet_id=facet.id, facet=facet.text, kind=facet.kind, status=status, sentences=sentences)


def silent(facet: Facet) -> FacetAnswer:
    return FacetAnswer(
        facet_id=facet.id,
        facet=facet.text,
        kind=facet.kind,
        status="silent",
        sentences=[AnswerSentence(text=SILENT, claims=[])],
    )
