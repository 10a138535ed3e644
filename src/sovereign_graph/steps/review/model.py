"""The reviewers' model role: SKEPTIC, VALIDATOR and SYNTHESIZER read the dossier and answer with a score, a
rationale and objections. Objections that name no real claim or facet are dropped here; the review itself is then
held against the role's rubric by `guard.py`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.prompts import fence, render
from sovereign_graph.llm.role import RoleResult
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import Claim, Objection, Paper, Passage, Review, Role
from sovereign_graph.steps.plan.model import facet_lines
from sovereign_graph.steps.review.guard import BAND
from sovereign_graph.steps.review.rubrics import Dossier

# Only the kinds the reviser acts on (steps/revise/rules.py) are offered to a model: an objection nothing can act
# on would be a complaint the next round cannot answer. A claim's verification is the rubric's to judge, from the
# checks; a model says what it doubts in its rationale and score.
ObjectionKind = Literal[
    "off_topic",  # the claim does not bear on the question (dropped only if the rubric agrees)
    "single_source",  # -> a counter-evidence query beyond the one source
    "no_counter_search",  # -> a counter-evidence query
    "uncovered_facet",  # -> a query for the facet
    "partial_facet",  # -> a query for the facet
    "unsupported_facet",  # -> a corroboration query for the facet
]


class RaisedObjection(BaseModel):
    target: str = Field(description="a claim id (C1), a facet id (F2) or 'dossier'")
    kind: ObjectionKind
    message: str


class Verdict(BaseModel):
    score: float = Field(description="0 (worthless) to 10 (conclusive)")
    rationale: str
    objections: list[RaisedObjection]


def paper_label(paper: Paper) -> str:
    year = paper.published[:4] if paper.published else "year unknown"
    return f"“{' '.join(paper.title.split())}” ({year})"


def _context(claim: Claim, passages: dict[str, Passage]) -> str | None:
    """The sentence a quote stands in, when the quote is only part of it."""
    passage = passages.get(claim.passage_id)
    if passage is None or " ".join(passage.text.split()) == " ".join(claim.quote.split()):
        return None
    return " ".join(passage.text.split())


def dossier_text(dossier: Dossier) -> str:
    """What a model reviewer reads: each claim with its source's title and year, whose result it is, its quote and
    the sentence around it, its checks, and the other papers' text behind a corroboration or contradiction."""
    lines = [f"Research question: {dossier.question}", "", "Facets (id, kind, phrase):", facet_lines(dossier.facets)]
    lines += ["", f"Claims (round {dossier.round}):"]
    if not dossier.claims:
        lines.append("(no claim bears on the question)")
    passages = {p.id: p for p in dossier.passages}
    for c in dossier.claims:
        verdict = f"{'verified' if c.verified else 'unverified'} {c.label} confidence {c.confidence:.2f}"
        grounding = "n/a (the claim is its quote)" if c.grounding is None else f"{c.grounding:.2f}"
        source = "the subject paper's authors" if c.from_subject else "independent"
        if c.own_result is False:
            source += ", reporting another work's result"
        model = f"; the extractor model's relevance {c.model_relevance:g}/10" if c.model_relevance is not None else ""
        title = dossier.papers.get(c.paper_id, "")
        lines.append(
            f"{c.id} [{verdict}; grounding {grounding}; relevance {c.relevance:.2f}{model}; {source}] "
            f"{reference(c.paper_id)}{' ' + title if title else ''}{', ' + c.place if c.place else ''}, "
            f'facets {", ".join(c.facets) or "none"}: {c.text}\n    quote: "{c.quote}"'
        )
        if (context := _context(c, passages)) is not None:
            lines.append(f'    in the sentence: "{context}"')
        for e in [e for e in c.evidence if e.label in ("SUPPORT", "CONTRADICT")][:2]:
            by = dossier.papers.get(e.paper_id, "")
            lines.append(
                f"    {'supported' if e.label == 'SUPPORT' else 'contradicted'} ({e.score:.2f}) by "
                f'{reference(e.paper_id)}{" " + by if by else ""}: "{" ".join(e.text.split())}"'
            )
    lines += ["", "Queries run:"] + [
        f"- round {q.round}: {q.text} ({q.purpose or 'purpose not recorded'}; {q.origin})" for q in dossier.queries
    ]
    return "\n".join(lines)


def rubric_text(rubric: Review) -> str:
    """The role's mechanical score and its parts, and what the model's own score may be next to it."""
    return (
        f"The rubric's score for your role on this dossier: {rubric.score:g}/10 ({rubric.rationale}). Your score may "
        f"be at most {BAND:g} points above it (a higher one is clamped there) and any amount below it."
    )


def review_llm(
    role: Role, target: RoleModel, policy: RetryPolicy, dossier: Dossier, rubric: Review
) -> RoleResult[Review]:
    """The model's review (its fallback, when the guard rejects it, is decided by the node: see `guard.py`)."""
    name = role.lower()
    prompt = render(__package__, f"{name}.md", dossier=fence(dossier_text(dossier)), rubric=rubric_text(rubric))
    verdict, usage = ask(name, target, Verdict, prompt, policy)
    targets = {c.id for c in dossier.claims} | {f.id for f in dossier.facets} | {"dossier"}
    objections = [
        Objection(target=o.target.strip(), kind=o.kind, message=" ".join(o.message.split()))
        for o in verdict.objections
        if o.target.strip() in targets
    ]
    review = Review(
        role=role,
        round=dossier.round,
        score=round(min(10.0, max(0.0, verdict.score)), 1),
        rationale=" ".join(verdict.rationale.split()),
        objections=objections,
    )
    return RoleResult(review, usage)
