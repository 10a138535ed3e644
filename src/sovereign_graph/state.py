"""The graph state: typed models of papers, passages, claims, reviews and the owner's decision.

Models are pydantic so that every node's output is validated; the checkpointer is told about each
of them (see `STATE_MODELS` and `app/checkpoints.py`) so they round-trip without "unregistered type" warnings.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, NotRequired, TypeVar

from pydantic import BaseModel, Field

# pydantic derives the JSON schemas Studio shows from these TypedDicts; on Python < 3.12 it needs this one.
from typing_extensions import TypedDict

Label = Literal["SUPPORT", "CONTRADICT", "NOT_ENOUGH_INFO"]
Recommendation = Literal["ACCEPT", "REVISE", "REJECT"]
Decision = Literal["approve", "reject", "revise"]
Role = Literal["SKEPTIC", "VALIDATOR", "SYNTHESIZER"]
ReportStatus = Literal["awaiting_owner", "approved", "rejected"]
# A bare arXiv id (new or old style); a library paper without one has a local id instead.
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})$")
FacetKind = Literal["intervention", "outcome", "benchmark", "comparison", "condition", "topic"]
# What a search query is for, decided by the code that writes it (a model's "angle" is only a note): the SKEPTIC's
# rubric counts a counter-evidence search by this, never by the wording of an origin a model could set.
QueryPurpose = Literal[
    "facets", "facet", "subject_method", "counter_evidence", "corroboration", "owner_note", "broader"
]
PassageKind = Literal["abstract", "paragraph", "table", "table_caption", "figure_caption"]


class Paper(BaseModel):
    id: str = Field(description="arXiv id without version, e.g. 2604.23996")
    title: str
    abstract: str
    authors: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    published: str = ""
    version: int | None = Field(default=None, description="arXiv version (1, 2, ...), when the source knows it")

    @property
    def url(self) -> str:
        """Its arXiv page; '' for a paper of the user's library that is not on arXiv (a local id)."""
        return f"https://arxiv.org/abs/{self.id}" if _ARXIV_ID.match(self.id) else ""


class Facet(BaseModel):
    """One aspect of the research question that the evidence should address."""

    id: str = Field(description="F1, F2, ...")
    text: str = Field(description="the phrase from the question")
    kind: FacetKind = Field(default="topic", description="its role in the question; claims must address an outcome")
    terms: list[str] = Field(description="stems of its content words, to match evidence to this facet")
    heads: list[str] = Field(default_factory=list, description="stems a passage must contain to address it at all")


class Query(BaseModel):
    text: str
    round: int = Field(description="0 for the plan, n for the n-th revision round")
    origin: str = Field(description="why this query exists: the plan's angle or the objection it answers")
    purpose: QueryPurpose | None = Field(
        default=None, description="what it is for, set by the code that wrote it; None on queries recorded before"
    )


class SearchHit(BaseModel):
    paper: Paper
    score: float = Field(description="best relevance score over the queries that found it")
    queries: list[str] = Field(description="the queries that found this paper")


class Passage(BaseModel):
    id: str = Field(description="<paper id>#<sentence index> (abstract), <paper id>#<anchor>.s<k> (body)")
    paper_id: str
    text: str
    kind: PassageKind = Field(default="abstract", description="where in the paper: its abstract or its body")
    anchor: str = Field(
        default="", description="the body block it is a sentence of: 'S4.SS2.p3' (arXiv HTML), 'p6.b3' (PDF)"
    )
    place: str = Field(
        default="", description="where a reader finds it: 'arXiv:2501.10120v1 §4.2 Crawler, p. 6'; '' (abstract)"
    )
    relevance: float = Field(default=0.0, description="embedding similarity to the research question")
    paper_relevance: float = Field(default=0.0, description="embedding similarity of its paper to the question")
    sentences_in_paper: int = Field(default=0, description="how many passages its paper has (0: unknown)")
    facet_relevance: dict[str, float] = Field(
        default_factory=dict, description="embedding similarity to each facet's phrase, by facet id"
    )


class Evidence(BaseModel):
    passage_id: str
    paper_id: str
    text: str
    score: float
    label: Label


class Claim(BaseModel):
    id: str
    text: str
    quote: str = Field(description="verbatim substring of the passage the claim rests on")
    paper_id: str
    passage_id: str
    place: str = Field(
        default="",
        description="where its quote stands in the paper ('arXiv:2501.10120v1 §4.2 Crawler, p. 6'); "
        "'' for the abstract",
    )
    facets: list[str] = Field(default_factory=list, description="ids of the facets the claim addresses")
    coverage: dict[str, float] = Field(
        default_factory=dict, description="per addressed facet, the share of its terms the quote contains"
    )
    relevance: float = Field(default=0.0, description="calibrated P(the claim answers the question)")
    model_relevance: float | None = Field(
        default=None, description="a live extractor's own 0-10 judgement of its passage's relevance; None offline"
    )
    own_result: bool | None = Field(
        default=None, description="a live extractor's reading: the paper's own result (True) or one it cites (False)"
    )
    from_subject: bool = Field(default=False, description="the subject paper's own finding: its authors' claim")
    quoted: bool = Field(default=False, description="its quote was found verbatim in its source passage")
    grounding: float | None = Field(
        default=None,
        description="how well the quote's passage entails the claim (trained verifier: P(SUPPORT)); None when the "
        "claim is its own quote, so there is nothing to check",
    )
    grounding_label: Label | None = Field(default=None, description="the verifier's label for the claim vs its quote")
    grounded: bool | None = Field(
        default=None, description="the quote entails the claim; None when the claim is its quote (not a check)"
    )
    corroborated: bool = Field(default=False, description="another retrieved paper SUPPORTs it")
    contradicted: bool = Field(default=False, description="another retrieved paper CONTRADICTs it")
    verified: bool = Field(
        default=False,
        description="a check that could have failed passed and none failed (grounded; or, for a claim that is its "
        "own quote, corroborated) and no other paper contradicts it",
    )
    label: Label = "NOT_ENOUGH_INFO"
    confidence: float = 0.0
    evidence: list[Evidence] = Field(default_factory=list)


class Gap(BaseModel):
    """A facet no claim fully addresses, with the closest evidence the run did find."""

    facet_id: str
    facet: str
    kind: FacetKind
    partial_claims: list[str] = Field(default_factory=list, description="claims that address it only in part")
    closest_passage: str | None = Field(default=None, description="best indexed passage naming it, if no claim does")
    closest_paper: str | None = None
    closest_place: str | None = Field(default=None, description="where that passage stands in its paper's body")
    closest_text: str | None = None
    closest_relevance: float | None = Field(default=None, description="the relevance model's P for that passage")


class AnswerSentence(BaseModel):
    text: str
    claims: list[str] = Field(description="ids of the claims the sentence rests on")


class FacetAnswer(BaseModel):
    """What the evidence says on one facet of the question, each sentence citing its claims."""

    facet_id: str
    facet: str
    kind: FacetKind
    status: Literal["answered", "in_part", "silent"] = Field(
        description="answered: an on-topic claim addresses it fully; in_part: only in part; silent: no claim"
    )
    sentences: list[AnswerSentence]


class DroppedSentence(BaseModel):
    """An answer sentence a live model wrote that failed the checks: never shown, counted in the report."""

    facet_id: str
    text: str
    reason: str


class Objection(BaseModel):
    target: str = Field(description="the claim id (C3) or facet id (F2) the objection is about, or 'dossier'")
    kind: str = Field(description="machine-readable reason, e.g. unverified, uncovered_facet, single_source")
    message: str


class Review(BaseModel):
    role: Role
    round: int
    score: float = Field(ge=0, le=10)
    rationale: str
    objections: list[Objection] = Field(default_factory=list)


class Revision(BaseModel):
    round: int = Field(description="the round this revision produced")
    trigger: Literal["tribunal", "owner"]
    note: str = ""
    actions: list[str]
    new_queries: list[str]
    dropped_passages: list[str] = Field(default_factory=list)


class RoleUsage(BaseModel):
    """What one LLM role consumed in a run (live mode): requests, tokens, seconds, and cost if priced."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    cost: float | None = Field(default=None, description="in the configured price's currency; None if unpriced")

    def plus(self, other: RoleUsage) -> RoleUsage:
        cost = None if self.cost is None and other.cost is None else (self.cost or 0.0) + (other.cost or 0.0)
        return RoleUsage(
            calls=self.calls + other.calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            seconds=round(self.seconds + other.seconds, 3),
            cost=None if cost is None else round(cost, 6),
        )


class RejectedClaim(BaseModel):
    """A claim a live extractor proposed that failed the checks: never shown as evidence, counted in the report."""

    round: int
    passage_id: str
    claim: str
    quote: str
    reason: str


class Fallback(BaseModel):
    """A live role's output rejected or replaced (by the checks or the role's embedded engine), or empty where it was
    given something to work on (an extractor claiming none of the passages it was shown): shown to the owner."""

    role: str = Field(description="planner | extractor | skeptic | validator | synthesizer | writer | reviser")
    round: int = Field(description="the round it happened in (0 for the plan; a reviser's: the round it produced)")
    reason: str = Field(description="what was rejected and why, and what was used instead")


class FullTextRead(BaseModel):
    """What the read step got of one paper's full text: its document's passages, or why it stays abstract-only."""

    paper_id: str
    how: str = Field(default="", description="'arXiv HTML', 'arXiv PDF (no HTML)', 'cache (arXiv HTML)', 'library PDF'")
    document: str = Field(
        default="",
        description="the document's name in the report: 'arXiv:2501.10120v1', or the user's file it came from: "
        "'library file “pasa.pdf”, sha256 3979809118c8…'",
    )
    file: str | None = Field(default=None, description="the user's file, as named when the corpus was built")
    sha256: str | None = Field(default=None, description="that file's sha256")
    blocks: int = Field(default=0, description="body blocks read (paragraphs, tables, captions); 0 when not read")
    reason: str | None = Field(default=None, description="why the paper stays abstract-only; None when read")


class OwnerDecision(BaseModel):
    decision: Decision
    note: str = ""
    by: str = Field(
        default="",
        description="'' when the owner decided; otherwise who decided in the owner's stead (an agent over MCP)",
    )


def merge_hits(existing: list[SearchHit], new: list[SearchHit]) -> list[SearchHit]:
    """Reducer for parallel search branches: one hit per paper, best score, all queries that found it."""
    by_id: dict[str, SearchHit] = {h.paper.id: h for h in existing}
    for hit in new:
        old = by_id.get(hit.paper.id)
        if old is None:
            by_id[hit.paper.id] = hit
            continue
        queries = old.queries + [q for q in hit.queries if q not in old.queries]
        by_id[hit.paper.id] = old.model_copy(update={"score": max(old.score, hit.score), "queries": queries})
    return sorted(by_id.values(), key=lambda h: (-h.score, h.paper.id))


def merge_usage(existing: dict[str, RoleUsage], new: dict[str, RoleUsage]) -> dict[str, RoleUsage]:
    """Reducer: sums per role, so parallel reviewer branches each add their own share."""
    merged = dict(existing)
    for role, usage in new.items():
        merged[role] = merged[role].plus(usage) if role in merged else usage
    return merged


def merge_dicts(existing: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    return {**existing, **new}


T = TypeVar("T")


def latest(_: T, writes: Sequence[T]) -> T:
    """A step's write replaces the value (the reducer of a channel that holds one step's result)."""
    return writes[-1]


def appended(existing: list[T], writes: Sequence[list[T]]) -> list[T]:
    return [*existing, *(item for write in writes for item in write)]


def hits_merged(existing: list[SearchHit], writes: Sequence[list[SearchHit]]) -> list[SearchHit]:
    # A host's checkpointer may hand stored writes back as plain dicts (the Studio server does): models again here.
    existing = [SearchHit.model_validate(hit) for hit in existing]
    for write in writes:
        existing = merge_hits(existing, [SearchHit.model_validate(hit) for hit in write])
    return existing


def stored_once(reducer: Any) -> Any:
    """A channel whose value the checkpointer stores once, with the write that made it, rather than again in every
    later checkpoint (`channels.py`). Called when LangGraph reads these annotations (a graph is built), so a command
    that only shows a report never imports LangGraph for it."""
    from sovereign_graph.channels import stored_once_channel

    return stored_once_channel(reducer)


def stored_once_value() -> Any:
    """`stored_once` for one model (the subject paper): absent until a step writes it."""
    from sovereign_graph.channels import StoredOnceValue

    return StoredOnceValue(latest)


class ResearchInput(TypedDict):
    """What a caller provides: the subject paper (id, URL or exact title) and the question."""

    paper: Annotated[str, Field(description="The subject paper: arXiv id (2604.23996), arXiv URL or its title.")]
    question: Annotated[str, Field(description="The research question about the paper.")]
    max_revisions: NotRequired[
        Annotated[int, Field(description="Automatic revision rounds when the tribunal scores low (0-3, default 1).")]
    ]


class ResearchOutput(TypedDict, total=False):
    """What a finished run returns; the full brief is `report` (see docs/report.md for its keys)."""

    paper: str
    question: str
    score: float
    recommendation: Recommendation
    escalated: bool
    evidence_gap: list[str] | None
    owner_decision: OwnerDecision | None
    report: dict[str, object]


class ResearchState(TypedDict, total=False):
    paper: str
    question: str
    max_revisions: int
    subject: Annotated[Paper, stored_once_value()]
    facets: list[Facet]
    queries: Annotated[list[Query], operator.add]
    round_queries: list[str]
    hits: Annotated[list[SearchHit], stored_once(hits_merged)]
    full_texts: Annotated[list[FullTextRead], stored_once(latest)]
    passages: Annotated[list[Passage], stored_once(latest)]
    dropped_passages: list[str]
    claims: Annotated[list[Claim], stored_once(latest)]
    reviews: Annotated[list[Review], operator.add]
    round: int
    revisions: Annotated[list[Revision], operator.add]
    score: float
    recommendation: Recommendation
    escalated: bool
    owner_decision: OwnerDecision | None
    pending_owner_note: str | None
    evidence_gap: list[str] | None
    gaps: Annotated[list[Gap], stored_once(latest)]
    method: Annotated[dict[str, str], merge_dicts]
    usage: Annotated[dict[str, RoleUsage], merge_usage]
    rejected_claims: Annotated[list[RejectedClaim], stored_once(appended)]
    fallbacks: Annotated[list[Fallback], operator.add]
    bottom_line: Annotated[list[AnswerSentence], stored_once(latest)]
    answer: Annotated[list[FacetAnswer], stored_once(latest)]
    answer_dropped: Annotated[list[DroppedSentence], stored_once(latest)]
    report: dict[str, object]  # written once, at the end: no copies to save


class SearchTask(TypedDict):
    """The payload of one parallel search branch (a `Send`)."""

    query: str
    round: int


STATE_MODELS: tuple[type[BaseModel], ...] = (
    Paper,
    Facet,
    Query,
    SearchHit,
    Passage,
    FullTextRead,
    Evidence,
    Claim,
    Gap,
    AnswerSentence,
    FacetAnswer,
    DroppedSentence,
    Objection,
    Review,
    Revision,
    OwnerDecision,
    RoleUsage,
    RejectedClaim,
    Fallback,
)
