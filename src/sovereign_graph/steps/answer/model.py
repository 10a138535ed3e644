"""The writer's model role: after the tribunal, one call writes the Answer from the dossier the reviewers read
and their reviews: a bottom line first (the answer, conflicts between sources, whose results they are), then one
or two sentences per facet, each citing the claims it rests on. Nothing it writes is shown before `checks.py`
has passed it sentence by sentence."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.prompts import fence, render
from sovereign_graph.llm.role import RoleResult
from sovereign_graph.llm.role_models import RoleModel
from sovereign_graph.state import AnswerSentence, FacetAnswer, Review
from sovereign_graph.steps.answer.rules import Draft
from sovereign_graph.steps.review.model import dossier_text
from sovereign_graph.steps.review.rubrics import Dossier

PROMPT = "writer.md"
MAX_BOTTOM_LINE = 3


class WrittenSentence(BaseModel):
    text: str = Field(description="one sentence")
    claims: list[str] = Field(
        description="ids of the claims it rests on (C1, ...); its numbers must be in their quotes"
    )


class WrittenFacet(BaseModel):
    facet_id: str = Field(description="the facet id, e.g. F1")
    sentences: list[WrittenSentence] = Field(description="one or two sentences; none if no claim addresses it")


class WrittenAnswer(BaseModel):
    bottom_line: list[WrittenSentence] = Field(
        description="one to three sentences: the answer to the question first, then where sources conflict and "
        "whose results the answer rests on"
    )
    facets: list[WrittenFacet] = Field(default_factory=list, description="per facet, what the evidence says")


def reviews_text(reviews: Sequence[Review]) -> str:
    lines = []
    for review in reviews:
        lines.append(f"{review.role} {review.score:g}/10: {' '.join(review.rationale.split())}")
        lines += [f"    objection on {o.target} ({o.kind}): {' '.join(o.message.split())}" for o in review.objections]
    return "\n".join(lines) or "(no review)"


def _sentences(written: Sequence[WrittenSentence]) -> list[AnswerSentence]:
    return [
        AnswerSentence(text=" ".join(s.text.split()), claims=[c.strip().strip("[]") for c in s.claims]) for s in written
    ]


def write_llm(target: RoleModel, dossier: Dossier, reviews: Sequence[Review]) -> RoleResult[Draft]:
    prompt = render(__package__, PROMPT, dossier=fence(dossier_text(dossier)), reviews=fence(reviews_text(reviews)))
    written, usage = ask("writer", target, WrittenAnswer, prompt, target.retry)
    facets = {f.id: f for f in dossier.facets}
    drafts = [
        FacetAnswer(
            facet_id=facet.id,
            facet=facet.text,
            kind=facet.kind,
            status="in_part",  # decided by the checks, from the claims that stand
            sentences=_sentences(d.sentences),
        )
        for d in written.facets
        if (facet := facets.get(d.facet_id.strip())) is not None
    ]
    return RoleResult(Draft(_sentences(written.bottom_line)[:MAX_BOTTOM_LINE], drafts), usage)
