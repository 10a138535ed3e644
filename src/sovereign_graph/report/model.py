"""The report's model: one value built from the state, which `markdown` renders for people and `json_export`
for tools."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from sovereign_graph.scoring import aggregate
from sovereign_graph.settings.run import DEFAULTS, RunSettings
from sovereign_graph.state import (
    AnswerSentence,
    Claim,
    DroppedSentence,
    Facet,
    FacetAnswer,
    Fallback,
    Gap,
    OwnerDecision,
    Query,
    RejectedClaim,
    ReportStatus,
    Review,
    Revision,
    RoleUsage,
)

SUBJECT_CLAIM = "subject: its authors' claim"
RESUME_HINT = "sovereign resume {thread} --decision approve|reject|revise [--note TEXT]"
REVIEWERS = ("skeptic", "validator", "synthesizer")
STRUCTURED_OUTPUT = (
    "every live model's answer came back through its structured output (JSON schema) and was validated against "
    "the role's pydantic schema (its step's model.py) before use, then checked as the fallbacks line says"
)


class PaperRef(BaseModel):
    id: str
    title: str
    url: str


class SubjectPaper(PaperRef):
    abstract: str
    authors: list[str]


class RetrievedPaper(PaperRef):
    score: float
    queries: list[str]


class Report(BaseModel):
    thread_id: str | None
    status: ReportStatus
    paper: SubjectPaper
    question: str
    # The Answer's first sentences: the answer to the question, conflicts between sources, whose results they are.
    bottom_line: list[AnswerSentence] = []
    answer: list[FacetAnswer]
    answer_dropped: list[DroppedSentence] = []
    facets: list[Facet]
    queries: list[Query]
    method: dict[str, str]
    # The settings the run ran by (None: a thread that recorded none, e.g. one started by Studio or the SDK).
    settings: RunSettings | None = None
    papers: list[RetrievedPaper]
    claims: list[Claim]
    reviews: list[Review]
    score: float
    round_scores: list[float]
    revision_rounds: int
    revisions: list[Revision]
    recommendation: str
    escalated: bool
    owner_decision: OwnerDecision | None
    evidence_gap: list[str] | None
    gaps: list[Gap]
    uncertainties: list[str]
    references: list[PaperRef]
    usage: dict[str, RoleUsage] = {}
    rejected_claims: list[RejectedClaim] = []
    fallbacks: list[Fallback] = []


def tribunal_threshold(report: Report) -> float:
    """The score under which the run's tribunal asked for a revision round."""
    return report.settings.revise_below if report.settings is not None else float(DEFAULTS["revise_below"])


def role_name(role: str) -> str:
    """Reviewers by their tribunal names (SKEPTIC), the other roles as configured (planner)."""
    return role.upper() if role in REVIEWERS else role


def fallback_summary(fallbacks: list[Fallback]) -> list[str]:
    """One line per role whose model output was rejected, replaced or empty: how often, in which rounds, and why."""
    by_role: dict[str, list[Fallback]] = {}
    for fallback in fallbacks:
        by_role.setdefault(fallback.role, []).append(fallback)
    lines = []
    for role, entries in by_role.items():
        reasons: dict[str, int] = {}
        for entry in entries:
            reasons[entry.reason] = reasons.get(entry.reason, 0) + 1
        numbers = sorted({e.round for e in entries})
        rounds = f"round{'s' if len(numbers) > 1 else ''} {', '.join(str(n) for n in numbers)}"
        why = "; ".join(reason + (f" (×{n})" if n > 1 else "") for reason, n in reasons.items())
        times = f"{len(entries)} time{'s' if len(entries) != 1 else ''}"
        lines.append(f"{role_name(role)}: model output rejected, replaced or empty {times} ({rounds}): {why}")
    return lines


def final_round_extraction(report: Report) -> list[Fallback]:
    """The extractor's fallbacks in the round the report's claims come from (the last one that ran)."""
    rounds = [r.round for r in report.reviews] + [f.round for f in report.fallbacks if f.role == "extractor"]
    last = max(rounds, default=0)
    return [f for f in report.fallbacks if f.role == "extractor" and f.round == last]


def status_of(state: Mapping[str, Any]) -> ReportStatus:
    decision = state.get("owner_decision")
    if decision is not None and decision.decision == "approve":
        return "approved"
    if decision is not None and decision.decision == "reject":
        return "rejected"
    return "awaiting_owner"


def uncertainties(state: Mapping[str, Any]) -> list[str]:
    """What this run could not establish, computed from its own dossier."""
    claims: list[Claim] = state.get("claims", [])
    notes: list[str] = []
    unverified = [c.id for c in claims if not c.verified]
    if unverified:
        notes.append(
            f"{len(unverified)} of {len(claims)} claims are not verified by a check that could have failed: no other "
            f"retrieved paper corroborates them ({', '.join(unverified)})."
        )
    own_quote = [c.id for c in claims if c.grounded is None]
    if own_quote:
        notes.append(
            f"{len(own_quote)} claim(s) are verbatim sentences of their papers ({', '.join(own_quote)}): comparing a "
            "claim with itself proves nothing, so their grounding is not counted as a verification."
        )
    facets: list[Facet] = state.get("facets", [])
    unsupported = [f for f in facets if not any(c.verified and f.id in c.facets for c in claims)]
    if unsupported and claims:
        notes.append("No verified claim supports: " + "; ".join(f"{f.id} '{f.text}'" for f in unsupported) + ".")
    sources = {c.paper_id for c in claims}
    if len(sources) == 1:
        notes.append(f"All claims come from a single paper ({next(iter(sources))}).")
    subject = state.get("subject")
    authors = [c.id for c in claims if c.from_subject]
    if subject is not None and claims and len(authors) == len(claims):
        notes.append("Every claim is the subject paper's own report of itself; no independent replication was found.")
    elif authors:
        are = "are" if len(authors) > 1 else "is"
        notes.append(
            f"{', '.join(authors)} {are} the subject paper's authors' own claim{'s' if len(authors) > 1 else ''}, "
            "not independent corroboration."
        )
    rejected: list[RejectedClaim] = state.get("rejected_claims", [])
    fallbacks: list[Fallback] = state.get("fallbacks", [])
    this_round = state.get("round", 0)
    extractor_failed = any(f.role == "extractor" and f.round == this_round for f in fallbacks)
    if not claims and (extractor_failed or any(r.round == this_round for r in rejected)):
        notes.append("Nothing is claimed: the extractor model grounded nothing (see the evidence gap).")
    elif not claims:
        notes.append("No retrieved sentence cleared the relevance model's threshold, so nothing is claimed.")
    if rejected:
        reasons: dict[str, int] = {}
        for r in rejected:
            reason = r.reason.split(":")[0]
            reasons[reason] = reasons.get(reason, 0) + 1
        notes.append(
            f"{len(rejected)} claim(s) the extractor model proposed were rejected and are not shown as evidence ("
            + "; ".join(f"{reason}: {n}" for reason, n in reasons.items())
            + ")."
        )
    if "seed method" in state.get("method", {}).get("verify", ""):
        notes.append(
            "Verification used the seed TF-IDF method: word overlap, blind to negation and direction, "
            "so a SUPPORT label means 'similar wording elsewhere', not entailment."
        )
    notes.append(
        f"Search covered only the {state.get('method', {}).get('source', 'offline corpus')}; "
        "papers outside it were not seen."
    )
    return notes


def round_scores(reviews: list[Review]) -> list[float]:
    """The tribunal's score in each round, first to last."""
    rounds = sorted({r.round for r in reviews})
    return [aggregate([r for r in reviews if r.round == n]) for n in rounds]


def build_report(
    state: Mapping[str, Any], *, thread_id: str | None, status: ReportStatus, settings: RunSettings | None = None
) -> Report:
    subject = state["subject"]
    claims: list[Claim] = state.get("claims", [])
    hits = state.get("hits", [])
    cited = {c.paper_id for c in claims} | {e.paper_id for c in claims for e in c.evidence}
    papers = [
        RetrievedPaper(id=h.paper.id, title=h.paper.title, url=h.paper.url, score=h.score, queries=h.queries)
        for h in hits
    ]
    # Every retrieved paper is a reference; cited ones first so a reader finds them quickly.
    references = sorted(papers, key=lambda p: (p.id not in cited, p.id != subject.id))
    method = dict(state.get("method", {}))
    if state.get("usage"):
        method["structured output"] = STRUCTURED_OUTPUT
    return Report(
        thread_id=thread_id,
        status=status,
        paper=SubjectPaper(
            id=subject.id,
            title=subject.title,
            url=subject.url,
            abstract=subject.abstract,
            authors=subject.authors,
        ),
        question=state["question"],
        bottom_line=state.get("bottom_line", []),
        answer=state.get("answer", []),
        answer_dropped=state.get("answer_dropped", []),
        facets=state.get("facets", []),
        queries=state.get("queries", []),
        method=method,
        settings=settings,
        papers=papers,
        claims=claims,
        reviews=state.get("reviews", []),
        score=state.get("score", 0.0),
        round_scores=round_scores(state.get("reviews", [])),
        revision_rounds=len(state.get("revisions", [])),
        revisions=state.get("revisions", []),
        recommendation=state.get("recommendation", "REJECT"),
        escalated=state.get("escalated", True),
        owner_decision=state.get("owner_decision") if status != "awaiting_owner" else None,
        evidence_gap=state.get("evidence_gap"),
        gaps=state.get("gaps", []),
        uncertainties=uncertainties(state),
        references=[PaperRef(id=p.id, title=p.title, url=p.url) for p in references],
        usage=state.get("usage", {}),
        rejected_claims=state.get("rejected_claims", []),
        fallbacks=state.get("fallbacks", []),
    )
