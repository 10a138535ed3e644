"""The small models the LLM roles answer in (structured output). The engines convert them into the state's
models (`Query`, `Claim`, `Review`, `Revision`) after checking them against the evidence."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ObjectionKind = Literal[
    "unverified",
    "contradicted",
    "off_topic",
    "single_source",
    "no_counter_search",
    "quote_not_found",
    "ungrounded",
    "numbers_mismatch",
    "weak_verdict",
    "low_verification",
    "uncovered_facet",
    "partial_facet",
    "unsupported_facet",
    "no_claims",
    "other",
]


class PlannedQuery(BaseModel):
    text: str = Field(description="the search query: keywords, 3-10 words")
    angle: str = Field(description="which facet(s) or purpose it serves")


class Plan(BaseModel):
    queries: list[PlannedQuery]


class ProposedClaim(BaseModel):
    passage_id: str = Field(description="the id in brackets of the passage the claim rests on")
    quote: str = Field(description="verbatim text copied from that passage")
    claim: str = Field(description="the finding in one sentence; its numbers must appear in the quote")
    facets: list[str] = Field(description="ids of the facets it addresses, e.g. F1")


class Extraction(BaseModel):
    claims: list[ProposedClaim]


class RaisedObjection(BaseModel):
    target: str = Field(description="a claim id (C1), a facet id (F2) or 'dossier'")
    kind: ObjectionKind
    message: str


class Verdict(BaseModel):
    score: float = Field(description="0 (worthless) to 10 (conclusive)")
    rationale: str
    objections: list[RaisedObjection]


class DraftSentence(BaseModel):
    text: str = Field(description="one sentence of what the evidence says on the facet")
    claims: list[str] = Field(
        description="ids of the claims it rests on (C1, ...); its numbers must be in their quotes"
    )


class DraftFacetAnswer(BaseModel):
    facet_id: str = Field(description="the facet id, e.g. F1")
    sentences: list[DraftSentence] = Field(description="one or two sentences; none if no claim addresses it")


class Synthesis(Verdict):
    """The SYNTHESIZER's review also writes the report's Answer."""

    answer: list[DraftFacetAnswer] = Field(default_factory=list, description="per facet, what the evidence says")


class RevisionPlan(BaseModel):
    queries: list[PlannedQuery]
    drop_claims: list[str] = Field(description="ids of off-topic claims to drop")
